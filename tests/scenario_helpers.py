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
