"""The arithmetic behind the what-if calculators, kept apart from widgets so it can be tested and reused.

* ``lifetime_value``: the value of a customer who brings ``margin`` each month, stays each month with probability
  ``retention`` and whose future is discounted at ``discount`` per month: CLV = m x (1 + d) / (1 + d - r), i.e.
  this month's margin plus the discounted expected margins of the months the customer stays. It is
  :func:`frontline.lessons.measures.lifetime_value`, the formula of lesson 7 and of the ``retention_measurement``
  exercise (same symbols, same monthly periods).
* ``complaint_iceberg``: from complaints that reach the organisation to the customers who had a problem, using
  TARP's figure (John Goodman) that for every customer who complains (to head office, about a small-ticket
  problem) about 26 stay silent; *caveat*: many of the "silent" did complain to the front line, where it was
  never logged, so the share who told someone is an assumption the trainee sets. Second chances follow TARP's
  loyalty tables with their caveat: the high rates (about 70% here) apply to complainers whose problem was
  resolved; unresolved complainers still come back more often than the silent, at a rate the kit assumes.
* ``staffing_wait``: Erlang C for a queue of calls: the chance a caller waits, the average wait, and the share
  answered within a target time, for a given number of representatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from frontline.lessons.measures import lifetime_value as lifetime_value_of_margin


@dataclass(frozen=True)
class Model:
    name: str
    parameters: tuple[str, ...]
    outputs: tuple[str, ...]
    compute: Callable[..., dict[str, float]]


def clv(margin: float, retention: float, discount: float) -> float:
    """m x (1 + d) / (1 + d - r) per month: the kit's one lifetime-value formula, from the lesson measures."""
    return float(lifetime_value_of_margin(margin, retention, discount))


def lifetime_value(margin: float, retention: float, discount: float) -> dict[str, float]:
    base = clv(margin, retention, discount)
    better = clv(margin, min(retention + 0.05, 0.995), discount)
    return {
        "clv": base,
        "expected_years": 1 / (1 - retention),
        "clv_plus_5_points": better,
        "gain_from_5_points": (better - base) / base,
    }


def complaint_iceberg(complaints: float, silent_per_complainer: float, told_front_line_share: float,
                      resolved_share: float = 0.6, second_chance_resolved: float = 0.7,
                      second_chance_unresolved: float = 0.3, second_chance_silent: float = 0.2) -> dict[str, float]:
    silent = complaints * silent_per_complainer
    told_front_line = silent * told_front_line_share
    unhappy = complaints + silent
    complainers_staying = complaints * (resolved_share * second_chance_resolved
                                        + (1 - resolved_share) * second_chance_unresolved)
    return {
        "unhappy_customers": unhappy,
        "silent": silent,
        "told_front_line": told_front_line,
        "said_nothing": silent - told_front_line,
        "expected_to_stay": complainers_staying + silent * second_chance_silent,
    }


def erlang_c(calls_per_hour: float, handle_minutes: float, agents: int) -> float:
    """Probability that a caller has to wait (Erlang C); 1.0 when the team cannot keep up."""
    load = calls_per_hour * handle_minutes / 60  # offered traffic in Erlangs
    if agents <= load:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, agents):
        term *= load / k
        total += term
    top = term * load / agents * agents / (agents - load)
    return top / (total + top)


def staffing_wait(calls_per_hour: float, handle_minutes: float, agents: float, target_seconds: float = 20,
                  target_level: float = 0.8) -> dict[str, float]:
    agents = round(agents)
    load = calls_per_hour * handle_minutes / 60

    def level(n: int) -> float:
        if n <= load:
            return 0.0
        wait = erlang_c(calls_per_hour, handle_minutes, n)
        return 1 - wait * math.exp(-(n - load) * target_seconds / (handle_minutes * 60))

    wait_probability = erlang_c(calls_per_hour, handle_minutes, agents)
    asa = math.inf if agents <= load else wait_probability * handle_minutes * 60 / (agents - load)
    needed = max(1, math.floor(load) + 1)
    while level(needed) < target_level and needed < 10_000:
        needed += 1
    return {
        "wait_probability": wait_probability,
        "average_wait_seconds": asa,
        "service_level": level(agents),
        "occupancy": min(1.0, load / agents) if agents else 1.0,
        "agents_needed": float(needed),
        "load_erlangs": load,
    }


MODELS: dict[str, Model] = {
    "lifetime_value": Model("lifetime_value", ("margin", "retention", "discount"),
                            ("clv", "expected_years", "clv_plus_5_points", "gain_from_5_points"), lifetime_value),
    "complaint_iceberg": Model("complaint_iceberg", ("complaints", "silent_per_complainer", "told_front_line_share",
                                                     "resolved_share", "second_chance_resolved",
                                                     "second_chance_unresolved", "second_chance_silent"),
                               ("unhappy_customers", "silent", "told_front_line", "said_nothing",
                                "expected_to_stay"), complaint_iceberg),
    "staffing_wait": Model("staffing_wait", ("calls_per_hour", "handle_minutes", "agents", "target_seconds",
                                             "target_level"),
                           ("wait_probability", "average_wait_seconds", "service_level", "occupancy",
                            "agents_needed", "load_erlangs"), staffing_wait),
}
