"""The computations question files pick by name: each computes an expected answer from the kit's tables.

Every function's first argument is a :class:`Tables` (the kit's tickets, customers and surveys, plus any table the
lesson hands to the question); the rest are the ``params`` an author writes in the question file. Row filters are
lists of conditions such as ``{column: csat, at_most: 2}`` so that no Python is needed in a question file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from frontline.learn.registry import COMPUTATIONS

KIT_TABLES = ("tickets", "customers", "surveys")
OPERATORS = ("equals", "one_of", "at_most", "at_least", "above", "below")

Condition = Mapping[str, Any]


class Tables:
    """The kit's tables by name, and the tables a lesson passes to a question (which take precedence)."""

    def __init__(self, given: Mapping[str, pd.DataFrame] | None = None):
        self._given = dict(given or {})

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self._given:
            return self._given[name]
        if name in KIT_TABLES:
            import frontline

            return getattr(frontline, f"load_{name}")()
        raise KeyError(f"no table {name!r}: neither one of the kit's ({', '.join(KIT_TABLES)}) nor given by the "
                       f"lesson")


def rows_matching(frame: pd.DataFrame, conditions: Sequence[Condition] | None) -> pd.Series:
    """A True/False mask of the rows meeting every condition (all rows when there are none)."""
    mask = pd.Series(True, index=frame.index)
    for condition in conditions or ():
        column = frame[condition["column"]]
        for operator in OPERATORS:
            if operator not in condition:
                continue
            value = condition[operator]
            if operator == "equals":
                mask &= column == value
            elif operator == "one_of":
                mask &= column.isin(list(value))
            elif operator == "at_most":
                mask &= column <= value
            elif operator == "at_least":
                mask &= column >= value
            elif operator == "above":
                mask &= column > value
            else:
                mask &= column < value
    return mask.fillna(False).astype(bool)


@COMPUTATIONS.register("share")
def share(tables: Tables, table: str, condition: Sequence[Condition], where: Sequence[Condition] = ()) -> float:
    """The share (0 to 1) of the rows of ``table`` kept by ``where`` that meet ``condition``."""
    frame = tables[table]
    kept = frame[rows_matching(frame, where)]
    return float(rows_matching(kept, condition).mean())


@COMPUTATIONS.register("count")
def count(tables: Tables, table: str, where: Sequence[Condition] = ()) -> int:
    """The number of rows of ``table`` that meet every condition in ``where``."""
    frame = tables[table]
    return int(rows_matching(frame, where).sum())


@COMPUTATIONS.register("share_by_group")
def share_by_group(tables: Tables, table: str, by: str, condition: Sequence[Condition]) -> pd.Series:
    """For each value of the column ``by``, the share of its rows that meet ``condition``."""
    frame = tables[table]
    return rows_matching(frame, condition).groupby(frame[by], observed=True).mean()


@COMPUTATIONS.register("count_by_group")
def count_by_group(tables: Tables, table: str, by: str, condition: Sequence[Condition]) -> pd.Series:
    """For each value of the column ``by``, the number of its rows that meet ``condition``."""
    frame = tables[table]
    return rows_matching(frame, condition).groupby(frame[by], observed=True).sum()


@COMPUTATIONS.register("mean_gap")
def mean_gap(tables: Tables, table: str, column: str, by: str, first: Any, second: Any, scale: float = 1.0) -> float:
    """The mean of ``column`` in the group ``by == first`` minus that in ``by == second``, times ``scale``
    (100 turns a gap between two shares into percentage points)."""
    means = tables[table].groupby(by, observed=True)[column].mean()
    return float(scale * (means[first] - means[second]))


@COMPUTATIONS.register("top_share")
def top_share(tables: Tables, table: str, column: str, top: int) -> float:
    """The share of all rows taken by the ``top`` most frequent values of ``column``."""
    return float(tables[table][column].value_counts(normalize=True).iloc[:top].sum())


@COMPUTATIONS.register("top_count")
def top_count(tables: Tables, table: str, column: str, top: int) -> int:
    """The number of rows taken by the ``top`` most frequent values of ``column``."""
    return int(tables[table][column].value_counts().iloc[:top].sum())


@COMPUTATIONS.register("highest_mean")
def highest_mean(tables: Tables, table: str, column: str, by: str) -> str:
    """The value of ``by`` whose rows have the highest mean ``column`` (its label as text)."""
    return str(tables[table].groupby(by, observed=True)[column].mean().idxmax())


@COMPUTATIONS.register("lowest_mean")
def lowest_mean(tables: Tables, table: str, column: str, by: str) -> str:
    """The value of ``by`` whose rows have the lowest mean ``column`` (its label as text)."""
    return str(tables[table].groupby(by, observed=True)[column].mean().idxmin())


@COMPUTATIONS.register("nps")
def net_promoter_score(tables: Tables, table: str, column: str = "nps", where: Sequence[Condition] = ()) -> float:
    """The Net Promoter Score (-100 to 100) of ``column`` over the rows kept by ``where``."""
    from frontline.lessons.measures import nps

    frame = tables[table]
    return float(nps(frame.loc[rows_matching(frame, where), column]))


@COMPUTATIONS.register("median_lifetime_value")
def median_lifetime_value(tables: Tables, retention: float, discount: float, per_month: str = "margin") -> float:
    """The lifetime value of the median customer at a monthly ``retention`` and monthly ``discount`` rate, from
    the median monthly margin (``per_month: revenue`` uses revenue instead, a common mistake)."""
    from frontline.lessons.measures import lifetime_value

    customers = tables["customers"]
    monthly = customers["monthly_revenue"]
    if per_month == "margin":
        monthly = monthly * customers["gross_margin"]
    return float(lifetime_value(float(monthly.median()), retention, discount))


@COMPUTATIONS.register("most_common")
def most_common(tables: Tables, table: str, column: str, where: Sequence[Condition] = ()) -> str:
    """The most frequent value of ``column`` among the rows kept by ``where`` (its label as text)."""
    frame = tables[table]
    return str(frame.loc[rows_matching(frame, where), column].value_counts().idxmax())

