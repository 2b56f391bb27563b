"""Graded scenarios: a scenario played inside an nbgrader assignment, recorded by its clicks and marked by replay.

In the assignment notebook, ``graded.graded_scenario("scenario-missed-pickup", "diagnosis/missed-pickup")``
shows the scenario's own widget with the practice buttons (submit, hint, solution, try again) hidden: each call
of one of the kind's ``learner_verbs`` is appended to ``responses/<item-id>.json`` (``frontline.responses``), and
a reopened notebook continues from the saved clicks. No score is shown while the trainee plays, so a graded answer
cannot be found by trying every option. The scenarios of graded exercises are graded-only (``use: graded``): this
module opens them, the practice path (``frontline.scenario``) refuses them.

The hidden test cell calls ``mark_scenario(...)``: a fresh engine replays the record (only whitelisted verbs; each
argument checked by the verb itself, exactly as a click is), submits, prints the path in words with the engine's
debrief, and returns the points earned, which nbgrader takes as partial credit. A missing, damaged or foreign
record earns 0 with a message in words; nothing here raises, and warnings are kept off the cell's error stream.
During autograde the grader also runs ``mark_scenario`` itself, in a process that never ran trainee code
(``frontline.grading.replay``), and records those points rather than the trainee's kernel's.
"""

from __future__ import annotations

import contextlib
import html
import io
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import ipywidgets as w

from frontline.responses import Recorder, RecordError, Step, read_record, record_path

VERB_WORDS = {
    "choose": "Chose", "ask": "Asked", "name_issue": "Named the issue", "reply": "Replied",
    "choose_action": "Chose to", "set_amount": "Set the amount to", "decide": "Decided",
    "set_order": "Put the steps in this order", "move": "Moved", "set": "Set", "answer": "Answered",
}


class Playable(Protocol):
    """What grading needs from an engine: its whitelist of verbs, its data, and a submit returning feedback."""

    learner_verbs: tuple[str, ...]
    data: dict[str, Any]

    def submit(self) -> Any: ...


# The practice frame's own buttons (persona, hint, solution, try again, submit) are hidden in graded work, so a
# recorded answer may replay only the kind's answering verbs: editing a record can only do what clicking could.
PRACTICE_FRAME_VERBS = frozenset({"set_persona", "hint", "solution", "retry", "submit"})


def answer_verbs(kind: type) -> tuple[str, ...]:
    """The verbs of ``kind`` a trainee's click can call in graded work."""
    return tuple(v for v in kind.learner_verbs if v not in PRACTICE_FRAME_VERBS)


@dataclass
class Replay:
    """What replaying a record did: each step in words, the refused ones with the reason, and the feedback."""

    lines: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    feedback: Any = None


def _texts(data: Any) -> Iterator[tuple[str, str]]:
    """(id, text) of every item in a content file that has both, so a step can be told in the trainee's words."""
    if isinstance(data, dict):
        if isinstance(data.get("id"), str):
            text = data.get("text") or data.get("label") or data.get("title")
            if isinstance(text, str):
                yield data["id"], text
        for value in data.values():
            yield from _texts(value)
    elif isinstance(data, list):
        for value in data:
            yield from _texts(value)


def describe_step(step: Step, data: dict[str, Any], said: Any = None) -> str:
    """One step in plain words, e.g. “Asked: What happened?” → Customer: ..."""
    names = dict(_texts(data))

    def word(value: Any) -> str:
        if isinstance(value, list):  # an order of steps: one per line, numbered
            return "".join(f"\n       {n}) {word(v)}" for n, v in enumerate(value, 1))
        if isinstance(value, str) and value in names:
            text = names[value]
            return text if text.startswith(('"', "“")) else f"“{text}”"
        return str(value)

    parts = [word(a) for a in step.args] + [f"{k} = {v}" for k, v in step.kwargs.items()]
    if step.verb == "move" and len(step.args) == 2 and isinstance(step.args[1], int):
        parts = [word(step.args[0]), "up" if step.args[1] < 0 else "down"]
    line = f"{VERB_WORDS.get(step.verb, step.verb)}: {', '.join(parts)}"
    if isinstance(said, str) and said:
        line += f" → {said}"
    return line


def replay(engine: Playable, steps: tuple[Step, ...] | list[Step]) -> Replay:
    """Apply each whitelisted step to ``engine`` as a click would, then submit; refusals are listed, not raised."""
    result = Replay()
    allowed = answer_verbs(type(engine))
    for number, step in enumerate(steps, 1):
        if step.verb not in allowed:
            result.refused.append(f"Step {number} was ignored: “{step.verb}” is not something a trainee can do here.")
            continue
        try:
            said = getattr(engine, step.verb)(*step.args, **step.kwargs)
        except Exception:
            # The engine's own message names internal ids; the trainee is told in words instead.
            result.refused.append(f"Step {number} was ignored: that click was not possible at that point (an "
                                  "option that does not exist, or one more than the question allows).")
            continue
        result.lines.append(describe_step(step, engine.data, said))
    try:
        result.feedback = engine.submit()
    except Exception as e:
        result.refused.append(f"The answer could not be judged: {e}")
    return result


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warnings on stderr: nbgrader gives 0 to a test cell that writes to its error stream."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stderr(io.StringIO()):
            yield


