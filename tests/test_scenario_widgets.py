"""What every scenario widget shares: text rendering, keyboard focus, accessible names, distinct symbols."""

from __future__ import annotations

import ipywidgets as w
import pytest

import frontline
from frontline.scenarios.progress import ProgressStore
from frontline.scenarios.widgets import markdown


def test_numbered_and_bulleted_lists_are_lists_even_right_after_a_sentence():
    assert markdown("Steps:\n1. Listen\n2. Apologise\n   fully\n\n- a\n- b\n\nPlain **bold**.") == (
        "<p>Steps:</p><ol><li>Listen</li><li>Apologise fully</li></ol><ul><li>a</li><li>b</li></ul>"
        "<p>Plain <strong>bold</strong>.</p>")


@pytest.fixture
def focused(monkeypatch):
    """Every widget told to take the keyboard focus, in order."""
    calls: list[w.Widget] = []
    monkeypatch.setattr(w.DOMWidget, "focus", lambda self: calls.append(self))
    return calls


def test_focus_moves_to_the_next_question_when_the_asked_one_is_disabled(tmp_path, focused):
    s = frontline.scenario("diagnosis/late-delivery", store=ProgressStore(tmp_path / "p.json"))
    ui = s.widget and s.ui
    order = ui.question_order
    first = ui.question_buttons[order[0]]
    first.click()
    assert first.disabled and focused == [ui.question_buttons[order[1]]]
    # the asked question keeps its text as its name, with a symbol that is not the "correct" tick
    assert first.description.startswith("◉ Asked") and "✔" not in first.description
    assert s._question(order[0])["text"] in first.description
    assert ui.question_buttons[order[1]].description.startswith("Ask: ")


def test_focus_stays_on_a_button_that_is_still_there(tmp_path, focused):
    s = frontline.scenario("choice/welcome-practice", store=ProgressStore(tmp_path / "p.json"))
    ui = s.widget and s.ui
    ui.submit.click()
    ui.retry.click()
    assert focused == []


def test_replies_are_named_by_what_they_say_and_focus_lands_on_the_next_replies(tmp_path, focused):
    s = frontline.scenario("recovery/hotel-overbooked", store=ProgressStore(tmp_path / "p.json"))
    ui = s.widget and s.ui
    reply_id, button = next(iter(ui.reply_buttons.items()))
    assert button.description == f"Say: {s.reply_text(reply_id)}"
    button.click()
    assert not s.finished and focused == [next(iter(ui.reply_buttons.values()))]

