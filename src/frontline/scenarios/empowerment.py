"""``empowerment``: decide within your scope of authority: act alone, escalate, or refuse, and for how much.

The policy states what a representative may grant alone (``alone_limit``), what a named person above may approve
(``escalate_limit``, after ``escalation_delay``), and that anything more is refused. A case may carry a risk that
must go to someone above whatever the amount (``must_escalate``: safety, vulnerability, fraud, a legal claim, a
precedent) or a request that must be declined (``must_refuse``: outside policy, abuse).

The score weighs three things, each shown ✔ or ✘ in the debrief (:data:`WEIGHTS`): **policy** (within your
authority, no more than the fix needs, and the route the policy demands for a risk or a refusal), **route** (the
decision a well-judged representative makes: the computed best), and **the customer's outcome** (their need met,
or a refusal explained). Granting nothing, or declining when the case should be put right, is not a decision and
scores nothing. Money (cost, value kept, the cost of delay) is shown as illustrative information, not the score.
The best decision is computed, not typed in, so an author who changes a limit cannot leave a stale answer behind.
"""

from __future__ import annotations

import html
import math
from numbers import Real
from typing import Any, ClassVar

import ipywidgets as w

from frontline.scenarios.base import Scenario
from frontline.scenarios.feedback import AnswerTypeError, Feedback
from frontline.scenarios.widgets import WIDE, markdown, wrapping

ACTIONS = {
    "alone": "Decide and act myself",
    "escalate": "Escalate with a recommendation",
    "refuse": "Decline, explain and offer what I can",
}


WEIGHTS = {"policy": 0.4, "route": 0.3, "outcome": 0.3}
GENEROSITY = 1.5  # granting up to 1.5x what the fix needs is judgement; more is over-promising and sets a precedent


