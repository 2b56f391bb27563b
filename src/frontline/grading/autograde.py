"""Autograde every submission of an assignment, several at once, without stopping on a bad one.

Each submission is graded by nbgrader's Python API in a worker process, into its own copy of the gradebook
(SQLite takes one writer at a time); the main process merges each result into the course gradebook as it
arrives, so the gradebook only ever has one writer. Before grading, each submission is inspected (see
:mod:`frontline.grading.integrity`); afterwards, timed-out cells are noted. A submission that cannot be graded
at all still gets a gradebook entry with 0 points and an integrity entry saying why.

When nbgrader grades a submission by itself (the formgrader's Autograde button, ``nbgrader autograde``), the
kit's config runs :func:`inspect_before_grading` first and :func:`report_after_grading` afterwards, so that
submission is inspected (its links moved out) before nbgrader copies it, and the integrity report covers it too.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from frontline.grading.course import Course
from frontline.grading.integrity import Issue, grade_ids_of, inspect_autograded, inspect_submission, write_report


@dataclass
class Result:
    student: str
    success: bool
    error: str = ""
    issues: list[Issue] = field(default_factory=list)


def ensure_generated(course: Course, assignment: str) -> None:
    """Build the student version (and the gradebook entry) if it is missing or older than the source."""
    from nbgrader.api import Gradebook, MissingEntry

    release = course.root / "release" / assignment
    source_times = [p.stat().st_mtime for p in (course.kit.exercises / assignment).rglob("*") if p.is_file()]
    fresh = release.is_dir() and all(
        (release / p.name).exists() and (release / p.name).stat().st_mtime >= max(source_times, default=0)
        for p in (course.kit.exercises / assignment).glob("*.ipynb"))
    in_db = False
    if course.db_path.exists():
        with Gradebook(course.db_url) as gb:
            try:
                gb.find_assignment(assignment)
                in_db = True
            except MissingEntry:
                pass
    if not (fresh and in_db):
        generate(course, assignment)


class GradingError(RuntimeError):
    pass


def generate(course: Course, assignment: str) -> None:
    result = course.api().generate_assignment(assignment, force=True)
    if not result["success"]:
        raise GradingError(f"could not build the student version of {assignment}:\n{_last_lines(result)}")


ERROR_LINE = re.compile(r"^\s*([\w.]+(Error|Exception|Interrupt)\b.*)$")


def _last_lines(result: dict, n: int = 6) -> str:
    """The most telling lines of a failed nbgrader run: the underlying exception, not nbgrader's summary."""
    text = "\n".join(filter(None, [result.get("log"), result.get("error")]))
    causes = [m.group(1) for line in text.splitlines() if (m := ERROR_LINE.match(line))
              and "NbGraderException" not in line]
    if causes:
        return causes[-1]
    return "\n".join(text.strip().splitlines()[-n:])


def submitted_students(course: Course, assignment: str) -> list[str]:
    submitted = course.root / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())


def _grade_one(kit_root: str, course_root: str, exchange: str, assignment: str, student: str, db_path: str) -> dict:
    """Worker: autograde one student into the gradebook copy at ``db_path``."""
    from frontline.kit import KitPaths

    course = Course(KitPaths(Path(kit_root)), Path(course_root), Path(exchange))
    # this run's report is written by the main process, from every worker's findings at once
    api = course.api(**{"CourseDirectory.db_url": f"sqlite:///{db_path}", "Autograde.pre_convert_hook": None,
                            "Autograde.post_convert_hook": None})
    result = api.autograde(assignment, student, force=True, create=True)
    return {"success": bool(result["success"]), "error": "" if result["success"] else _last_lines(result),
            "log": "" if result["success"] else "\n".join(filter(None, [result.get("log"), result.get("error")]))}


def merge_submission(source_url: str, target_url: str, assignment: str, student: str) -> None:
    """Copy one student's automatic grades and comments from a job's gradebook into the course gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(source_url) as source, Gradebook(target_url) as target:
        target.update_or_create_student(student)
        try:
            submission = source.find_submission(assignment, student)
        except MissingEntry:
            target.update_or_create_submission(assignment, student)
            return
        target.update_or_create_submission(assignment, student, timestamp=submission.timestamp)
        for notebook in submission.notebooks:
            target_notebook = target.find_submission_notebook(notebook.name, assignment, student)
            target_notebook.flagged = notebook.flagged
            target_notebook.late_submission_penalty = notebook.late_submission_penalty
            for grade in notebook.grades:
                mine = target.find_grade(grade.name, notebook.name, assignment, student)
                mine.auto_score = grade.auto_score
                mine.needs_manual_grade = grade.needs_manual_grade
            for comment in notebook.comments:
                mine = target.find_comment(comment.name, notebook.name, assignment, student)
                mine.auto_comment = comment.auto_comment
        target.db.commit()


def record_zero(course: Course, assignment: str, student: str) -> None:
    """A submission nbgrader could not grade: 0 on every cell, nothing left to grade by hand."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.auto_score is None and grade.manual_score is None:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
        gb.db.commit()


