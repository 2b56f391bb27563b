"""Graded exercises' self-checks: digests are stable across types; in every exercise the model answer passes and
common wrong answers fail without the answer being shown; a check never raises."""

from __future__ import annotations

from dataclasses import astuple
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
    passed, message = astuple(selfcheck.exercise("problem_solving").median_handle.evaluate(problem_solving_namespace))
    assert passed and message.startswith("✔")


def test_mean_instead_of_median_fails_without_revealing_the_value(problem_solving_namespace):
    tickets = problem_solving_namespace["tickets"]
    right = problem_solving_namespace["median_handle"]
    wrong = {"first_contact": float(tickets.loc[tickets["contacts_to_resolve"] == 1, "handle_minutes"].mean()),
             "repeat": float(tickets.loc[tickets["contacts_to_resolve"] >= 2, "handle_minutes"].mean())}
    passed, message = astuple(selfcheck.exercise("problem_solving").median_handle.evaluate({"median_handle": wrong}))
    assert not passed and message.startswith("✘")
    assert f"{right['first_contact']:g}" not in message and f"{right['repeat']:g}" not in message


def test_reversed_sort_fails_on_a_property(problem_solving_namespace):
    reversed_pareto = problem_solving_namespace["pareto"].iloc[::-1]
    passed, message = astuple(selfcheck.exercise("problem_solving").pareto.evaluate({"pareto": reversed_pareto}))
    assert not passed and "sorted largest first" in message


def test_off_by_one_threshold_in_a_function_fails(problem_solving_namespace):
    def strict_decide(amount, days, repeat_failure=False, safety_issue=False):
        if safety_issue:
            return "escalate"
        if days > 90:
            return "refuse"
        limit = 100 if repeat_failure else 50
        return "approve" if amount < limit else ("escalate" if amount <= 500 else "refuse")  # < instead of <=

    assert not selfcheck.exercise("empowerment").decide.evaluate({"decide": strict_decide}).passed


def test_missing_variable_and_crashing_answer_never_raise(capsys):
    check = selfcheck.exercise("empowerment").decide
    check.check({})
    assert "your answer is not there yet" in capsys.readouterr().out

    class Exploding:
        def __call__(self, *args):
            raise RuntimeError("boom")

    passed, message = astuple(check.evaluate({"decide": Exploding()}))
    assert not passed and message.startswith("✘")


def test_check_reads_the_callers_globals(capsys):
    globals()["median_handle"] = {"first_contact": 1.0}
    try:
        selfcheck.exercise("problem_solving").median_handle.check()
        assert "with keys 'first_contact' and 'repeat'" in capsys.readouterr().out  # found, then judged
    finally:
        del globals()["median_handle"]


def test_unknown_names_are_reported(capsys):
    with pytest.warns(RuntimeWarning, match="self-checks of 'nope' are not available"):
        missing = selfcheck.exercise("nope")
    missing.anything.check()
    assert "this self-check is not available" in capsys.readouterr().out
    with pytest.raises(AttributeError, match="has no self-check"):
        selfcheck.exercise("capstone").nope  # noqa: B018


def test_stored_digests_match_the_source_notebooks():
    """The digests shipped with the package are those of the current source notebooks and data."""
    import json

    stored = json.loads(selfcheck.DIGESTS_FILE.read_text(encoding="utf-8"))
    assert stored == compute_digests(REPO / "exercises")


# --- every exercise: the model answer passes, common slips fail -------------------------------------------------

EXERCISES = sorted(p.name for p in (REPO / "exercises").iterdir() if (p / f"{p.name}.ipynb").is_file()
                   and (REPO / "data" / "questions" / f"{p.name}.yaml").is_file())


@pytest.fixture(scope="module")
def source_namespaces():
    return {name: run_source_notebook(REPO / "exercises" / name / f"{name}.ipynb") for name in EXERCISES}


def slipped(value):
    """The model answer with a typical slip: a number off, a label changed, a row order reversed, an item lost."""
    if callable(value):
        return lambda *args, **kwargs: slipped(value(*args, **kwargs))
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float | np.number):
        return value * 1.1 + 1
    if isinstance(value, str):
        return value + " (other)"
    if isinstance(value, pd.DataFrame):
        return value.iloc[::-1]
    if isinstance(value, pd.Series):
        return value * 1.1 + 0.01
    if isinstance(value, dict):
        first = next(iter(value))
        return {**value, first: slipped(value[first])}
    if isinstance(value, list):
        return value[:-1] if len(value) > 1 else [*value, "other"]
    if isinstance(value, tuple):
        return tuple(slipped(v) for v in value)
    raise AssertionError(f"no slip for {type(value).__name__}")