class EmpowermentScenario(Scenario):
    kind = "empowerment"
    learner_verbs: ClassVar[tuple[str, ...]] = (*Scenario.learner_verbs, "choose_action", "set_amount", "decide",
                                                "choose")

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
        """The kit's currency symbol (``data/kit.yaml``)."""
        return self.spec.settings.currency

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
        """The best decision (for the solution and the score): a required escalation or refusal first, then the
        cheapest route within authority that puts the customer right."""
        policy = self.data["policy"]
        needs = float(self.data["needs_amount"])
        if "must_escalate" in self.data:
            action, amount = "escalate", needs
        elif "must_refuse" in self.data or needs > policy["escalate_limit"]:
            action, amount = "refuse", 0.0
        elif needs <= policy["alone_limit"]:
            action, amount = "alone", needs
        else:
            action, amount = "escalate", needs
        return {"action": action, "amount": amount, **self.evaluate(action, amount)}

    def judge(self, action: str, amount: float) -> dict[str, Any]:
        """Each criterion of the score for a decision: policy, route, outcome (✔/✘ with the reason) and the score."""
        policy = self.data["policy"]
        needs = float(self.data["needs_amount"])
        best = self.best()
        amount = 0.0 if action == "refuse" else amount
        within = self.evaluate(action, amount)["within_scope"]
        escalate, refuse = self.data.get("must_escalate"), self.data.get("must_refuse")
        generous = amount > max(needs * GENEROSITY, needs + 1) and action != "refuse"
        if not within:
            limit = policy["alone_limit"] if action == "alone" else policy["escalate_limit"]
            who = "alone" if action == "alone" else f"with {policy['escalate_to']}'s approval"
            policy_ok, policy_why = False, (f"{self._money(amount)} is more than the {self._money(limit)} that can "
                                            f"be granted {who}.")
        elif escalate and action != "escalate":
            policy_ok, policy_why = False, f"this case must go to {policy['escalate_to']}: {escalate['text']}"
        elif refuse and action != "refuse":
            policy_ok, policy_why = False, f"this request must be declined: {refuse['text']}"
        elif generous:
            policy_ok, policy_why = False, (f"{self._money(amount)} is more than the fix needs "
                                            f"({self._money(needs)}): over-promising sets a precedent the next "
                                            f"customer will expect.")
        else:
            policy_ok, policy_why = True, "within your authority and the policy."
        route_ok = action == best["action"]
        route_why = (f"{ACTIONS[action].lower()} is the right route here." if route_ok else
                     f"the right route here is: {ACTIONS[best['action']].lower()}.")
        if best["action"] == "refuse":
            outcome_ok = action == "refuse"
            outcome_why = ("a clear no, with the reason and what you can offer, treats the customer fairly."
                           if outcome_ok else "granting what should be declined does not serve this customer or "
                                              "the next one.")
        elif escalate:
            outcome_ok = action == "escalate" and amount >= needs
            outcome_why = ("the risk reaches someone who can handle it, and the customer is protected." if outcome_ok
                           else "the risk stays with you, and the customer is not protected from it.")
        else:
            outcome_ok = action != "refuse" and amount >= needs
            outcome_why = ("the customer's need is met." if outcome_ok else
                           f"the customer is not put right (it takes {self._money(needs)}).")
        # a required escalation is the decision itself; elsewhere granting less than the fix needs is no decision
        nothing = best["action"] != "refuse" and (action == "refuse" or (amount < needs and not escalate))
        score = 0.0 if nothing else (WEIGHTS["policy"] * policy_ok + WEIGHTS["route"] * route_ok
                                     + WEIGHTS["outcome"] * outcome_ok)
        return {"policy": (policy_ok, policy_why), "route": (route_ok, route_why),
                "outcome": (outcome_ok, outcome_why), "nothing": nothing, "score": score}

    def _money(self, value: float) -> str:
        return self.spec.settings.money(value)

    def _grade(self) -> Feedback:
        assert self._action is not None and self._amount is not None
        result = self.evaluate(self._action, self._amount)
        verdict = self.judge(self._action, self._amount)
        best = self.best()
        policy = self.data["policy"]
        messages = []
        for name, label in (("policy", "Policy"), ("route", "Route"), ("outcome", "Customer's outcome")):
            ok, why = verdict[name]
            messages.append(f"{'✔' if ok else '✘'} {label}: {why}")
        if verdict["nothing"]:
            messages.append("✘ Doing nothing is not a decision: the case needed putting right, so this scores nothing.")
        entry = self.data["feedback"][self._action]
        clauses = {c["id"]: c["text"] for c in policy["clauses"]}
        messages.append(entry["text"] + "".join(f" (Policy: {clauses[c]})" for c in entry.get("cites", [])))
        label = "Illustrative figures, invented for practice" if self.data.get("figures", "illustrative") == \
            "illustrative" else "Figures"
        money = (f"{label}: cost {self._money(result['cost'])}; value kept {self._money(result['value_kept'])} of "
                 f"{self._money(self.data['value_at_stake'])} at stake")
        if self._action == "escalate":
            money += (f"; waiting {policy['escalation_delay']} for {policy['escalate_to']} puts "
                      f"{self._money(result['delay_cost'])} at risk")
        messages.append(money + ".")
        return Feedback(verdict["score"], messages, {**result, "action": self._action, "amount": self._amount,
                                                     "criteria": {k: verdict[k][0] for k in WEIGHTS},
                                                     "best": {"action": best["action"], "amount": best["amount"]}})

    def _solution_text(self) -> str:
        best = self.best()
        granting = f", granting {self._money(best['amount'])}" if best["action"] != "refuse" else ""
        return f"{self.data['solution']}\n\nBest decision: {ACTIONS[best['action']].lower()}{granting}."

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
                         f"{html.escape(policy['escalation_delay'])}); anything more is refused.</p>"
                         + ("<p><em>The amounts in this case are illustrative: invented for practice.</em></p>"
                            if self.data.get("figures", "illustrative") == "illustrative" else ""))
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