def _references(course: Course, assignment: str) -> tuple[dict[str, Path], dict[str, Path], dict[str, set[str]]]:
    """What a submission is inspected against: the released and the source notebooks by name, and the grade ids
    of every other assignment."""
    released = {p.stem: p for p in (course.root / "release" / assignment).glob("*.ipynb")}
    sources = {p.stem: p for p in (course.kit.exercises / assignment).glob("*.ipynb")}
    others = {other: {i for p in (course.kit.exercises / other).glob("*.ipynb") for i in grade_ids_of(p)}
              for other in course.assignments() if other != assignment}
    return released, sources, others


def _hook_inspection(kit_root: str, course_root: str, assignment: str, student: str, notebooks: list[str],
                     graded: bool) -> None:
    from frontline.kit import KitPaths, default_exchange_root

    course = Course(KitPaths(Path(kit_root)), Path(course_root), default_exchange_root())
    students = {Path(n).parent.parent.name for n in notebooks} or {student}  # nbgrader passes "*" for everyone
    released, sources, others = _references(course, assignment)
    for name in sorted(students - {"*"}):
        issues = inspect_submission(course.folder("submitted", name, assignment), assignment, name, released,
                                    sources, others)
        if graded:
            issues += inspect_autograded(course.folder("autograded", name, assignment), assignment, name)
        write_report(course.reports / assignment / "integrity.csv", issues, {name})


def inspect_before_grading(kit_root: str, course_root: str, *, assignment: str, student: str,
                           notebooks: list[str]) -> None:
    """nbgrader's ``Autograde.pre_convert_hook`` (set in grading/nbgrader_config.py), for when nbgrader grades by
    itself (the formgrader's Autograde button): :func:`inspect_submission` before nbgrader copies the submission's
    other files into ``autograded/`` (a copy that follows links), and its findings written into the report at once,
    so a submission that then fails to grade (its notebook was a link, now set aside) still has them.

    The student is read from the notebooks' folder (``submitted/<student>/<assignment>/``). Repairs that give a
    notebook a new name (a misnamed one copied to the expected name) apply from the next grading, since nbgrader
    has already listed the notebooks it will grade.
    """
    _hook_inspection(kit_root, course_root, assignment, student, notebooks, graded=False)


def report_after_grading(kit_root: str, course_root: str, *, assignment: str, student: str,
                         notebooks: list[str]) -> None:
    """nbgrader's ``Autograde.post_convert_hook``: the integrity entries of a submission nbgrader has just graded
    by itself (those :func:`inspect_before_grading` wrote, and the grading's own), as :func:`autograde` writes
    them."""
    _hook_inspection(kit_root, course_root, assignment, student, notebooks, graded=True)


def autograde(course: Course, assignment: str, students: list[str] | None = None, jobs: int = 1,
              on_done: Callable[[Result], None] | None = None) -> list[Result]:
    """Grade ``students`` (default: everyone in ``submitted/``) with ``jobs`` workers; returns one result each."""
    ensure_generated(course, assignment)
    students = students if students is not None else submitted_students(course, assignment)
    released, sources, others = _references(course, assignment)
    results: dict[str, Result] = {}
    gradable = []
    for student in students:
        issues = inspect_submission(course.folder("submitted", student, assignment), assignment, student,
                                    released, sources, others)
        results[student] = Result(student, False, issues=issues)
        if any((course.folder("submitted", student, assignment) / f"{name}.ipynb").exists() for name in released):
            gradable.append(student)
        else:
            record_zero(course, assignment, student)
            results[student].error = "no gradable notebook"
            if on_done:
                on_done(results[student])

    os.environ.update(course.environment())  # workers inherit the course, kit and exchange
    with tempfile.TemporaryDirectory(prefix="frontline-grade-") as scratch:
        template = Path(scratch) / "template.db"
        shutil.copy2(course.db_path, template)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
            futures = {}
            for student in gradable:
                job_db = Path(scratch) / f"{student}.db"
                shutil.copy2(template, job_db)
                future = pool.submit(_grade_one, str(course.kit.root), str(course.root), str(course.exchange),
                                     assignment, student, str(job_db))
                futures[future] = (student, job_db)
            for future in as_completed(futures):
                student, job_db = futures[future]
                result = results[student]
                try:
                    outcome = future.result()
                except Exception as e:  # the worker itself died: report it, keep going
                    outcome = {"success": False, "error": f"grading process failed: {type(e).__name__}: {e}"}
                result.success, result.error = outcome["success"], outcome["error"]
                merge_submission(f"sqlite:///{job_db}", course.db_url, assignment, student)
                if not result.success:
                    record_zero(course, assignment, student)
                    log = course.reports / assignment / "logs" / f"{student}.log"
                    log.parent.mkdir(parents=True, exist_ok=True)
                    log.write_text(outcome.get("log") or result.error, encoding="utf-8")
                    result.issues.append(Issue(assignment, student, "(whole submission)",
                                               f"nbgrader could not grade it: {result.error.splitlines()[-1]}",
                                               f"0 points; nbgrader's log is in {log.relative_to(course.root)}"))
                result.issues += inspect_autograded(course.folder("autograded", student, assignment),
                                                    assignment, student)
                job_db.unlink(missing_ok=True)
                if on_done:
                    on_done(result)
    ordered = [results[s] for s in students]
    write_report(course.reports / assignment / "integrity.csv", [i for r in ordered for i in r.issues], set(students))
    return ordered