@pytest.mark.parametrize("name", EXERCISES)
def test_each_exercise_self_check_passes_the_model_answer_and_fails_slips(name, source_namespaces):
    namespace = source_namespaces[name]
    exercise = selfcheck.exercise(name)
    assert exercise.checks, f"{name} has no self-checks"
    for check in exercise.checks:
        verdict = check.evaluate(namespace)
        assert verdict.passed and verdict.message.startswith("✔"), (check.id, verdict.message)
        model = namespace[check.answer_name]
        wrong = check.evaluate({check.answer_name: slipped(model)})
        assert not wrong.passed and wrong.message.startswith("✘"), check.id
        if isinstance(model, int | float) and not isinstance(model, bool):
            assert f"{model:.3f}" not in wrong.message and f"{model:g}" not in wrong.message


def test_a_self_check_keeps_its_answer_out_of_sight():
    stored = selfcheck.stored_digests()
    for name in EXERCISES:
        for check in selfcheck.exercise(name).checks:
            public = [repr(check)] + [repr(getattr(check, a)) for a in dir(check)
                                      if not a.startswith("_") and not callable(getattr(check, a))]
            assert not any(stored[check.id]["digest"] in text for text in public), check.id
            check.solution()  # graded work: no worked solution is ever shown


def test_a_graded_self_check_never_shows_a_solution(capsys):
    check = selfcheck.exercise("diagnosis").funnel_counts
    check.check({"funnel_counts": {"open": 1}})
    check.solution()
    out = capsys.readouterr().out
    assert "There is no worked solution here" in out and "Solution:" not in out


# --- known mistakes: recognised by a property of the answer, each with its own explanation ----------------------

def classifier(strip=True, lower=True, openers=True, summary_first=True):
    """The exercise's question classifier, with one of its rules left out (as a trainee might)."""
    def classify(text):
        text = text.strip() if strip else text
        text = text.lower() if lower else text
        summary = text.startswith(("so, to check", "let me summarise")) or "have i got that right" in text.lower()
        if summary_first and summary:
            return "summary"
        rest = text
        for opener in ("could you ", "can you ", "would you ", "please "):
            if openers and rest.startswith(opener):
                rest = rest[len(opener):]
        if rest.startswith(("tell", "explain", "describe", "walk me through")):
            return "open"
        if rest.split(" ")[0] in {"is", "are", "was", "were", "do", "does", "did", "can", "could", "have", "has",
                                  "will", "would", "should"}:
            return "closed"
        return "summary" if summary else "probing"
    return classify


def decider(safety_first=True, limit_included=True, day_90_in_time=True):
    """The exercise's goodwill policy, with one rule slipped."""
    def decide(amount, days, repeat_failure=False, safety_issue=False):
        if amount < 0 or days < 0:
            raise ValueError("negative")
        if safety_first and safety_issue:
            return "escalate"
        if days > 90 or (days == 90 and not day_90_in_time):
            return "refuse"
        limit = 100 if repeat_failure else 50
        if amount < limit or (amount == limit and limit_included):
            return "approve"
        return "escalate" if amount <= 500 or safety_issue else "refuse"
    return decide


def percent(value):
    """Fractions typed as percentages."""
    if isinstance(value, pd.Series):
        return value * 100
    if isinstance(value, tuple):
        return tuple(v * 100 for v in value)
    return {k: v * 100 for k, v in value.items()}


def share_of_total(counts):
    counts = dict(counts)
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()}


def pareto_in_percent(pareto):
    return pareto.assign(share=pareto["share"] * 100, cumulative_share=pareto["cumulative_share"] * 100)


