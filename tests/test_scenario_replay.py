"""Graded scenarios are marked by the grader's own replay of the saved clicks, in a process that runs no trainee
code: a notebook that forges its scenario verdict inside the grading kernel scores what its clicks earn, and the
integrity report names it; honest work keeps full marks; a damaged or oversized answer file earns 0 with a note
naming the file, and no other trainee's grade moves. The formgrader's Autograde button (nbgrader's own API) marks
the same way and writes the integrity report too.
"""

from __future__ import annotations

import html
import json
import shutil

import nbformat
import pytest
from click.testing import CliRunner
from grading_support import grade_generated
from test_frontline_track_grading import REPO, hand_in, model_records, test_outputs
from test_grading_pipeline import grades_of, issues_of

from frontline.cli import cli
from frontline.grading.course import Course
from frontline.grading.replay import ScenarioCall, scenario_call
from frontline.grading.samples import course_environment, make_submission
from frontline.kit import KitPaths

ASSIGNMENT = "fl_01_internal_customers"
ITEM = "scenario-payroll-internal-customers"
RECORD = f"responses/{ITEM}.json"

# Works against a grading kernel that judges the tests itself (checked before the replay existed: this notebook
# scored 2 of 2 on the scenario with no saved answer at all). The judge loads the kit's modules afresh before each
# test, so patching the marking function directly does nothing; an import hook survives that reload and hands the
# test a marking function that gives every point. It names none of what the grader looks for in a cell.
FORGER = '''
import sys
from importlib.machinery import PathFinder


class FullMarks:
    def find_spec(self, name, path=None, target=None):
        if name != "frontline.scenarios.graded":
            return None
        spec = PathFinder.find_spec(name, path)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)

            def every_point(item_id, scenario_id, points, **kwargs):
                print("The path you took:\\n  1. Chose: everyone\\nPoints:", points, "of", points)
                return float(points)

            module.mark_scenario = every_point

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, FullMarks())
'''


