"""One way for a learner to check an answer, get a hint and see a solution, whatever they are practising.

Lesson self-checks (``q = question("03.churn_gap")``; ``q.check(answer)``), graded exercises' self-checks
(``q = exercise("diagnosis")``; ``q.funnel_counts.check()``) and the practice scenarios all answer ``check``,
``hint`` and ``solution`` through the same :class:`~frontline.learn.reveal.Reveal`: hints one at a time, the
solution only after a first attempt (never, for graded work). What each question asks, how its answer is computed,
its hints, solution and the objective it serves live in ``data/questions/*.yaml`` (see ``docs/lessons.md``),
validated by ``frontline check``.
"""

from __future__ import annotations

import warnings
from typing import Any

from frontline.learn.computations import Tables
from frontline.learn.content import check_folder, load_question_file
from frontline.learn.items import Learner, Practice, Question, SelfCheck, Unavailable, Verdict
from frontline.learn.reveal import Reveal
from frontline.problems import ContentError


def question(question_id: str, **tables: Any) -> Question:
    """The lesson self-check ``"NN.name"`` (NN: the lesson number), given the tables it works on when the lesson
    hands them over. Raises KeyError for an unknown id and TypeError naming the tables a question needs."""
    number, _, name = question_id.partition(".")
    from frontline.kit import kit_paths

    lessons = sorted(kit_paths().notebooks.glob(f"{number}_*.ipynb")) if number.isdigit() else []
    if not lessons or not name:
        raise KeyError(f"no self-check {question_id!r}: ids are the lesson number, a dot and a name (03.churn_gap)")
    file = load_question_file(lessons[0].stem)
    spec = file.question(name)
    needed = set(spec.get("given", []))
    if needed != set(tables):
        raise TypeError(f"self-check {question_id!r} needs the table(s) {sorted(needed) or 'none'}, "
                        f"got {sorted(tables) or 'none'}")
    return Question(question_id, spec, Tables(tables))


class Exercise:
    """The self-checks of one graded exercise, as attributes: ``q.pareto.check()``."""

    def __init__(self, name: str, checks: list[Learner], problem: str | None = None):
        self.name = name
        self._checks = {c.id.split(".", 1)[1]: c for c in checks}
        self._problem = problem

    def __getattr__(self, item: str) -> Learner:
        if item.startswith("_"):
            raise AttributeError(item)
        if self._problem is not None:
            return Unavailable(f"{self.name}.{item}", self._problem)
        try:
            return self._checks[item]
        except KeyError:
            raise AttributeError(f"exercise {self.name!r} has no self-check {item!r}; "
                                 f"it has {', '.join(self._checks)}") from None

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._checks]

    def __repr__(self) -> str:
        return f"<self-checks of {self.name}: {', '.join(self._checks)}>"

    @property
    def checks(self) -> list[Learner]:
        return list(self._checks.values())


def exercise(name: str) -> Exercise:
    """The self-checks of the graded exercise ``name`` (as in ``exercises/<name>/``).

    Never raises: it runs in an exercise's locked setup cell, so an unreadable question file turns each check into
    a message for the trainer instead of breaking the notebook or the autograder.
    """
    try:
        file = load_question_file(name)
        if file.kind != "exercise":
            raise ContentError([])
    except (ContentError, OSError) as e:
        reason = str(e) or f"{name!r} is not a graded exercise"
        warnings.warn(f"self-checks of {name!r} are not available: {reason}", RuntimeWarning, stacklevel=2)
        return Exercise(name, [], "its question file could not be read")
    return Exercise(name, [SelfCheck(name, spec) for spec in file.questions])


__all__ = ["Exercise", "Learner", "Practice", "Question", "Reveal", "SelfCheck", "Verdict", "check_folder", "exercise",
           "question"]
