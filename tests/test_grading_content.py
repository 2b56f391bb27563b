"""Rubrics, the grading check, LMS collection and the exchange round trip (no notebooks are executed here)."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from frontline.check import run_checks
from frontline.cli import cli
from frontline.grading.collect import CollectError, import_lms
from frontline.grading.course import Course
from frontline.grading.preprocessors import HideTestSource
from frontline.grading.rubrics import load_rubric_file, load_rubrics
from frontline.kit import KitPaths

REPO = Path(__file__).resolve().parents[1]


def test_the_shipped_content_passes_the_grading_check():
    assert run_checks(KitPaths(REPO), {"grading"}) == {"grading": []}


def test_every_written_answer_has_a_rubric_with_matching_points():
    for notebook_path in sorted((REPO / "exercises").glob("*/*.ipynb")):
        rubrics = load_rubrics(REPO / "grading" / "rubrics", notebook_path.parent.name)
        for cell in nbformat.read(notebook_path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and meta.get("solution"):
                assert rubrics[meta["grade_id"]].points == meta["points"]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_rubric_errors_name_file_line_and_field(grading_kit: KitPaths):
    path = grading_kit.grading / "rubrics" / "diagnosis.yaml"
    _edit(path, "        points: 1\n        levels:\n          - points: 1\n            description: Names what",
          "        points: one\n        levels:\n          - points: 1\n            description: Names what")
    _, problems = load_rubric_file(path)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.file == path and problem.field == "cells.rewrite_opening.criteria.1.points"
    assert path.read_text().splitlines()[problem.line - 1].strip() == "points: one"


def test_rubric_and_notebook_points_must_agree(grading_kit: KitPaths):
    notebook_path = grading_kit.exercises / "diagnosis" / "diagnosis.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "summary_caveat")
    cell.metadata.nbgrader["points"] = 4
    nbformat.write(notebook, notebook_path)
    problems = run_checks(grading_kit, {"grading"})["grading"]
    assert [p.message for p in problems] == ["the rubric gives 2 points but the notebook cell is worth 4"]
    lines = (grading_kit.grading / "rubrics" / "diagnosis.yaml").read_text().splitlines()
    assert problems[0].field == "cells.summary_caveat.points" and lines[problems[0].line - 1].strip() == "points: 2"


def test_rubric_points_must_add_up(grading_kit: KitPaths):
    path = grading_kit.grading / "rubrics" / "empowerment.yaml"
    _edit(path, "    title: When to escalate\n    points: 2", "    title: When to escalate\n    points: 3")
    _, problems = load_rubric_file(path)
    assert [p.message for p in problems] == ["the criteria add up to 2 points but the cell is worth 3"]
    assert problems[0].field == "cells.escalation_ownership.points"
    assert path.read_text().splitlines()[problems[0].line - 1].strip() == "points: 3"


def test_check_finds_a_written_answer_without_rubric_and_bad_metadata(grading_kit: KitPaths):
    notebook_path = grading_kit.exercises / "capstone" / "capstone.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    written = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "plan_leadership")
    written.metadata.nbgrader["grade_id"] = "plan_people"
    test_cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_baseline")
    del test_cell.metadata.nbgrader["points"]
    nbformat.write(notebook, notebook_path)
    messages = [str(p) for p in run_checks(grading_kit, {"grading"})["grading"]]
    assert any("manually graded cell 'plan_people' has no rubric" in m for m in messages), messages
    assert any("no manually graded cell 'plan_leadership'" in m for m in messages), messages
    leftover = next(p for p in run_checks(grading_kit, {"grading"})["grading"] if "plan_leadership" in p.message)
    rubric_lines = (grading_kit.grading / "rubrics" / "capstone.yaml").read_text().splitlines()
    assert rubric_lines[leftover.line - 1].strip() == "plan_leadership:"
    assert any("invalid nbgrader metadata" in m and "test_baseline" in m for m in messages), messages


def test_check_reports_a_corrupt_source_notebook_with_its_line(grading_kit: KitPaths):
    (grading_kit.exercises / "empowerment" / "empowerment.ipynb").write_text('{\n "cells": [,\n', encoding="utf-8")
    problems = run_checks(grading_kit, {"grading"})["grading"]
    assert any("invalid JSON" in p.message and p.line == 2 for p in problems), problems


def test_hide_test_source_keeps_the_message_only():
    cell = nbformat.v4.new_code_cell("assert answer == 42, 'the answer is off'\n### BEGIN HIDDEN TESTS\nsecret()\n")
    cell.metadata = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t1", "points": 1, "locked": True}}
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="the answer is off",
                                           traceback=["----> 1 assert answer == 42", "secret()"])]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    out, _ = HideTestSource().preprocess(notebook, {})
    shown = nbformat.writes(out)
    assert "secret" not in shown and "answer == 42" not in shown
    assert "✘ Not passed. AssertionError: the answer is off" in shown


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_lms_zip_is_matched_to_students_and_misfits_reported(grading_kit: KitPaths, tmp_path: Path):
    notebook = (REPO / "exercises" / "diagnosis" / "diagnosis.ipynb").read_bytes()
    download = _zip(tmp_path / "moodle.zip", {
        "Ana Silva_12345_assignsubmission_file_/diagnosis.ipynb": notebook,
        "Ana Silva_12345_assignsubmission_file_/notes.txt": b"my notes",
        "Bo Chen_22222_assignsubmission_file_/Diagnosis (2).ipynb": notebook,
        "stranger_99999_assignsubmission_file_/diagnosis.ipynb": notebook,
        "__MACOSX/._diagnosis.ipynb": b"junk",
    })
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,lms_id,name\nana,12345,Ana Silva\nbo,22222,Bo Chen\ncy,33333,Cy Diaz\n")
    course = Course.open(grading_kit)
    collection = import_lms(course, "diagnosis", download, roster)
    assert sorted(collection.students) == ["ana", "bo"]
    assert (course.folder("submitted", "ana", "diagnosis") / "notes.txt").read_text() == "my notes"
    assert (course.folder("submitted", "bo", "diagnosis") / "diagnosis.ipynb").read_bytes() == notebook
    found = {(i.student, i.file, i.problem) for i in collection.issues}
    assert ("bo", "Bo Chen_22222_assignsubmission_file_/Diagnosis (2).ipynb",
            "misnamed: expected diagnosis.ipynb") in found
    assert ("", "stranger_99999_assignsubmission_file_/diagnosis.ipynb",
            "matches no student on the roster by LMS id 99999 or name 'stranger'") in found
    assert ("cy", "(nothing)", "no submission found") in found
    with (course.reports / "diagnosis" / "collection.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(collection.issues)


def test_lms_folder_without_roster_uses_folder_names_and_refuses_loose_files(grading_kit: KitPaths, tmp_path: Path):
    download = tmp_path / "download"
    (download / "s001").mkdir(parents=True)
    shutil.copy(REPO / "exercises" / "diagnosis" / "diagnosis.ipynb", download / "s001" / "diagnosis.ipynb")
    shutil.copy(REPO / "exercises" / "diagnosis" / "diagnosis.ipynb", download / "s002_diagnosis.ipynb")
    course = Course.open(grading_kit)
    collection = import_lms(course, "diagnosis", download)
    assert sorted(collection.students) == ["s001"]  # a loose file's first word is not a student id
    assert any(i.file == "s002_diagnosis.ipynb" and "cannot tell whose" in i.problem for i in collection.issues)


def test_bad_lms_inputs_give_clear_messages(grading_kit: KitPaths, tmp_path: Path):
    course = Course.open(grading_kit)
    not_zip = tmp_path / "broken.zip"
    not_zip.write_bytes(b"not a zip")
    with pytest.raises(CollectError, match=r"broken\.zip: not a zip file or a folder"):
        import_lms(course, "diagnosis", not_zip)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n1,Ana\n")
    with pytest.raises(CollectError, match=r"roster.csv: line 1: the roster needs a 'student_id' column"):
        import_lms(course, "diagnosis", tmp_path, roster)
    result = CliRunner().invoke(cli, ["grade", "collect", "nope"])
    assert result.exit_code == 2 and "'nope' is not an assignment in exercises/" in result.output


def test_release_fetch_submit_collect_through_the_exchange(grading_kit: KitPaths, tmp_path: Path, monkeypatch):
    """The trainer releases, a trainee fetches and submits with nbgrader's own exchange, the trainer collects."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
    from traitlets.config import Config

    runner = CliRunner()
    result = runner.invoke(cli, ["grade", "release", "empowerment"])
    assert result.exit_code == 0, result.output
    home = tmp_path / "trainee"
    home.mkdir()
    monkeypatch.chdir(home)
    config = Config()
    config.CourseDirectory.course_id = "frontline"
    config.CourseDirectory.assignment_id = "empowerment"
    config.Exchange.root = str(tmp_path / "exchange")
    coursedir = CourseDirectory(config=config)
    ExchangeFetchAssignment(coursedir=coursedir, authenticator=Authenticator(config=config), config=config).start()
    fetched = home / "empowerment" / "empowerment.ipynb"
    assert fetched.exists() and "BEGIN SOLUTION" not in fetched.read_text()
    ExchangeSubmit(coursedir=coursedir, authenticator=Authenticator(config=config), config=config).start()
    result = runner.invoke(cli, ["grade", "collect", "empowerment"])
    assert result.exit_code == 0, result.output
    assert "collected 1 submission(s)" in result.output
    submitted = list((tmp_path / "course" / "submitted").glob("*/empowerment/empowerment.ipynb"))
    assert len(submitted) == 1 and submitted[0].read_bytes() == fetched.read_bytes()


