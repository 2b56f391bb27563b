"""Shared helpers for the scenario tests."""

from __future__ import annotations

from frontline.answers import subscribe


class Published:
    """Collects the AnswerEvents published while it is active."""

    def __init__(self):
        self.events = []

    def __enter__(self):
        self._off = subscribe(self.events.append)
        return self.events

    def __exit__(self, *exc):
        self._off()


def any_scenario(scenario_id: str, store=None):
    """The engine of any scenario, practice or graded-only, opened the way graded marking opens it (the practice
    path refuses graded-only ones), for tests that hold every file of the library to a rule."""
    from frontline.scenarios import SCENARIO_CLASSES, load_scenario

    spec = load_scenario(scenario_id)
    return SCENARIO_CLASSES[spec.kind](spec, store=store)
