"""``empowerment``: decide within your scope of authority: act alone, escalate, or refuse, and for how much.

The policy states what a representative may grant alone (``alone_limit``), what a named person above may approve
(``escalate_limit``, after ``escalation_delay``, during which some customers give up: ``escalation_keep_rate``),
and that anything more is refused. Feedback covers: within scope or not, the cost, the value kept, and what the
delay of escalating costs. The best decision is computed, not typed in, so an author who changes a limit cannot
leave a stale answer behind.
"""

from __future__ import annotations

import html
import math
from numbers import Real
from typing import Any

import ipywidgets as w

from frontline.scenarios.base import Scenario
from frontline.scenarios.feedback import AnswerTypeError, Feedback
from frontline.scenarios.widgets import WIDE, markdown, wrapping

ACTIONS = {
    "alone": "Decide and act myself",
    "escalate": "Escalate with a recommendation",
    "refuse": "Decline, explain and offer what I can",
}


class EmpowermentScenario(Scenario):
    kind = "empowerment"
    learner_verbs = ("choose_action", "set_amount", "decide", "choose")

    def _reset(self) -> None:
        self._action: str | None = None
        self._amount: float | None = None

    @property
    def action(self) -> str | None:
        return self._action

    @property
    def amount(self) -> float | None:
        return self._amount

    @property
    def actions(self) -> list[str]:
        return list(ACTIONS)

    @property
    def unit(self) -> str:
        return self.data["unit"]

    def choose_action(self, action: str) -> None:
        if not isinstance(action, str) or action not in ACTIONS:
            raise AnswerTypeError(f"the action must be one of {', '.join(map(repr, ACTIONS))}; got {action!r}.")
        self._action = action
        if action == "refuse":
            self._amount = 0.0
        self._refresh()

    choose = choose_action

    def set_amount(self, amount: float) -> None:
        """What you grant (in the scenario's currency); 0 when you grant nothing."""
        if isinstance(amount, bool) or not isinstance(amount, Real):
            raise AnswerTypeError(f"the amount must be a number in {self.unit} (for example 25 or 12.5); got "
                                  f"{amount!r} ({type(amount).__name__}).")
        if math.isnan(amount) or math.isinf(amount) or amount < 0:
            raise AnswerTypeError(f"the amount must be zero or more (in {self.unit}); got {amount!r}.")
        self._amount = float(amount)
        self._refresh()

    def decide(self, action: str, amount: float = 0) -> None:
        """Shortcut: ``decide("alone", 25)``."""
        self.choose_action(action)
        self.set_amount(amount)

    def _missing(self) -> str | None:
        if self._action is None:
            return "Nothing to submit yet: choose an action (alone, escalate or refuse)."
        if self._amount is None:
            return f"Nothing to submit yet: set the amount you grant ({self.unit}; 0 if nothing)."
        return None

    def _answer(self) -> Any:
        return {"action": self._action, "amount": self._amount}

    def evaluate(self, action: str, amount: float) -> dict[str, Any]:
        """The consequences of a decision: within scope, cost, value kept, cost of delay, net."""
        policy = self.data["policy"]
        value = float(self.data["value_at_stake"])
        needs = float(self.data["needs_amount"])
        refuse_keep = float(self.data["refuse_keep_rate"])
        amount = 0.0 if action == "refuse" else amount
        within = {"alone": amount <= policy["alone_limit"], "escalate": amount <= policy["escalate_limit"],
                  "refuse": True}[action]
        fixes = action != "refuse" and amount >= needs and within
        delay_cost = 0.0
        if action == "refuse" or not fixes:
            kept = value * refuse_keep
        elif action == "alone":
            kept = value
        else:
            kept = value * policy["escalation_keep_rate"]
            delay_cost = value - kept
        cost = amount  # an out-of-scope grant still costs what was given away
        return {"within_scope": within, "fixes": fixes, "cost": cost, "value_kept": kept,
                "delay_cost": delay_cost, "net": kept - cost}

    def best(self) -> dict[str, Any]:
        """The best decision within policy (for the solution and the score)."""
        policy = self.data["policy"]
        needs = float(self.data["needs_amount"])
        candidates = [("refuse", 0.0)]
        if needs <= policy["alone_limit"]:
            candidates.append(("alone", needs))
        if needs <= policy["escalate_limit"]:
            candidates.append(("escalate", needs))
        action, amount = max(candidates, key=lambda c: self.evaluate(*c)["net"])
        return {"action": action, "amount": amount, **self.evaluate(action, amount)}

    def _money(self, value: float) -> str:
        return f"{self.unit}{value:,.2f}".replace(".00", "")

    def _grade(self) -> Feedback:
        assert self._action is not None and self._amount is not None
        result = self.evaluate(self._action, self._amount)
        best = self.best()
        policy = self.data["policy"]
        if result["within_scope"]:
            ratio = max(0.0, result["net"]) / best["net"] if best["net"] > 0 else 1.0
            # within 5% of the best net counts as right: a few dollars of generosity is not a mistake
            score = 1.0 if ratio >= 0.95 else 0.4 + 0.6 * ratio
        else:
            score = 0.0
        messages = []
        if result["within_scope"]:
            messages.append(f"✔ Within your scope of authority ({ACTIONS[self._action].lower()}).")
        else:
            limit = policy["alone_limit"] if self._action == "alone" else policy["escalate_limit"]
            who = "alone" if self._action == "alone" else f"with {policy['escalate_to']}'s approval"
            messages.append(f"✘ Outside your scope: {self._money(self._amount)} is more than the "
                            f"{self._money(limit)} that can be granted {who}.")
        messages.append(f"Cost: {self._money(result['cost'])}.")
        messages.append(f"Value kept: {self._money(result['value_kept'])} of {self._money(self.data['value_at_stake'])}"
                        f" at stake" + ("" if result["fixes"] or self._action == "refuse" else
                                        f" (the customer needed at least {self._money(self.data['needs_amount'])} "
                                        f"to be put right)") + ".")
        if self._action == "escalate":
            messages.append(f"Cost of delay: waiting {policy['escalation_delay']} for {policy['escalate_to']} "
                            f"puts {self._money(result['delay_cost'])} of value at risk.")
            if self._amount <= policy["alone_limit"]:
                messages.append("You could have granted this yourself: escalating only added delay.")
        entry = self.data["feedback"][self._action]
        clauses = {c["id"]: c["text"] for c in policy["clauses"]}
        messages.append(entry["text"] + "".join(f" (Policy: {clauses[c]})" for c in entry.get("cites", [])))
        messages.append(f"Net for the business: {self._money(result['net'])} "
                        f"(best within policy: {self._money(best['net'])}).")
        return Feedback(score, messages, {**result, "action": self._action, "amount": self._amount,
                                          "best": {"action": best["action"], "amount": best["amount"]}})

    def _solution_text(self) -> str:
        best = self.best()
        return (f"{self.data['solution']}\n\nBest decision within policy: {ACTIONS[best['action']].lower()}, "
                f"granting {self._money(best['amount'])} (value kept {self._money(best['value_kept'])}, "
                f"net {self._money(best['net'])}).")

    def _describe(self) -> str:
        return self.data["policy"]["title"]

    # ----- widget ----------------------------------------------------------------------------------------------
    def _build_body(self) -> w.Widget:
        ui = self.ui
        policy = self.data["policy"]
        facts = markdown("\n".join(f"- {f['text']}" for f in self.data["facts"]))
        clauses = markdown("\n".join(f"- {c['text']}" for c in policy["clauses"]))
        ui.case = w.HTML(f"<p><strong>The facts</strong></p>{facts}<p><strong>{html.escape(policy['title'])}"
                         f"</strong></p>{clauses}<p>You may grant up to {self._money(policy['alone_limit'])} alone; "
                         f"{html.escape(policy['escalate_to'])} may approve up to "
                         f"{self._money(policy['escalate_limit'])} (waiting time for their decision: "
                         f"{html.escape(policy['escalation_delay'])}); anything more is refused.</p>")
        ui.action = wrapping(w.RadioButtons(options=[(label, key) for key, label in ACTIONS.items()], value=None,
                                            description="Your decision", style=WIDE, layout=w.Layout(width="auto")))
        ui.action.observe(lambda change: change["new"] and self._ui_action(
            lambda: self._ui_choose_action(change["new"]))(), names="value")
        ui.amount = w.BoundedFloatText(value=0, min=0, max=1_000_000, step=1,
                                       description=f"Amount you grant ({self.unit})", style=WIDE)
        ui.amount.observe(lambda change: self._ui_action(lambda: self.set_amount(change["new"]))(), names="value")
        return w.VBox([ui.case, ui.action, ui.amount])

    def _ui_choose_action(self, action: str) -> None:
        self.choose_action(action)
        if self._amount is None:  # the amount box already shows a value (0): that is the trainee's amount
            self.set_amount(self.ui.amount.value)

    def _refresh_body(self) -> None:
        ui = self.ui
        if ui.action.value != self._action:
            ui.action.value = self._action
        if self._amount is not None and ui.amount.value != self._amount:
            ui.amount.value = self._amount
        ui.amount.disabled = self._action == "refuse"
