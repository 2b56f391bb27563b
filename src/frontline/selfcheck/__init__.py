"""Self-checks a trainee runs before submitting an exercise, without being shown the answer.

Modelled on Kaggle's learntools: ``q = selfcheck.exercise("problem_solving")`` then ``q.pareto.check()`` reads the
answer variable from the notebook, and prints "✔ ..." or "✘ ..." with a hint. Checks compare a salted SHA-256
digest of the rounded answer (the expected value is never stored in clear) or test properties of the answer
(sorted, in range, the right labels). A self-check never raises: it must not break a notebook or the autograder.

The digests live in ``digests.json`` beside this file; trainers refresh them with :func:`digest` after changing
an exercise (the grading tests run every source notebook and fail if a self-check does not pass there).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DIGESTS_FILE = Path(__file__).with_name("digests.json")
PASS = "✔"
FAIL = "✘"


def canonical(value: Any, places: int = 3) -> Any:
    """A JSON-ready form of ``value`` that is the same for equal answers of different Python types.

    Numbers are rounded to ``places`` decimals; numpy and pandas values become plain lists and dicts (a pandas
    Series becomes a mapping of its index to its values, a DataFrame a list of row mappings).
    """
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # pandas DataFrame
        return [canonical(row, places) for row in value.to_dict(orient="records")]
    if hasattr(value, "to_dict") and hasattr(value, "index"):  # pandas Series
        return {str(k): canonical(v, places) for k, v in value.to_dict().items()}
    if hasattr(value, "tolist"):  # numpy array or scalar
        value = value.tolist()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return "nan"
        rounded = round(float(value), places)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, Mapping):
        return {str(k): canonical(v, places) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [canonical(v, places) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((canonical(v, places) for v in value), key=repr)
    return str(value)


def digest(question: str, value: Any, places: int = 3) -> str:
    """The salted digest of an answer; salting with the question id stops one digest answering another."""
    payload = json.dumps([question, canonical(value, places)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@cache
def _digests() -> dict[str, dict[str, Any]]:
    return json.loads(DIGESTS_FILE.read_text(encoding="utf-8"))


Property = tuple[str, Callable[[Any], bool]]


@dataclass
class Question:
    """One question's self-check: the answer variable's name plus a digest and/or properties to test."""

    exercise: str
    name: str
    variable: str
    hint_text: str = ""
    properties: list[Property] = field(default_factory=list)
    # for functions: call the answer on these inputs and check the digest of the results
    call_with: list[tuple] | None = None

    @property
    def key(self) -> str:
        return f"{self.exercise}.{self.name}"

    def _find_answer(self, namespace: Mapping[str, Any] | None) -> tuple[bool, Any]:
        if namespace is None:
            frame = inspect.currentframe()
            # walk out of this module to the notebook (or test) that called check()
            while frame is not None and frame.f_globals.get("__name__") == __name__:
                frame = frame.f_back
            namespace = frame.f_globals if frame is not None else {}
        if self.variable not in namespace:
            return False, None
        return True, namespace[self.variable]

    def evaluate(self, namespace: Mapping[str, Any] | None = None) -> tuple[bool, str]:
        """``(passed, message)``; never raises."""
        found, answer = self._find_answer(namespace)
        if not found:
            return False, f"{FAIL} `{self.variable}` is not defined yet: run your answer cell first."
        try:
            for description, test in self.properties:
                if not test(answer):
                    return False, f"{FAIL} not yet: {description}." + self._hint_suffix()
            expected = _digests().get(self.key)
            if expected is not None:
                value = answer
                if self.call_with is not None:
                    if not callable(answer):
                        return False, f"{FAIL} `{self.variable}` should be a function."
                    value = [_call_safely(answer, args) for args in self.call_with]
                if digest(self.key, value, expected.get("places", 3)) != expected["digest"]:
                    return False, f"{FAIL} not yet: the value does not match." + self._hint_suffix()
        except Exception as e:  # a broken answer is the trainee's to fix, not a crash of the self-check
            return False, f"{FAIL} checking `{self.variable}` raised {type(e).__name__}: {e}"
        return True, f"{PASS} `{self.variable}` looks right. (A self-check is not the grade: hidden tests check more.)"

    def _hint_suffix(self) -> str:
        return f" Hint: {self.hint_text}" if self.hint_text else ""

    def check(self, namespace: Mapping[str, Any] | None = None) -> bool:
        passed, message = self.evaluate(namespace)
        print(message)
        return passed

    def hint(self) -> None:
        print(f"Hint: {self.hint_text}" if self.hint_text else "No hint for this question.")


def _call_safely(function: Callable, args: tuple) -> Any:
    try:
        return function(*args)
    except Exception as e:
        return f"raised {type(e).__name__}"


class Exercise:
    """The self-checks of one assignment, as attributes: ``ex.pareto.check()``."""

    def __init__(self, name: str, questions: list[Question]):
        self.name = name
        self._questions = {q.name: q for q in questions}

    def __getattr__(self, item: str) -> Question:
        try:
            return self._questions[item]
        except KeyError:
            raise AttributeError(f"exercise {self.name!r} has no self-check {item!r}; "
                                 f"it has {', '.join(self._questions)}") from None

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._questions]

    @property
    def questions(self) -> list[Question]:
        return list(self._questions.values())


def exercise(name: str) -> Exercise:
    """The self-checks of the assignment ``name`` (as in ``exercises/<name>/``)."""
    from frontline.selfcheck.questions import EXERCISES

    try:
        return Exercise(name, EXERCISES[name]())
    except KeyError:
        raise KeyError(f"no self-checks for exercise {name!r}; known: {', '.join(sorted(EXERCISES))}") from None


__all__ = ["Exercise", "Question", "canonical", "digest", "exercise"]