def mark_record(item_id: str, item: str, make_engine: Callable[[], Playable], points: float,
                folder: Path | str | None = None, title: str = "") -> float:
    """Print the recorded path and the debrief; return the points earned (0 for an unusable record)."""
    heading = title or item
    try:
        record = read_record(record_path(item_id, folder), item)
    except RecordError as e:
        print(f"{heading}\nNo marks: {e}.\nPoints: 0 of {points:g}")
        return 0.0
    with _quiet():
        engine = make_engine()
        outcome = replay(engine, record.steps)
    print(heading)
    print("The path you took:" if outcome.lines else "You took no steps on this question.")
    for number, line in enumerate(outcome.lines, 1):
        print(f"  {number}. {line}")
    for line in outcome.refused:
        print(f"  {line}")
    feedback = outcome.feedback
    if not outcome.lines:  # the engine's starting state (e.g. a shuffled order) is not the trainee's answer
        print(f"No marks: no answer was given.\nPoints: 0 of {points:g}")
        return 0.0
    if feedback is None or not getattr(feedback, "complete", True):
        why = feedback.messages[0] if feedback is not None and feedback.messages else "no answer was given"
        print(f"No marks: {why}\nPoints: 0 of {points:g}")
        return 0.0
    print(str(feedback))
    earned = round(max(0.0, min(1.0, float(feedback.score))) * points, 2)
    print(f"Points: {earned:g} of {points:g}")
    return earned


def _graded_engine(scenario_id: str, persona: str | None, store_folder: Path | None):
    """The engine of a graded item: the one path that opens a graded-only scenario (the practice path refuses)."""
    from frontline.scenarios import SCENARIO_CLASSES, ProgressStore, load_scenario

    store = ProgressStore(store_folder / "progress.json") if store_folder else None
    spec = load_scenario(scenario_id)
    return SCENARIO_CLASSES[spec.kind](spec, persona=persona, store=store)


def mark_scenario(item_id: str, scenario_id: str, points: float, persona: str | None = None,
                  folder: Path | str | None = None) -> float:
    """The hidden test of a graded scenario: replay ``responses/<item_id>.json`` and return the points earned."""
    with tempfile.TemporaryDirectory() as scratch:  # the replay's submit must not touch anyone's progress file
        def make() -> Playable:
            return _graded_engine(scenario_id, persona, Path(scratch))
        try:
            with _quiet():
                title = make().title
        except Exception as e:
            print(f"{scenario_id}: this question could not be loaded ({e}); ask your trainer.\nPoints: 0 of {points:g}")
            return 0.0
        return mark_record(item_id, scenario_id, make, points, folder, title=f"Scenario: {title}")


class RecordedPlay:
    """Wraps an engine's learner verbs so each successful call is appended to the item's record."""

    def __init__(self, engine: Any, item_id: str, item: str, folder: Path | str | None = None):
        self.engine = engine
        self.recorder = Recorder(item_id, item, folder)
        self._depth = 0
        self.restored = self._restore()
        for verb in answer_verbs(type(engine)):
            setattr(engine, verb, self._recording(verb, getattr(engine, verb)))

    def _restore(self) -> int:
        """Replay saved clicks into the fresh engine, so a reopened notebook shows the trainee's answer."""
        steps = self.recorder.load()
        allowed = answer_verbs(type(self.engine))
        kept = []
        with _quiet():
            for step in steps:
                if step.verb not in allowed:
                    continue
                try:
                    getattr(self.engine, step.verb)(*step.args, **step.kwargs)
                except Exception:
                    continue
                kept.append(step)
        self.recorder.steps = kept
        return len(kept)

    def _recording(self, verb: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            try:
                result = method(*args, **kwargs)
            finally:
                self._depth -= 1
            if self._depth == 0:  # a verb calling another verb (decide → choose_action) is recorded once
                plain = [list(a) if isinstance(a, tuple | set) else a for a in args]
                self.recorder.append(verb, tuple(plain), kwargs)
                self.on_change()
            return result

        call.__doc__ = method.__doc__
        return call

    def on_change(self) -> None:
        """Called after each recorded step (the widget updates its 'saved' line)."""


class GradedScenario(RecordedPlay):
    """A scenario in an assignment: its widget without the practice buttons, every click saved."""

    def __init__(self, item_id: str, scenario_id: str, persona: str | None = None,
                 folder: Path | str | None = None):
        super().__init__(_graded_engine(scenario_id, persona, None), item_id, scenario_id, folder)
        self.item_id = item_id
        self._status: w.HTML | None = None
        self._root: w.VBox | None = None

    def _status_html(self) -> str:
        steps = len(self.recorder.steps)
        saved = ("Nothing saved yet: make your choices above." if not steps else
                 f"Saved automatically ({steps} step{'s' if steps != 1 else ''}). ")
        return (f'<p role="status"><strong>Graded question.</strong> {html.escape(saved)} '
                "There is no submit button: your choices are marked when you hand in the assignment, "
                "and you see the feedback then.</p>")

    def on_change(self) -> None:
        if self._status is not None:
            self._status.value = self._status_html()

    @property
    def widget(self) -> w.VBox:
        if self._root is None:
            # Building the widget sets its controls to the restored answer, and their callbacks call the verbs
            # again: counted as nested calls, so reopening a notebook never adds steps to the record.
            self._depth += 1
            try:
                inner = self.engine.widget
            finally:
                self._depth -= 1
            ui = self.engine.ui
            # The persona picker goes, but not the persona's text: the customer is fixed by the exercise, and
            # which reply fits depends on who they are and what they expect.
            for name in ("buttons", "persona", "persona_confirm", "hints", "solution_box", "record", "feedback"):
                part = getattr(ui, name, None)
                if part is not None:
                    part.layout.display = "none"
            self._status = w.HTML(self._status_html())
            self._root = w.VBox([inner, self._status])
        return self._root

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/plain"] = f"{self.engine.title} (graded: your clicks are saved for marking)"
        return bundle


def graded_scenario(item_id: str, scenario_id: str, persona: str | None = None,
                    folder: Path | str | None = None) -> GradedScenario:
    """Show a scenario as a graded question in an assignment (displays as its widget)."""
    return GradedScenario(item_id, scenario_id, persona, folder)
