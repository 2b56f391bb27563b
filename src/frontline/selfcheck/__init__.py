"""The digests behind graded exercises' self-checks: the expected answer is never stored in clear.

An exercise's setup cell runs ``q = selfcheck.exercise("problem_solving")``; the checks themselves are those of
:mod:`frontline.learn` (``q.pareto.check()``), defined in ``data/questions/<exercise>.yaml``. They compare a salted
SHA-256 digest of the rounded answer with the one stored here in ``digests.json``, which ``frontline grade digests``
(:mod:`frontline.selfcheck.build`) refreshes from the source notebooks after an exercise or the data change.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

DIGESTS_FILE = Path(__file__).with_name("digests.json")
PASS = "✔"
FAIL = "✘"


def canonical(value: Any, places: int = 3) -> Any:
    """A JSON-ready form of ``value`` that is the same for equal answers of different Python types.

    Numbers are rounded to ``places`` decimals; numpy and pandas values become plain lists and dicts (a pandas
    Series becomes a mapping of its index to its values, a DataFrame a list of row mappings).
    """
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # pandas DataFrame
        return [canonical(row, places) for row in value.to_dict(orient="records")]
    if hasattr(value, "to_dict") and hasattr(value, "index"):  # pandas Series
        return {str(k): canonical(v, places) for k, v in value.to_dict().items()}
    if hasattr(value, "tolist"):  # numpy array or scalar
        value = value.tolist()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return "nan"
        rounded = round(float(value), places)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, Mapping):
        return {str(k): canonical(v, places) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [canonical(v, places) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((canonical(v, places) for v in value), key=repr)
    return str(value)


def digest(question: str, value: Any, places: int = 3) -> str:
    """The salted digest of an answer; salting with the question id stops one digest answering another."""
    payload = json.dumps([question, canonical(value, places)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@cache
def _digests() -> dict[str, dict[str, Any]]:
    return json.loads(DIGESTS_FILE.read_text(encoding="utf-8"))


def stored_digests() -> dict[str, dict[str, Any]]:
    """The digests of the model answers, keyed ``"<exercise>.<question>"``."""
    return _digests()


def exercise(name: str):
    """The self-checks of the graded exercise ``name``; see :func:`frontline.learn.exercise`."""
    from frontline.learn import exercise as load

    return load(name)


__all__ = ["DIGESTS_FILE", "canonical", "digest", "exercise", "stored_digests"]
