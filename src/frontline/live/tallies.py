"""The room's distributions, kept as running counts so drawing them costs the same at 50 or 50,000 answers.

Each stored answer *contributes* a few ``(dimension, key)`` pairs: the bar it adds to, the words of a text answer,
a number's value, how a scenario judged it. The store keeps, per question and round, each participant's latest
contributions and the sum over participants (the tallies); a changed mind takes the old contributions away and
adds the new ones. :func:`distribution` turns a question's tallies into what the room view draws.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from frontline.live.values import display_text

CONFIDENCE_LABELS = {1: "1 · not at all sure", 2: "2 · unsure", 3: "3 · fairly sure", 4: "4 · sure", 5: "5 · certain"}
# Short words that say nothing about an answer; left out of the word list so the room sees the ideas.
_STOPWORD_TEXT = """a an and are as at be but by for from has have i in is it its of on or so that the their they this
to was we were what when which who will with you your our not no do does did can"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
JUDGEMENTS = ("✔ right", "◐ partly right", "✘ not right")
KEY_LENGTH = 200  # longest tally key kept (longer words or labels are cut)

RESPONSES, BAR, NUMBER, WORD_DIM, JUDGED = "n", "bar", "num", "word", "judged"
# Which part of a scenario widget's answer the room's bars count, per scenario kind (see frontline.scenarios).
SCENARIO_CHOSEN = {"diagnosis": "issue", "recovery": "ending", "empowerment": "action"}

Tally = Mapping[tuple[str, str], int]


def _label(value: Any) -> str:
    return display_text(value, KEY_LENGTH)


def judgement(correct: bool | None, score: float | None) -> str | None:
    if score is not None:
        return JUDGEMENTS[0] if score >= 0.999 else (JUDGEMENTS[1] if score > 0 else JUDGEMENTS[2])
    if correct is not None:
        return JUDGEMENTS[0] if correct else JUDGEMENTS[2]
    return None


def contributions(question_kind: str, labels: Mapping[str, str], answer_kind: str, value: Any,
                  correct: bool | None, score: float | None) -> list[tuple[str, str]]:
    """What one participant's answer adds to the room's tallies."""
    pairs: list[tuple[str, str]] = [(RESPONSES, "")]
    if question_kind in ("choice", "confidence"):
        pairs.append((BAR, _label(value)))
    elif question_kind == "number":
        pairs.append((NUMBER, repr(float(value))))
    elif question_kind == "text":
        pairs += [(WORD_DIM, w.lower()[:KEY_LENGTH]) for w in WORD.findall(str(value))
                  if w.lower() not in STOPWORDS and len(w) > 1]
    else:
        if isinstance(value, dict) and answer_kind in SCENARIO_CHOSEN:
            value = value.get(SCENARIO_CHOSEN[answer_kind])
        if answer_kind == "ordering":
            pass  # every order is different; the judged bars say how close the room got
        elif isinstance(value, bool):
            pairs.append((BAR, str(value).lower()))
        elif isinstance(value, int | float):
            pairs.append((NUMBER, repr(float(value))))
        elif isinstance(value, list):
            pairs += [(BAR, labels.get(str(v), _label(v))[:KEY_LENGTH]) for v in value]
        elif value is not None:
            pairs.append((BAR, labels.get(str(value), _label(value))[:KEY_LENGTH]))
        judged = judgement(correct, score)
        if judged:
            pairs.append((JUDGED, judged))
    return pairs


def add(tally: Counter, pairs: Iterable[tuple[str, str]], sign: int = 1) -> None:
    for pair in pairs:
        tally[pair] += sign


def _numbers(tally: Tally) -> list[tuple[float, int]]:
    values = []
    for (dimension, key), count in tally.items():
        if dimension == NUMBER and count > 0:
            try:
                value = float(key)
            except ValueError:
                continue
            if math.isfinite(value):
                values.append((value, count))
    return sorted(values)


def _median(values: list[tuple[float, int]]) -> float:
    total = sum(c for _, c in values)
    low_rank, high_rank = (total - 1) // 2, total // 2
    seen, low = 0, None
    for value, count in values:
        if low is None and seen + count > low_rank:
            low = value
        if seen + count > high_rank:
            return (low + value) / 2  # type: ignore[operator]
        seen += count
    raise ValueError("no values")


def _histogram(values: list[tuple[float, int]], minimum: float | None, maximum: float | None) -> list[dict]:
    if not values:
        return []
    low = minimum if minimum is not None else values[0][0]
    high = maximum if maximum is not None else values[-1][0]
    if all(v.is_integer() for v, _ in values) and high - low <= 20:
        counts = Counter({int(v): c for v, c in values})
        return [{"label": str(n), "count": counts.get(n, 0)} for n in range(int(low), int(high) + 1)]
    bins = 10
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for v, c in values:
        counts[min(bins - 1, max(0, math.floor((v - low) / width)))] += c
    return [{"label": f"{low + i * width:g}–{low + (i + 1) * width:g}", "count": c} for i, c in enumerate(counts)]


def _bars(tally: Tally, dimension: str, known: list[str]) -> list[dict[str, Any]]:
    counts = {key: count for (dim, key), count in tally.items() if dim == dimension and count > 0}
    others = sorted((k for k in counts if k not in known), key=lambda k: (-counts[k], k))
    return [{"label": label, "count": counts.get(label, 0)} for label in known + others]


def distribution(kind: str, options: list[str], minimum: float | None, maximum: float | None,
                 tally: Tally) -> dict[str, Any]:
    """The shape the room view draws: bars (choice, confidence, number, scenario) or a word list (text)."""
    result: dict[str, Any] = {"responses": max(0, tally.get((RESPONSES, ""), 0))}
    if kind == "choice":
        result["bars"] = _bars(tally, BAR, list(options))
    elif kind == "confidence":
        bars = _bars(tally, BAR, [str(n) for n in CONFIDENCE_LABELS])
        result["bars"] = [{"label": CONFIDENCE_LABELS.get(int(b["label"]) if b["label"].isdigit() else 0, b["label"]),
                           "count": b["count"]} for b in bars]
        weighted = [(int(b["label"]), b["count"]) for b in bars if b["label"].isdigit() and b["count"]]
        if weighted:
            result["mean"] = round(sum(v * c for v, c in weighted) / sum(c for _, c in weighted), 2)
    elif kind == "number":
        values = _numbers(tally)
        result["bars"] = _histogram(values, minimum, maximum)
        if values:
            result["median"] = _median(values)
            result["mean"] = round(sum(v * c for v, c in values) / sum(c for _, c in values), 2)
    elif kind == "text":
        words = sorted(((key, count) for (dim, key), count in tally.items() if dim == WORD_DIM and count > 0),
                       key=lambda x: (-x[1], x[0]))[:40]
        result["words"] = [{"word": w, "count": c} for w, c in words]
    else:
        chosen = _bars(tally, BAR, list(options))
        values = _numbers(tally)
        if any(b["count"] for b in chosen):
            result["bars"] = chosen[:16]
        elif values:
            result["bars"] = _histogram(values, None, None)
            result["median"] = _median(values)
        judged = {key: count for (dim, key), count in tally.items() if dim == JUDGED and count > 0}
        if judged:
            result["judged_bars"] = [{"label": label, "count": judged.get(label, 0)} for label in JUDGEMENTS]
            result["correct"] = judged.get(JUDGEMENTS[0], 0)
            result["judged"] = sum(judged.get(label, 0) for label in JUDGEMENTS)
    return result
