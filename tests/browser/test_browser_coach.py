"""Trainee: the reply coach under a written reply, in JupyterLab: save, check, read the checklist; keyboard only for
the pasted-text fallback."""

from __future__ import annotations

import re

import nbformat
from lab_page import notebook, open_notebook, run_all_cells
from playwright.sync_api import expect

REPLY = ("I'm sorry your parcel was held at the depot. I have corrected the address and I will call you by 10am "
         "tomorrow. Thank you for telling us.")


def _exercise(folder) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    answer = nbformat.v4.new_markdown_cell("YOUR ANSWER HERE")
    answer.metadata["nbgrader"] = {"grade": True, "grade_id": "reply-parcel", "points": 6, "solution": True,
                                   "locked": False, "schema_version": 3}
    nb.cells = [nbformat.v4.new_markdown_cell("# Reply to Ms Patel"), answer,
                nbformat.v4.new_code_cell("import frontline\nfrontline.reply_coach('reply-parcel')")]
    nbformat.write(nb, folder / "coach_check.ipynb")
    return "coach_check.ipynb"


def test_trainee_saves_a_reply_and_reads_the_checklist(lab, lab_page):
    page = lab_page
    open_notebook(page, lab, _exercise(lab.workspace))
    run_all_cells(page)
    area = notebook(page)
    check = area.get_by_role("button", name=re.compile(r"Check my saved reply"))
    expect(check).to_be_visible(timeout=60_000)
    status = area.get_by_role("status")

    check.click()  # nothing written yet
    expect(status).to_contain_text("has no reply yet")

    answer = area.locator(".jp-MarkdownCell").nth(1)
    answer.dblclick()
    editor = answer.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(REPLY)
    page.keyboard.press("Control+s")
    expect(page.locator(".jp-mod-dirty")).to_have_count(0)

    check.click()
    expect(status).to_contain_text("checklist, not a grade")
    expect(status).to_contain_text("✔ Seen: A specific apology")
    expect(status).to_contain_text("“by 10am tomorrow”")
    expect(status).to_contain_text("✔ None seen: No blame or deflection")

    # the fallback text box, with the keyboard only
    area.get_by_role("button", name=re.compile(r"Paste my reply instead")).focus()
    page.keyboard.press("Enter")
    box = area.get_by_label("Your reply:")
    expect(box).to_be_visible()
    box.focus()
    page.keyboard.type("Not my department. We'll get back to you soon.")
    page.keyboard.press("Tab")
    expect(area.get_by_role("button", name=re.compile(r"Check this text"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(status).to_contain_text("⚠ Check this: No blame or deflection")
    expect(status).to_contain_text("◐ Partly seen: A next step with a time")
    expect(status).to_contain_text("Not counted: “soon”")
