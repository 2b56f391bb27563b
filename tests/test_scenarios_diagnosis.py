"""Diagnosis interviews through the widget's own buttons and from code."""

from __future__ import annotations

import pytest
from scenario_helpers import Published

import frontline
from frontline.scenarios import ProgressStore, ScenarioError

ID = "diagnosis/late-delivery"
BEST = ["tell-me-about-it", "tracking-exactly", "read-the-address", "summarise-back"]


@pytest.fixture
def s(tmp_path):
    return frontline.scenario(ID, store=ProgressStore(tmp_path / "progress.json"))


def test_asking_through_the_buttons_reveals_facts_and_spends_the_budget(s):
    ui = s.widget and s.ui
    assert "Questions left: <strong>4 of 4" in ui.budget.value
    assert "depot" not in ui.transcript.value  # nothing is shown before it is asked
    ui.question_buttons["tracking-exactly"].click()
    assert s.asked == ["tracking-exactly"] and s.revealed_facts == ["parcel-at-depot"]
    assert "held at depot" in ui.transcript.value and "four miles away" in ui.transcript.value
    assert ui.question_buttons["tracking-exactly"].disabled
    assert "3 of 4" in ui.budget.value
    for qid in ("want-refund", "standard-delivery", "what-have-you-seen"):
        ui.question_buttons[qid].click()
    assert s.questions_left == 0 and all(b.disabled for b in ui.question_buttons.values())
    with pytest.raises(ScenarioError, match="used all 4 questions"):
        s.ask("read-the-address")


def test_right_diagnosis_with_every_key_fact_is_correct_and_names_the_diagnostic_questions(s):
    ui = s.widget and s.ui
    for qid in BEST:
        ui.question_buttons[qid].click()
    ui.issue.value = "needs-it-by-saturday"
    with Published() as events:
        ui.submit.click()
    assert s.feedback.correct and "✔ Correct" in ui.feedback.value
    assert "✔ diagnostic (probing): “Could you read me the delivery address" in ui.feedback.value
    assert "– not diagnostic (summarising)" in ui.feedback.value
    assert events[0].question_id == ID and events[0].answer == {"asked": BEST, "issue": "needs-it-by-saturday"}


def test_right_issue_but_missed_facts_is_partial_and_lists_what_was_missed(s):
    s.ask("tell-me-about-it")
    s.name_issue("needs-it-by-saturday")
    result = s.submit()
    assert result.partial and result.score == pytest.approx(0.6 + 0.4 / 3)
    assert result.details["missed"] == ["parcel-at-depot", "flat-number-missing"]
    assert any(m.startswith("✘ missed: The delivery address on the order has no flat number") for m in result.messages)
    assert any("never summarised back" in m for m in result.messages)


def test_wrong_issue_scores_only_for_facts_found(s):
    s.ask("want-refund")
    s.name_issue("wants-refund")
    result = s.submit()
    assert not result.correct and result.score == 0 and "✘ You named: She wants her money back" in str(result)
    assert any("you opened with a closed question" in m for m in result.messages)


def test_hints_solution_gate_and_retry(s):
    assert "opens after your first attempt" in s.solution()
    assert s.hint().startswith("Hint 1 of 3: The customer's first words are a symptom")
    assert s.hints_shown == [s.data["hints"][0]]
    s.name_issue("courier-lost-it")
    s.submit()
    assert s.solution().startswith("Solution: A good interview")
    s.retry()
    assert s.asked == [] and s.feedback is None and s.questions_left == 4 and len(s.hints_shown) == 1


def test_submit_without_an_issue_is_not_an_attempt(s):
    s.ask("tell-me-about-it")
    result = s.submit()
    assert not result.complete and "name the issue" in str(result) and s.attempts == 0
