"""Property tests an exercise self-check can name: each says whether an answer has a shape the right answer has,
without knowing the right answer itself (the question file gives the message a trainee reads when it fails)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from frontline.learn.registry import PROPERTIES


def _values(answer: Any) -> list[Any]:
    if isinstance(answer, Mapping):
        return list(answer.values())
    if hasattr(answer, "to_numpy"):
        return list(answer.to_numpy().ravel())
    return list(answer)


def _label(value: Any) -> str:
    """One spelling for equal labels: 1, 1.0 and numpy's 1 all become "1"; True stays "True"."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


@PROPERTIES.register("callable")
def is_callable(answer: Any) -> bool:
    """The answer can be called (it is a function)."""
    return callable(answer)


@PROPERTIES.register("mapping")
def is_mapping(answer: Any) -> bool:
    """The answer is a dictionary."""
    return isinstance(answer, Mapping)


@PROPERTIES.register("number")
def is_number(answer: Any) -> bool:
    """The answer is a single number (not True/False)."""
    if hasattr(answer, "item") and getattr(answer, "ndim", 0) == 0:
        answer = answer.item()
    return isinstance(answer, int | float) and not isinstance(answer, bool)


@PROPERTIES.register("keys_within")
def keys_within(answer: Any, keys: Sequence[Any]) -> bool:
    """Every key (or index label) of the answer is one of ``keys``."""
    return isinstance(answer, Mapping) and {_label(k) for k in answer} <= {_label(k) for k in keys}


@PROPERTIES.register("keys_equal")
def keys_equal(answer: Any, keys: Sequence[Any]) -> bool:
    """The answer's keys, or its index labels, are exactly ``keys`` in any order."""
    labels = answer.index if hasattr(answer, "index") and not isinstance(answer, Sequence) else answer
    try:
        return {_label(k) for k in labels} == {_label(k) for k in keys}
    except TypeError:
        return False


@PROPERTIES.register("values_sum_to")
def values_sum_to(answer: Any, total: float) -> bool:
    """The answer's values add up to ``total``."""
    return abs(float(sum(_values(answer))) - total) < 1e-9


@PROPERTIES.register("columns_equal")
def columns_equal(answer: Any, columns: Sequence[str]) -> bool:
    """The table has exactly these columns, in this order."""
    return hasattr(answer, "columns") and list(answer.columns) == list(columns)


@PROPERTIES.register("sorted_descending")
def sorted_descending(answer: Any, column: str | None = None) -> bool:
    """The values (of ``column`` when given) never increase from one row to the next."""
    values = _values(answer[column] if column is not None else answer)
    return all(a >= b for a, b in pairwise(values))


@PROPERTIES.register("last_equals")
def last_equals(answer: Any, column: str, value: float) -> bool:
    """The last value of ``column`` is ``value``."""
    return abs(float(answer[column].iloc[-1]) - value) < 1e-9


@PROPERTIES.register("fractions")
def fractions(answer: Any) -> bool:
    """Every value lies between 0 and 1."""
    return all(0 <= float(v) <= 1 for v in _values(answer))


@PROPERTIES.register("between")
def between(answer: Any, low: float, high: float) -> bool:
    """The answer is a number from ``low`` to ``high``."""
    return low <= float(answer) <= high


@PROPERTIES.register("length")
def length(answer: Any, items: int) -> bool:
    """The answer holds ``items`` values."""
    return len(answer) == items


@PROPERTIES.register("list_of_text")
def list_of_text(answer: Any) -> bool:
    """The answer is a list of words or names."""
    return isinstance(answer, list) and all(isinstance(x, str) for x in answer)


@PROPERTIES.register("increasing_pair")
def increasing_pair(answer: Any) -> bool:
    """The answer is a pair (low, high) with low below high."""
    return len(answer) == 2 and float(answer[0]) < float(answer[1])


@PROPERTIES.register("values_between")
def values_between(answer: Any, low: float, high: float) -> bool:
    """Every value of the answer lies from ``low`` to ``high`` (1 to 100: shares typed as percentages)."""
    values = _values(answer)
    return bool(values) and all(low <= float(v) <= high for v in values)


def _alike(got: Any, want: Any) -> bool:
    if isinstance(want, list | tuple):
        return isinstance(got, list | tuple) and len(got) == len(want) and all(map(_alike, got, want))
    if isinstance(want, str) or isinstance(got, str):
        return got == want
    return abs(float(got) - float(want)) < 1e-6


@PROPERTIES.register("call_gives")
def call_gives(answer: Any, args: Sequence[Any], value: Any) -> bool:
    """The answer is a function that, called with ``args``, gives ``value`` (a known wrong result, to recognise a
    mistake)."""
    return callable(answer) and _alike(answer(*args), value)


@PROPERTIES.register("key_between")
def key_between(answer: Any, key: str, low: float, high: float) -> bool:
    """The value under ``key`` is a number from ``low`` to ``high``."""
    return isinstance(answer, Mapping) and key in answer and low <= float(answer[key]) <= high
