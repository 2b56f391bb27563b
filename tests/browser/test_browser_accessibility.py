"""Keyboard, screen-reader and layout checks: the axe-core audit of a presented lesson and of the room view, and
screenshots of a lesson's scenarios at a narrow and a wide width with nothing cut off."""

from __future__ import annotations

import pytest
from accessibility import assert_no_serious_findings
from playwright.sync_api import expect
from servers import presentation

from conftest import ARTIFACTS

WIDTHS = {"narrow": 400, "wide": 1280}


@pytest.fixture(scope="module")
def presented_diagnosis(chromium_available, kit_folder, tmp_path_factory):
    """Lesson 3 (an ordering and several diagnosis scenarios), presented as a facilitator projects it."""
    with presentation(kit_folder, tmp_path_factory.mktemp("present"), kit_folder / "notebooks" / "03_diagnosis.ipynb") \
            as shown:
        yield shown


def open_presented(page, shown) -> None:
    page.goto(shown.url, timeout=180_000)  # Voila runs the whole lesson before the page has loaded
    expect(page.get_by_role("button", name="Submit").first).to_be_visible(timeout=90_000)


def test_a_presented_lesson_has_no_serious_accessibility_findings(presented_diagnosis, page):
    open_presented(page, presented_diagnosis)
    assert page.title() == "Lesson 3: Service diagnosis"
    # the lesson's chart is a picture with its text alternative, and its numbers are a table a screen reader reads
    chart = page.locator("figure.frontline-chart")
    expect(chart).to_have_count(1)
    assert chart.locator("img").get_attribute("alt").startswith("Line chart of mean satisfaction")
    chart.get_by_text("The numbers in this chart").click()
    expect(chart.get_by_role("rowheader", name="1", exact=True)).to_be_visible()
    assert_no_serious_findings(page)


def test_the_room_view_has_no_serious_accessibility_findings(live_session, browser):
    # The room view's Content Security Policy forbids inline scripts, the audit's own included: this page alone
    # lets Chromium bypass it (every other test sees the policy as served, so a page it breaks fails there).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(live_session.room_url)
        expect(page.locator("#connection")).to_have_text("✔ live")
        assert_no_serious_findings(page)
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_scenarios_fit_at_narrow_and_wide_widths(presented_diagnosis, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_presented(page, presented_diagnosis)
    widgets = page.locator(".frontline-scenario")
    expect(widgets.first).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    widgets.first.screenshot(path=str(ARTIFACTS / f"scenario-{width}px.png"))
    widgets.nth(1).screenshot(path=str(ARTIFACTS / f"scenario-diagnosis-{width}px.png"))
    # no text is cut off or pushed sideways: buttons and paragraphs hold their whole text, no word is split
    overflowing = widgets.evaluate_all("""roots => roots.flatMap(root =>
        Array.from(root.querySelectorAll('button, p, li, label'))
             .filter(el => el.offsetParent !== null)
             .filter(el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
             .map(el => el.tagName + ': ' + el.innerText.slice(0, 60)))""")
    assert overflowing == [], overflowing
    broken_words = widgets.evaluate_all("""roots => roots.flatMap(root =>
        Array.from(root.querySelectorAll('.widget-html-content, button'))
             .filter(el => ['break-all', 'break-word'].includes(getComputedStyle(el).wordBreak)
                           || getComputedStyle(el).overflowWrap === 'anywhere')
             .map(el => el.innerText.slice(0, 60)))""")
    assert broken_words == [], broken_words
    # the keyboard focus ring is a solid outline at least 2px thick
    button = widgets.first.get_by_role("button", name="Submit")
    button.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = button.evaluate("b => [getComputedStyle(b).outlineStyle, parseFloat(getComputedStyle(b).outlineWidth)]")
    assert ring[0] == "solid" and ring[1] >= 2, ring
