"""Diagnosis interviews through the widget's own buttons and from code: no labels on questions, the questioning
funnel reaches full marks, no naming before asking, summaries only confirm what was heard."""

from __future__ import annotations

import itertools

import pytest
from scenario_helpers import Published, any_scenario

import frontline
from frontline.scenarios import ProgressStore, ScenarioError, list_scenarios
from frontline.scenarios.diagnosis import PREMATURE_SUMMARY

ID = "diagnosis/late-delivery"
BEST = ["tell-me-about-it", "tracking-exactly", "read-the-address", "summarise-back"]
RIGHT = "needs-it-by-a-date"


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


def test_questions_carry_no_label_of_their_kind_before_the_debrief(s):
    ui = s.widget and s.ui
    shown = ui.body.children
    text = " ".join(w.value for w in _walk(ui.body) if isinstance(getattr(w, "value", None), str)) + " ".join(
        b.tooltip + b.description for b in ui.question_buttons.values())
    assert shown and "Describe what you've seen" in text
    for kind in ("open", "probing", "closed", "summarising"):
        assert f"[{kind}]" not in text and f"({kind})" not in text
    ui.question_buttons["tell-me-about-it"].click()
    assert "You (open)" not in ui.transcript.value and "<strong>You:</strong> Tell me about" in ui.transcript.value


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_the_taught_path_earns_full_marks_and_the_debrief_names_each_kind(s):
    ui = s.widget and s.ui
    for qid in BEST:
        ui.question_buttons[qid].click()
    ui.issue.value = RIGHT
    with Published() as events:
        ui.submit.click()
    result = s.feedback
    assert result.correct and "✔ Correct" in ui.feedback.value
    assert result.details["open_first"] and result.details["summary"]
    assert result.details["kinds"] == ["open", "probing", "probing", "summarising"]
    assert any(m.startswith("✔ probing question: “Could you read me the delivery address") for m in result.messages)
    assert any(m.startswith("– summarising question: “Let me check I have this right") for m in result.messages)
    assert "✔ You opened with an open question, so the customer told the story in their own words." \
        in result.messages
    assert events[0].question_id == ID and events[0].answer == {"asked": BEST, "issue": RIGHT}


def test_the_issue_cannot_be_named_before_a_question(s):
    with pytest.raises(ScenarioError, match="at least one question before you name the issue"):
        s.name_issue(RIGHT)
    ui = s.widget and s.ui
    ui.issue.value = RIGHT  # the same through the widget: a notice, and nothing chosen
    assert "at least one question" in ui.notice.value and s._issue is None and ui.issue.value is None
    assert not s.submit().complete and s.attempts == 0


def test_guessing_the_right_issue_after_one_unhelpful_question_earns_almost_nothing(s):
    s.ask("standard-delivery")
    s.name_issue(RIGHT)
    result = s.submit()
    assert result.score == 0  # closed opening, no key fact, no summary: the right name counts for nothing
    assert "✘ The right issue counts only as far as you uncovered the facts behind it (0 of 3 key facts)." \
        in result.messages


def test_right_issue_but_missed_facts_is_partial_and_lists_what_was_missed(s):
    s.ask("tell-me-about-it")
    s.name_issue(RIGHT)
    result = s.submit()
    assert result.partial and result.score == pytest.approx(0.5 / 3 + 0.3 / 3 + 0.1)
    assert result.details["missed"] == ["parcel-at-depot", "flat-number-missing"]
    assert any(m.startswith("✘ missed: The delivery address on the order has no flat number") for m in result.messages)
    assert any(m.startswith("✘ No correct summary") for m in result.messages)


def test_a_summary_asked_before_the_facts_were_heard_reveals_nothing_and_earns_nothing(s):
    answer = s.ask("summarise-back")
    assert answer == f"Customer: {PREMATURE_SUMMARY}" and s.revealed_facts == []
    for qid in ("tell-me-about-it", "tracking-exactly", "read-the-address"):
        s.ask(qid)
    s.name_issue(RIGHT)
    result = s.submit()
    assert not result.details["summary"] and not result.details["open_first"]
    assert result.score == pytest.approx(0.8)
    assert any("Asked before the customer had told you what it should repeat, it had nothing to check." in m
               for m in result.messages)


def test_wrong_issue_scores_only_for_facts_found_and_says_why(s):
    s.ask("want-refund")
    s.name_issue("wants-refund")
    result = s.submit()
    assert not result.correct and result.score == 0 and "✘ You named: She wants her money back" in str(result)
    assert any("You opened with a closed question" in m for m in result.messages)
    assert any("A closed question that steers her towards the refund" in m for m in result.messages)


def taught_path(scenario):
    """The shortest list of questions that opens with an open one, uncovers every key fact and ends with a summary."""
    data = scenario.data
    key = {f["id"] for f in data["facts"] if f.get("key")}
    qs = data["questions"]
    for size in range(2, scenario.budget + 1):
        for first in (q for q in qs if q["type"] == "open"):
            for summary in (q for q in qs if q["type"] == "summarising"):
                middle = [q for q in qs if q is not first and q["type"] != "summarising"]
                for combo in itertools.combinations(middle, size - 2):
                    heard = {f for q in (first, *combo) for f in q.get("reveals", [])}
                    if key | set(summary["confirms"]) <= heard:
                        return [first["id"], *(q["id"] for q in combo), summary["id"]]
    return None


@pytest.mark.parametrize("scenario_id", [sid for sid in list_scenarios(include_graded=True)
                                         if sid.startswith("diagnosis/")])
def test_every_diagnosis_reaches_full_marks_on_the_taught_path_within_its_budget(scenario_id, tmp_path):
    s = any_scenario(scenario_id, store=ProgressStore(tmp_path / "p.json"))
    path = taught_path(s)
    assert path is not None and len(path) <= s.budget
    for qid in path:
        s.ask(qid)
    s.name_issue(next(i["id"] for i in s.data["issues"] if i.get("correct")))
    assert s.submit().correct


def test_hints_solution_gate_and_retry(s):
    assert "opens after your first attempt" in s.solution()
    assert s.hint().startswith("Hint 1 of 3: The customer's first words are a symptom")
    assert s.hints_shown == [s.data["hints"][0]]
    s.ask("want-refund")
    s.name_issue("courier-lost-it")
    s.submit()
    assert s.solution().startswith("Solution: A good interview")
    s.retry()
    assert s.asked == [] and s.feedback is None and s.questions_left == 4 and len(s.hints_shown) == 1


def test_submit_without_an_issue_is_not_an_attempt(s):
    s.ask("tell-me-about-it")
    result = s.submit()
    assert not result.complete and "name the issue" in str(result) and s.attempts == 0
