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
from frontline.learn.reveal import Reveal
from frontline.scenarios.feedback import AnswerTypeError, Feedback, Message, ScenarioError, incomplete
from frontline.scenarios.loader import ScenarioSpec
from frontline.scenarios.progress import ProgressStore, ScenarioProgress
from frontline.scenarios.widgets import SCENARIO_CLASS, button, focus_keeper, markdown, notice, stylesheet

FULL_MARKS_CAP = 0.9


def consistent(result: Feedback) -> Feedback:
    """A score never contradicts its debrief: no full marks while any line of the feedback shows ✘."""
    if result.correct and any(m.startswith("✘") for m in result.messages):
        return Feedback(FULL_MARKS_CAP, [*result.messages, "Full marks need every ✘ above put right."],
                        result.details)
    return result


class Scenario:
    kind: ClassVar[str] = ""
    # Every public method a trainee calls to act on the scenario; all take JSON-serialisable arguments, so a
    # recorded list of calls can be replayed to grade an attempt. Each kind adds its own.
    learner_verbs: ClassVar[tuple[str, ...]] = ("set_persona", "hint", "solution", "retry", "submit")

    def __init__(self, spec: ScenarioSpec, persona: str | None = None, store: ProgressStore | None = None):
        self.spec = spec
        self.id = spec.id
        self.data = spec.data
        self.store = store if store is not None else ProgressStore()
        # hints one at a time and the solution after an attempt: the rule every practice item shares; a graded-only
        # scenario reveals neither, whoever drives its engine
        graded = spec.graded_only
        self._reveal = Reveal(() if graded else spec.data["hints"], has_solution=not graded,
                              earlier_attempts=self._attempted_before, on_hint=self._save_hints)
        self._feedback: Feedback | None = None
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
        return self._reveal.attempts

    def submit(self) -> Feedback:
        """Judge the current answer, record it in the progress file and publish it to listeners."""
        missing = self._missing()
        if missing:
            self._feedback = incomplete(missing)
            self._refresh()
            return self._feedback
        result = consistent(self._grade())
        self._feedback = result
        self._reveal.record_attempt()
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
        return self._reveal.hints_total

    @property
    def hints_shown(self) -> list[str]:
        return self._reveal.hints_shown

    def hint(self) -> Message:
        """The next hint (each call reveals one more)."""
        message = Message(self._reveal.next_hint())
        self._refresh()
        return message

    def _save_hints(self, seen: int) -> None:
        try:
            self.store.record_hints(self.id, seen)
        except OSError as e:
            warnings.warn(f"could not save progress to {self.store.path}: {e}", RuntimeWarning, stacklevel=4)

    def _attempted_before(self) -> bool:
        try:
            return self.store.get(self.id).attempts > 0
        except OSError:  # an unreadable progress file only means no earlier attempt can be proven
            return False

    @property
    def solution_available(self) -> bool:
        return self._reveal.solution_available

    def solution(self) -> Message:
        """The worked solution, available once you have made at least one attempt."""
        message = Message(self._reveal.solution(self._solution_text()))
        self._refresh()
        return message

    def retry(self) -> None:
        """Start the attempt again (hints already seen stay seen)."""
        self._reset()
        self._feedback = None
        self._reveal.hide_solution()
        self._notice = ""
        self._worked_on = False
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
        """Wrap a callback so a refused action is shown as a notice in the widget instead of a traceback, and so
        the keyboard focus stays in the widget when the pressed button is disabled or replaced (otherwise it falls
        to the page, where JupyterLab's own shortcuts would take the next keys)."""

        def run(*args: Any) -> None:
            self._notice = ""
            if action not in (self.retry, self.hint, self._ui_solution):
                self._worked_on = True
            pressed = args[0] if args and isinstance(args[0], w.Button) and self.ui is not None else None
            keep_focus = focus_keeper(self.ui.root, pressed) if pressed is not None else None
            try:
                action()
            except (AnswerTypeError, ScenarioError) as e:
                self._notice = str(e)
            self._refresh()
            if keep_focus is not None:
                keep_focus()

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
            ui.persona.observe(self._ui_persona_chosen, names="value")
            # Switching persona starts the conversation again, so mid-attempt it asks first.
            ui.persona_confirm_text = w.HTML()
            ui.persona_switch = button("Switch and start again", "Play against the chosen customer from the start")
            ui.persona_keep = button("Keep this customer", "Stay in the current conversation")
            ui.persona_switch.on_click(self._ui_action(self._ui_persona_confirmed))
            ui.persona_keep.on_click(self._ui_action(self._ui_persona_kept))
            ui.persona_confirm = w.VBox([ui.persona_confirm_text, w.HBox([ui.persona_switch, ui.persona_keep])],
                                        layout=w.Layout(display="none"))
            parts += [ui.persona, ui.persona_confirm, ui.persona_text]
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
        ui.root.add_class(SCENARIO_CLASS)
        self._refresh()

    _worked_on = False  # the trainee has answered something in this attempt (a persona switch would wipe it)
    _pending_persona: str | None = None

    def _ui_persona_chosen(self, change: dict[str, Any]) -> None:
        chosen = change["new"]
        if chosen == self._persona or self.ui is None:
            return
        if not self._worked_on:
            self._ui_action(lambda: self.set_persona(chosen))()
            return
        self._pending_persona = chosen
        name = self.spec.personas[chosen]["name"]
        self.ui.persona_confirm_text.value = (
            f'<p role="alert">⚠ Switching to {html.escape(name)} starts this conversation again: what you have '
            "done so far is cleared. Switch anyway?</p>")
        self.ui.persona_confirm.layout.display = "flex"
        self.ui.persona_switch.focus()

    def _ui_persona_confirmed(self) -> None:
        chosen, self._pending_persona = self._pending_persona, None
        self._close_persona_confirm()
        if chosen:
            self.set_persona(chosen)
        self._worked_on = False
        if self.ui is not None:
            self.ui.persona.focus()

    def _ui_persona_kept(self) -> None:
        self._pending_persona = None
        self._close_persona_confirm()
        if self.ui is not None:
            self.ui.persona.value = self._persona  # back to the customer being played
            self.ui.persona.focus()

    def _close_persona_confirm(self) -> None:
        if self.ui is not None:
            self.ui.persona_confirm.layout.display = "none"
            self.ui.persona_confirm_text.value = ""

    def _ui_solution(self) -> None:
        if not self.solution_available:
            self._notice = str(self.solution())
        else:
            self.solution()

    def _persona_html(self, persona: dict[str, Any]) -> str:
        expects = html.escape("; ".join(persona["expects"]))
        if self.spec.graded_only:
            # A graded question fixes the customer and hides the picker, so the text itself must name them.
            return (f"<p><strong>Your customer: {html.escape(persona['name'])}.</strong> "
                    f"<em>{html.escape(persona['description'])}</em> What they expect: {expects}.</p>")
        return f"<p><em>{html.escape(persona['description'])}</em> Expects: {expects}.</p>"

    def _refresh(self) -> None:
        ui = self.ui
        if ui is None:
            return
        if self.personas:
            persona = self.spec.personas[self._persona]
            if ui.persona.value != self._persona:
                ui.persona.value = self._persona
            ui.persona_text.value = self._persona_html(persona)
        self._refresh_body()
        ui.notice.value = notice(self._notice)
        record = self._record
        ui.record.value = "" if not record or not record.attempts else (
            f"<p><small>Your record here: {record.attempts} attempt(s), best score {record.best_score:.0%}"
            f"{', ✔ solved' if record.solved else ''}. The welcome lesson shows your progress on every scenario."
            "</small></p>")
        ui.feedback.value = self._feedback.to_html() if self._feedback else ""
        shown = self.hints_shown
        ui.hints.value = "".join(f"<p><strong>Hint {i} of {self.hints_total}:</strong> {html.escape(text)}</p>"
                                 for i, text in enumerate(shown, 1))
        ui.hint.disabled = len(shown) >= self.hints_total
        ui.hint.description = "Hint" if not shown else f"Next hint ({len(shown)}/{self.hints_total} seen)"
        if len(shown) >= self.hints_total:
            ui.hint.description = f"All {self.hints_total} hints shown"
        ui.solution_box.value = (f"<div><strong>Solution</strong>{markdown(self._solution_text())}</div>"
                                 if self._reveal.solution_shown else "")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/plain"] = f"{self.title} ({self.id}). " + self._describe()
        return bundle

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id!r} persona={self._persona!r}>"
