"""Trainee: every lesson notebook opens in `frontline lab`, runs from Run > Run All Cells, and answers the trainee.

For each lesson the test reads its metadata: a lesson that uses scenarios has its first scenario widget driven
(a hint, then an answer or a move of a slider, each with the feedback checked as the page shows it); a lesson with
a self-check question has it asked for a hint in a new cell, as a trainee types it.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from lab_page import notebook, open_notebook, run_all_cells, run_new_cell
from playwright.sync_api import expect
from scenario_page import ScenarioWidget
from servers import REPO

LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def lesson_metadata(path):
    return json.loads(path.read_text())["metadata"].get("frontline", {}).get("lesson", {})


def scenario_content(scenario_id: str) -> dict:
    return yaml.safe_load((REPO / "data" / "scenarios" / f"{scenario_id}.yaml").read_text())


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_lab_and_responds(lab, lab_page, path):
    lesson = lesson_metadata(path)
    assert lesson, f"{path.name} has no frontline.lesson metadata"
    open_notebook(lab_page, lab, f"lessons/{path.name}")
    run_all_cells(lab_page)
    nb = notebook(lab_page)
    expect(nb.locator(".jp-MarkdownCell h1").first).to_contain_text(lesson["title"])
    check_charts(nb, path)

    assert lesson["scenarios"] or has_self_check(path), f"{path.name} has nothing for the trainee to answer"
    if lesson["scenarios"]:
        contents = {sid: scenario_content(sid) for sid in lesson["scenarios"]}
        scenario = ScenarioWidget.first_in(nb)
        scenario.root.scroll_into_view_if_needed()
        title = scenario.title.inner_text()
        matching = [c for c in contents.values() if c["title"] == title]
        assert matching, f"first widget {title!r} is none of the lesson's scenarios {list(contents)}"
        content = matching[0]
        expect(scenario.ask_hint().first).to_contain_text(f"Hint 1 of {len(content['hints'])}: {content['hints'][0]}")
        drive_by_kind(scenario, content)
    if has_self_check(path):
        # the self-check question answers a trainee who has not answered yet, and gives a hint when asked
        practice = nb.locator(".jp-OutputArea-output", has_text="not answered yet")
        expect(practice.first).to_contain_text("✘ not answered yet")
        cell = run_new_cell(lab_page, "q.hint()")
        expect(cell.locator(".jp-OutputArea-output")).to_have_text(re.compile(r"^Hint 1 of \d+: \S"))


def check_charts(nb, path) -> None:
    """Each chart reaches the page as a picture with its text alternative, filled from the data, and a table of
    its numbers that a screen reader finds by its caption."""
    cells = json.loads(path.read_text())["cells"]
    calls = sum("".join(cell["source"]).count("show_chart(") for cell in cells if cell["cell_type"] == "code")
    charts = nb.locator("figure.frontline-chart")
    expect(charts).to_have_count(calls)
    for chart in charts.all():
        alt = chart.locator("img").get_attribute("alt")
        assert alt and re.search(r"\d", alt) and not re.search(r"[{}]", alt), alt
        chart.get_by_text("The numbers in this chart").click()
        caption = chart.locator("caption").inner_text().strip()
        assert caption
        table = chart.get_by_role("table", name=caption, exact=True)
        expect(table).to_be_visible()
        expect(table.get_by_role("columnheader").first).to_be_visible()


def has_self_check(path) -> bool:
    cells = json.loads(path.read_text())["cells"]
    return any("q.check(answer)" in "".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


def personas() -> list[dict]:
    return yaml.safe_load((REPO / "data" / "scenarios" / "personas.yaml").read_text())["personas"]


def option_score(option: dict, persona: str | None) -> float:
    return option.get("score_by_persona", {}).get(persona, option.get("score", 0))


def drive_by_kind(scenario: ScenarioWidget, content: dict) -> None:
    """Give an answer the way this kind of scenario takes one, and check the page shows the verdict."""
    kind = content["kind"]
    if kind == "choice" and content.get("multiple"):
        for option in content["options"]:
            if option_score(option, None) >= 1:
                scenario.tick(option["text"])
        expect(scenario.submit()).to_contain_text("✔ Correct")
    elif kind == "choice":
        persona = None
        if content.get("personas"):
            names = {p["id"]: p["name"] for p in personas()}
            shown = scenario.persona()
            persona = next((pid for pid, name in names.items() if name == shown), None)
            assert persona, f"the persona shown, {shown!r}, is not in personas.yaml"
        best = max(content["options"], key=lambda option: option_score(option, persona))
        scenario.choose(best["text"])
        expect(scenario.submit()).to_contain_text("✔ Correct")
        if persona:
            # the same reply, judged for another customer, is no longer the best one
            other = next(p for p in content["personas"] if option_score(best, p) < 1)
            scenario.set_persona(names[other], mid_attempt=True)
            expect(scenario.feedback).to_have_count(0)  # a new customer starts a new attempt
            scenario.choose(best["text"])
            feedback = scenario.submit()
            expect(feedback).not_to_contain_text("✔ Correct")
            expect(feedback).to_contain_text(f"Judged for the customer persona {names[other]}")
    elif kind == "calculator":
        results = scenario.root.locator("table").first
        before = results.inner_text()
        slider = scenario.root.get_by_role("slider").first
        slider.focus()
        slider.press("End")  # keyboard: the slider jumps to its maximum
        expect(results).not_to_have_text(before)
    elif kind == "ordering":
        # the steps start shuffled and untouched they cannot be submitted; after one move (keyboard-selectable
        # list, then a button) the order is judged with partial credit, step by step
        scenario.button("Submit").click()
        expect(scenario.feedback).to_contain_text("Move at least one")
        scenario.root.locator("select").select_option(index=0)
        scenario.button("Move down").click()
        expect(scenario.submit()).to_contain_text(re.compile(r"of \d+ steps are in their right place"))
    else:
        # every other kind: the solution stays closed before an attempt, and says so
        scenario.button("Show solution").click()
        expect(scenario.root.get_by_role("alert")).to_contain_text("after your first attempt")
