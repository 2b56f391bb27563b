"""The self-checks of each exercise: which variable holds the answer, its properties, and a hint.

Digests of the expected answers are in ``digests.json`` (refresh with ``frontline grade digests``).
Property checks name what is wrong without giving the value away.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from frontline.selfcheck import Question

KINDS = {"open", "probing", "closed", "summary"}
DECISIONS = {"approve", "escalate", "refuse"}

# Inputs on which function answers are called; they are deliberately not the hidden tests' inputs.
CLASSIFY_EXAMPLES = [("Describe the noise the router makes.",), ("Did the engineer visit?",),
                     ("Which store did you buy it from?",), ("Can you tell me what the letter said?",),
                     ("Have I got that right?",), ("  is the light green? ",)]
DECIDE_EXAMPLES = [(20, 3), (75, 10), (75, 10, True), (120, 10, True), (40, 120), (40, 5, False, True), (800, 1),
                   (100, 90, True), (50.5, 0)]
CLV_EXAMPLES = [(40.0, 0.5, 0.9, 0.01), (100.0, 0.3, 0.95, 0.0), (10.0, 1.0, 0.0, 0.02)]


def _is_sorted_desc(values) -> bool:
    return all(a >= b for a, b in pairwise(list(values)))


def diagnosis() -> list[Question]:
    return [
        Question("diagnosis", "classify_question", "classify_question",
                 "strip polite openers ('could you', 'please') before looking for Tell/Explain/Describe.",
                 [("it should be a function", callable)], call_with=CLASSIFY_EXAMPLES),
        Question("diagnosis", "funnel_counts", "funnel_counts",
                 "classify every line of representative_questions.csv, then count each kind.",
                 [("it should be a dict", lambda v: isinstance(v, dict)),
                  ("its keys should be kinds of question (open, probing, closed, summary)", lambda v: set(v) <= KINDS),
                  ("the counts should add up to the number of lines in representative_questions.csv",
                   lambda v: sum(v.values()) == 166)]),
        Question("diagnosis", "fcr_by_summary", "fcr_by_summary",
                 "decide per call (not per line) whether the agent summarised, then join the calls to the tickets.",
                 [("it should be indexed by True/False (summarised or not)", lambda v: set(v.index) == {True, False}),
                  ("rates should be fractions between 0 and 1", lambda v: all(0 <= x <= 1 for x in v))]),
    ]


def problem_solving() -> list[Question]:
    return [
        Question("problem_solving", "pareto", "pareto",
                 "sort by count, largest first; shares are fractions of all tickets.",
                 [("it should have columns count, share and cumulative_share",
                   lambda v: list(v.columns) == ["count", "share", "cumulative_share"]),
                  ("the counts should be sorted largest first", lambda v: _is_sorted_desc(v["count"])),
                  ("the last cumulative share should be 1",
                   lambda v: abs(float(v["cumulative_share"].iloc[-1]) - 1) < 1e-9)]),
        Question("problem_solving", "vital_few", "vital_few",
                 "include the cause whose cumulative share first reaches 80%.",
                 [("it should be a list of root-cause names",
                   lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v))]),
        Question("problem_solving", "repeat_rate", "repeat_rate",
                 "a repeat contact means two or more contacts to resolve.",
                 [("rates should be fractions between 0 and 1", lambda v: all(0 <= x <= 1 for x in v)),
                  ("it should be sorted highest first", lambda v: _is_sorted_desc(v.values))]),
        Question("problem_solving", "median_handle", "median_handle", "the question asks for medians.",
                 [("it should be a dict with keys 'first_contact' and 'repeat'",
                   lambda v: isinstance(v, dict) and set(v) == {"first_contact", "repeat"})]),
    ]


def empowerment() -> list[Question]:
    return [
        Question("empowerment", "decide", "decide", "read the policy's limits carefully: 'up to and including'.",
                 [("it should be a function", callable)], call_with=DECIDE_EXAMPLES),
        Question("empowerment", "decision_counts", "decision_counts",
                 "a repeat failure means three or more contacts to resolve.",
                 [("its keys should be decisions", lambda v: isinstance(v, dict) and set(v) <= DECISIONS),
                  ("the counts should add up to the tickets with compensation", lambda v: sum(v.values()) == 516)]),
        Question("empowerment", "frontline_cost", "frontline_cost", "add up only the approved amounts.",
                 [("it should be a number", lambda v: isinstance(v, int | float))]),
    ]


def retention_measurement() -> list[Question]:
    return [
        Question("retention_measurement", "clv", "clv", "use the margin, not the revenue.",
                 [("it should be a function", callable)], call_with=CLV_EXAMPLES),
        Question("retention_measurement", "median_clv_by_segment", "median_clv_by_segment",
                 "the question asks for the median of each segment.",
                 [("it should have one value per segment", lambda v: len(v) == 3)]),
        Question("retention_measurement", "silent_and_total", "silent_and_total",
                 "26 silent customers for every one who complains: count the complainer too in the total.",
                 [("it should be a function", callable)], call_with=[(1,), (10,), (0,)]),
        Question("retention_measurement", "survey_nps", "survey_nps", "detractors score 0 to 6; promoters 9 or 10.",
                 [("NPS lies between -100 and 100", lambda v: -100 <= float(v) <= 100)]),
        Question("retention_measurement", "nps_interval", "nps_interval", "resample responders with replacement.",
                 [("it should be a (low, high) pair with low < high",
                   lambda v: len(v) == 2 and float(v[0]) < float(v[1]))]),
        Question("retention_measurement", "response_rate_by_csat", "response_rate_by_csat",
                 "join each invitation to its ticket's CSAT; skip tickets without one.",
                 [("it should have one rate per CSAT score 1 to 5",
                   lambda v: sorted(int(i) for i in v.index) == [1, 2, 3, 4, 5])]),
    ]


def capstone() -> list[Question]:
    keys = {"fcr_rate", "csat_top2_share", "median_wait_phone", "churn_rate_repeat"}
    return [
        Question("capstone", "baseline", "baseline", "shares are fractions; the phone wait is a median.",
                 [(f"it should be a dict with keys {', '.join(sorted(keys))}",
                   lambda v: isinstance(v, dict) and set(v) == keys)]),
    ]


EXERCISES: dict[str, Callable[[], list[Question]]] = {
    "diagnosis": diagnosis,
    "problem_solving": problem_solving,
    "empowerment": empowerment,
    "retention_measurement": retention_measurement,
    "capstone": capstone,
}
