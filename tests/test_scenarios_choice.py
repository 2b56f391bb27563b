"""Choice scenarios driven through their widgets and from code; persona-dependent scoring."""

from __future__ import annotations

import pytest
from scenario_helpers import Published

import frontline
from frontline.scenarios import AnswerTypeError, ProgressStore


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def test_right_answer_through_the_widget_publishes_and_records(store):
    s = frontline.scenario("choice/welcome-practice", store=store)
    ui = s.widget and s.ui
    ui.choices.value = "open-question"
    with Published() as events:
        ui.submit.click()
    assert s.feedback.correct and "✔ Correct" in ui.feedback.value
    assert [(e.question_id, e.answer, e.correct) for e in events] == [("choice/welcome-practice", "open-question",
                                                                         True)]
    assert store.get("choice/welcome-practice").solved


def test_wrong_answer_then_retry_through_the_widget(store):
    s = frontline.scenario("choice/welcome-practice", store=store)
    ui = s.widget and s.ui
    ui.choices.value = "jump-to-refund"
    ui.submit.click()
    assert not s.feedback.correct and not s.feedback.partial
    assert "✘ Not quite" in ui.feedback.value and "pending hold" in ui.feedback.value
    ui.retry.click()
    assert s.feedback is None and s.chosen == [] and ui.choices.value is None and ui.feedback.value == ""


def test_hints_are_staged_and_the_solution_waits_for_an_attempt(store):
    s = frontline.scenario("choice/welcome-practice", store=store)
    ui = s.widget and s.ui
    ui.solution.click()
    assert "opens after your first attempt" in ui.notice.value and ui.solution_box.value == ""
    assert "opens after your first attempt" in s.solution()
    ui.hint.click()
    assert "Hint 1 of 2" in ui.hints.value and "Hint 2" not in ui.hints.value
    assert s.hint().startswith("Hint 2 of 2")
    assert "No more hints" in s.hint() and ui.hint.disabled
    assert store.get(s.id).hints_used == 2
    s.choose("policy")
    s.submit()
    ui.solution.click()
    assert "Solution" in ui.solution_box.value and "open question" in ui.solution_box.value


def test_nothing_chosen_is_not_an_attempt(store):
    s = frontline.scenario("choice/welcome-practice", store=store)
    with Published() as events:
        result = s.submit()
    assert not result.complete and "pick an option" in str(result)
    assert events == [] and store.get(s.id).attempts == 0


def test_the_same_reply_scores_differently_per_persona(store):
    s = frontline.scenario("choice/which-response-fits", persona="wants-the-facts", store=store)
    s.choose("facts-first")
    assert s.submit().correct
    ui = s.widget and s.ui
    ui.persona.value = "pressed-for-time"  # switching persona after answering asks first, then starts again
    ui.persona_switch.click()
    assert s.persona == "pressed-for-time" and s.chosen == []
    ui.choices.value = "facts-first"
    ui.submit.click()
    assert s.feedback.partial and s.feedback.score == 0.5 and "Dana" in ui.feedback.value
    s.choose("fast-fix")
    assert s.submit().correct


def test_wrong_types_explain_themselves(store):
    s = frontline.scenario("choice/welcome-practice", store=store)
    with pytest.raises(AnswerTypeError, match=r"got 2 \(int\).*open-question"):
        s.choose(2)
    with pytest.raises(AnswerTypeError, match="'maybe' is not an option"):
        s.choose("maybe")
    with pytest.raises(AnswerTypeError, match="exactly one"):
        s.choose("policy", "open-question")


def test_tick_all_that_apply_gives_partial_credit_and_does_not_reveal_which_were_missed(store):
    s = frontline.scenario("choice/internal-or-external", store=store)
    ui = s.widget and s.ui
    ui.checkboxes["sales-rep"].value = True
    ui.checkboxes["supplier"].value = True
    assert s.chosen == ["sales-rep", "supplier"]
    ui.submit.click()
    result = s.feedback
    assert result.score == 0 and "You left out 2 option(s)" in ui.feedback.value
    assert "new starter" not in ui.feedback.value.lower()  # the missed options are counted, not named
    ui.checkboxes["supplier"].value = False
    ui.checkboxes["new-starter"].value = True
    ui.submit.click()
    assert s.feedback.partial and s.feedback.score == pytest.approx(2 / 3)
    s.choose("sales-rep", "new-starter", "cfo")
    assert s.submit().correct and ui.checkboxes["cfo"].value
