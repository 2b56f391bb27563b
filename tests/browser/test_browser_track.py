"""Trainer: in nbgrader's formgrader, a front-line exercise's submission shows the written reply's rubric as its
mark scheme and, under each graded scenario, the path the trainee clicked, told in words.

The formgrader shows every exercise through the same pages, so the browser visits the fewest exercises whose graded
situations cover every kind of scenario (each kind tells its path differently); every exercise's rubric and marking
are checked without a browser (tests/test_grading_content.py, tests/test_frontline_track_grading.py).

A made-up trainee hands in every front-line exercise with the model written replies and the model click records;
`frontline grade all` grades them; JupyterLab is started from the course folder as the trainer's guide says.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest
from lab_page import log_in
from playwright.sync_api import expect
from servers import REPO, GradedCourse, LabServer, ServerDidNotStart, _home, clean_env, formgrader_server

from frontline.grading.replay import scenario_calls_in
from frontline.grading.rubrics import load_rubrics
from frontline.grading.samples import make_submission
from frontline.responses import Step
from frontline.scenarios.graded import describe_step

STUDENT = "model"


def _covering_every_kind() -> list[str]:
    """The fewest front-line exercises (first in name order on a tie) whose graded situations cover every kind."""
    kinds = {}
    for folder in sorted((REPO / "exercises").glob("fl_*")):
        calls = scenario_calls_in(folder / f"{folder.name}.ipynb")
        kinds[folder.name] = {call.scenario_id.split("/")[0] for call in calls}
    left, chosen = set().union(*kinds.values()), []
    while left:
        best = max(sorted(kinds), key=lambda name: len(kinds[name] & left))
        chosen.append(best)
        left -= kinds[best]
    return sorted(chosen)


FRONT_LINE = _covering_every_kind()


def _model_records(kit, assignment: str) -> dict[str, dict]:
    folder = kit / "grading" / "model_records" / assignment
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


@pytest.fixture(scope="module")
def track_formgrader(chromium_available, kit_folder, tmp_path_factory) -> Iterator[LabServer]:
    run = tmp_path_factory.mktemp("track-grading")
    root = run / "course"
    env = clean_env(_home(run), kit_folder)
    env.update(FRONTLINE_COURSE=str(root), FRONTLINE_EXCHANGE=str(run / "exchange"), FRONTLINE_CELL_TIMEOUT="30")

    def grade(*args: str) -> None:
        result = subprocess.run([sys.executable, "-m", "frontline", "grade", *args], env=env, cwd=run,
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            pytest.fail(f"frontline grade {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)

    for assignment in FRONT_LINE:
        grade("generate", assignment)
        folder = root / "submitted" / STUDENT / assignment
        make_submission("full", kit_folder / "exercises" / assignment / f"{assignment}.ipynb",
                        root / "release" / assignment / f"{assignment}.ipynb", folder)
        shutil.copytree(kit_folder / "grading" / "model_records" / assignment, folder / "responses")
        grade("autograde", assignment, "--jobs", "1")  # what the formgrader shows; feedback is tested elsewhere
    course = GradedCourse(root=root, env=env, assignment=FRONT_LINE[0], students=(STUDENT,))
    try:
        with formgrader_server(course, run) as server:
            yield server
    except ServerDidNotStart as error:
        pytest.fail(str(error), pytrace=False)


@pytest.mark.parametrize("assignment", FRONT_LINE)
def test_formgrader_shows_the_rubric_and_the_recorded_path(track_formgrader, kit_folder, page, assignment):
    log_in(page, track_formgrader)
    page.goto(f"{track_formgrader.base}/formgrader/manage_students/{STUDENT}/{assignment}")
    page.locator("a[href*='/formgrader/submissions/']").first.click()
    expect(page.locator("body")).to_contain_text("Submission", timeout=60_000)

    rubrics = load_rubrics(kit_folder / "grading" / "rubrics", assignment)
    assert rubrics and all(cell.startswith("reply-") for cell in rubrics)
    for rubric in rubrics.values():
        heading = page.get_by_role("heading", name=f"📋 Mark scheme: {rubric.title}")
        expect(heading).to_be_visible()
        scheme = heading.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' cell ')][1]")
        for criterion in rubric.criteria:
            expect(scheme).to_contain_text(criterion.criterion)
            expect(scheme).to_contain_text(criterion.levels[0].description)
    expect(page.locator("input.score").first).to_be_visible()  # the reply waits for the trainer's score

    from frontline.scenarios import load_scenario

    for record in _model_records(kit_folder, assignment).values():
        spec = load_scenario(record["item"])  # graded-only: read as the marking reads it, not for practice
        first = record["steps"][0]
        words = describe_step(Step(first["verb"], tuple(first["args"]), first.get("kwargs", {})), spec.data)
        output = page.locator(".output_area, .output_subarea, .jp-OutputArea").filter(has_text="The path you took:")
        path = output.filter(has_text=spec.title).first
        expect(path).to_be_visible()
        expect(path).to_contain_text(f"1. {words.splitlines()[0]}")
        for line in words.splitlines()[1:]:  # an order of steps is told one step per line
            expect(path).to_contain_text(line.strip())
        expect(path).to_contain_text("Points:")
