"""Self-checks: digests are stable across types, a right answer passes, plausible wrong ones fail without the
answer being printed, and a check never raises."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from frontline import selfcheck
from frontline.selfcheck import canonical, digest
from frontline.selfcheck.build import compute_digests, run_source_notebook

REPO = Path(__file__).resolve().parents[1]


def test_canonical_treats_numpy_pandas_and_python_alike():
    assert canonical(np.float64(1.23456)) == canonical(1.2346) == 1.235
    assert canonical(pd.Series({"a": 1, "b": 2})) == canonical({"b": np.int64(2), "a": 1})
    assert canonical((1, 2)) == canonical([1, 2])
    assert canonical(-0.0001) == 0.0


def test_digest_is_salted_by_question():
    assert digest("a.q1", 42) != digest("a.q2", 42)
    assert digest("a.q1", 42.0001) == digest("a.q1", 42)


@pytest.fixture(scope="module")
def problem_solving_namespace():
    return run_source_notebook(REPO / "exercises" / "problem_solving" / "problem_solving.ipynb")


def test_right_answer_passes(problem_solving_namespace):
    passed, message = selfcheck.exercise("problem_solving").median_handle.evaluate(problem_solving_namespace)
    assert passed and message.startswith("✔")


def test_mean_instead_of_median_fails_without_revealing_the_value(problem_solving_namespace):
    tickets = problem_solving_namespace["tickets"]
    right = problem_solving_namespace["median_handle"]
    wrong = {"first_contact": float(tickets.loc[tickets["contacts_to_resolve"] == 1, "handle_minutes"].mean()),
             "repeat": float(tickets.loc[tickets["contacts_to_resolve"] >= 2, "handle_minutes"].mean())}
    passed, message = selfcheck.exercise("problem_solving").median_handle.evaluate({"median_handle": wrong})
    assert not passed and message.startswith("✘")
    assert f"{right['first_contact']:g}" not in message and f"{right['repeat']:g}" not in message


def test_reversed_sort_fails_on_a_property(problem_solving_namespace):
    reversed_pareto = problem_solving_namespace["pareto"].iloc[::-1]
    passed, message = selfcheck.exercise("problem_solving").pareto.evaluate({"pareto": reversed_pareto})
    assert not passed and "sorted largest first" in message


def test_off_by_one_threshold_in_a_function_fails(problem_solving_namespace):
    def strict_decide(amount, days, repeat_failure=False, safety_issue=False):
        if safety_issue:
            return "escalate"
        if days > 90:
            return "refuse"
        limit = 100 if repeat_failure else 50
        return "approve" if amount < limit else ("escalate" if amount <= 500 else "refuse")  # < instead of <=

    passed, _ = selfcheck.exercise("empowerment").decide.evaluate({"decide": strict_decide})
    assert not passed


def test_missing_variable_and_crashing_answer_never_raise(capsys):
    check = selfcheck.exercise("empowerment").decide
    assert check.check({}) is False
    assert "not defined yet" in capsys.readouterr().out

    class Exploding:
        def __call__(self, *args):
            raise RuntimeError("boom")

    passed, message = check.evaluate({"decide": Exploding()})
    assert not passed and message.startswith("✘")


def test_check_reads_the_callers_globals(capsys):
    globals()["median_handle"] = {"first_contact": 1.0}
    try:
        assert selfcheck.exercise("problem_solving").median_handle.check() is False
        assert "with keys 'first_contact' and 'repeat'" in capsys.readouterr().out  # found, then judged
    finally:
        del globals()["median_handle"]


def test_unknown_names_are_reported():
    with pytest.raises(KeyError, match="known: capstone"):
        selfcheck.exercise("nope")
    with pytest.raises(AttributeError, match="has no self-check"):
        selfcheck.exercise("capstone").nope  # noqa: B018


def test_stored_digests_match_the_source_notebooks():
    """The digests shipped with the package are those of the current source notebooks and data."""
    import json

    stored = json.loads(selfcheck.DIGESTS_FILE.read_text(encoding="utf-8"))
    assert stored == compute_digests(REPO / "exercises")
