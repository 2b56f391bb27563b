"""Empowerment decisions: scored on policy, route and the customer's outcome; money is illustrative information."""

from __future__ import annotations

from collections import Counter

import pytest
from scenario_helpers import Published, any_scenario

import frontline
from frontline.scenarios import AnswerTypeError, ProgressStore, list_scenarios


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def test_deciding_alone_within_scope_through_the_widget(store):
    s = frontline.scenario("empowerment/postie-forwarding", store=store)
    ui = s.widget and s.ui
    assert "You may grant up to $20 alone" in ui.case.value and ui.amount.description == "Amount you grant ($)"
    assert "illustrative: invented for practice" in ui.case.value
    ui.action.value = "alone"
    ui.amount.value = 12
    with Published() as events:
        ui.submit.click()
    result = s.feedback
    assert result.correct and result.details["criteria"] == {"policy": True, "route": True, "outcome": True}
    assert "✔ Policy: within your authority and the policy." in ui.feedback.value
    assert "Illustrative figures, invented for practice: cost $12; value kept $400 of $400" in ui.feedback.value
    assert events[0].answer == {"action": "alone", "amount": 12.0} and events[0].correct


@pytest.mark.parametrize("action, amount", [("refuse", 0), ("alone", 0), ("escalate", 0), ("alone", 5)])
def test_doing_nothing_is_never_rewarded_as_a_decision(store, action, amount):
    s = frontline.scenario("empowerment/postie-forwarding", store=store)
    s.decide(action, amount)
    result = s.submit()
    assert result.score == 0
    assert "✘ Doing nothing is not a decision: the case needed putting right, so this scores nothing." \
        in result.messages


def test_escalating_what_you_could_grant_is_partial_and_says_why(store):
    s = frontline.scenario("empowerment/postie-forwarding", store=store)
    s.decide("escalate", 12)
    result = s.submit()
    assert result.score == pytest.approx(0.7) and result.details["criteria"]["route"] is False
    assert "✘ Route: the right route here is: decide and act myself." in result.messages
    assert any("waiting up to three working days for the station supervisor puts $80 at risk" in m
               for m in result.messages)


def test_granting_beyond_your_authority_fails_policy_and_route(store):
    s = frontline.scenario("empowerment/outage-credit", store=store)
    s.decide("alone", 90)
    result = s.submit()
    assert result.score == pytest.approx(0.3)
    assert "✘ Policy: $90 is more than the $30 that can be granted alone." in result.messages


def test_over_promising_fails_policy_even_within_the_limit(store):
    s = frontline.scenario("empowerment/hotel-guest-occasion", store=store)
    s.decide("alone", 200)  # the fix costs $120
    result = s.submit()
    assert result.score == pytest.approx(0.6)
    assert any(m.startswith("✘ Policy: $200 is more than the fix needs ($120): over-promising sets a precedent")
               for m in result.messages)


def test_escalation_is_the_best_call_when_the_fix_is_beyond_you(store):
    s = frontline.scenario("empowerment/outage-credit", store=store)
    s.decide("escalate", 90)
    assert s.submit().correct


@pytest.mark.parametrize("scenario_id, reason", [("empowerment/safe-account-call", "fraud"),
                                                  ("empowerment/shelf-injury-claim", "legal claim"),
                                                  ("empowerment/gas-smell-billing-call", "safety")])
def test_a_risk_must_be_escalated_even_when_the_amount_is_within_your_limit(store, scenario_id, reason):
    s = frontline.scenario(scenario_id, store=store)
    assert s.data["must_escalate"]["reason"] == reason
    best = s.best()
    assert best["action"] == "escalate"
    s.decide("escalate", best["amount"])
    assert s.submit().correct
    s.decide("alone", s.data["policy"]["alone_limit"])  # within your limit, but the risk stays with you
    alone = s.submit()
    assert alone.score < 0.5 and alone.details["criteria"]["policy"] is False
    assert any(m.startswith("✘ Policy: this case must go to") for m in alone.messages)
    s.decide("refuse")
    assert s.submit().score == 0


def test_refusing_is_right_for_abuse_and_a_grant_within_the_limit_scores_nothing(store):
    s = frontline.scenario("empowerment/repeat-credit-demand", store=store)
    assert s.best()["action"] == "refuse"
    s.decide("refuse")
    refused = s.submit()
    assert refused.correct and "✔ Customer's outcome: a clear no, with the reason and what you can offer, treats " \
        "the customer fairly." in refused.messages
    s.decide("alone", 40)
    granted = s.submit()
    assert granted.score == 0 and any(m.startswith("✘ Policy: this request must be declined") for m in
                                      granted.messages)


def test_the_library_has_every_kind_of_best_decision(store):
    best = Counter(any_scenario(sid, store=store).best()["action"]
                   for sid in list_scenarios(include_graded=True) if sid.startswith("empowerment/"))
    assert best["alone"] >= 2 and best["escalate"] >= 3 and best["refuse"] >= 1


def test_amount_of_the_wrong_type_names_the_value_and_what_was_expected(store):
    s = frontline.scenario("empowerment/return-without-receipt", store=store)
    with pytest.raises(AnswerTypeError, match=r"the amount must be a number in \$ .*got 'sixty-five' \(str\)"):
        s.set_amount("sixty-five")
    with pytest.raises(AnswerTypeError, match="zero or more"):
        s.set_amount(-5)
    with pytest.raises(AnswerTypeError, match="the action must be one of 'alone', 'escalate', 'refuse'"):
        s.choose_action("approve")
    assert "choose an action" in str(s.submit())


def test_the_solution_names_the_computed_best_decision(store):
    s = frontline.scenario("empowerment/colleague-urgent-laptop", store=store)
    s.decide("refuse")
    s.submit()
    solution = s.solution()
    assert "Best decision: decide and act myself, granting $0." in solution
    ui = s.widget and s.ui
    ui.retry.click()
    assert s.action is None and ui.action.value is None and ui.feedback.value == ""


def test_the_seed_story_is_attributed_in_the_widget(store):
    s = frontline.scenario("empowerment/postie-forwarding", store=store)
    header = (s.widget and s.ui).header.value
    assert "Eric Fraterman&#x27;s account of his Toronto letter carrier" in header or \
        "Eric Fraterman's account of his Toronto letter carrier" in header
    assert "I am not supposed to do this but I will drop it off for you" in header
    assert "Sources: Eric Fraterman, &#x27;It&#x27;s about People, stupid.&#x27;" in header
