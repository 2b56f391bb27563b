"""``choice``: one multiple-choice (or tick-all-that-apply) question with feedback on each option picked.

An option's ``score`` may differ by customer persona (``score_by_persona``): the same reply can be right for one
customer and wrong for another.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from frontline.scenarios.base import Scenario
from frontline.scenarios.feedback import AnswerTypeError, Feedback
from frontline.scenarios.widgets import markdown, wrapping


class ChoiceScenario(Scenario):
    kind = "choice"
    learner_verbs = ("choose",)

    @property
    def multiple(self) -> bool:
        return bool(self.data.get("multiple", False))

    @property
    def options(self) -> list[str]:
        return [o["id"] for o in self.data["options"]]

    @property
    def chosen(self) -> list[str]:
        return list(self._chosen)

    def _reset(self) -> None:
        self._chosen: list[str] = []

    def choose(self, *option_ids: str) -> None:
        """Pick one option (or, when several may apply, every option you think applies)."""
        if len(option_ids) == 1 and isinstance(option_ids[0], list | tuple | set):
            option_ids = tuple(option_ids[0])
        for option in option_ids:
            if not isinstance(option, str):
                raise AnswerTypeError(f"choose() takes option ids such as {self.options[0]!r}; got {option!r} "
                                      f"({type(option).__name__}). The options are: {', '.join(self.options)}.")
            if option not in self.options:
                raise AnswerTypeError(f"{option!r} is not an option here; choose from {', '.join(self.options)}.")
        if not self.multiple and len(option_ids) > 1:
            raise AnswerTypeError(f"pick exactly one option here; got {len(option_ids)}: {', '.join(option_ids)}.")
        self._chosen = [o for o in self.options if o in option_ids]
        self._refresh()

    def _option(self, option_id: str) -> dict[str, Any]:
        return next(o for o in self.data["options"] if o["id"] == option_id)

    def _score_of(self, option: dict[str, Any]) -> float:
        return float(self._persona_value(option, "score", 0))

    def _missing(self) -> str | None:
        if not self._chosen:
            return "Nothing to submit yet: " + ("tick at least one option." if self.multiple else "pick an option.")
        return None

    def _answer(self) -> Any:
        return list(self._chosen) if self.multiple else self._chosen[0]

    def _grade(self) -> Feedback:
        messages = []
        for option_id in self._chosen:
            option = self._option(option_id)
            mark = "✔" if self._score_of(option) >= 1 else ("◐" if self._score_of(option) > 0 else "✘")
            messages.append(f"{mark} {option['text']} — {self._persona_value(option, 'feedback')}")
        if not self.multiple:
            score = self._score_of(self._option(self._chosen[0]))
        else:
            right = {o["id"] for o in self.data["options"] if self._score_of(o) >= 1}
            hits = len(right & set(self._chosen))
            wrong = len(set(self._chosen) - right)
            score = max(0.0, (hits - wrong) / len(right))
            missed = len(right - set(self._chosen))
            if missed:
                messages.append(f"You left out {missed} option(s) that also apply.")
        if self._persona:
            messages.append(f"Judged for the customer persona {self.spec.personas[self._persona]['name']}.")
        return Feedback(score, messages, {"chosen": list(self._chosen), "persona": self._persona})

    def _describe(self) -> str:
        return self.data["prompt"]

    # ----- widget ----------------------------------------------------------------------------------------------
    def _build_body(self) -> w.Widget:
        ui = self.ui
        ui.prompt = w.HTML(markdown(self.data["prompt"]))
        labels = [(o["text"], o["id"]) for o in self.data["options"]]
        if self.multiple:
            ui.checkboxes = {o["id"]: wrapping(w.Checkbox(value=False, description=o["text"], indent=False,
                                                          layout=w.Layout(width="auto")))
                             for o in self.data["options"]}
            for option_id, box in ui.checkboxes.items():
                box.observe(lambda change, oid=option_id: self._ui_tick(oid, change["new"]), names="value")
            return w.VBox([ui.prompt, w.HTML("<em>Tick every option that applies.</em>"),
                           *ui.checkboxes.values()])
        ui.choices = wrapping(w.RadioButtons(options=labels, value=None, description="Your answer",
                                             layout=w.Layout(width="auto"), style={"description_width": "initial"}))
        ui.choices.observe(lambda change: change["new"] is not None and self._ui_action(
            lambda: self.choose(change["new"]))(), names="value")
        return w.VBox([ui.prompt, ui.choices])

    def _ui_tick(self, option_id: str, ticked: bool) -> None:
        chosen = set(self._chosen) | {option_id} if ticked else set(self._chosen) - {option_id}
        self._ui_action(lambda: self.choose(*[o for o in self.options if o in chosen]))()

    def _refresh_body(self) -> None:
        ui = self.ui
        if self.multiple:
            for option_id, box in ui.checkboxes.items():
                if box.value != (option_id in self._chosen):
                    box.value = option_id in self._chosen
        else:
            wanted = self._chosen[0] if self._chosen else None
            if ui.choices.value != wanted:
                ui.choices.value = wanted
        ui.prompt.value = markdown(self.data["prompt"]) + (
            f"<p>Selected: {html.escape(', '.join(self._option(o)['text'] for o in self._chosen))}</p>"
            if self._chosen else "<p>Selected: nothing yet</p>")
