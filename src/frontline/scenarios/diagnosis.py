"""``diagnosis``: interview a customer within a question budget, then name the real issue.

Each question is typed (open, probing, closed, summarising) and reveals facts; the budget makes the choice of
questions matter. Feedback lists which questions were diagnostic (revealed a key fact) and what was missed.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from frontline.scenarios.base import Scenario
from frontline.scenarios.feedback import AnswerTypeError, Feedback, Message, ScenarioError
from frontline.scenarios.widgets import WIDE, markdown, stable_shuffle, wrapping

TYPE_LABELS = {"open": "open", "probing": "probing", "closed": "closed", "summarising": "summarising"}


class DiagnosisScenario(Scenario):
    kind = "diagnosis"
    learner_verbs = ("ask", "name_issue", "choose")

    def _reset(self) -> None:
        self._asked: list[str] = []
        self._issue: str | None = None

    @property
    def budget(self) -> int:
        return int(self.data["budget"])

    @property
    def questions(self) -> list[str]:
        return [q["id"] for q in self.data["questions"]]

    @property
    def issues(self) -> list[str]:
        return [i["id"] for i in self.data["issues"]]

    @property
    def asked(self) -> list[str]:
        return list(self._asked)

    @property
    def questions_left(self) -> int:
        return self.budget - len(self._asked)

    @property
    def revealed_facts(self) -> list[str]:
        found: list[str] = []
        for qid in self._asked:
            for fact in self._question(qid).get("reveals", []):
                if fact not in found:
                    found.append(fact)
        return found

    @property
    def _key_facts(self) -> list[str]:
        return [f["id"] for f in self.data["facts"] if f.get("key")]

    def _question(self, qid: str) -> dict[str, Any]:
        return next(q for q in self.data["questions"] if q["id"] == qid)

    def _fact(self, fid: str) -> dict[str, Any]:
        return next(f for f in self.data["facts"] if f["id"] == fid)

    def ask(self, question_id: str) -> Message:
        """Ask one question; returns the customer's answer. Each question costs one from the budget."""
        if not isinstance(question_id, str) or question_id not in self.questions:
            raise AnswerTypeError(f"{question_id!r} is not a question here; ask one of {', '.join(self.questions)}.")
        if question_id in self._asked:
            raise ScenarioError(f"You already asked {question_id!r}; the customer's answer is above.")
        if self.questions_left <= 0:
            raise ScenarioError(f"You have used all {self.budget} questions. Name the issue now with name_issue().")
        self._asked.append(question_id)
        self._refresh()
        return Message(f"Customer: {self._question(question_id)['answer']}")

    def name_issue(self, issue_id: str) -> None:
        """Say what you think the customer's real issue is."""
        if not isinstance(issue_id, str) or issue_id not in self.issues:
            raise AnswerTypeError(f"{issue_id!r} is not one of the issues; choose one of {', '.join(self.issues)}.")
        self._issue = issue_id
        self._refresh()

    choose = name_issue

    def _missing(self) -> str | None:
        return None if self._issue else "Nothing to submit yet: name the issue you diagnosed."

    def _answer(self) -> Any:
        return {"asked": list(self._asked), "issue": self._issue}

    def _grade(self) -> Feedback:
        issue = next(i for i in self.data["issues"] if i["id"] == self._issue)
        right = bool(issue.get("correct"))
        key = self._key_facts
        found = [f for f in key if f in self.revealed_facts]
        score = 0.6 * right + 0.4 * len(found) / len(key)
        messages = [("✔ " if right else "✘ ") + f"You named: {issue['text']} — {issue['feedback']}"]
        for qid in self._asked:
            question = self._question(qid)
            key_found = [f for f in question.get("reveals", []) if f in key]
            if key_found:
                messages.append(f"✔ diagnostic ({question['type']}): “{question['text']}” uncovered: "
                                + "; ".join(self._fact(f)["text"] for f in key_found))
            else:
                messages.append(f"– not diagnostic ({question['type']}): “{question['text']}”")
        missed = [f for f in key if f not in found]
        for fact in missed:
            messages.append(f"✘ missed: {self._fact(fact)['text']}")
        types = [self._question(q)["type"] for q in self._asked]
        if types and types[0] != "open":
            messages.append("Tip: you opened with a " + types[0] + " question; an open question first lets the "
                            "customer tell the story in their own words.")
        if "summarising" not in types:
            messages.append("Tip: you never summarised back (“Have I got that right?”); it catches "
                            "misunderstandings before you act.")
        return Feedback(score, messages, {"issue": self._issue, "right_issue": right, "key_facts_found": found,
                                          "missed": missed, "asked": list(self._asked)})

    def _describe(self) -> str:
        return f"Customer: {self.data['opening']} You may ask {self.budget} questions."

    # ----- widget ----------------------------------------------------------------------------------------------
    def _build_body(self) -> w.Widget:
        ui = self.ui
        ui.opening = w.HTML(f"<p><strong>Customer:</strong> {html.escape(self.data['opening'])}</p>")
        ui.budget = w.HTML()
        ui.question_buttons = {}
        rows = []
        # Button captions cannot wrap (long ones are cut off), so each button has a short caption and the full
        # question sits beside it as text; the tooltip repeats it for screen readers.
        ui.question_order = [q["id"] for q in stable_shuffle(self.data["questions"], lambda q: q["id"], self.id)]
        for number, qid in enumerate(ui.question_order, 1):
            question = self._question(qid)
            btn = w.Button(description=f"Ask question {number}", tooltip=f"Ask: {question['text']}",
                           layout=w.Layout(width="150px", flex="0 0 auto"))
            btn.on_click(self._ui_action(lambda qid=question["id"]: self.ask(qid)))
            ui.question_buttons[question["id"]] = btn
            text = w.HTML(f"<span><strong>{number}. [{TYPE_LABELS[question['type']]}]</strong> "
                          f"{html.escape(question['text'])}</span>", layout=w.Layout(flex="1 1 auto"))
            rows.append(w.HBox([btn, text]))
        ui.transcript = w.HTML()
        issues = stable_shuffle(self.data["issues"], lambda i: i["id"], self.id)
        ui.issue = wrapping(w.RadioButtons(options=[(i["text"], i["id"]) for i in issues], value=None,
                                           description="The real issue is", style=WIDE, layout=w.Layout(width="auto")))
        ui.issue.observe(lambda change: change["new"] and self._ui_action(
            lambda: self.name_issue(change["new"]))(), names="value")
        return w.VBox([ui.opening, ui.budget, w.HTML("<strong>Ask a question:</strong>"), *rows, ui.transcript,
                       ui.issue])

    def _refresh_body(self) -> None:
        ui = self.ui
        left = self.questions_left
        ui.budget.value = f"<p>Questions left: <strong>{left} of {self.budget}</strong></p>"
        for qid, btn in ui.question_buttons.items():
            btn.disabled = qid in self._asked or left <= 0
            number = ui.question_order.index(qid) + 1
            btn.description = f"✔ Asked ({number})" if qid in self._asked else f"Ask question {number}"
        lines = []
        for qid in self._asked:
            question = self._question(qid)
            lines.append(f"<p><strong>You ({question['type']}):</strong> {html.escape(question['text'])}<br>"
                         f"<strong>Customer:</strong> {html.escape(question['answer'])}</p>")
        facts = self.revealed_facts
        if facts:
            lines.append("<p><strong>What you know so far:</strong></p>" +
                         markdown("\n".join(f"- {self._fact(f)['text']}" for f in facts)))
        ui.transcript.value = "".join(lines)
        if ui.issue.value != self._issue:
            ui.issue.value = self._issue
