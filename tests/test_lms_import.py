"""LMS downloads with look-alike names, duplicates and late work: nothing lost, swapped, guessed or overwritten.

Canvas and Moodle layouts are imported with and without a roster through `frontline grade collect --from`;
late work reaches nbgrader's gradebook (its late penalty applies) and the export.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from frontline.cli import cli
from frontline.grading.course import Course
from frontline.kit import KitPaths

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "empowerment"


def _notebook(owner: str) -> bytes:
    """The exercise notebook with its owner's name in a comment cell, so a swap is visible."""
    notebook = nbformat.read(REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell(f"Work of {owner}"))
    return nbformat.writes(notebook).encode()


def _zip(path: Path, files: dict[str, tuple[bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, (data, when) in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


def _owner(course: Course, student: str) -> str:
    text = (course.folder("submitted", student, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb").read_text()
    return text.split("Work of ")[1].split('"')[0]


ON_TIME, LATE = (2026, 11, 20, 9, 0, 0), (2026, 11, 22, 18, 30, 0)

MOODLE = {
    f"Jane Smith_501_assignsubmission_file_/{ASSIGNMENT}.ipynb": (_notebook("Jane Smith"), ON_TIME),
    f"Jane Doe_502_assignsubmission_file_/{ASSIGNMENT}.ipynb": (_notebook("Jane Doe"), ON_TIME),
    f"Jane Smithson_503_assignsubmission_file_/{ASSIGNMENT}.ipynb": (_notebook("Jane Smithson"), LATE),
}
CANVAS = {
    f"leejo_LATE_701_9001_{ASSIGNMENT}.ipynb": (_notebook("Jo Lee 701"), LATE),
    f"leejo_702_9002_{ASSIGNMENT}.ipynb": (_notebook("Jo Lee 702"), ON_TIME),
    f"smithjane_703_9003_{ASSIGNMENT}-1.ipynb": (_notebook("Jane Smith (Canvas)"), ON_TIME),
}


def _collect(*args: str) -> str:
    result = CliRunner().invoke(cli, ["grade", "collect", ASSIGNMENT, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_moodle_look_alikes_without_a_roster_are_three_students(grading_kit: KitPaths, tmp_path: Path):
    _collect("--from", str(_zip(tmp_path / "moodle.zip", MOODLE)))
    course = Course.open(grading_kit)
    assert {s: _owner(course, s) for s in ("501", "502", "503")} == {
        "501": "Jane Smith", "502": "Jane Doe", "503": "Jane Smithson"}


def test_moodle_with_a_roster_matches_whole_names_not_substrings(grading_kit: KitPaths, tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\njsmith,\"Smith, Jane\"\njdoe,Jane Doe\njsmithson,Jane Smithson\n")
    _collect("--from", str(_zip(tmp_path / "moodle.zip", MOODLE)), "--roster", str(roster))
    course = Course.open(grading_kit)
    assert {s: _owner(course, s) for s in ("jsmith", "jdoe", "jsmithson")} == {
        "jsmith": "Jane Smith", "jdoe": "Jane Doe", "jsmithson": "Jane Smithson"}


def test_canvas_namesakes_stay_apart_and_keep_their_late_flag(grading_kit: KitPaths, tmp_path: Path):
    output = _collect("--from", str(_zip(tmp_path / "canvas.zip", CANVAS)))
    course = Course.open(grading_kit)
    assert {s: _owner(course, s) for s in ("701", "702", "703")} == {
        "701": "Jo Lee 701", "702": "Jo Lee 702", "703": "Jane Smith (Canvas)"}
    assert "misnamed" in output  # the resubmission's "-1" is reported, and saved under the expected name
    with (course.reports / ASSIGNMENT / "lms_import.csv").open(newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert rows["701"]["late"] == "yes" and rows["702"]["late"] == "no"
    assert rows["701"]["lms"] == "canvas" and rows["701"]["lms_id"] == "701"
    assert (course.folder("submitted", "701", ASSIGNMENT) / "timestamp.txt").read_text().startswith(
        "2026-11-22 18:30:00")


def test_an_ambiguous_name_is_refused_and_listed_never_guessed(grading_kit: KitPaths, tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\njo1,Jo Lee\njo2,Jo Lee\njane,Jane Smith\n")
    output = _collect("--from", str(_zip(tmp_path / "canvas.zip", CANVAS)), "--roster", str(roster))
    course = Course.open(grading_kit)
    assert not course.folder("submitted", "jo1", ASSIGNMENT).exists()
    assert not course.folder("submitted", "jo2", ASSIGNMENT).exists()
    assert _owner(course, "jane") == "Jane Smith (Canvas)"
    assert output.count("matches 2 students on the roster (jo1, jo2)") == 2
    with (course.reports / ASSIGNMENT / "collection.csv").open(newline="") as handle:
        refused = [r for r in csv.DictReader(handle) if "matches 2 students" in r["problem"]]
    assert {r["file"] for r in refused} == {f"leejo_LATE_701_9001_{ASSIGNMENT}.ipynb",
                                            f"leejo_702_9002_{ASSIGNMENT}.ipynb"}


def test_lms_ids_in_the_roster_settle_namesakes(grading_kit: KitPaths, tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,lms_id,name\njo1,701,Jo Lee\njo2,702,Jo Lee\n")
    _collect("--from", str(_zip(tmp_path / "canvas.zip", CANVAS)), "--roster", str(roster))
    course = Course.open(grading_kit)
    assert _owner(course, "jo1") == "Jo Lee 701" and _owner(course, "jo2") == "Jo Lee 702"


def test_nothing_already_collected_is_replaced(grading_kit: KitPaths, tmp_path: Path):
    _collect("--from", str(_zip(tmp_path / "first.zip", MOODLE)))
    course = Course.open(grading_kit)
    changed = {f"Jane Smith_501_assignsubmission_file_/{ASSIGNMENT}.ipynb": (_notebook("someone else"), LATE)}
    output = _collect("--from", str(_zip(tmp_path / "second.zip", changed)))
    assert "already holds a different submission" in output and "nothing was replaced" in output
    assert _owner(course, "501") == "Jane Smith"
    _collect("--from", str(_zip(tmp_path / "again.zip", MOODLE)))  # the same download again changes nothing
    assert _owner(course, "501") == "Jane Smith"


def test_dry_run_prints_the_mapping_and_writes_nothing(grading_kit: KitPaths, tmp_path: Path):
    output = _collect("--from", str(_zip(tmp_path / "canvas.zip", CANVAS)), "--dry-run")
    assert "Dry run: nothing written" in output
    assert "701 ← canvas id 701 (leejo), LATE, 2026-11-22 18:30:00" in output
    assert "702 ← canvas id 702 (leejo), 2026-11-20 09:00:00" in output
    course = Course.open(grading_kit)
    assert not (course.root / "submitted").exists()
    assert not (course.reports / ASSIGNMENT / "lms_import.csv").exists()


def test_late_work_reaches_the_gradebook_and_the_export(grading_kit: KitPaths, tmp_path: Path, monkeypatch):
    from nbgrader.api import Gradebook

    monkeypatch.setenv("FRONTLINE_LATE_PENALTY", "zero")
    monkeypatch.setenv("FRONTLINE_CELL_TIMEOUT", "20")
    _collect("--from", str(_zip(tmp_path / "canvas.zip", CANVAS)), "--due", "2026-11-21 12:00")
    runner = CliRunner()
    result = runner.invoke(cli, ["grade", "autograde", ASSIGNMENT, "--student", "701", "--student", "702"])
    assert result.exit_code == 0, result.output
    course = Course.open(grading_kit)
    with Gradebook(course.db_url) as gb:
        late, on_time = gb.find_submission(ASSIGNMENT, "701"), gb.find_submission(ASSIGNMENT, "702")
        assert late.total_seconds_late == pytest.approx((22 - 21) * 86400 + 6.5 * 3600)
        assert on_time.total_seconds_late == 0
        assert late.score > 0 and late.late_submission_penalty == late.score  # nbgrader's "zero" penalty took it all
        assert gb.find_student("701").lms_user_id == "canvas:701"
    target, canvas = tmp_path / "grades.csv", tmp_path / "canvas.csv"
    result = runner.invoke(cli, ["grade", "export", ASSIGNMENT, "-o", str(target), "--canvas", str(canvas)])
    assert result.exit_code == 0, result.output
    with target.open(newline="") as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle) if r["student_id"] in ("701", "702")}
    assert rows["701"]["late"] == "yes" and rows["701"]["lms_id"] == "701"
    assert rows["701"]["submitted_at"].startswith("2026-11-22 18:30:00")
    assert "late by 30 h 30 min" in rows["701"]["lms_note"] and "marked late by the LMS" in rows["701"]["lms_note"]
    assert rows["702"]["late"] == "no"
    with canvas.open(newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert {row[1] for row in table[1:]} == {"701", "702", "703"}


def test_two_lms_accounts_for_one_student_are_refused(grading_kit: KitPaths, tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\njane,Jane Smith\n")
    both = {**{k: v for k, v in MOODLE.items() if "Jane Smith_" in k},
            f"Smith Jane_599_assignsubmission_file_/{ASSIGNMENT}.ipynb": (_notebook("impostor"), ON_TIME)}
    output = _collect("--from", str(_zip(tmp_path / "moodle.zip", both)), "--roster", str(roster))
    assert "2 LMS accounts (501, 599) match this student" in output
    assert not Course.open(grading_kit).folder("submitted", "jane", ASSIGNMENT).exists()
    assert json.dumps(output)  # printable


def test_records_flattened_by_canvas_go_back_into_their_folder(grading_kit: KitPaths, tmp_path: Path):
    """Canvas keeps no folders: a trainee uploads the notebook and each graded answer's record file beside it."""
    from frontline.responses import record_path

    assignment = "fl_03_diagnosis_call"
    records = sorted((REPO / "grading" / "model_records" / assignment).glob("*.json"))
    assert records, "the exercise has graded answers kept as records"
    notebook = (REPO / "exercises" / assignment / f"{assignment}.ipynb").read_bytes()
    download = {f"leejo_701_9001_{assignment}.ipynb": (notebook, ON_TIME),
                **{f"leejo_701_9001_{path.name}": (path.read_bytes(), ON_TIME) for path in records},
                "leejo_701_9001_setup.json": (b"{}", ON_TIME)}  # named like a cell, not a record: stays
    result = CliRunner().invoke(cli, ["grade", "collect", assignment, "--from",
                                      str(_zip(tmp_path / "canvas.zip", download))])
    assert result.exit_code == 0, result.output
    folder = Course.open(grading_kit).folder("submitted", "701", assignment)
    for path in records:  # exactly where the marking reads each item's record
        assert record_path(path.stem, folder).read_bytes() == path.read_bytes()
        assert not (folder / path.name).exists()
    assert (folder / "setup.json").exists()
    with (Course.open(grading_kit).reports / assignment / "collection.csv").open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["student"] == "701"]
    assert {row["action"] for row in rows} == {f"saved as responses/{path.name}" for path in records}
