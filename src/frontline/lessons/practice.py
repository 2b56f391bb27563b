"""Self-check questions for the lessons, in the style of Kaggle's learntools: ``q.check(answer)``, ``q.hint()``,
``q.solution()``.

A question's expected answer is computed here from the kit's data, so the lesson shows the task but not the
answer. ``check`` prints "✔ correct" or "✘ not quite" (never colour alone), publishes an
:class:`~frontline.answers.AnswerEvent` so progress tracking and live sessions hear about it, and never
raises on a wrong or missing answer, so a lesson always runs top to bottom.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from frontline.answers import AnswerEvent, publish


def _same(answer: Any, expected: Any, tolerance: float) -> bool:
    if isinstance(expected, pd.Series):
        if not isinstance(answer, pd.Series):
            return False
        answer, expected = answer.sort_index(), expected.sort_index()
        return list(map(str, answer.index)) == list(map(str, expected.index)) and all(
            _same(a, e, tolerance) for a, e in zip(answer.tolist(), expected.tolist(), strict=True))
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.lower()
    if isinstance(expected, (set, frozenset)):
        return isinstance(answer, (set, frozenset, list, tuple)) and {str(a).lower() for a in answer} == {
            str(e).lower() for e in expected}
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        try:
            return math.isclose(float(answer), float(expected), rel_tol=tolerance, abs_tol=tolerance)
        except (TypeError, ValueError):
            return False
    return answer == expected


@dataclass(frozen=True)
class Question:
    """One self-check: what to compute, how to get unstuck, and a model solution."""

    id: str
    task: str
    expected: Callable[[], Any]
    hint_text: str
    solution_code: str
    tolerance: float = 0.005
    # Tables the lesson passes in (e.g. a small survey typed into the notebook); given to ``expected``.
    data: dict[str, Any] = field(default_factory=dict)

    def is_correct(self, answer: Any) -> bool:
        return answer is not None and answer is not Ellipsis and _same(answer, self.expected(**self.data),
                                                                        self.tolerance)

    def check(self, answer: Any) -> None:
        """Print the verdict and tell any listener (progress, a live session) about the answer."""
        if answer is None or answer is Ellipsis:
            print(f"✘ not answered yet: {self.task} Replace the ... with your answer, or call .hint().")
            return
        correct = self.is_correct(answer)
        if correct:
            print("✔ correct.")
        else:
            print(f"✘ not quite: {answer!r} is not what the data give. Check your steps, or call .hint().")
        publish(AnswerEvent(self.id, "self-check", _jsonable(answer), correct=correct, score=float(correct)))

    def hint(self) -> None:
        print(f"Hint: {self.hint_text}")

    def solution(self) -> None:
        print(f"One solution:\n\n{self.solution_code}")


def _jsonable(answer: Any) -> Any:
    if isinstance(answer, pd.Series):
        return {str(k): (None if pd.isna(v) else float(v) if not isinstance(v, str) else v)
                for k, v in answer.items()}
    if isinstance(answer, (set, frozenset, tuple)):
        return sorted(map(str, answer))
    try:
        return float(answer)
    except (TypeError, ValueError):
        return str(answer)


def question(question_id: str, **data: Any) -> Question:
    """The self-check with this id (``"NN.name"``), given the tables it works on when the lesson supplies them.

    Raises KeyError listing the known ids, or TypeError naming the tables a question needs.
    """
    from frontline.lessons.questions import QUESTIONS

    try:
        found = QUESTIONS[question_id]
    except KeyError:
        raise KeyError(f"no self-check {question_id!r}; known: {', '.join(sorted(QUESTIONS))}") from None
    needed = set(inspect.signature(found.expected).parameters)
    if needed != set(data):
        raise TypeError(f"self-check {question_id!r} needs the table(s) {sorted(needed) or 'none'}, "
                        f"got {sorted(data) or 'none'}")
    return replace(found, data=data)
