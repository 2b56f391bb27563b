"""Grades as CSV: one row per submission the trainer was given, graded or not, with its integrity findings."""

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
                if any("could not grade" in i.problem or "not submitted" in i.action for i in mine):
                    status = "not gradable (see notes)"
                percent = round(100 * score / max_score, 1) if max_score else 0.0
                rows.append(GradeRow(assignment, student, score, max_score, percent, auto, pending, status,
                                     len(mine), notes))
    return rows


def export_grades(course: Course, assignments: list[str], target: Path) -> list[GradeRow]:
    rows = grade_rows(course, assignments)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([f.name for f in fields(GradeRow)])
        for row in rows:
            writer.writerow([getattr(row, f.name) for f in fields(GradeRow)])
    return rows
