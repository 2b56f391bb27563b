"""Simple poll widgets (choice, short text, number, confidence) that publish :class:`AnswerEvent`s.

A poll works on its own (the answer is recorded in the notebook) and, once the trainee has joined a live
session, its answers also reach the room through :mod:`frontline.live.client`. Every control has a label,
works from the keyboard (radio buttons take arrow keys, the button takes Enter/Space), and every status message
starts with a symbol and words, never colour alone.
"""

from __future__ import annotations

import html
import math
import uuid
from typing import Any

import ipywidgets as widgets

from frontline.answers import AnswerEvent, publish
from frontline.live import client as live_client

KINDS = ("choice", "text", "number", "confidence")
CONFIDENCE_CHOICES = [("1 · not at all sure", 1), ("2 · unsure", 2), ("3 · fairly sure", 3), ("4 · sure", 4),
                      ("5 · certain", 5)]
MAX_TEXT = 500


class Poll:
    """One poll question. ``control`` holds the answer, ``submit_button.click()`` sends it, ``feedback`` says
    what happened."""

    def __init__(self, question_id: str, prompt: str, kind: str = "choice", options: list[str] | None = None,
                 minimum: float | None = None, maximum: float | None = None):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if kind == "choice" and (not options or len(options) < 2):
            raise ValueError(f"poll {question_id!r}: a choice poll needs at least two options")
        self.question_id, self.prompt, self.kind = question_id, prompt, kind
        self.options = list(options or [])
        self.minimum, self.maximum = minimum, maximum
        self.prompt_label = widgets.HTML(f"<strong>{html.escape(prompt)}</strong>")
        self.control = self._make_control()
        self.submit_button = widgets.Button(description="Send answer", tooltip=f"Send your answer to: {prompt}",
                                            icon="paper-plane", button_style="primary")
        self.feedback = widgets.HTML(value="", layout=widgets.Layout(min_height="1.5em"))
        self.last_result: live_client.SendResult | None = None
        self.submitted: list[Any] = []
        self.submit_button.on_click(lambda _button: self.submit())
        self.widget = widgets.VBox([self.prompt_label, self.control, self.submit_button, self.feedback])
        self._watching: set[str] = set()
        self._watching_clients: list[live_client.LiveClient] = []

    def _make_control(self) -> widgets.Widget:
        style = {"description_width": "initial"}
        if self.kind == "choice":
            return widgets.RadioButtons(options=self.options, value=None, description="Your answer:", style=style)
        if self.kind == "confidence":
            return widgets.RadioButtons(options=CONFIDENCE_CHOICES, value=None, description="How sure are you?",
                                        style=style)
        if self.kind == "number":
            if self.minimum is not None and self.maximum is not None:
                return widgets.BoundedFloatText(value=None, min=self.minimum, max=self.maximum,
                                                description="Your answer (number):", style=style)
            return widgets.FloatText(value=None, description="Your answer (number):", style=style)
        return widgets.Text(value="", placeholder="a few words", description="Your answer:", style=style,
                            continuous_update=False)

    def _show(self, text: str) -> None:
        self.feedback.value = f'<span role="status">{html.escape(text)}</span>'

    def _answer(self) -> tuple[Any, str | None]:
        value = self.control.value
        if self.kind in ("choice", "confidence"):
            return value, None if value is not None else "✘ Choose one of the options first."
        if self.kind == "number":
            if value is None or not math.isfinite(value):
                return None, "✘ Type a number first."
            return (int(value) if float(value).is_integer() else value), None
        text = str(value).strip()
        if not text:
            return None, "✘ Type a few words first."
        if len(text) > MAX_TEXT:
            return None, f"✘ Please shorten your answer to {MAX_TEXT} characters (it has {len(text)})."
        return text, None

    def submit(self) -> live_client.SendResult | None:
        """Publish the current answer; returns what the live session made of it (None outside a session)."""
        answer, problem = self._answer()
        if problem:
            self._show(problem)
            return None
        key = uuid.uuid4().hex
        session = live_client.current()
        if session is not None and session not in self._watching_clients:
            session.add_listener(self._on_result)
            self._watching_clients.append(session)
        self._watching.add(key)
        self.submitted.append(answer)
        publish(AnswerEvent(self.question_id, self.kind, answer, details={"answer_id": key}))
        if session is None or not session.joined:
            self._show("✔ Answer recorded in this notebook. (Not in a live session: run frontline.live.join(...) "
                       "to send answers to the room.)")
            return None
        return session.results.get(key)

    def _on_result(self, result: live_client.SendResult) -> None:
        if result.key in self._watching:
            self.last_result = result
            self._show(result.symbol_text)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def poll(question_id: str, prompt: str, kind: str = "choice", options: list[str] | None = None,
         minimum: float | None = None, maximum: float | None = None) -> Poll:
    """A poll widget; show it by leaving it as the cell's last expression."""
    return Poll(question_id, prompt, kind, options, minimum, maximum)
