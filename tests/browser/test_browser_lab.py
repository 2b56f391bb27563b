"""Trainee: `frontline lab` serves JupyterLab on the welcome notebook, without pop-ups or trainer tools."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_lab_opens_on_the_welcome_notebook_with_the_assignments_menu_only(lab, lab_page):
    printed = re.search(r"open this address in a browser: (\S+)", lab.log.read_text(), re.IGNORECASE)
    assert printed, "frontline lab printed no address to open"
    lab_page.goto(printed.group(1))
    expect(lab_page.locator(".jp-NotebookPanel-toolbar")).to_be_visible(timeout=60_000)
    expect(lab_page.get_by_role("tab", name="00_welcome.ipynb")).to_have_attribute("aria-selected", "true")
    expect(lab_page.locator(".jp-MarkdownCell h1").first).to_contain_text("Welcome")
    expect(lab_page.locator(".jp-StatusBar-Widget")).to_contain_text("| Idle", timeout=60_000)
    # no news/update pop-up asking for consent
    expect(lab_page.locator(".jp-Notification-Toast, .jp-toast-message")).to_have_count(0)

    lab_page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    menu = lab_page.locator(".lm-Menu").last
    expect(menu.get_by_role("menuitem", name="Assignment List")).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Formgrader")).to_have_count(0)
