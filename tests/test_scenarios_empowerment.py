"""Empowerment decisions: scope of authority, cost, value kept and the cost of delay."""

from __future__ import annotations

import pytest
from scenario_helpers import Published

import frontline
from frontline.scenarios import AnswerTypeError, ProgressStore


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def test_deciding_alone_within_scope_through_the_widget(store):
    s = frontline.scenario("empowerment/postie-forwarding", store=store)
    ui = s.widget and s.ui
    assert "You may grant up to $20 alone" in ui.case.value and ui.amount.description == "Amount you grant ($)"
    ui.action.value = "alone"
    ui.amount.value = 12
    with Published() as events:
        ui.submit.click()
    result = s.feedback
    assert result.correct and result.details["within_scope"] and result.details["value_kept"] == 400
    assert "✔ Within your scope of authority" in ui.feedback.value and "Cost: $12." in ui.feedback.value
    assert events[0].answer == {"action": "alone", "amount": 12.0} and events[0].correct


def test_escalating_what_you_could_grant_costs_delay_and_is_partial(store):
    s = frontline.scenario("empowerment/postie-forwarding", store=store)
    s.decide("escalate", 12)
    result = s.submit()
    assert result.partial and result.details["delay_cost"] == pytest.approx(80)
    assert any(m.startswith("Cost of delay: waiting up to three working days") for m in result.messages)
    assert "You could have granted this yourself: escalating only added delay." in result.messages


def test_granting_beyond_your_authority_scores_zero(store):
    s = frontline.scenario("empowerment/outage-credit", store=store)
    s.decide("alone", 90)
    result = s.submit()
    assert result.score == 0 and "✘ Outside your scope: $90 is more than the $30 that can be granted alone." \
        in result.messages


def test_escalation_is_the_best_call_when_the_fix_is_beyond_you(store):
    s = frontline.scenario("empowerment/outage-credit", store=store)
    s.decide("escalate", 90)
    assert s.submit().correct
    s.decide("refuse")
    refused = s.submit()
    assert refused.partial and refused.details["value_kept"] == pytest.approx(540) and refused.details["cost"] == 0


def test_too_little_does_not_put_it_right(store):
    s = frontline.scenario("empowerment/hotel-guest-occasion", store=store)
    s.decide("alone", 50)
    result = s.submit()
    assert result.partial and not result.details["fixes"]
    assert any("needed at least $120" in m for m in result.messages)


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
    assert "Best decision within policy: decide and act myself, granting $0" in solution
    ui = s.widget and s.ui
    ui.retry.click()
    assert s.action is None and ui.action.value is None and ui.feedback.value == ""


def test_the_seed_story_is_attributed_in_the_widget(store):
    s = frontline.scenario("empowerment/postie-forwarding", store=store)
    header = (s.widget and s.ui).header.value
    assert "I am not supposed to do this but I will drop it off for you" in header
    assert "Sources: Eric Fraterman, &#x27;It&#x27;s about People, stupid.&#x27;" in header
