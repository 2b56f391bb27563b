"""Trainee: the lessons are their own copy. A scenario played, the notebook saved, the kernel restarted and the
notebook reopened shows no broken widget and keeps their edits, and the kit stays untouched; an update of the kit
reaches their edited copy without losing what they wrote."""

from __future__ import annotations

import json
import re
import subprocess

import nbformat
import pytest
from lab_page import notebook, open_notebook, run_all_cells, run_new_cell, shut_down_kernels
from playwright.sync_api import expect
from scenario_page import ScenarioWidget
from servers import ServerDidNotStart, copy_kit, lab_server

from frontline.kit import KitPaths
from frontline.workspace import Workspace

TRAINEE = "Robin Ng"
LESSON = "03_diagnosis.ipynb"
EDIT = "my_takeaway = 'summarise back before offering a fix'"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def git(kit, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=kit, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def tracked_kit(tmp_path_factory):
    """A copy of the kit under git, so that `git status` shows whether a trainee's session wrote into it."""
    kit = copy_kit(tmp_path_factory.mktemp("tracked-kit"))
    git(kit, "init", "-q")
    git(kit, "add", "-A")
    git(kit, "-c", "user.name=Kit", "-c", "user.email=kit@example.invalid", "commit", "-qm", "kit")
    return kit


@pytest.fixture(scope="module")
def trainee_lab(chromium_available, tracked_kit, tmp_path_factory):
    """`frontline lab` for one trainee with autosave on, as a trainee has it."""
    try:
        with lab_server(tracked_kit, tmp_path_factory.mktemp("trainee-lab"), trainee=TRAINEE, autosave=True) as lab:
            yield lab
    except ServerDidNotStart as error:
        pytest.fail(str(error), pytrace=False)


def save(page) -> None:
    page.keyboard.press("Control+s")
    expect(page.locator(".jp-mod-dirty")).to_have_count(0, timeout=30_000)


def test_a_played_scenario_survives_save_restart_and_reopen(trainee_lab, tracked_kit, page):
    open_notebook(page, trainee_lab, f"lessons/{LESSON}")
    run_all_cells(page)
    asking = page.get_by_role("button", name=re.compile(r"^Ask: "))
    scenario = ScenarioWidget(notebook(page).locator(".jp-OutputArea-output").filter(has=asking).first)
    scenario.root.scroll_into_view_if_needed()
    ask = scenario.root.get_by_role("button", name=re.compile(r"^Ask: ")).first
    asked_name = ask.inner_text().replace("Ask: ", "◉ Asked: ", 1)
    ask.focus()
    ask.press("Enter")
    # the asked question is marked with its own symbol, and the keyboard stays in the widget
    expect(scenario.root.get_by_role("button", name=asked_name)).to_be_disabled()
    focused = page.evaluate("() => document.activeElement && document.activeElement.innerText")
    assert focused.startswith("Ask: "), f"focus left the widget: {focused!r}"
    run_new_cell(page, EDIT)
    # Shift+Enter left an empty cell below the edit: delete it (command mode, D D) as a tidy trainee would
    cells = notebook(page).locator(".jp-Cell")
    count = cells.count()
    page.keyboard.press("Escape")
    page.keyboard.press("d")
    page.keyboard.press("d")
    expect(cells).to_have_count(count - 1)
    save(page)

    saved = nbformat.read(trainee_lab.workspace / "lessons" / LESSON, as_version=4)
    assert any(EDIT in cell.source for cell in saved.cells)
    assert WIDGET_VIEW not in json.dumps(saved) and "widgets" not in saved.metadata

    shut_down_kernels(trainee_lab)  # the kernel is gone, as after a restart or the next day
    open_notebook(page, trainee_lab, f"lessons/{LESSON}")
    nb = notebook(page)
    expect(nb.locator(".jp-Cell", has_text=EDIT)).to_have_count(1)
    expect(page.get_by_text(re.compile("model not found|Error displaying widget"))).to_have_count(0)
    run_all_cells(page)
    expect(ScenarioWidget.first_in(nb).title).to_be_visible()
    expect(page.get_by_text(re.compile("model not found|Error displaying widget"))).to_have_count(0)
    assert git(tracked_kit, "status", "--porcelain") == ""


def test_a_kit_update_reaches_the_trainees_edited_copy_without_losing_their_edits(trainee_lab, tracked_kit, page):
    lesson = trainee_lab.workspace / "lessons" / LESSON
    mine = nbformat.read(lesson, as_version=4)
    if not any(EDIT in cell.source for cell in mine.cells):  # this test may run on its own
        mine.cells.append(nbformat.v4.new_code_cell(EDIT))
        nbformat.write(mine, lesson)
    source = tracked_kit / "notebooks" / LESSON
    kit_nb = nbformat.read(source, as_version=4)
    intro = next(c for c in kit_nb.cells if c.cell_type == "markdown" and not c.source.startswith("<!--"))
    intro.source += "\n\n**Updated by the course:** summarising back takes about twenty seconds."
    nbformat.write(kit_nb, source)

    # what `frontline lab` does when it starts: the same function, on the same workspace
    report = Workspace(trainee_lab.workspace, TRAINEE).sync(KitPaths(tracked_kit))
    assert report.merged == [f"lessons/{LESSON}"]
    assert any("everything you wrote is kept" in line for line in report.lines())

    open_notebook(page, trainee_lab, f"lessons/{LESSON}")
    nb = notebook(page)
    expect(nb.locator(".jp-Cell", has_text=EDIT)).to_have_count(1)
    expect(nb.locator(".jp-MarkdownCell", has_text="Updated by the course:")).to_have_count(1)
    # only the kit's author changed the kit
    assert git(tracked_kit, "status", "--porcelain").split() == ["M", f"notebooks/{LESSON}"]
