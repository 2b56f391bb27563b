"""Presenting: Voila shows a notebook's results without its code, and a scenario in it responds to clicks."""

from __future__ import annotations

import nbformat
import pytest
from playwright.sync_api import expect
from scenario_page import ScenarioWidget
from servers import presentation


def test_welcome_notebook_renders_without_code(voila, page):
    page.goto(voila.render_url("notebooks/00_welcome.ipynb"))
    body = page.locator("body")
    expect(body).to_contain_text("Resolved at first contact: 70%", timeout=60_000)
    expect(page.locator("h1", has_text="Welcome to Frontline")).to_have_count(1)
    # outputs are there, the code that made them is not
    expect(page.locator(".jp-CodeCell")).not_to_have_count(0)
    expect(page.locator(".cm-editor, .jp-InputArea-editor")).to_have_count(0)
    assert "load_tickets" not in body.inner_text()


@pytest.fixture(scope="module")
def presented_scenario(kit_folder, tmp_path_factory):
    """A one-scenario notebook, presented with `frontline live present` as a facilitator would project it."""
    notebook = kit_folder / "presenting" / "practice.ipynb"
    notebook.parent.mkdir(exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Practice round"),
        nbformat.v4.new_code_cell('import frontline\n\nfrontline.scenario("choice/welcome-practice")'),
    ]), notebook)
    with presentation(kit_folder, tmp_path_factory.mktemp("present"), notebook) as shown:
        yield shown


def test_presented_scenario_has_no_code_and_answers_clicks(browser, presented_scenario, page):
    page.goto(presented_scenario.url)
    scenario = ScenarioWidget.first_in(page)
    expect(scenario.title).to_have_text("Practice: how the scenario widgets work")
    expect(page.locator(".cm-editor, .jp-InputArea-editor")).to_have_count(0)
    assert "frontline.scenario(" not in page.locator("body").inner_text()

    expect(scenario.ask_hint()).to_contain_text(["Hint 1 of 2: Look for the reply that asks rather than tells."])
    assert "walk me through" in scenario.choose(0)
    expect(scenario.submit()).to_contain_text("✔ Correct")

    scenario.button("Try again").click()
    expect(scenario.feedback).to_have_count(0)
    assert "card ending 4417" in scenario.choose(1)
    feedback = scenario.submit()
    expect(feedback).to_contain_text("✘ Not quite")
    expect(feedback).to_contain_text("narrows the conversation too early")
