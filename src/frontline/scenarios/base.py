"""What every scenario kind shares: personas, submitting, hints, the solution gate, retry, progress and the UI frame.

A scenario object is both an engine driven from code (``choose``/``ask``/``reply``/... then ``submit()``) and a
widget: displaying it in a notebook builds the ipywidgets UI, whose callbacks call the very same methods, so a test
that clicks the buttons exercises exactly what a trainee does.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, ClassVar

import ipywidgets as w

from frontline.answers import AnswerEvent, publish
from frontline.scenarios.feedback import AnswerTypeError, Feedback, Message, ScenarioError, incomplete
from frontline.scenarios.loader import ScenarioSpec
from frontline.scenarios.progress import ProgressStore, ScenarioProgress
from frontline.scenarios.widgets import button, markdown, notice, stylesheet


class Scenario:
    kind: ClassVar[str] = ""
    # The public methods a trainee's click calls (what a recorded answer may replay); each kind names its own.
    learner_verbs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, spec: ScenarioSpec, persona: str | None = None, store: ProgressStore | None = None):
        self.spec = spec
        self.id = spec.id
        self.data = spec.data
        self.store = store if store is not None else ProgressStore()
        self._hints_shown = 0
        self._attempts = 0
        self._feedback: Feedback | None = None
        self._solution_shown = False
        self._notice = ""
        self.ui: SimpleNamespace | None = None
        self._record: ScenarioProgress | None = None  # the progress file's entry, read when the widget is built
        self._persona = self._resolve_persona(persona)
        self._reset()

    # ----- personas -----------------------------------------------------------------------------------------
    @property
    def personas(self) -> list[str]:
        """Ids of the customer personas this scenario can be played against (empty if none)."""
        return list(self.spec.personas)

    @property
    def persona(self) -> str | None:
        return self._persona

    def _resolve_persona(self, persona: str | None) -> str | None:
        if persona is None:
            return self.personas[0] if self.personas else None
        if not self.personas:
            raise ScenarioError(f"{self.id} is not played against personas, so persona={persona!r} cannot apply.")
        if persona not in self.personas:
            raise ScenarioError(f"{self.id} has no persona {persona!r}; choose one of {', '.join(self.personas)}.")
        return persona

    def set_persona(self, persona: str) -> None:
        """Play against another customer persona; the attempt starts again (the conversation differs)."""
        self._persona = self._resolve_persona(persona)
        self.retry()

    def _persona_value(self, item: dict[str, Any], key: str, default: Any = None) -> Any:
        """``item[key + '_by_persona'][persona]`` when given, else ``item[key]``."""
        by_persona = item.get(f"{key}_by_persona", {})
        if self._persona in by_persona:
            return by_persona[self._persona]
        return item.get(key, default)

    # ----- the learner's verbs --------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def feedback(self) -> Feedback | None:
        """The feedback on the latest submission (None before the first)."""
        return self._feedback

    @property
    def attempts(self) -> int:
        return self._attempts

    def submit(self) -> Feedback:
        """Judge the current answer, record it in the progress file and publish it to listeners."""
        missing = self._missing()
        if missing:
            self._feedback = incomplete(missing)
            self._refresh()
            return self._feedback
        result = self._grade()
        self._feedback = result
        self._attempts += 1
        try:
            self._record = self.store.record_attempt(self.id, result.score, result.correct)
        except OSError as e:  # the trainee's answer still gets its feedback if the disk is full or read-only
            warnings.warn(f"could not save progress to {self.store.path}: {e}", RuntimeWarning, stacklevel=2)
        publish(AnswerEvent(self.id, self.kind, self._answer(), result.correct, result.score,
                            {"persona": self._persona, "partial": result.partial, "title": self.title}))
        self._refresh()
        return result

    check = submit  # learntools-style spelling

    @property
    def hints_total(self) -> int:
        return len(self.data["hints"])

    @property
    def hints_shown(self) -> list[str]:
        return list(self.data["hints"][: self._hints_shown])

    def hint(self) -> Message:
        """The next hint (each call reveals one more)."""
        total = self.hints_total
        if self._hints_shown >= total:
            after = "`solution()` shows the worked answer." if self.solution_available else \
                "Submit an answer, then `solution()` opens."
            return Message(f"No more hints: you have seen all {total}. {after}")
        self._hints_shown += 1
        try:
            self.store.record_hints(self.id, self._hints_shown)
        except OSError as e:
            warnings.warn(f"could not save progress to {self.store.path}: {e}", RuntimeWarning, stacklevel=2)
        self._refresh()
        return Message(f"Hint {self._hints_shown} of {total}: {self.data['hints'][self._hints_shown - 1]}")

    @property
    def solution_available(self) -> bool:
        if self._attempts > 0:
            return True
        try:
            return self.store.get(self.id).attempts > 0
        except OSError:  # an unreadable progress file only means no earlier attempt can be proven
            return False

    def solution(self) -> Message:
        """The worked solution, available once you have made at least one attempt."""
        if not self.solution_available:
            return Message("The solution opens after your first attempt: submit an answer (any answer counts), "
                           "then ask again. Try `hint()` if you are stuck.")
        self._solution_shown = True
        self._refresh()
        return Message(f"Solution: {self._solution_text()}")

    def retry(self) -> None:
        """Start the attempt again (hints already seen stay seen)."""
        self._reset()
        self._feedback = None
        self._solution_shown = False
        self._notice = ""
        self._refresh()

    # ----- for each kind to provide ----------------------------------------------------------------------------
    def _reset(self) -> None:
        raise NotImplementedError

    def _missing(self) -> str | None:
        """What is still missing before the answer can be judged, or None."""
        raise NotImplementedError

    def _answer(self) -> Any:
        raise NotImplementedError

    def _grade(self) -> Feedback:
        raise NotImplementedError

    def _solution_text(self) -> str:
        return self.data["solution"]

    def _build_body(self) -> w.Widget:
        raise NotImplementedError

    def _refresh_body(self) -> None:
        raise NotImplementedError

    def _describe(self) -> str:
        return ""

    # ----- the widget -----------------------------------------------------------------------------------------
    @property
    def widget(self) -> w.VBox:
        if self.ui is None:
            self._build_ui()
        assert self.ui is not None
        return self.ui.root

    def _ui_action(self, action: Callable[[], Any]) -> Callable[..., None]:
        """Wrap a callback so a refused action is shown as a notice in the widget instead of a traceback."""

        def run(*_args: Any) -> None:
            self._notice = ""
            try:
                action()
            except (AnswerTypeError, ScenarioError) as e:
                self._notice = str(e)
            self._refresh()

        return run

    def _build_ui(self) -> None:
        ui = SimpleNamespace()
        self.ui = ui
        sources = "; ".join(self.data.get("sources", []))
        ui.header = w.HTML(f"<h3>{html.escape(self.title)}</h3>{markdown(self.data['intro'])}"
                           + (f"<p><small>Sources: {html.escape(sources)}</small></p>" if sources else ""))
        parts: list[w.Widget] = [stylesheet(), ui.header]
        if self.personas:
            options = [(self.spec.personas[p]["name"], p) for p in self.personas]
            ui.persona = w.Dropdown(options=options, value=self._persona, description="Customer persona",
                                    style={"description_width": "initial"}, layout=w.Layout(width="480px"))
            ui.persona_text = w.HTML()
            ui.persona.observe(lambda change: self._ui_action(lambda: self.set_persona(change["new"]))(),
                               names="value")
            parts += [ui.persona, ui.persona_text]
        ui.body = self._build_body()
        ui.submit = button("Submit", "Check your answer (Enter on the focused button)", "check", "primary")
        ui.hint = button("Hint", "Show the next hint", "lightbulb-o")
        ui.solution = button("Show solution", "Opens after your first attempt", "book")
        ui.retry = button("Try again", "Start this scenario again", "refresh")
        ui.submit.on_click(self._ui_action(self.submit))
        ui.hint.on_click(self._ui_action(self.hint))
        ui.solution.on_click(self._ui_action(self._ui_solution))
        ui.retry.on_click(self._ui_action(self.retry))
        ui.buttons = w.HBox([ui.submit, ui.hint, ui.solution, ui.retry])
        ui.notice = w.HTML()
        ui.record = w.HTML()
        ui.feedback = w.HTML()
        ui.hints = w.HTML()
        ui.solution_box = w.HTML()
        parts += [ui.body, ui.buttons, ui.notice, ui.feedback, ui.hints, ui.solution_box, ui.record]
        try:
            self._record = self.store.get(self.id)
        except OSError:
            self._record = None
        ui.root = w.VBox(parts)
        self._refresh()

    def _ui_solution(self) -> None:
        if not self.solution_available:
            self._notice = str(self.solution())
        else:
            self.solution()

    def _refresh(self) -> None:
        ui = self.ui
        if ui is None:
            return
        if self.personas:
            persona = self.spec.personas[self._persona]
            if ui.persona.value != self._persona:
                ui.persona.value = self._persona
            ui.persona_text.value = (f"<p><em>{html.escape(persona['description'])}</em> Expects: "
                                     f"{html.escape('; '.join(persona['expects']))}.</p>")
        self._refresh_body()
        ui.notice.value = notice(self._notice)
        record = self._record
        ui.record.value = "" if not record or not record.attempts else (
            f"<p><small>Your record here: {record.attempts} attempt(s), best score {record.best_score:.0%}"
            f"{', ✔ solved' if record.solved else ''}. See all with <code>frontline.progress()</code>.</small></p>")
        ui.feedback.value = self._feedback.to_html() if self._feedback else ""
        shown = self.hints_shown
        ui.hints.value = "".join(f"<p><strong>Hint {i} of {self.hints_total}:</strong> {html.escape(text)}</p>"
                                 for i, text in enumerate(shown, 1))
        ui.hint.disabled = len(shown) >= self.hints_total
        ui.hint.description = "Hint" if not shown else f"Next hint ({len(shown)}/{self.hints_total} seen)"
        if len(shown) >= self.hints_total:
            ui.hint.description = f"All {self.hints_total} hints shown"
        ui.solution_box.value = (f"<div><strong>Solution</strong>{markdown(self._solution_text())}</div>"
                                 if self._solution_shown else "")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/plain"] = f"{self.title} ({self.id}). " + self._describe()
        return bundle

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id!r} persona={self._persona!r}>"
