"""Service measures and money sums used by more than one lesson (and checked by unit tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd


def _clean(scores: Sequence[float] | pd.Series) -> np.ndarray:
    values = pd.Series(scores, dtype="Float64").dropna().to_numpy(dtype=float)
    if values.size == 0:
        raise ValueError("no scores to summarise (all are missing)")
    return values


def csat(scores: Sequence[float] | pd.Series) -> float:
    """Customer satisfaction: share of answers that are 4 or 5 on a 1-5 scale (missing answers ignored)."""
    return float((_clean(scores) >= 4).mean())


def nps(scores: Sequence[float] | pd.Series) -> float:
    """Net Promoter Score: % of 9-10 minus % of 0-6 on a 0-10 scale, from -100 to 100."""
    values = _clean(scores)
    return float(100 * ((values >= 9).mean() - (values <= 6).mean()))


def bootstrap_interval(scores: Sequence[float] | pd.Series, statistic: Callable[[np.ndarray], float],
                       resamples: int = 2000, level: float = 0.95, seed: int = 2007) -> tuple[float, float]:
    """A percentile bootstrap interval for ``statistic`` of the scores (fixed seed: the same every run)."""
    values = _clean(scores)
    rng = np.random.default_rng(seed)
    draws = rng.choice(values, size=(resamples, values.size), replace=True)
    stats = np.array([statistic(row) for row in draws])
    tail = (1 - level) / 2
    return float(np.quantile(stats, tail)), float(np.quantile(stats, 1 - tail))


def lifetime_value(monthly_margin, monthly_retention: float, monthly_discount_rate: float):
    """A customer's lifetime value: this month's margin plus, for every later month, the margin times the chance
    the customer is still there, discounted to today, with no end date. The sum
    m + m·r/(1 + d) + m·r²/(1 + d)² + ... adds up to m × (1 + d) ÷ (1 + d − r).

    The one lifetime-value formula of the kit (lesson 7, its calculator and its graded exercise). A deliberately
    simple model: margin, retention and discount rate stay the same every month. ``monthly_margin`` may be a
    number or a column of numbers (a pandas Series or numpy array); the rates are fractions (0.97, not 97).
    """
    if not 0 <= monthly_retention < 1:
        raise ValueError(f"the monthly retention is a fraction from 0 up to (not including) 1, such as 0.97 for "
                         f"97%; got {monthly_retention}")
    if not 0 <= monthly_discount_rate < 1:
        raise ValueError(f"the monthly discount rate is a fraction from 0 up to (not including) 1, such as 0.01 "
                         f"for 1%; got {monthly_discount_rate}")
    return monthly_margin * (1 + monthly_discount_rate) / (1 + monthly_discount_rate - monthly_retention)