def test_grade_commands_explain_what_is_missing_and_help_leaves_no_trace(grading_kit: KitPaths, tmp_path: Path):
    runner = CliRunner()
    result = runner.invoke(cli, ["grade", "autograde", "--help"])
    assert result.exit_code == 0 and "--jobs" in result.output
    assert not (tmp_path / "course").exists()
    result = runner.invoke(cli, ["grade", "analyse", "diagnosis"])
    assert result.exit_code == 1
    assert "diagnosis has no grades in" in result.output and "frontline grade autograde diagnosis" in result.output
    result = runner.invoke(cli, ["grade", "autograde", "diagnosis"])
    assert result.exit_code == 0 and "No submissions of diagnosis" in result.output


def test_a_rubric_with_a_key_given_twice_is_refused_on_the_second_line(grading_kit: KitPaths):
    """Rubrics are read like every other content file: a pasted-twice entry is not silently merged."""
    path = grading_kit.grading / "rubrics" / "empowerment.yaml"
    _edit(path, "    title: When to escalate\n", "    title: When to escalate\n    title: Escalation\n")
    rubrics, problems = load_rubric_file(path)
    assert rubrics == [] and len(problems) == 1
    assert "duplicate key 'title'" in problems[0].message and problems[0].file == path
    assert path.read_text().splitlines()[problems[0].line - 1].strip() == "title: Escalation"
