"""Feedback on an attempt, and short messages (hints, solutions) that show well in a notebook and as text.

Meaning is carried by words and symbols (✔ ◐ ✘), never by colour alone.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any


class Message(str):
    """A plain string that renders as Markdown in a notebook (``scenario.hint()``, ``scenario.solution()``)."""

    def _repr_markdown_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Feedback:
    """The verdict on one submitted answer.

    ``score`` is 0..1; ``correct`` means full marks and ``partial`` some credit short of that. ``messages`` explain
    the verdict line by line; ``details`` holds kind-specific facts (mood, cost, ...) for tests and listeners.
    ``complete`` is False when there was nothing to judge yet (no attempt is recorded then).
    """

    score: float
    messages: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    complete: bool = True

    @property
    def correct(self) -> bool:
        return self.complete and self.score >= 0.999

    @property
    def partial(self) -> bool:
        return self.complete and 0 < self.score < 0.999

    @property
    def verdict(self) -> str:
        if not self.complete:
            return "… not submitted yet"
        if self.correct:
            return "✔ Correct"
        if self.partial:
            return f"◐ Partly right (score {self.score:.0%})"
        return "✘ Not quite (score 0%)"

    def __str__(self) -> str:
        return "\n".join([self.verdict, *(f"- {m}" for m in self.messages)])

    def _repr_markdown_(self) -> str:
        return f"**{self.verdict}**\n\n" + "\n".join(f"- {m}" for m in self.messages)

    def to_html(self) -> str:
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages)
        return (f'<div class="frontline-feedback" role="status"><strong>{html.escape(self.verdict)}</strong>'
                f"<ul>{items}</ul></div>")


def incomplete(message: str) -> Feedback:
    return Feedback(0.0, [message], complete=False)


class AnswerTypeError(TypeError):
    """An answer of the wrong type or shape; the message names the value and what was expected."""


class ScenarioError(ValueError):
    """An action that is not possible in the scenario's current state (e.g. a question beyond the budget)."""
