"""The projected room view in Chromium: it draws the live distribution and its controls work from the keyboard."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from live_support import LiveServer

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_room_view_shows_answers_and_runs_the_question_from_the_keyboard(tmp_path, repo):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    server = LiveServer(tmp_path, "--plan", str(repo / "data" / "sessions" / "diagnosis-workshop.yaml")).start()
    fac = server.facilitator()
    number = next(q["number"] for q in fac.get("/api/facilitator/state").json()["questions"]
                  if q["question_id"] == "warm-up/first-move")
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{server.url}/room#token={server.token}")
            page.get_by_text(server.code).wait_for()
            assert server.token not in page.url  # the projected address bar does not show the secret

            open_button = page.get_by_role("button", name=f"Open question {number}")
            open_button.focus()
            page.keyboard.press("Enter")
            card = page.locator(f"article[aria-labelledby=q{number}-title]")
            card.get_by_text("● Open: answers accepted").wait_for()

            for choice in ("Ask what they expected and when", "Ask what they expected and when",
                           "Offer a refund straight away"):
                with server.join() as trainee:
                    trainee.post("/api/answers", json={"question_id": "warm-up/first-move", "kind": "choice",
                                                       "answer": choice, "idempotency_key": uuid.uuid4().hex})
            card.get_by_text("3 of 3 answered", exact=False).wait_for()
            assert card.locator(".bar-count").all_inner_texts() == ["1 (33%)", "2 (67%)", "0 (0%)"]

            page.get_by_role("button", name=f"Reveal answer question {number}").focus()
            page.keyboard.press("Space")
            card.get_by_text("✔ Answer revealed").wait_for()
            assert "✔ Ask what they expected and when (answer)" in card.inner_text()
            assert "Diagnosis comes before the remedy" in card.inner_text()
            page.reload()  # the token survives a reload in this tab
            page.get_by_text("✔ Answer revealed").wait_for()
            assert errors == []
            browser.close()
    finally:
        fac.close()
        server.stop()
