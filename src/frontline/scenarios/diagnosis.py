"""``diagnosis``: interview a customer within a question budget, then name the real issue.

Each question has a kind (open, probing, closed, summarising) that the trainee is not shown while choosing:
recognising it is the skill. Questions reveal facts; a summary reveals nothing and only confirms facts already
heard. The score (see :data:`WEIGHTS`) rewards the questioning funnel the lesson teaches: the right issue, counted
only as far as the key facts behind it were uncovered; the key facts; opening with an open question; and a correct
summary. The issue can be named only after at least one question. The debrief names each question's kind and why.
"""

from __future__ import annotations

import html
from typing import Any, ClassVar

import ipywidgets as w

from frontline.scenarios.base import Scenario
from frontline.scenarios.feedback import AnswerTypeError, Feedback, Message, ScenarioError
from frontline.scenarios.widgets import WIDE, markdown, sentence_button, stable_shuffle, wrapping

WEIGHTS = {"issue": 0.5, "facts": 0.3, "open_first": 0.1, "summary": 0.1}
PREMATURE_SUMMARY = "Hang on, I have hardly told you anything yet."


class DiagnosisScenario(Scenario):
    kind = "diagnosis"
    learner_verbs: ClassVar[tuple[str, ...]] = (*Scenario.learner_verbs, "ask", "name_issue", "choose")

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
        return Message(f"Customer: {self._answer_to(question_id, len(self._asked) - 1)}")

    def _summary_heard(self, question_id: str, position: int) -> bool:
        """Whether a summary asked at ``position`` repeats only facts the customer had already told."""
        heard = {f for qid in self._asked[:position] for f in self._question(qid).get("reveals", [])}
        return set(self._question(question_id).get("confirms", [])) <= heard

    def _answer_to(self, question_id: str, position: int) -> str:
        question = self._question(question_id)
        if question["type"] == "summarising" and not self._summary_heard(question_id, position):
            return PREMATURE_SUMMARY
        return question["answer"]

    def name_issue(self, issue_id: str) -> None:
        """Say what you think the customer's real issue is (after at least one question)."""
        if not isinstance(issue_id, str) or issue_id not in self.issues:
            raise AnswerTypeError(f"{issue_id!r} is not one of the issues; choose one of {', '.join(self.issues)}.")
        if not self._asked:
            raise ScenarioError("Ask the customer at least one question before you name the issue: a diagnosis "
                                "rests on what the customer tells you.")
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
        share = len(found) / len(key)
        kinds = [self._question(q)["type"] for q in self._asked]
        open_first = kinds[0] == "open"
        summaries = [(i, q) for i, q in enumerate(self._asked) if kinds[i] == "summarising"]
        summary_ok = any(self._summary_heard(q, i) for i, q in summaries)
        score = (WEIGHTS["issue"] * right * share + WEIGHTS["facts"] * share
                 + WEIGHTS["open_first"] * open_first + WEIGHTS["summary"] * summary_ok)
        messages = [("✔ " if right else "✘ ") + f"You named: {issue['text']} — {issue['feedback']}"]
        if right and share < 1:
            messages.append(f"✘ The right issue counts only as far as you uncovered the facts behind it "
                            f"({len(found)} of {len(key)} key facts).")
        for position, qid in enumerate(self._asked):
            question = self._question(qid)
            key_found = [f for f in question.get("reveals", []) if f in key]
            what = f"{question['type']} question: “{question['text']}” — {question['why']}"
            if key_found:
                messages.append(f"✔ {what} It uncovered: " + "; ".join(self._fact(f)["text"] for f in key_found))
            elif question["type"] == "summarising" and not self._summary_heard(qid, position):
                messages.append(f"✘ {what} Asked before the customer had told you what it should repeat, it had "
                                "nothing to check.")
            else:
                messages.append(f"– {what}")
        for fact in (f for f in key if f not in found):
            messages.append(f"✘ missed: {self._fact(fact)['text']}")
        messages.append("✔ You opened with an open question, so the customer told the story in their own words."
                        if open_first else
                        f"✘ You opened with a {kinds[0]} question; an open question first (Tell me... / Describe... / "
                        f"Explain...) lets the customer tell the story in their own words.")
        if summary_ok:
            messages.append("✔ You summarised back what you had heard (“Have I got that right?”).")
        else:
            messages.append("✘ No correct summary: repeat back what the customer has told you (“Have I got that "
                            "right?”) once you have heard it; it catches misunderstandings before you act.")
        return Feedback(score, messages, {"issue": self._issue, "right_issue": right, "key_facts_found": found,
                                          "missed": [f for f in key if f not in found], "asked": list(self._asked),
                                          "open_first": open_first, "summary": summary_ok,
                                          "kinds": kinds})

    def _describe(self) -> str:
        return f"Customer: {self.data['opening']} You may ask {self.budget} questions."

    # ----- widget ----------------------------------------------------------------------------------------------
    def _build_body(self) -> w.Widget:
        ui = self.ui
        ui.opening = w.HTML(f"<p><strong>Customer:</strong> {html.escape(self.data['opening'])}</p>")
        ui.budget = w.HTML()
        ui.question_buttons = {}
        rows = []
        # The question itself is the button's caption (it wraps), so a screen reader announces what is asked.
        ui.question_order = [q["id"] for q in stable_shuffle(self.data["questions"], lambda q: q["id"], self.id)]
        for qid in ui.question_order:
            question = self._question(qid)
            btn = sentence_button(self._ask_caption(qid), f"Ask the customer: {question['text']}")
            btn.on_click(self._ui_action(lambda qid=question["id"]: self.ask(qid)))
            ui.question_buttons[question["id"]] = btn
            rows.append(btn)
        ui.transcript = w.HTML()
        issues = stable_shuffle(self.data["issues"], lambda i: i["id"], self.id)
        ui.issue = wrapping(w.RadioButtons(options=[(i["text"], i["id"]) for i in issues], value=None,
                                           description="The real issue is", style=WIDE, layout=w.Layout(width="auto")))
        ui.issue.observe(lambda change: change["new"] and self._ui_action(
            lambda: self.name_issue(change["new"]))(), names="value")
        return w.VBox([ui.opening, ui.budget, w.HTML("<strong>Ask a question:</strong>"), *rows, ui.transcript,
                       ui.issue])

    def _ask_caption(self, qid: str) -> str:
        """A question's button caption; "asked" has its own symbol (◉), never the tick that means correct."""
        question = self._question(qid)
        # The question's kind (open, probing, ...) is not shown: recognising it is part of the skill practised.
        state = "◉ Asked" if qid in self._asked else "Ask"
        return f"{state}: {question['text']}"

    def _refresh_body(self) -> None:
        ui = self.ui
        left = self.questions_left
        ui.budget.value = f"<p>Questions left: <strong>{left} of {self.budget}</strong></p>"
        for qid, btn in ui.question_buttons.items():
            btn.disabled = qid in self._asked or left <= 0
            btn.description = self._ask_caption(qid)
        lines = []
        for position, qid in enumerate(self._asked):
            question = self._question(qid)
            lines.append(f"<p><strong>You:</strong> {html.escape(question['text'])}<br>"
                         f"<strong>Customer:</strong> {html.escape(self._answer_to(qid, position))}</p>")
        facts = self.revealed_facts
        if facts:
            lines.append("<p><strong>What you know so far:</strong></p>" +
                         markdown("\n".join(f"- {self._fact(f)['text']}" for f in facts)))
        ui.transcript.value = "".join(lines)
        if ui.issue.value != self._issue:
            ui.issue.value = self._issue
