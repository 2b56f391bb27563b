"""Trainee: `frontline lab` serves JupyterLab, and the lesson notebooks run and respond in it."""

from __future__ import annotations

from lab_page import notebook, open_notebook, run_all_cells
from playwright.sync_api import expect


def test_welcome_notebook_runs_in_jupyterlab(lab, lab_page):
    open_notebook(lab_page, lab, "notebooks/00_welcome.ipynb")
    nb = notebook(lab_page)
    expect(nb.locator(".jp-MarkdownCell h1").first).to_contain_text("Welcome to Frontline")
    # no news pop-up and no trainer panels in the trainee's lab
    expect(lab_page.locator(".jp-Notification-Toast")).to_have_count(0)

    state = run_all_cells(lab_page)

    assert state["total"] >= 3
    outputs = nb.locator(".jp-OutputArea-output")
    expect(outputs.filter(has_text="Frontline 0.1.0 is ready.")).to_have_count(1)
    expect(outputs.filter(has_text="Resolved at first contact: 70%")).to_have_count(1)
    # the pandas table renders as an HTML table with the columns asked for
    expect(nb.locator(".jp-OutputArea-output table th", has_text="contacts_to_resolve")).to_have_count(1)
