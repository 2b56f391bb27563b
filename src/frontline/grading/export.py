"""Grades as CSV: one row per submission the trainer was given, graded or not, with its integrity findings.

Each row also carries where the submission came from: the LMS and its student id (from an LMS import), the time
it was handed in, whether it was late (by the gradebook's due date, or flagged by the LMS) and by how long. The
``lms_id``, ``score`` and ``lms_note`` columns can be mapped in an LMS's CSV grade import (Moodle: identify by the
user field, ``score`` as the grade, ``lms_note`` as feedback); :func:`write_canvas` writes Canvas's own layout.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from pathlib import Path

from frontline.grading.autograde import submitted_students
from frontline.grading.course import Course
from frontline.grading.integrity import read_report


@dataclass
class GradeRow:
    assignment: str
    student_id: str
    score: float
    max_score: float
    percent: float
    auto_score: float
    cells_to_grade_by_hand: int
    status: str
    integrity_issues: int
    notes: str
    lms: str = ""
    lms_id: str = ""
    submitted_at: str = ""
    late: str = "no"
    seconds_late: float = 0.0
    lms_note: str = ""


def grade_rows(course: Course, assignments: list[str]) -> list[GradeRow]:
    from nbgrader.api import Gradebook, MissingEntry

    rows = []
    with Gradebook(course.db_url) as gb:
        for assignment in assignments:
            issues = (read_report(course.reports / assignment / "collection.csv")
                      + read_report(course.reports / assignment / "integrity.csv"))
            students = set(submitted_students(course, assignment)) | {i.student for i in issues if i.student}
            try:
                max_score = float(gb.find_assignment(assignment).max_score)
            except MissingEntry:
                max_score = 0.0
            for student in sorted(students):
                mine = [i for i in issues if i.student == student]
                notes = "; ".join(f"{i.file}: {i.problem}" for i in mine)
                try:
                    submission = gb.find_submission(assignment, student)
                except MissingEntry:
                    no_file = not course.folder("submitted", student, assignment).exists()
                    status = "no submission" if no_file else "not autograded yet"
                    rows.append(GradeRow(assignment, student, 0.0, max_score, 0.0, 0.0, 0, status, len(mine), notes))
                    continue
                grades = [g for nb in submission.notebooks for g in nb.grades]
                score = float(sum(g.score or 0 for g in grades))
                auto = float(sum(g.auto_score or 0 for g in grades))
                pending = sum(1 for g in grades if g.needs_manual_grade)
                status = "needs grading by hand" if pending else "graded"
                if any("could not grade" in i.problem or "not submitted" in i.action or "not graded:" in i.action
                       for i in mine):
                    status = "not gradable (see notes)"
                percent = round(100 * score / max_score, 1) if max_score else 0.0
                row = GradeRow(assignment, student, score, max_score, percent, auto, pending, status, len(mine), notes)
                row.seconds_late = float(submission.total_seconds_late or 0)
                if submission.timestamp:
                    row.submitted_at = f"{submission.timestamp:%Y-%m-%d %H:%M:%S} UTC"
                rows.append(row)
    origins = {assignment: origin_of(course, assignment) for assignment in assignments}
    for row in rows:
        lms = origins[row.assignment].get(row.student_id, {})
        row.lms, row.lms_id = lms.get("lms", ""), lms.get("lms_id", "")
        row.submitted_at = row.submitted_at or lms.get("timestamp", "")
        row.late = "yes" if row.seconds_late > 0 or lms.get("late") == "yes" else "no"
        row.lms_note = (f"{row.score:g}/{row.max_score:g}; handed in {row.submitted_at or 'at an unknown time'}"
                        + (f"; late by {_duration(row.seconds_late)}" if row.seconds_late else "")
                        + ("; marked late by the LMS" if lms.get("late") == "yes" else ""))
    return rows


def origin_of(course: Course, assignment: str) -> dict[str, dict[str, str]]:
    from frontline.grading.collect import read_mapping

    return {r["student"]: r for r in read_mapping(course, assignment)}


def _duration(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"


def export_grades(course: Course, assignments: list[str], target: Path) -> list[GradeRow]:
    rows = grade_rows(course, assignments)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([f.name for f in fields(GradeRow)])
        for row in rows:
            writer.writerow([getattr(row, f.name) for f in fields(GradeRow)])
    return rows


CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def write_canvas(rows: list[GradeRow], target: Path) -> int:
    """Canvas's gradebook import layout: its user ID per row, one points column per assignment.

    Only rows imported from Canvas (with a Canvas user id) are written; returns how many students were written.
    """
    assignments = sorted({r.assignment for r in rows})
    students: dict[str, dict[str, GradeRow]] = {}
    for row in rows:
        if row.lms == "canvas" and row.lms_id:
            students.setdefault(row.lms_id, {})[row.assignment] = row
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CANVAS_COLUMNS + assignments)
        for lms_id, mine in sorted(students.items()):
            student = next(iter(mine.values())).student_id
            writer.writerow([student, lms_id, "", "", ""] + [f"{mine[a].score:g}" if a in mine else ""
                                                             for a in assignments])
    return len(students)
