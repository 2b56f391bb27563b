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


def lifetime_value(monthly_margin: float, monthly_retention: float, annual_discount_rate: float = 0.10,
                   months: int = 60) -> float:
    """Expected margin from one customer over ``months``: each month's margin times the chance the customer is
    still there, discounted to today. A deliberately simple model: constant margin and retention."""
    if not 0 <= monthly_retention <= 1:
        raise ValueError(f"monthly_retention must be between 0 and 1, not {monthly_retention}")
    if months < 0:
        raise ValueError(f"months must not be negative, not {months}")
    monthly_discount = (1 + annual_discount_rate) ** (1 / 12)
    month = np.arange(months)
    return float(np.sum(monthly_margin * monthly_retention**month / monthly_discount**month))