def _with_cell_after_setup(path, source: str) -> None:
    notebook = nbformat.read(path, as_version=4)
    setup = next(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    notebook.cells.insert(setup + 1, nbformat.v4.new_code_cell(source))
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("replay")
    with course_environment(base, REPO, cell_timeout=20):
        course = Course.open(KitPaths(REPO))
        result = CliRunner().invoke(cli, ["grade", "generate", ASSIGNMENT])
        assert result.exit_code == 0, result.output
        source = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        release = course.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        for student, records in (("honest", "model"), ("forger", "untouched"), ("damaged", "damaged"),
                                 ("oversized", "model")):
            folder = course.folder("submitted", student, ASSIGNMENT)
            notebook = make_submission("full", source, release, folder)
            hand_in(records, ASSIGNMENT, folder)
            if student == "forger":
                _with_cell_after_setup(notebook, FORGER)
            if student == "oversized":  # the model answer, padded far past any real record
                record = model_records(ASSIGNMENT)[ITEM]
                (folder / RECORD).write_text(json.dumps(record)[:-1] + ', "pad": "' + "x" * 400_000 + '"}',
                                             encoding="utf-8")
        grade_generated(ASSIGNMENT)
        # the formgrader's Autograde button: nbgrader's own API on one more submission (the forger's notebook)
        shutil.copytree(course.folder("submitted", "forger", ASSIGNMENT), course.folder("submitted", "button",
                                                                                        ASSIGNMENT))
        result = course.api().autograde(ASSIGNMENT, "button")
        assert result["success"], result.get("error")
        # through the button too: links placed in submitted/ (a copy made by hand, not through collection) to the
        # trainer's notebook with its hidden tests, and a notebook that is a link to another trainee's
        linker = course.folder("submitted", "linker", ASSIGNMENT)
        shutil.copytree(course.folder("submitted", "honest", ASSIGNMENT), linker)
        (linker / "notes.txt").symlink_to(source)
        (linker / "responses" / "extra.json").symlink_to(source)
        assert course.api().autograde(ASSIGNMENT, "linker")["success"]
        borrower = course.folder("submitted", "borrower", ASSIGNMENT)
        borrower.mkdir(parents=True)
        (borrower / f"{ASSIGNMENT}.ipynb").symlink_to(course.folder("submitted", "honest", ASSIGNMENT)
                                                      / f"{ASSIGNMENT}.ipynb")
        course.api().autograde(ASSIGNMENT, "borrower")  # fails: its notebook is set aside before grading
        yield course


def _scenario_score(course: Course, student: str) -> float:
    return grades_of(course, ASSIGNMENT, student)[ITEM][0]


def _feedback(course: Course, student: str) -> str:
    page = course.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
    return html.unescape(page.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_honest_clicks_keep_full_marks_and_no_entry(graded):
    assert _scenario_score(graded, "honest") == 2
    assert issues_of(graded, ASSIGNMENT, "honest") == []
    feedback = _feedback(graded, "honest")
    assert "The path you took:" in feedback and "Points: 2 of 2" in feedback


@pytest.mark.slow
def test_a_forged_verdict_scores_what_the_replay_gives_and_is_reported(graded):
    assert _scenario_score(graded, "forger") == 0
    problems = [row["problem"] for row in issues_of(graded, ASSIGNMENT, "forger")]
    assert any(ITEM in p and "replay" in p for p in problems), problems
    shown = test_outputs(graded, ASSIGNMENT, "forger")[ITEM]  # what was marked, never the forged path
    assert "no saved answer was found" in shown and "Points: 0 of 2" in shown and "Chose: everyone" not in shown
    feedback = _feedback(graded, "forger")
    assert "no saved answer was found" in feedback and "Points: 0 of 2" in feedback
    assert "Points: 2 of 2" not in feedback and "0 of 2 points for this question" in feedback


@pytest.mark.slow
@pytest.mark.parametrize("student, message", [("damaged", "damaged"), ("oversized", "far larger")])
def test_a_damaged_or_oversized_record_earns_nothing_with_a_note_naming_the_file(graded, student, message):
    assert _scenario_score(graded, student) == 0
    rows = issues_of(graded, ASSIGNMENT, student)
    assert any(RECORD in row["problem"] and message in row["problem"] for row in rows), rows
    assert f"the saved answer is {message}" in _feedback(graded, student)
    assert _scenario_score(graded, "honest") == 2  # graded in the same batch, untouched by them


@pytest.mark.slow
def test_the_formgraders_autograde_button_marks_by_replay_and_writes_the_report(graded):
    assert _scenario_score(graded, "button") == 0
    problems = [row["problem"] for row in issues_of(graded, ASSIGNMENT, "button")]
    assert any(ITEM in p and "replay" in p for p in problems), problems
    assert issues_of(graded, ASSIGNMENT, "forger"), "the entries of the students graded before are kept"


@pytest.mark.slow
def test_the_button_moves_links_out_before_nbgrader_copies_the_submission(graded):
    for stage in ("autograded", "feedback"):
        for path in graded.folder(stage, "linker", ASSIGNMENT).rglob("*"):
            assert not path.is_symlink(), path
            if path.is_file() and path.suffix != ".ipynb":
                assert "BEGIN HIDDEN TESTS" not in path.read_text(errors="replace"), path
    rows = issues_of(graded, ASSIGNMENT, "linker")
    assert {row["file"] for row in rows if "link" in row["problem"]} == {"notes.txt", "responses/extra.json"}, rows
    assert _scenario_score(graded, "linker") == 2, "the honest work in the folder keeps its marks"
    # a notebook that is a link is never graded as the file it names, and the report says why
    from nbgrader.api import MissingEntry

    try:
        borrowed = grades_of(graded, ASSIGNMENT, "borrower").get(ITEM, (0,))[0]
    except MissingEntry:  # nbgrader recorded no submission at all
        borrowed = 0
    assert borrowed == 0
    rows = issues_of(graded, ASSIGNMENT, "borrower")
    assert any(row["file"] == f"{ASSIGNMENT}.ipynb" and "not graded" in row["action"] for row in rows), rows


# ---- which test cells the grader marks itself -------------------------------------------------------------------

HIDDEN = "# Your choices above are marked here.\n### BEGIN HIDDEN TESTS\n{}\n### END HIDDEN TESTS"


@pytest.mark.parametrize("call, expected", [
    ('graded.mark_scenario("a-b", "choice/x", 2)', ScenarioCall("a-b", "choice/x", 2.0, None)),
    ('graded.mark_scenario("a", "choice/x", 3, persona="calm")', ScenarioCall("a", "choice/x", 3.0, "calm")),
    ('mark_scenario("a", "choice/x", 1.5, "calm")', ScenarioCall("a", "choice/x", 1.5, "calm")),
])
def test_a_literal_mark_scenario_call_is_recognised(call, expected):
    assert scenario_call(HIDDEN.format(call)) == expected


@pytest.mark.parametrize("call", [
    'graded.mark_scenario(ITEM, "choice/x", 2)',  # a name: left to the kernel
    'graded.mark_scenario("a", "choice/x", 2, folder="elsewhere")',
    'graded.mark_scenario("a", "choice/x", 2)\nassert True',
    'x = graded.mark_scenario("a", "choice/x", 2)',
    'graded.mark_scenario("a", "choice/x", True)',
    'graded.mark_scenario("a", "choice/x", -1)',
    'other.mark_scenario("a", "choice/x", 2)',
    'graded.mark_knowledge("a", "choice/x", 2)',
    'graded.mark_scenario("a", "choice/x", 2, **extra)',
    'graded.mark_scenario("a", "choice/x"',  # not Python
])
def test_anything_else_is_left_to_the_kernel(call):
    assert scenario_call(HIDDEN.format(call)) is None