# (self-check, the mistake's test parameters) -> the trainee's slipped answer, built from the model answer
SLIPS = {
    ("capstone.baseline", "fcr_rate"): lambda m: {**m, "fcr_rate": m["fcr_rate"] * 100},
    ("capstone.baseline", "csat_top2_share"): lambda m: {**m, "csat_top2_share": m["csat_top2_share"] * 100},
    ("capstone.baseline", "churn_rate_repeat"): lambda m: {**m, "churn_rate_repeat": m["churn_rate_repeat"] * 100},
    ("diagnosis.classify_question", "Have I got that right?"): lambda m: classifier(summary_first=False),
    ("diagnosis.classify_question", "Could you walk me through the bill?"): lambda m: classifier(openers=False),
    ("diagnosis.classify_question", "DESCRIBE the noise, please."): lambda m: classifier(lower=False),
    ("diagnosis.classify_question", "   did the parcel arrive?"): lambda m: classifier(strip=False),
    ("diagnosis.funnel_counts", 1): share_of_total,
    ("diagnosis.fcr_by_summary", 1.5): percent,
    ("empowerment.decide", 10): lambda m: decider(safety_first=False),
    ("empowerment.decide", 50): lambda m: decider(limit_included=False),
    ("empowerment.decide", 30): lambda m: decider(day_90_in_time=False),
    ("empowerment.decision_counts", 1): share_of_total,
    ("empowerment.frontline_cost", -1.0e12): lambda m: -m,
    ("problem_solving.pareto", 100): pareto_in_percent,
    ("problem_solving.repeat_rate", 1.5): percent,
    ("retention_measurement.clv", 600): lambda m: lambda rev, gm, r, d: rev * (1 + d) / (1 + d - r),
    ("retention_measurement.clv", 300): lambda m: lambda rev, gm, r, d: rev * gm / (1 - r),
    ("retention_measurement.clv", 250): lambda m: lambda rev, gm, r, d: rev * gm / (1 + d - r),
    ("retention_measurement.clv", 225): lambda m: lambda rev, gm, r, d: rev * gm * r / (1 + d - r),
    ("retention_measurement.silent_and_total", (260, 260)): lambda m: lambda n: (26 * n, 26 * n),
    ("retention_measurement.silent_and_total", (10, 270)): lambda m: lambda n: (n, 27 * n),
    ("retention_measurement.nps_interval", -1): lambda m: (m[0] / 100, m[1] / 100),
    ("retention_measurement.response_rate_by_csat", 1.5): percent,
}


def slip_key(check_id, params):
    """What tells one mistake of a self-check from another in ``SLIPS``."""
    if "args" in params:
        args, value = params["args"], params["value"]
        return (check_id, args[0]) if isinstance(value, str) or check_id.endswith("decide") else (
            (check_id, tuple(value)) if isinstance(value, list) else (check_id, value))
    for name in ("key", "total", "value", "low"):
        if name in params:
            return check_id, params[name]
    raise AssertionError(f"no slip key for {check_id} {params}")


def known_mistakes():
    """(exercise, self-check, mistake) for every known mistake of every exercise."""
    return [(name, check.id.split(".", 1)[1], mistake) for name in EXERCISES
            for check in selfcheck.exercise(name).checks for mistake in check._spec.get("mistakes", [])]


def test_every_known_mistake_has_a_slip_to_test_it():
    keys = [slip_key(f"{name}.{check}", mistake.get("params", {})) for name, check, mistake in known_mistakes()]
    assert len(keys) == len(set(keys)) and set(keys) == set(SLIPS), set(keys) ^ set(SLIPS)


@pytest.mark.parametrize(("name", "check_name", "mistake"), known_mistakes(),
                         ids=lambda v: v if isinstance(v, str) else v.get("test"))
def test_each_known_mistake_is_recognised_and_explained(name, check_name, mistake, source_namespaces, capsys):
    check = getattr(selfcheck.exercise(name), check_name)
    model = source_namespaces[name][check.answer_name]
    wrong = SLIPS[slip_key(check.id, mistake.get("params", {}))](model)
    check.check({check.answer_name: wrong})
    said = capsys.readouterr().out.strip()
    assert said == f"✘ not yet: {mistake['feedback']}"
    assert not any(token in said for token in ("`", "()", "def ", "np.", "_")), said  # plain words only


def test_a_right_answer_is_never_taken_for_a_known_mistake(source_namespaces):
    for name, check_name, mistake in known_mistakes():
        check = getattr(selfcheck.exercise(name), check_name)
        assert check._known_mistake(source_namespaces[name][check.answer_name]) is None, (check.id, mistake)
