"""Regenerate the README screenshots in docs/images/ from the running kit, in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py            # all of them
    .venv/bin/python scripts/screenshots.py room-view  # only some: scenario, grading-report, mark-scheme, room-view

Each picture comes from the real thing, started the way its user starts it (the servers and the browser set-up are
the acceptance tests' own, from tests/browser/servers.py), on a private copy of the kit, so running this changes
nothing but the PNG files. The PNGs are reduced to a 256-colour palette to keep the repository small.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import uuid
from pathlib import Path

import httpx
import nbformat
import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from scenario_page import ScenarioWidget  # noqa: E402
from servers import (  # noqa: E402
    copy_kit,
    graded_course,
    launch_chromium,
    live_server,
    missing_browser_reason,
    presentation,
)

OUT = REPO / "docs" / "images"
VIEWPORT = {"width": 1100, "height": 800}


def save(locator_or_page, name: str, **options) -> Path:
    """Screenshot, then shrink to a palette PNG (screens are mostly flat colour, so this loses little)."""
    path = OUT / f"{name}.png"
    locator_or_page.screenshot(path=str(path), **options)
    image = Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    image.save(path, optimize=True)
    print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size // 1024} KiB)")
    return path


def scenario(browser, kit: Path, run: Path) -> None:
    """The diagnosis interview mid-way (two questions asked, a hint shown), as projected by `frontline live present`."""
    notebook = kit / "presenting" / "late-delivery.ipynb"
    notebook.parent.mkdir(exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('import frontline\n\nfrontline.scenario("diagnosis/late-delivery")'),
    ]), notebook)
    with presentation(kit, run / "present", notebook) as shown:
        page = browser.new_page(viewport={"width": VIEWPORT["width"], "height": 2000})  # the whole widget in view
        page.goto(shown.url, timeout=180_000)  # Voila runs the notebook before the page loads
        widget = ScenarioWidget.first_in(page)
        ask = widget.root.get_by_role("button", name=re.compile(r"^Ask \("))
        asked = widget.root.get_by_role("button", name=re.compile(r"^◉ Asked \("))
        for done, position in enumerate((0, 1), 1):  # the first and third questions as listed
            ask.nth(position).click()
            asked.nth(done - 1).wait_for()
        widget.ask_hint()
        save(widget.root, "scenario")
        page.close()


def grading(browser, kit: Path, run: Path, names: set[str]) -> None:
    """The item-analysis report of a made-up class, and the formgrader showing a rubric as the mark scheme."""
    from lab_page import log_in
    from servers import formgrader_server

    course = graded_course(kit, run / "grading", kinds=("source", "full", "untouched", "crash", "tamper", "delete"))
    if "grading-report" in names:
        page = browser.new_page(viewport={"width": VIEWPORT["width"], "height": 100})  # full page = content
        page.goto((course.root / "reports" / course.assignment / "item_analysis.html").as_uri())
        page.add_style_tag(content="body{font:14px sans-serif;margin:16px} table{border-collapse:collapse}"
                                   "th,td{border:1px solid #999;padding:4px 6px;text-align:left}")
        save(page, "grading-report", full_page=True)
        page.close()
    if "mark-scheme" in names:
        with formgrader_server(course, run / "grading") as server:
            page = browser.new_page(viewport=VIEWPORT)
            log_in(page, server)
            page.goto(f"{server.base}/formgrader/manage_students/full/{course.assignment}")
            page.locator("a[href*='/formgrader/submissions/']").first.click()
            heading = page.get_by_role("heading", name="📋 Mark scheme").first
            heading.wait_for()
            scheme = heading.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' cell ')][1]")
            answer = scheme.locator("xpath=preceding-sibling::div[contains(concat(' ', @class, ' '), ' cell ')][1]")
            page_top = "e => e.getBoundingClientRect().top + window.scrollY"
            top = answer.evaluate(page_top)
            bottom = scheme.evaluate(page_top) + scheme.bounding_box()["height"]
            clip = {"x": 0, "y": top, "width": VIEWPORT["width"], "height": bottom - top}
            save(page, "mark-scheme", clip=clip, full_page=True)
            page.close()


def room_view(browser, kit: Path, run: Path) -> None:
    """The facilitator's room view after a room of trainees answered the workshop plan's choice question."""
    plan = yaml.safe_load((kit / "data" / "sessions" / "diagnosis-workshop.yaml").read_text())
    spec = next(q for q in plan["questions"] if q.get("kind") == "choice")
    with live_server(kit, run / "live", code="DEMO42") as session:  # a fixed code keeps the picture stable
        facilitator = httpx.Client(base_url=session.base, timeout=10,
                                   headers={"Authorization": f"Bearer {session.facilitator_token}"})
        question = facilitator.post("/api/facilitator/questions", json={
            "question_id": spec["id"], "kind": "choice", "title": spec["title"], "options": spec["options"],
            "answer": spec["answer"], "debrief": spec.get("debrief", "")}).raise_for_status().json()
        facilitator.post(f"/api/facilitator/questions/{question['number']}/open").raise_for_status()
        room = [1, 1, 1, 1, 1, 0, 0, 2, 1, 2, 1, 0]  # a made-up room of twelve: most ask first
        for index, option in enumerate(room):
            token = httpx.post(f"{session.base}/api/join", json={"code": session.join_code, "name": f"T{index}"},
                               timeout=10).json()["participant_token"]
            httpx.post(f"{session.base}/api/answers", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                       json={"question_id": spec["id"], "kind": "choice", "answer": spec["options"][option],
                             "idempotency_key": uuid.uuid4().hex}).raise_for_status()
        facilitator.post(f"/api/facilitator/questions/{question['number']}/reveal").raise_for_status()
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        page.goto(session.room_url)
        page.get_by_text("Answer revealed").wait_for()
        save(page, "room-view")
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["scenario", "grading-report", "mark-scheme", "room-view"])
    names = set(parser.parse_args().names)
    reason = missing_browser_reason()
    if reason:
        sys.exit(f"cannot take screenshots: {reason}")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="frontline-screenshots-") as tmp, sync_playwright() as playwright:
        run = Path(tmp)
        kit = copy_kit(run / "kit")
        browser = launch_chromium(playwright)
        try:
            if "scenario" in names:
                scenario(browser, kit, run)
            if names & {"grading-report", "mark-scheme"}:
                grading(browser, kit, run, names)
            if "room-view" in names:
                room_view(browser, kit, run)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
