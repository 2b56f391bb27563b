"""Ordering: moving steps with the widget's buttons, partial credit, and wrong orders explained."""

from __future__ import annotations

import pytest

import frontline
from frontline.scenarios import AnswerTypeError, ProgressStore
from frontline.scenarios.ordering import longest_ordered_run


@pytest.fixture
def s(tmp_path):
    return frontline.scenario("ordering/last-recovery", store=ProgressStore(tmp_path / "progress.json"))


def test_moving_steps_with_the_buttons_reaches_the_right_order(s):
    ui = s.widget and s.ui
    assert s.order == ["solve", "thank", "apologize", "listen"]
    assert ui.list.options[0][0].startswith("1. Moves her to a sea-view room")
    ui.list.value = "listen"
    for _ in range(3):
        ui.up.click()
    ui.list.value = "apologize"
    ui.up.click()
    ui.up.click()
    ui.list.value = "solve"
    ui.down.click()
    assert s.order == ["listen", "apologize", "thank", "solve"]
    assert ui.list.value == "solve"  # the selection follows the moved step, so keyboard users can keep moving it
    ui.up.click()
    assert s.order == ["listen", "apologize", "solve", "thank"]
    ui.submit.click()
    assert s.feedback.correct and "4 of 4 steps are in exactly the right place" in ui.feedback.value


def test_partial_credit_counts_pairs_in_order(s):
    s.set_order(["listen", "solve", "apologize", "thank"])  # one neighbour swap
    result = s.submit()
    assert result.partial and result.score == pytest.approx(5 / 6)
    assert result.details["longest_run"] == 3
    assert any("Look again from position 2" in m for m in result.messages)
    s.set_order(["thank", "solve", "apologize", "listen"])  # reversed
    assert s.submit().score == 0


def test_the_starting_order_is_not_the_answer_and_retry_restores_it(s):
    s.set_order(s.correct_order)
    s.retry()
    assert s.order == ["solve", "thank", "apologize", "listen"] != s.correct_order
    shuffled = frontline.scenario("ordering/five-whys-chain", store=s.store)
    assert sorted(shuffled.order) == shuffled.step_ids and shuffled.order != shuffled.correct_order


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
