"""The grading workflow end to end: nbgrader really generates, autogrades (two at a time), writes feedback and
exports grades for made-up submissions of every assignment, in a temporary course folder and exchange.

The class is built and graded once per module (through the `frontline grade` command line); each test then
reads what nbgrader produced. The formgrader showing each rubric as a mark scheme is checked in a real browser
(tests/browser/test_browser_grading.py); here, its template rendering of the graded notebooks.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from grading_support import grade_generated

from frontline.cli import cli
from frontline.grading.course import Course
from frontline.grading.samples import course_environment, make_submission
from frontline.kit import KitPaths

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:Object of type <\\w+> not in session")]  # nbgrader's own queries

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ["capstone", "diagnosis", "empowerment", "problem_solving", "retention_measurement"]
EVERY_ASSIGNMENT_KINDS = ["source", "full", "untouched", "crash", "tamper", "delete", "corrupt"]
DIAGNOSIS_ONLY_KINDS = ["loop", "exit", "retype", "stripped", "misnamed"]


def kinds_for(assignment: str) -> list[str]:
    return EVERY_ASSIGNMENT_KINDS + (DIAGNOSIS_ONLY_KINDS if assignment == "diagnosis" else [])


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A course folder in which every assignment's made-up class has been generated, autograded, given feedback,
    exported and analysed (the steps of `frontline grade all`, the student version built once)."""
    base = tmp_path_factory.mktemp("grading")
    # long enough for a set-up cell (imports, the kit's tables) on a busy two-core machine, short enough that the
    # infinite-loop submissions do not dominate the run
    with course_environment(base, REPO, cell_timeout=12):
        course = Course.open(KitPaths(REPO))
        runner = CliRunner()
        outputs = {}
        for assignment in ASSIGNMENTS:
            result = runner.invoke(cli, ["grade", "generate", assignment])
            assert result.exit_code == 0, result.output
            source = REPO / "exercises" / assignment / f"{assignment}.ipynb"
            release = course.root / "release" / assignment / f"{assignment}.ipynb"
            for kind in kinds_for(assignment):
                make_submission(kind, source, release, course.folder("submitted", kind, assignment))
            outputs[assignment] = grade_generated(assignment)
        result = runner.invoke(cli, ["grade", "export", "-o", str(base / "grades.csv")])
        assert result.exit_code == 0, result.output
        yield course, outputs, base / "grades.csv"


def grades_of(course: Course, assignment: str, student: str) -> dict[str, tuple[float, float, bool, bool]]:
    """grade_id -> (score, max score, autograded?, needs manual grading?)"""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        submission = gb.find_submission(assignment, student)
        manual = {c.name for nb in submission.assignment.notebooks for c in nb.solution_cells}
        return {g.name: (float(g.score or 0), float(g.max_score), g.name not in manual, bool(g.needs_manual_grade))
                for nb in submission.notebooks for g in nb.grades}


def issues_of(course: Course, assignment: str, student: str) -> list[dict[str, str]]:
    with (course.reports / assignment / "integrity.csv").open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["student"] == student]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["source", "full"])
