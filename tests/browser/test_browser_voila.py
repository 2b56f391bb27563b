"""Presenting: `frontline live present` shows a lesson without its code (Voila), and its scenario answers clicks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from scenario_page import ScenarioWidget
from servers import presentation


@pytest.fixture(scope="module")
def presented_welcome(chromium_available, kit_folder, tmp_path_factory):
    """The welcome notebook, presented as a facilitator projects it."""
    notebook = kit_folder / "notebooks" / "00_welcome.ipynb"
    with presentation(kit_folder, tmp_path_factory.mktemp("present"), notebook) as shown:
        yield shown


def test_presented_lesson_has_no_code_and_its_scenario_answers_clicks(presented_welcome, page):
    page.goto(presented_welcome.url, timeout=180_000)  # Voila runs the whole lesson before the page loads
    scenario = ScenarioWidget.first_in(page)
    expect(page.locator("h1").first).to_contain_text("Welcome")
    expect(page.locator("body")).to_contain_text("Frontline 0.1.0 is ready.")
    # outputs are there, the code that made them is not
    expect(page.locator(".cm-editor, .jp-InputArea-editor")).to_have_count(0)
    assert "frontline.scenario(" not in page.locator("body").inner_text()
    expect(scenario.title).to_have_text("Practice: how the scenario widgets work")

    expect(scenario.ask_hint()).to_contain_text(["Hint 1 of 2: Look for the reply that asks rather than tells."])
    scenario.choose("walk me through")
    expect(scenario.submit()).to_contain_text("✔ Correct")

    scenario.button("Try again").click()
    expect(scenario.feedback).to_have_count(0)
    scenario.choose("card ending 4417")
    feedback = scenario.submit()
    expect(feedback).to_contain_text("✘ Not quite")
    expect(feedback).to_contain_text("narrows the conversation too early")


def test_long_option_texts_wrap_instead_of_overlapping(presented_welcome, page):
    # A narrow window forces every sentence-long option onto several lines.
    page.set_viewport_size({"width": 560, "height": 900})
    page.goto(presented_welcome.url, timeout=180_000)  # Voila runs the whole lesson before the page loads
    options = page.locator(".frontline-wrapping-options .widget-radio-box label")
    expect(options.first).to_be_visible()
    sizes = options.evaluate_all(
        "labels => labels.map(l => [l.innerText, l.scrollHeight, l.clientHeight, l.scrollWidth, l.clientWidth])"
    )
    assert sizes, "no scenario options found"
    assert any(height > 30 for _, height, *_ in sizes), "the narrow window did not make any option wrap"
    for text, scroll_h, client_h, scroll_w, client_w in sizes:
        assert scroll_h <= client_h + 1 and scroll_w <= client_w + 1, f"option text overflows its line: {text!r}"
