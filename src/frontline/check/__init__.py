"""Validation of all kit content, as used by ``frontline check``.

Each checker takes the kit's paths and returns every :class:`~frontline.problems.Problem` it finds; new kinds of
content (scenarios, notebooks, assignments) add one entry to :data:`CHECKERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from frontline.kit import KitPaths
from frontline.live.plan import check_kit_session_plans
from frontline.problems import Problem

Checker = Callable[[KitPaths], list[Problem]]


def check_datasets(paths: KitPaths) -> list[Problem]:
    from frontline.datasets import check_folder

    return check_folder(paths.data)


def check_scenarios(paths: KitPaths) -> list[Problem]:
    from frontline.scenarios.loader import check_folder

    return check_folder(paths.data / "scenarios")


def check_lessons(paths: KitPaths) -> list[Problem]:
    from frontline.lessons.check import check_lessons as check

    return check(paths)


def check_questions(paths: KitPaths) -> list[Problem]:
    from frontline.learn import check_folder

    return check_folder(paths)


def check_grading(paths: KitPaths) -> list[Problem]:
    from frontline.grading.checks import check_assignments

    return check_assignments(paths)


def check_reply_coach(paths: KitPaths) -> list[Problem]:
    from frontline.coach.rules import RULES_RELATIVE, check_rules_file

    return check_rules_file(paths.root / RULES_RELATIVE)


def check_front_line_track(paths: KitPaths) -> list[Problem]:
    from frontline.scenarios.track_check import check_track

    return check_track(paths)


CHECKERS: list[tuple[str, Checker]] = [
    ("datasets", check_datasets),
    ("scenarios", check_scenarios),
    ("lessons", check_lessons),
    ("questions", check_questions),
    ("session plans", check_kit_session_plans),
    ("grading", check_grading),
    ("reply coach", check_reply_coach),
    ("front-line track", check_front_line_track),
]


def run_checks(paths: KitPaths, only: set[str] | None = None) -> dict[str, list[Problem]]:
    """Run every checker (or those named in ``only``); a crashing checker is reported, not raised."""
    results: dict[str, list[Problem]] = {}
    for name, checker in CHECKERS:
        if only and name not in only:
            continue
        try:
            results[name] = checker(paths)
        except Exception as e:  # a bug in one checker must not hide the others' findings
            results[name] = [Problem(paths.root, f"the {name} check crashed: {type(e).__name__}: {e}")]
    return results
