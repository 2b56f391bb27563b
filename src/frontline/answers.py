"""Answer events: how a trainee's answer in any widget reaches whoever is listening.

Scenario and poll widgets *publish* an :class:`AnswerEvent` each time the trainee submits; other parts *subscribe*
(the live-session client forwards answers to the facilitator's room; progress tracking records them). Publishing
never fails because of a subscriber: a subscriber that raises is reported as a warning and the others still run,
so a trainee's practice is never interrupted by, say, an unreachable session server.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AnswerEvent:
    """One submitted answer.

    ``question_id`` names what was answered (a scenario id such as ``"diagnosis/late-delivery"``, or a poll id);
    ``answer`` is JSON-serialisable; ``correct`` and ``score`` (0..1) are set when the widget can judge the answer.
    """

    question_id: str
    kind: str
    answer: Any
    correct: bool | None = None
    score: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[AnswerEvent], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Register ``subscriber``; returns a function that unregisters it."""
    _subscribers.append(subscriber)

    def unsubscribe() -> None:
        if subscriber in _subscribers:
            _subscribers.remove(subscriber)

    return unsubscribe


def publish(event: AnswerEvent) -> None:
    for subscriber in list(_subscribers):
        try:
            subscriber(event)
        except Exception as e:  # a listener's failure must not lose the trainee's answer in the widget
            warnings.warn(f"an answer listener failed: {type(e).__name__}: {e}", RuntimeWarning, stacklevel=2)
