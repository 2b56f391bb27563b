"""The learner's side: lesson questions and exercise self-checks, each with ``check``, ``hint`` and ``solution``.

Both follow the rules of :class:`~frontline.learn.reveal.Reveal` (hints one at a time, the solution only after an
attempt; a graded exercise's self-check has no solution at all) and never raise on a wrong, missing or broken
answer, so a lesson always runs top to bottom and a self-check never breaks the autograder.

The expected answer is kept out of sight: it is computed when first needed and held in a private slot (lessons), or
never known at all, only its salted digest (graded exercises). Neither the object's public attributes nor its repr
carry it.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from frontline.answers import AnswerEvent, publish
from frontline.learn.computations import Tables
from frontline.learn.registry import COMPUTATIONS, PROPERTIES
from frontline.learn.reveal import Reveal

PASS = "✔"
FAIL = "✘"
DEFAULT_TOLERANCE = 0.005
_MISSING = object()


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str

    def __str__(self) -> str:
        return self.message


@runtime_checkable
class Practice(Protocol):
    """What a trainee can ask of anything they practise on: lesson self-checks, graded exercises' self-checks and
    scenarios alike. ``hint`` and ``solution`` follow :class:`~frontline.learn.reveal.Reveal`."""

    def check(self, *args: Any) -> Any: ...

    def hint(self) -> Any: ...

    def solution(self) -> Any: ...


class Learner:
    """What every self-check offers: ``check`` (in each subclass), ``hint`` and ``solution``."""

    def __init__(self, question_id: str, hints: list[str], solution_text: str | None):
        self.id = question_id
        self._solution_text = solution_text
        self._reveal = Reveal(hints, has_solution=solution_text is not None)

    @property
    def hints_total(self) -> int:
        return self._reveal.hints_total

    @property
    def attempts(self) -> int:
        return self._reveal.attempts

    def hint(self) -> None:
        """Show the next hint (one more each time)."""
        print(self._reveal.next_hint())

    def solution(self) -> None:
        """Show the worked solution once an answer has been tried."""
        print(self._reveal.solution(self._solution_text or ""))


# ----- lesson questions -----------------------------------------------------------------------------------------


def _words(value: Any) -> str:
    """Text compared the way a person reads it: case, spaces and underscores do not matter."""
    return re.sub(r"\s+", " ", str(value).replace("_", " ")).strip().lower()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _close(answer: Any, expected: Any, tolerance: float) -> bool:
    a, e = _number(answer), _number(expected)
    return a is not None and e is not None and math.isclose(a, e, rel_tol=tolerance, abs_tol=tolerance)


def _as_mapping(value: Any) -> dict[str, Any] | None:
    if hasattr(value, "to_dict") and hasattr(value, "index") and not hasattr(value, "columns"):
        value = value.to_dict()
    if not isinstance(value, Mapping):
        return None
    return {_words(k): v for k, v in value.items()}


def _same(kind: str, answer: Any, expected: Any, tolerance: float, accept: tuple[str, ...] = ()) -> bool:
    if kind == "number":
        return _close(answer, expected, tolerance)
    if kind == "text":
        return isinstance(answer, str) and _words(answer) in {_words(expected), *map(_words, accept)}
    if kind == "series":
        got, want = _as_mapping(answer), _as_mapping(expected)
        return got is not None and want is not None and set(got) == set(want) and all(
            _close(got[k], want[k], tolerance) for k in want)
    return False


def _scaled(value: Any, factor: float) -> Any:
    """A number, or each value of a mapping or Series, times ``factor`` (None when there is nothing to scale)."""
    mapping = _as_mapping(value)
    if mapping is not None:
        numbers = {k: _number(v) for k, v in mapping.items()}
        return None if None in numbers.values() else {k: v * factor for k, v in numbers.items()}
    number = _number(value)
    return None if number is None else number * factor


def _shown(answer: Any) -> str:
    """The answer as the trainee would write it: plain numbers and words, at most about 80 characters."""
    plain = _jsonable(answer)
    text = repr(int(plain) if isinstance(plain, float) and plain.is_integer() else plain)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _jsonable(answer: Any) -> Any:
    mapping = _as_mapping(answer)
    if mapping is not None:
        return {k: (_number(v) if _number(v) is not None else str(v)) for k, v in mapping.items()}
    number = _number(answer)
    return number if number is not None else str(answer)


class Question(Learner):
    """One lesson self-check: the task, how its answer is computed, hints and a worked solution."""

    def __init__(self, key: str, spec: Mapping[str, Any], tables: Tables):
        solution = spec["solution"]
        text = solution["explanation"] + ("\n\n    " + solution["code"].strip().replace("\n", "\n    ")
                                          if solution.get("code") else "")
        super().__init__(key, list(spec["hints"]), text)
        self.kind: str = spec["type"]
        self.objective: str = spec["objective"]
        self.task: str = spec["task"].strip()
        self._spec = spec
        self._tables = tables
        self._expected: Any = _MISSING
        if self.kind == "choice":
            letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            self.options = [f"{letters[i]}. {o['text']}" for i, o in enumerate(spec["options"])]
            self.task = self.task + "\n" + "\n".join(self.options)

    def __repr__(self) -> str:
        return f"<self-check {self.id}: {self.task}>"

    def _compute(self, source: Mapping[str, Any]) -> Any:
        if "value" in source:
            return source["value"]
        entry = COMPUTATIONS.get(source["computation"])
        return entry.function(self._tables, **source.get("params", {}))

    def _expected_value(self) -> Any:
        if self._expected is _MISSING:
            self._expected = self._compute(self._spec["answer"])
        return self._expected

    def _chosen(self, answer: Any) -> int | None:
        options = self._spec["options"]
        text = _words(answer) if isinstance(answer, str) else None
        if text is None:
            return None
        for i, option in enumerate(options):
            letter = "abcdefghijklmnopqrstuvwxyz"[i]
            if text in (letter, f"{letter}.", f"{letter})", _words(option["text"])):
                return i
        return None

    def evaluate(self, answer: Any) -> Verdict:
        """Judge ``answer`` without printing or recording it; never raises."""
        if answer is None or answer is Ellipsis:
            return Verdict(False, f"{FAIL} not answered yet: {self.task}\nType your answer in place of the three "
                                  f"dots, then run the cell again.")
        try:
            return self._judge(answer)
        except Exception as e:  # the question's own computation failed: say so rather than break the lesson
            return Verdict(False, f"{FAIL} this question could not be checked ({type(e).__name__}: {e}). Please "
                                  f"tell your trainer.")

    def _judge(self, answer: Any) -> Verdict:
        if self.kind == "choice":
            chosen = self._chosen(answer)
            if chosen is None:
                letters = ", ".join(option.split(".")[0] for option in self.options)
                return Verdict(False, f"{FAIL} not quite: answer with one of the letters {letters}.")
            option = self._spec["options"][chosen]
            mark = f"{PASS} correct." if option.get("correct") else f"{FAIL} not quite."
            return Verdict(bool(option.get("correct")), f"{mark} {option['feedback']}")
        tolerance = self._spec.get("tolerance", DEFAULT_TOLERANCE)
        accept = tuple(self._spec.get("accept", ()))
        if _same(self.kind, answer, self._expected_value(), tolerance, accept):
            return Verdict(True, f"{PASS} correct.")
        shown = _shown(answer)
        for mistake in self._spec.get("mistakes", []):
            if self._matches(answer, mistake, tolerance):
                return Verdict(False, f"{FAIL} not quite: {shown}. {mistake['feedback']}")
        if self.kind == "number" and _number(answer) is None:
            return Verdict(False, f"{FAIL} not quite: the answer should be a number, not {shown}.")
        return Verdict(False, f"{FAIL} not quite: {shown} is not what the data give. Check your steps, or ask "
                              f"for a hint.")

    def _matches(self, answer: Any, mistake: Mapping[str, Any], tolerance: float) -> bool:
        """Whether ``answer`` is the known mistake. A scaled answer is also compared in the right answer's units, so
        a percentage rounded as the fraction may be (25 for 0.2537) is still recognised as a percentage."""
        if "scale" in mistake and _same(self.kind, _scaled(answer, 1 / mistake["scale"]), self._expected_value(),
                                        tolerance):
            return True
        return _same(self.kind, answer, self._mistaken_value(mistake), tolerance)

    def _mistaken_value(self, mistake: Mapping[str, Any]) -> Any:
        if "scale" in mistake:
            return _scaled(self._expected_value(), mistake["scale"])
        if "round" in mistake:
            return round(_number(self._expected_value()), mistake["round"])
        return self._compute(mistake)

    def check(self, answer: Any = ...) -> None:
        """Show the verdict on ``answer`` and tell any listener (progress, a live session) about it."""
        verdict = self.evaluate(answer)
        print(verdict.message)
        if answer is None or answer is Ellipsis:
            return
        self._reveal.record_attempt()
        publish(AnswerEvent(self.id, "self-check", _jsonable(answer), correct=verdict.passed,
                            score=float(verdict.passed)))


# ----- exercise self-checks -------------------------------------------------------------------------------------


def _call_safely(function: Any, args: list[Any]) -> Any:
    try:
        return function(*args)
    except Exception as e:
        return f"raised {type(e).__name__}"


class SelfCheck(Learner):
    """One graded exercise's self-check: reads the trainee's answer by name and tests properties and a salted
    digest of the model answer, so the expected value itself is never in the trainee's kernel."""

    def __init__(self, exercise: str, spec: Mapping[str, Any]):
        super().__init__(f"{exercise}.{spec['id']}", list(spec["hints"]), None)
        self.objective: str = spec["objective"]
        self._spec = spec

    def __repr__(self) -> str:
        return f"<self-check {self.id}>"

    @property
    def answer_name(self) -> str:
        return self._spec["answer_name"]

    def _find_answer(self, namespace: Mapping[str, Any] | None) -> Any:
        if namespace is None:
            frame = inspect.currentframe()
            # walk out of the package to the notebook (or test) that called check()
            while frame is not None and frame.f_globals.get("__name__", "").startswith("frontline.learn"):
                frame = frame.f_back
            namespace = frame.f_globals if frame is not None else {}
        return namespace.get(self.answer_name, _MISSING)

    def value_to_digest(self, answer: Any) -> Any:
        """What the digest is taken of: the answer, or for a function its results on the example inputs."""
        if self._spec.get("call_with") is not None:
            return [_call_safely(answer, list(args)) for args in self._spec["call_with"]]
        return answer

    def evaluate(self, namespace: Mapping[str, Any] | None = None) -> Verdict:
        """Judge the answer found in ``namespace`` (default: the caller's globals); never raises. A wrong answer
        that shows a known mistake gets that mistake's explanation."""
        answer = self._find_answer(namespace)
        if answer is _MISSING:
            return Verdict(False, f"{FAIL} your answer is not there yet: run the cell where you wrote it, then "
                                  f"check again.")
        try:
            problem = self._problem(answer)
        except Exception as e:  # a broken answer is the trainee's to fix, not a crash of the self-check
            return Verdict(False, f"{FAIL} checking your answer raised an error: {type(e).__name__}: {e}")
        if problem is None:
            return Verdict(True, f"{PASS} looks right. (A self-check is not the grade: hidden tests check more.)")
        mistake = self._known_mistake(answer)
        return Verdict(False, f"{FAIL} not yet: {mistake if mistake is not None else problem}")

    def _problem(self, answer: Any) -> str | None:
        """What is wrong with the answer in general terms (a failed property, or a value that does not match)."""
        from frontline.selfcheck import digest, stored_digests

        for prop in self._spec.get("properties", []):
            if not PROPERTIES.get(prop["test"]).function(answer, **prop.get("params", {})):
                return f"{prop['message']}."
        stored = stored_digests().get(self.id) if self._spec.get("digest", True) else None
        if stored is not None and digest(self.id, self.value_to_digest(answer), stored["places"]) != stored["digest"]:
            return "the value does not match. Check your steps, or ask for a hint."
        return None

    def _known_mistake(self, answer: Any) -> str | None:
        """The explanation of the first known mistake the (wrong) answer shows, recognised by a property of the
        answer, never by comparing it with the right one."""
        for mistake in self._spec.get("mistakes", []):
            try:
                recognised = PROPERTIES.get(mistake["test"]).function(answer, **mistake.get("params", {}))
            except Exception:  # an answer too broken for this test simply does not show this mistake
                recognised = False
            if recognised:
                return mistake["feedback"]
        return None

    def check(self, namespace: Mapping[str, Any] | None = None) -> None:
        """Show the verdict on the trainee's answer."""
        verdict = self.evaluate(namespace)
        self._reveal.record_attempt()
        print(verdict.message)


class Unavailable(Learner):
    """Stands in for a self-check whose question file cannot be read, so the exercise still runs."""

    def __init__(self, question_id: str, reason: str):
        super().__init__(question_id, [], None)
        self._why = reason

    def evaluate(self, namespace: Mapping[str, Any] | None = None) -> Verdict:
        return Verdict(False, f"{FAIL} this self-check is not available ({self._why}). Please tell your trainer.")

    def check(self, namespace: Mapping[str, Any] | None = None) -> None:
        print(self.evaluate(namespace).message)
