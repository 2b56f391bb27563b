"""Feedback for each autograded submission, through the course config (tests hidden, mark schemes removed)."""

from __future__ import annotations

from dataclasses import dataclass

from frontline.grading.autograde import submitted_students
from frontline.grading.course import Course


@dataclass
class FeedbackResult:
    student: str
    success: bool
    error: str = ""


def _has_feedback(course: Course, assignment: str, student: str) -> bool:
    autograded = course.folder("autograded", student, assignment)
    feedback = course.folder("feedback", student, assignment)
    return all((feedback / f"{nb.stem}.html").exists() and
               (feedback / f"{nb.stem}.html").stat().st_mtime >= nb.stat().st_mtime
               for nb in autograded.glob("*.ipynb"))


def generate_feedback(course: Course, assignment: str, release: bool = False) -> list[FeedbackResult]:
    """Write ``feedback/<student>/<assignment>/*.html`` for every autograded student; never stops on one."""
    api = course.api()
    results = []
    # one nbgrader run for the whole class (it carries on past a failing student); students whose feedback is
    # then missing are run again one by one, to report why
    api.generate_feedback(assignment, None, force=True)
    for student in submitted_students(course, assignment):
        if not course.folder("autograded", student, assignment).is_dir():
            results.append(FeedbackResult(student, False, "not autograded (see the integrity report)"))
            continue
        if _has_feedback(course, assignment, student):
            results.append(FeedbackResult(student, True))
            continue
        outcome = api.generate_feedback(assignment, student, force=True)
        error = "" if outcome["success"] else "\n".join((outcome.get("error") or "").strip().splitlines()[-3:])
        results.append(FeedbackResult(student, bool(outcome["success"]), error))
    if release:
        outcome = api.release_feedback(assignment)
        if not outcome["success"]:
            results.append(FeedbackResult("(exchange)", False, "releasing feedback to the exchange failed"))
    return results
