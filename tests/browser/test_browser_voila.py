"""Presenting: Voila shows a notebook's results without its code, and its widgets respond to clicks."""

from __future__ import annotations

from playwright.sync_api import expect


def test_welcome_notebook_renders_without_code(voila, page):
    page.goto(voila.render_url("notebooks/00_welcome.ipynb"))
    body = page.locator("body")
    expect(body).to_contain_text("Resolved at first contact: 70%", timeout=60_000)
    expect(page.locator("h1", has_text="Welcome to Frontline")).to_have_count(1)
    # outputs are there, the code that made them is not
    expect(page.locator(".jp-CodeCell")).not_to_have_count(0)
    expect(page.locator(".cm-editor, .jp-InputArea-editor")).to_have_count(0)
    assert "load_tickets" not in body.inner_text()
