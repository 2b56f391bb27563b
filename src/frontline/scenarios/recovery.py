"""``recovery``: a branching service-recovery conversation with a visible customer-mood meter.

Customer lines and the trainee's replies form a graph; each reply moves the mood (by persona, where the author says
so); a reply may branch on the mood reached. Endings carry an outcome (customer kept or lost) and the value at
stake; the debrief checks the path against LAST (Listen, Apologize, Solve, Thank) and HEARD (Hear, Empathize,
Apologize, Resolve, Diagnose).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from frontline.scenarios.base import Scenario
from frontline.scenarios.feedback import AnswerTypeError, Feedback, Message, ScenarioError
from frontline.scenarios.widgets import meter

LAST = ("listen", "apologize", "solve", "thank")
HEARD = ("hear", "empathize", "apologize", "resolve", "diagnose")
MOOD_WORDS = ((80, "pleased"), (60, "calm"), (40, "uneasy"), (20, "angry"), (0, "furious"))


def mood_word(mood: int) -> str:
    return next(word for floor, word in MOOD_WORDS if mood >= floor)


class RecoveryScenario(Scenario):
    kind = "recovery"
    learner_verbs = ("reply", "choose")

    def _reset(self) -> None:
        self._node: str = self.data["start"]
        self._mood: int = int(self.data.get("start_mood_by_persona", {}).get(self._persona, self.data["start_mood"]))
        self._path: list[dict[str, Any]] = []
        self._ending: str | None = None

    @property
    def mood(self) -> int:
        return self._mood

    @property
    def mood_text(self) -> str:
        return f"Customer mood: {self._mood}/100 ({mood_word(self._mood)}) {meter(self._mood)}"

    @property
    def node(self) -> str | None:
        return None if self._ending else self._node

    @property
    def ending(self) -> str | None:
        return self._ending

    @property
    def finished(self) -> bool:
        return self._ending is not None

    @property
    def customer_line(self) -> str:
        if self._ending:
            return self.data["endings"][self._ending]["text"]
        return self._persona_value(self.data["nodes"][self._node], "customer")

    @property
    def replies(self) -> list[str]:
        """Ids of the replies you can give now (empty once the conversation has ended)."""
        return [] if self._ending else [r["id"] for r in self.data["nodes"][self._node]["replies"]]

    def reply_text(self, reply_id: str) -> str:
        return self._reply(reply_id)["text"]

    def _reply(self, reply_id: str) -> dict[str, Any]:
        return next(r for r in self.data["nodes"][self._node]["replies"] if r["id"] == reply_id)

    def reply(self, reply_id: str) -> Message:
        """Give one of the replies offered now; returns what the customer says next."""
        if self._ending:
            raise ScenarioError("The conversation has ended: submit() for the debrief, or retry() to start again.")
        if not isinstance(reply_id, str) or reply_id not in self.replies:
            raise AnswerTypeError(f"{reply_id!r} is not a reply you can give now; choose one of "
                                  f"{', '.join(self.replies)}.")
        reply = self._reply(reply_id)
        change = int(self._persona_value(reply, "mood", 0))
        self._mood = max(0, min(100, self._mood + change))
        self._path.append({"node": self._node, "reply": reply_id, "mood_change": change, "mood": self._mood})
        target = reply.get("to") or next(b["to"] for b in reply["branches"] if self._mood >= b.get("min_mood", 0))
        if target in self.data["endings"]:
            self._ending = target
        else:
            self._node = target
        self._refresh()
        return Message(f"Customer: {self.customer_line}")

    choose = reply

    def _missing(self) -> str | None:
        return None if self._ending else "The conversation is not over yet: keep replying until it ends."

    def _answer(self) -> Any:
        return {"path": [step["reply"] for step in self._path], "ending": self._ending}

    def _steps_used(self) -> set[str]:
        used: set[str] = set()
        for step in self._path:
            node = self.data["nodes"][step["node"]]
            used |= set(next(r for r in node["replies"] if r["id"] == step["reply"]).get("steps", []))
        return used

    def _grade(self) -> Feedback:
        ending = self.data["endings"][self._ending]
        currency = self.data["currency"]
        kept = ending["outcome"] == "kept"
        used = self._steps_used()
        messages = [("✔ Customer kept" if kept else "✘ Customer lost") +
                    f" — value at stake {currency}{ending['value']:,.0f}. {ending['text']}",
                    f"Final {self.mood_text}",
                    "LAST: " + "  ".join(("✔ " if s in used else "✘ ") + s.capitalize() for s in LAST),
                    "HEARD: " + "  ".join(("✔ " if s in used else "✘ ") + s.capitalize() for s in HEARD)]
        for number, step in enumerate(self._path, 1):
            node = self.data["nodes"][step["node"]]
            reply = next(r for r in node["replies"] if r["id"] == step["reply"])
            messages.append(f"Reply {number} ({step['mood_change']:+d} mood): “{reply['text']}” — {reply['note']}")
        return Feedback(float(ending["score"]), messages,
                        {"outcome": ending["outcome"], "value": ending["value"], "ending": self._ending,
                         "mood": self._mood, "steps": sorted(used), "persona": self._persona})

    def _describe(self) -> str:
        return f"Customer: {self.customer_line} {self.mood_text}"

    # ----- widget ----------------------------------------------------------------------------------------------
    def _build_body(self) -> w.Widget:
        ui = self.ui
        ui.mood_bar = w.IntProgress(value=self._mood, min=0, max=100, description="Customer mood",
                                    style={"description_width": "initial"})
        ui.mood_label = w.HTML()
        ui.transcript = w.HTML()
        ui.reply_box = w.VBox()
        ui.reply_buttons = {}
        return w.VBox([w.HBox([ui.mood_bar, ui.mood_label]), ui.transcript,
                       w.HTML("<strong>Your reply:</strong>"), ui.reply_box])

    def _refresh_body(self) -> None:
        ui = self.ui
        ui.mood_bar.value = self._mood
        level = f"{self._mood}/100 ({mood_word(self._mood)}) {meter(self._mood)}"
        ui.mood_label.value = f"<span>{html.escape(level)}</span>"
        lines = []
        for step in self._path:
            node = self.data["nodes"][step["node"]]
            said = next(r["text"] for r in node["replies"] if r["id"] == step["reply"])
            lines.append(f"<p><strong>Customer:</strong> {html.escape(self._persona_value(node, 'customer'))}<br>"
                         f"<strong>You:</strong> {html.escape(said)} "
                         f"<em>(mood {step['mood_change']:+d})</em></p>")
        lines.append(f"<p><strong>Customer:</strong> {html.escape(self.customer_line)}</p>")
        if self._ending:
            lines.append("<p><strong>The conversation has ended.</strong> Submit for the debrief.</p>")
        ui.transcript.value = "".join(lines)
        key = (self._node, self._ending, len(self._path))
        if getattr(ui, "reply_key", None) != key:
            ui.reply_key = key
            ui.reply_buttons = {}
            rows = []
            # Short button captions (long ones would be cut off) with the full reply as text beside each.
            for number, reply_id in enumerate(self.replies, 1):
                btn = w.Button(description=f"Say reply {number}", tooltip=f"Say: {self.reply_text(reply_id)}",
                               layout=w.Layout(width="130px", flex="0 0 auto"))
                btn.on_click(self._ui_action(lambda rid=reply_id: self.reply(rid)))
                ui.reply_buttons[reply_id] = btn
                rows.append(w.HBox([btn, w.HTML(f"<span><strong>{number}.</strong> "
                                                f"{html.escape(self.reply_text(reply_id))}</span>",
                                                layout=w.Layout(flex="1 1 auto"))]))
            ui.reply_box.children = tuple(rows)
