"""Trainer: nbgrader's formgrader lists the kit's assignments and shows each written answer's rubric as its mark
scheme, on submissions graded by `frontline grade`."""

from __future__ import annotations

from lab_page import log_in
from playwright.sync_api import expect
from servers import REPO

from frontline.grading.rubrics import load_rubrics

ASSIGNMENTS = sorted(p.name for p in (REPO / "exercises").iterdir() if (p / f"{p.name}.ipynb").exists())


def test_formgrader_lists_the_kits_assignments(formgrader, page):
    log_in(page, formgrader)
    page.goto(f"{formgrader.base}/formgrader/manage_assignments")
    rows = page.locator("table tbody tr")
    for assignment in ASSIGNMENTS:
        expect(rows.filter(has_text=assignment).first).to_be_visible()
    # the graded class shows up against its assignment
    expect(rows.filter(has_text="diagnosis").first).to_contain_text("2")


def test_rubric_shows_as_the_mark_scheme_of_each_written_answer(formgrader, page):
    log_in(page, formgrader)
    page.goto(f"{formgrader.base}/formgrader/manage_students/full/diagnosis")
    page.locator("a[href*='/formgrader/submissions/']").first.click()
    expect(page.locator("body")).to_contain_text("Submission", timeout=60_000)
    rubrics = load_rubrics(REPO / "grading" / "rubrics", "diagnosis")
    assert rubrics, "the diagnosis exercise has no rubrics"
    for rubric in rubrics.values():
        heading = page.get_by_role("heading", name=f"📋 Mark scheme: {rubric.title}")
        expect(heading).to_be_visible()
        scheme = heading.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' cell ')][1]")
        expect(scheme).to_contain_text(rubric.criteria[0].criterion)
        expect(scheme).to_contain_text(rubric.comments[0])
    # the trainer grades the written answer in the box nbgrader puts above the scheme
    expect(page.locator("input.score").first).to_be_visible()
