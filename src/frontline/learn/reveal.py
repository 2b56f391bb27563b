"""Staged hints and a gated solution: the one rule every practice item follows.

A learner never sees more than they asked for: each request shows one more hint, and the worked solution opens
only after a first attempt (in this session, or one the caller can prove from a record such as the scenario
progress file). Messages are plain words, because most trainees have never written code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class Reveal:
    """What has been shown to the learner of one item, and what may be shown next."""

    def __init__(self, hints: Sequence[str], *, has_solution: bool = True,
                 earlier_attempts: Callable[[], bool] | None = None,
                 on_hint: Callable[[int], None] | None = None):
        self._hints = tuple(hints)
        self._has_solution = has_solution
        self._earlier_attempts = earlier_attempts
        self._on_hint = on_hint
        self._hints_seen = 0
        self._attempts = 0
        self._solution_shown = False

    @property
    def hints_total(self) -> int:
        return len(self._hints)

    @property
    def hints_shown(self) -> list[str]:
        return list(self._hints[: self._hints_seen])

    @property
    def attempts(self) -> int:
        """Attempts made in this session."""
        return self._attempts

    @property
    def solution_shown(self) -> bool:
        return self._solution_shown

    @property
    def solution_available(self) -> bool:
        if not self._has_solution:
            return False
        return self._attempts > 0 or bool(self._earlier_attempts and self._earlier_attempts())

    def record_attempt(self) -> None:
        self._attempts += 1

    def next_hint(self) -> str:
        """The next hint, or why there is none; each call reveals at most one more."""
        total = self.hints_total
        if self._hints_seen >= total:
            seen = f"No more hints: you have seen all {total}." if total else "There is no hint for this one."
            return f"{seen} {self._after_hints()}"
        self._hints_seen += 1
        if self._on_hint is not None:
            self._on_hint(self._hints_seen)
        return f"Hint {self._hints_seen} of {total}: {self._hints[self._hints_seen - 1]}"

    def _after_hints(self) -> str:
        if not self._has_solution:
            return "Your trainer's feedback on the graded work shows a worked answer."
        if self.solution_available:
            return "The worked solution is open to you now."
        return "The worked solution opens once you have tried an answer."

    def solution(self, text: str) -> str:
        """``text`` behind the gate: shown after an attempt, otherwise the reason it is not shown yet."""
        if not self._has_solution:
            return ("There is no worked solution here: this question is part of graded work. Your trainer's "
                    "feedback shows one after grading.")
        if not self.solution_available:
            more = " A hint may help you first." if self._hints_seen < self.hints_total else ""
            return ("The solution opens after your first attempt: give any answer, then ask again." + more)
        self._solution_shown = True
        return f"Solution: {text}"

    def hide_solution(self) -> None:
        """Start a fresh attempt view; hints already seen stay seen."""
        self._solution_shown = False
