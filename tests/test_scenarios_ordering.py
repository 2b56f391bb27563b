"""Ordering: moving steps with the widget's buttons, partial credit, and wrong orders explained."""

from __future__ import annotations

import pytest
from scenario_helpers import any_scenario

import frontline
from frontline.scenarios import AnswerTypeError, ProgressStore
from frontline.scenarios.ordering import longest_ordered_run, order_credit, order_score


@pytest.fixture
def s(tmp_path):
    return frontline.scenario("ordering/last-recovery", store=ProgressStore(tmp_path / "progress.json"))


def test_moving_steps_with_the_buttons_reaches_the_right_order(s):
    ui = s.widget and s.ui
    assert s.order == ["apologize", "listen", "thank", "solve"]
    assert ui.list.options[0][0].startswith("1. \"I'm sorry: you booked a sea view")
    ui.list.value = "listen"
    ui.up.click()
    assert s.order == ["listen", "apologize", "thank", "solve"]
    ui.list.value = "solve"
    ui.up.click()
    assert ui.list.value == "solve"  # the selection follows the moved step, so keyboard users can keep moving it
    assert s.order == ["listen", "apologize", "solve", "thank"]
    ui.submit.click()
    assert s.feedback.correct and "4 of 4 steps are in their right place" in ui.feedback.value


def test_the_untouched_shuffle_cannot_score_and_every_shipped_start_earns_nothing(s):
    ui = s.widget and s.ui
    ui.submit.click()
    assert s.feedback.complete is False and s.attempts == 0
    assert "Move at least one" in ui.feedback.value
    s.move("listen", 1)
    s.move("listen", -1)  # moved back: now submitted as given, and it scores nothing
    assert s.submit().score == 0
    for sid in frontline.list_scenarios(include_graded=True):
        if sid.startswith("ordering/"):
            other = any_scenario(sid, store=s.store)
            assert order_score(other.correct_order, other.order) == 0, sid


def test_partial_credit_counts_places_and_neighbours_and_explains_each_misplaced_step(s):
    s.set_order(["listen", "apologize", "thank", "solve"])  # the last two swapped
    result = s.submit()
    assert result.partial and result.score == pytest.approx(0.5 * 2 / 4 + 0.5 * 1 / 3)
    assert result.details["placed"] == 2 and result.details["neighbours"] == 1
    assert any(m.startswith("✔ 1. Lets the guest explain fully") and "Listen: the guest needs to be heard" in m
               for m in result.messages)
    misplaced = [m for m in result.messages if m.startswith("✘")]
    assert len(misplaced) == 2 and all("is out of place. Think about its role:" in m for m in misplaced)
    assert any("Thank: thanking the guest" in m for m in misplaced)
    s.set_order(["thank", "solve", "apologize", "listen"])  # reversed
    assert s.submit().score == 0


def test_the_starting_order_is_not_the_answer_and_retry_restores_it(s):
    s.set_order(s.correct_order)
    s.retry()
    assert s.order == ["apologize", "listen", "thank", "solve"] != s.correct_order
    assert s.learner_verbs[-3:] == ("set_order", "move", "choose")


def test_a_generated_shuffle_earns_nothing_untouched(tmp_path, kit_copy):
    path = kit_copy / "data" / "scenarios" / "ordering" / "last-recovery.yaml"
    path.write_text("\n".join(line for line in path.read_text().splitlines() if not line.startswith("start_order")))
    generated = frontline.scenario("ordering/last-recovery", store=ProgressStore(tmp_path / "p.json"))
    assert sorted(generated.order) == generated.step_ids
    assert order_credit(generated.correct_order, generated.order) == (0, 0)


def test_bad_orders_explain_themselves(s):
    with pytest.raises(AnswerTypeError, match="takes a list of all 4 step ids; got 'listen' "):
        s.set_order("listen")
    with pytest.raises(AnswerTypeError, match="missing: thank"):
        s.set_order(["listen", "apologize", "solve"])
    with pytest.raises(AnswerTypeError, match="unknown: 'smile'"):
        s.set_order(["listen", "apologize", "solve", "smile"])
    with pytest.raises(AnswerTypeError, match="whole number"):
        s.move("listen", "up")


def test_longest_ordered_run():
    assert longest_ordered_run([2, 0, 1, 3]) == [0, 1, 3]
    assert longest_ordered_run([3, 2, 1, 0]) in ([3], [2], [1], [0])
    assert longest_ordered_run([]) == []
