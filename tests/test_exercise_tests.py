"""The exercises' own test cells (visible and hidden) tell a right answer from a plausible wrong one.

Each source notebook runs once in-process; then one answer at a time is swapped for a plausible mistake (a mean
where a median was asked, an off-by-one threshold, a reversed sort...) and that question's test cell must fail,
while it passes on the right answer.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from frontline.selfcheck.build import run_source_notebook

REPO = Path(__file__).resolve().parents[1]


@cache
def namespace(assignment: str) -> dict:
    return run_source_notebook(REPO / "exercises" / assignment / f"{assignment}.ipynb")


def test_source(assignment: str, grade_id: str) -> str:
    notebook = nbformat.read(REPO / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    return next(c.source for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


test_source.__test__ = False  # a helper, not a test


def run_test_cell(assignment: str, grade_id: str, **answers) -> None:
    ns = dict(namespace(assignment))
    ns.update(answers)
    exec(compile(test_source(assignment, grade_id), grade_id, "exec"), ns)


def _mistakes():
    """(assignment, test cell, description, function building the wrong answers from the right namespace)"""

    def tickets(ns):
        return ns["tickets"]

    def means_not_medians(ns):
        t = tickets(ns)
        return {"median_handle": {"first_contact": float(t.loc[t.contacts_to_resolve == 1, "handle_minutes"].mean()),
                                  "repeat": float(t.loc[t.contacts_to_resolve >= 2, "handle_minutes"].mean())}}

    def strict_decide(amount, days, repeat_failure=False, safety_issue=False):
        if amount < 0 or days < 0:
            raise ValueError
        if safety_issue:
            return "escalate"
        if days > 90:
            return "refuse"
        limit = 100 if repeat_failure else 50
        return "approve" if amount < limit else "escalate" if amount <= 500 else "refuse"

    def repeat_over_three(ns):
        paid = tickets(ns)[tickets(ns).compensation > 0]
        decisions = [ns["decide"](a, 0, repeat_failure=c > 3) for a, c in zip(paid.compensation,
                                                                              paid.contacts_to_resolve, strict=True)]
        return {"decision_counts": pd.Series(decisions).value_counts().to_dict()}

    def nps_seven_is_detractor(ns):
        s = ns["surveys"].loc[ns["surveys"].responded, "nps"].dropna().astype(int)
        return {"survey_nps": float(100 * ((s >= 9).mean() - (s <= 7).mean()))}

    def mean_clv(ns):
        c = ns["customers"]
        values = ns["clv"](c.monthly_revenue, c.gross_margin, 0.97, 0.01)
        return {"median_clv_by_segment": values.groupby(c.segment.astype(str)).mean()}

    def per_line_fcr(ns):
        q = ns["questions"].assign(s=ns["questions"].call_id.isin(
            ns["questions"].loc[ns["questions"].text.str.contains("right"), "call_id"]))
        joined = q.merge(tickets(ns)[["ticket_id", "first_contact_resolution"]], on="ticket_id")
        return {"fcr_by_summary": joined.groupby("s")["first_contact_resolution"].mean()}

    def no_polite_openers(text):
        t = text.strip().lower()
        if t.startswith(("so, to check", "let me summarise")) or "have i got that right" in t:
            return "summary"
        if t.startswith(("tell", "explain", "describe", "walk me through")):
            return "open"
        if t.split()[0] in {"is", "are", "was", "were", "do", "does", "did", "can", "could", "have", "has", "will",
                            "would", "should"}:
            return "closed"
        return "probing"

    return [
        ("problem_solving", "test_median_handle", "mean instead of median", means_not_medians),
        ("problem_solving", "test_pareto", "reversed sort", lambda ns: {"pareto": ns["pareto"].iloc[::-1]}),
        ("problem_solving", "test_vital_few", "stops below 80% (off by one)",
         lambda ns: {"vital_few": ns["vital_few"][:-1]}),
        ("problem_solving", "test_repeat_rate", "repeat means more than two contacts",
         lambda ns: {"repeat_rate": (tickets(ns).contacts_to_resolve > 2).groupby(
             tickets(ns).root_cause.astype(str)).mean().sort_values(ascending=False)}),
        ("empowerment", "test_decide", "limit 50 excluded (off by one)", lambda ns: {"decide": strict_decide}),
        ("empowerment", "test_policy_on_tickets", "repeat failure means more than three contacts", repeat_over_three),
        ("retention_measurement", "test_nps", "7 counted as a detractor", nps_seven_is_detractor),
        ("retention_measurement", "test_clv", "revenue instead of margin",
         lambda ns: {"clv": lambda rev, gm, r, d: rev * (1 + d) / (1 + d - r) if 0 <= r < 1 else 1 / 0}),
        ("retention_measurement", "test_median_clv_by_segment", "mean instead of median", mean_clv),
        ("retention_measurement", "test_silent_and_total", "total leaves out the complainers",
         lambda ns: {"silent_and_total": lambda n: (26 * n, 26 * n)}),
        ("diagnosis", "test_classify_question", "polite openers not stripped",
         lambda ns: {"classify_question": no_polite_openers}),
        ("diagnosis", "test_fcr_by_summary", "each question counted instead of each call", per_line_fcr),
        ("capstone", "test_baseline", "mean phone wait instead of median",
         lambda ns: {"baseline": {**ns["baseline"], "median_wait_phone": float(
             tickets(ns).loc[tickets(ns).channel == "phone", "wait_minutes"].mean())}}),
    ]


MISTAKES = _mistakes()


@pytest.mark.parametrize("assignment, grade_id", sorted({(a, g) for a, g, _, _ in MISTAKES}))
def test_right_answers_pass(assignment, grade_id):
    run_test_cell(assignment, grade_id)


@pytest.mark.parametrize("assignment, grade_id, mistake, wrong", MISTAKES, ids=[m[2] for m in MISTAKES])
def test_plausible_mistakes_fail(assignment, grade_id, mistake, wrong):
    answers = wrong(namespace(assignment))
    with pytest.raises((AssertionError, ZeroDivisionError)):
        run_test_cell(assignment, grade_id, **answers)


def test_the_bootstrap_interval_is_reproducible():
    first = namespace("retention_measurement")["nps_interval"]
    rerun = run_source_notebook(REPO / "exercises" / "retention_measurement" / "retention_measurement.ipynb")
    assert first == rerun["nps_interval"] and np.isfinite(first).all()