def test_correct_answers_score_full_marks(graded, assignment, kind):
    course, _, _ = graded
    grades = grades_of(course, assignment, kind)
    auto = {k: v for k, v in grades.items() if v[2]}
    assert auto, "every assignment has autograded cells"
    assert all(score == maximum for score, maximum, _, _ in auto.values()), auto
    manual = {k: v for k, v in grades.items() if not v[2]}
    assert manual and all(needs for _, _, _, needs in manual.values()), "written answers wait for the grader"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(graded, assignment):
    course, _, _ = graded
    grades = grades_of(course, assignment, "untouched")
    assert all(score == 0 for score, _, _, _ in grades.values()), grades
    assert not any(needs for _, _, auto, needs in grades.values() if not auto), "unanswered text needs no grading"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_crash_costs_only_its_question(graded, assignment):
    course, _, _ = graded
    grades = grades_of(course, assignment, "crash")
    auto = [v for v in grades.values() if v[2]]
    earned, possible = sum(s for s, _, _, _ in auto), sum(m for _, m, _, _ in auto)
    if len(auto) > 1:
        assert 0 < earned < possible, "the questions before the crash keep their marks"
    else:
        assert earned == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_edited_tests_are_restored_and_reported(graded, assignment):
    course, _, _ = graded
    grades = grades_of(course, assignment, "tamper")
    assert all(score == 0 for score, _, auto, _ in grades.values() if auto), "the real tests ran, not `pass`"
    problems = [row["problem"] for row in issues_of(course, assignment, "tamper")]
    tests = [k for k, v in grades.items() if v[2]]
    assert {f"test cell {t} was edited" for t in tests} <= set(problems)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_deleted_test_cell_is_restored(graded, assignment):
    course, _, _ = graded
    grades = grades_of(course, assignment, "delete")
    assert all(score == maximum for score, maximum, auto, _ in grades.values() if auto)
    assert any("was deleted" in row["problem"] for row in issues_of(course, assignment, "delete"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_corrupt_file_gets_zero_and_an_entry_and_is_kept(graded, assignment):
    course, _, _ = graded
    grades = grades_of(course, assignment, "corrupt")
    assert all(score == 0 for score, _, _, _ in grades.values())
    rows = issues_of(course, assignment, "corrupt")
    assert any(row["file"] == f"{assignment}.ipynb" and "not valid JSON" in row["problem"] for row in rows), rows
    assert (course.folder("submitted", "corrupt", assignment) / f"{assignment}.ipynb.corrupt").exists()


def test_an_infinite_loop_is_interrupted_and_the_rest_graded(graded):
    course, _, _ = graded
    grades = grades_of(course, "diagnosis", "loop")
    assert grades["test_classify_question"][0] == 2 and grades["test_funnel_counts"][0] == 1
    assert grades["test_fcr_by_summary"][0] == 0
    assert any("ran past the time limit" in row["problem"] for row in issues_of(course, "diagnosis", "loop"))


def test_a_dying_kernel_costs_only_its_cell_and_the_rest_is_graded(graded):
    course = graded[0]
    grades = grades_of(course, "diagnosis", "exit")
    assert grades["test_classify_question"][0] == 2 and grades["test_funnel_counts"][0] == 1
    assert grades["test_fcr_by_summary"][0] == 0  # the answer that ended Python
    rows = issues_of(course, "diagnosis", "exit")
    assert any(row["problem"] == "fcr_by_summary stopped the grading kernel" for row in rows), rows
    assert grades_of(course, "diagnosis", "misnamed")["test_classify_question"][0] == 2  # graded after it


@pytest.mark.parametrize("kind, problem", [("retype", "was changed from code to markdown"),
                                           ("stripped", "all nbgrader cell metadata was stripped"),
                                           ("misnamed", "misnamed: expected diagnosis.ipynb")])
def test_damaged_but_complete_submissions_still_score_and_are_reported(graded, kind, problem):
    course, _, _ = graded
    grades = grades_of(course, "diagnosis", kind)
    assert all(score == maximum for score, maximum, auto, _ in grades.values() if auto), grades
    assert any(problem in row["problem"] for row in issues_of(course, "diagnosis", kind))


def test_export_lists_every_submission(graded):
    grades_csv = graded[2]
    with grades_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    given = {(a, k) for a in ASSIGNMENTS for k in kinds_for(a)}
    assert {(r["assignment"], r["student_id"]) for r in rows} == given
    by_key = {(r["assignment"], r["student_id"]): r for r in rows}
    assert by_key[("diagnosis", "corrupt")]["status"] == "not gradable (see notes)"
    assert "not valid JSON" in by_key[("diagnosis", "corrupt")]["notes"]
    assert by_key[("diagnosis", "full")]["status"] == "needs grading by hand"
    assert float(by_key[("diagnosis", "full")]["auto_score"]) == 5.0


def _hidden_test_lines(assignment: str) -> list[str]:
    notebook = nbformat.read(REPO / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    lines = []
    for cell in notebook.cells:
        if _meta(cell).get("grade") and not _meta(cell).get("solution"):
            lines += [line.strip() for line in cell.source.splitlines()
                      if len(line.strip()) > 25 and not line.strip().startswith("###")]
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_results_but_no_test_code(graded, assignment):
    course, _, _ = graded
    secret_lines = _hidden_test_lines(assignment)
    assert secret_lines
    feedback_files = sorted((course.root / "feedback").glob(f"*/{assignment}/*.html"))
    students = {p.parent.parent.name for p in feedback_files}
    assert students == set(kinds_for(assignment)) - {"corrupt"}  # nothing nbgrader could grade
    for path in feedback_files:
        text = html.unescape(path.read_text(encoding="utf-8"))
        leaked = [line for line in secret_lines if line in text]
        assert not leaked, f"{path} shows test code: {leaked[:2]}"
        assert "Mark scheme" not in text
    full = html.unescape((course.root / "feedback" / "full" / assignment / f"{assignment}.html").read_text())
    assert "✔ All tests passed." in full
    untouched = html.unescape((course.root / "feedback" / "untouched" / assignment / f"{assignment}.html").read_text())
    assert "✘ Not passed. NotImplementedError" in untouched or "✘ Not passed. NameError" in untouched


def test_mark_schemes_render_in_formgrader_after_each_written_answer(graded):
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    from frontline.grading.rubrics import load_rubrics

    course = graded[0]
    for assignment in ASSIGNMENTS:
        path = course.folder("autograded", "full", assignment) / f"{assignment}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        rubrics = load_rubrics(REPO / "grading" / "rubrics", assignment)
        for index, cell in enumerate(notebook.cells):
            if _meta(cell).get("grade") and _meta(cell).get("solution"):
                following = notebook.cells[index + 1]
                assert following.cell_type == "markdown"
                assert following.source.startswith(f"#### 📋 Mark scheme: {rubrics[_meta(cell)['grade_id']].title}")
        # formgrader renders submissions with nbconvert's HTMLExporter and its own "formgrade" template
        exporter = HTMLExporter(template_name="formgrade", extra_template_basedirs=[handlers.template_path])
        resources = {"assignment_id": assignment, "notebook_id": assignment, "submission_id": "x", "index": 0,
                     "total": 1, "base_url": "", "student": "full", "last_name": None, "first_name": None,
                     "notebook_path": "/autograded/full"}
        rendered, _ = exporter.from_filename(str(path), resources=resources)
        for rubric in rubrics.values():
            assert f"Mark scheme: {html.escape(rubric.title)}" in rendered or f"Mark scheme: {rubric.title}" in rendered
            assert html.escape(rubric.comments[0]) in rendered or rubric.comments[0] in rendered


def test_item_analysis_measures_each_cell(graded):
    course, outputs, _ = graded
    with (course.reports / "diagnosis" / "item_analysis.csv").open(newline="", encoding="utf-8") as handle:
        items = {row["cell"]: row for row in csv.DictReader(handle)}
    assert set(items) == {"test_classify_question", "test_funnel_counts", "test_fcr_by_summary", "rewrite_opening",
                          "summary_caveat"}
    first = items["test_classify_question"]
    # 12 submissions, 11 handed in (the corrupt file is not); full marks on the first question for all but
    # untouched and tamper
    assert first["submissions"] == "11"
    assert float(first["full_marks_share"]) == round(9 / 11, 3)
    assert float(first["upper_lower_difference"]) > 0.5
    assert "2× NotImplementedError" in first["common_failures"]
    assert float(items["test_fcr_by_summary"]["full_marks_share"]) == round(6 / 11, 3)  # crash, loop, exit fail
    # written answers waiting for the grader are not scores of 0: only the untouched ones (scored 0) count
    assert items["rewrite_opening"]["submissions"] == "2"
    assert "Item analysis: diagnosis (11 submissions handed in" in outputs["diagnosis"]
    assert (course.reports / "diagnosis" / "item_analysis.html").read_text().count("<tr>") == 6


def test_release_notebooks_run_with_only_answer_stubs_and_tests_failing(graded):
    """nbval-style check of the student version: it runs; the only failing cells are answer stubs and tests."""
    from nbclient import NotebookClient

    course, _, _ = graded
    for assignment in ASSIGNMENTS:
        path = course.root / "release" / assignment / f"{assignment}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=60, allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        failed = {i for i, c in enumerate(notebook.cells)
                  if any(o.get("output_type") == "error" for o in c.get("outputs", []))}
        tests = {i for i, c in enumerate(notebook.cells) if _meta(c).get("grade") and not _meta(c).get("solution")}
        answers = {i for i, c in enumerate(notebook.cells) if _meta(c).get("solution") and c.cell_type == "code"}
        assert tests <= failed, f"{assignment}: a test passes on the untouched release"
        assert failed <= tests | answers, f"{assignment}: other cells fail: {failed - tests - answers}"
        self_checks = [c for c in notebook.cells if c.cell_type == "code" and re.match(r"q\.\w+\.check\(\)", c.source)]
        for cell in self_checks:
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert "✘" in text and "✔" not in text
