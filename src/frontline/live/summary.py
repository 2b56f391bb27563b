"""What the room sees and what is kept: live distributions, the CSV export and one-page summaries."""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
import statistics
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from frontline.live.store import Question, SessionStore, StoredAnswer

CONFIDENCE_LABELS = {1: "1 · not at all sure", 2: "2 · unsure", 3: "3 · fairly sure", 4: "4 · sure", 5: "5 · certain"}
# Short words that say nothing about an answer; left out of the word list so the room sees the ideas.
_STOPWORD_TEXT = """a an and are as at be but by for from has have i in is it its of on or so that the their they this
to was we were what when which who will with you your our not no do does did can"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


def _label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _histogram(values: list[float], minimum: float | None, maximum: float | None) -> list[dict[str, Any]]:
    if not values:
        return []
    low = minimum if minimum is not None else min(values)
    high = maximum if maximum is not None else max(values)
    if all(float(v).is_integer() for v in values) and high - low <= 20:
        counts = Counter(int(v) for v in values)
        return [{"label": str(n), "count": counts.get(n, 0)} for n in range(int(low), int(high) + 1)]
    bins = 10
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, math.floor((v - low) / width)))] += 1
    return [{"label": f"{low + i * width:g}–{low + (i + 1) * width:g}", "count": c} for i, c in enumerate(counts)]


def distribution(question: Question, answers: list[StoredAnswer]) -> dict[str, Any]:
    """The shape the room view draws: bars (choice, confidence, number, scenario) or a word list (text)."""
    result: dict[str, Any] = {"responses": len(answers)}
    if question.kind == "choice":
        counts = Counter(_label(a.answer) for a in answers)
        labels = list(question.options) + sorted(set(counts) - set(question.options))
        result["bars"] = [{"label": label, "count": counts.get(label, 0)} for label in labels]
    elif question.kind == "confidence":
        counts = Counter(a.answer for a in answers)
        result["bars"] = [{"label": text, "count": counts.get(n, 0)} for n, text in CONFIDENCE_LABELS.items()]
        if answers:
            result["mean"] = round(statistics.fmean(a.answer for a in answers), 2)
    elif question.kind == "number":
        values = [float(a.answer) for a in answers]
        result["bars"] = _histogram(values, question.minimum, question.maximum)
        if values:
            result["median"] = statistics.median(values)
            result["mean"] = round(statistics.fmean(values), 2)
    elif question.kind == "text":
        words = Counter(w.lower() for a in answers for w in WORD.findall(str(a.answer))
                        if w.lower() not in STOPWORDS and len(w) > 1)
        result["words"] = [{"word": w, "count": c} for w, c in sorted(words.items(), key=lambda x: (-x[1], x[0]))[:40]]
    else:
        result.update(_scenario_distribution(question, answers))
    return result


# Which part of a scenario widget's answer the room's bars count, per scenario kind (see frontline.scenarios).
_SCENARIO_CHOSEN = {"diagnosis": "issue", "recovery": "ending", "empowerment": "action"}


def _scenario_distribution(question: Question, answers: list[StoredAnswer]) -> dict[str, Any]:
    """What trainees chose (labelled by the scenario's own texts), and how the scenario judged them."""
    result: dict[str, Any] = {}
    chosen: list[str] = []
    numbers: list[float] = []
    for a in answers:
        value = a.answer
        if isinstance(value, dict) and a.kind in _SCENARIO_CHOSEN:
            value = value.get(_SCENARIO_CHOSEN[a.kind])
        if a.kind == "ordering":
            continue  # every order is different; the judged bars below say how close the room got
        if isinstance(value, bool):
            chosen.append(str(value).lower())
        elif isinstance(value, int | float):
            numbers.append(float(value))
        elif isinstance(value, list):
            chosen += [question.labels.get(str(v), _label(v)) for v in value]
        elif value is not None:
            chosen.append(question.labels.get(str(value), _label(value)))
    if chosen:
        counts = Counter(chosen)
        known = list(question.options)  # every option the scenario offers, chosen or not, in the file's order
        others = [label for label, _ in counts.most_common() if label not in known]
        result["bars"] = [{"label": label, "count": counts.get(label, 0)} for label in known + others][:16]
    elif numbers:
        result["bars"] = _histogram(numbers, None, None)
        result["median"] = statistics.median(numbers)
    judged = [_judgement(a) for a in answers if _judgement(a) is not None]
    if judged:
        counts = Counter(judged)
        result["judged_bars"] = [{"label": label, "count": counts.get(label, 0)} for label in JUDGEMENTS]
        result["correct"] = counts.get(JUDGEMENTS[0], 0)
        result["judged"] = len(judged)
    return result


JUDGEMENTS = ("✔ right", "◐ partly right", "✘ not right")


def _judgement(answer: StoredAnswer) -> str | None:
    if answer.score is not None:
        return JUDGEMENTS[0] if answer.score >= 1 else (JUDGEMENTS[1] if answer.score > 0 else JUDGEMENTS[2])
    if answer.correct is not None:
        return JUDGEMENTS[0] if answer.correct else JUDGEMENTS[2]
    return None


def room_state(store: SessionStore) -> list[dict[str, Any]]:
    rows = []
    for question, answers in store.iter_questions_with_answers():
        rows.append({
            "number": question.number, "question_id": question.question_id, "kind": question.kind,
            "title": question.title, "prompt": question.prompt, "options": question.options,
            "state": question.state, "revealed": question.revealed, "round": question.round,
            "correct": question.correct if question.revealed else None,
            "debrief": question.debrief if question.revealed else None,
            "distribution": distribution(question, answers),
        })
    return rows


EXPORT_COLUMNS = ["answer_number", "received_at_utc", "question_id", "round", "participant_id", "participant_name",
                  "kind", "answer", "correct", "score", "counted", "idempotency_key"]


def _spreadsheet_safe(value: Any) -> str:
    """Text a trainee typed, made safe to open in a spreadsheet: a leading =, +, -, @ would start a formula."""
    text = _label(value)
    return "'" + text if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def answers_csv(store: SessionStore) -> str:
    """Every answer ever received, one row each; ``counted`` marks the ones in the room's current distribution."""
    counted = {a.answer_number for _, answers in store.iter_questions_with_answers() for a in answers}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for a in store.answers():
        writer.writerow([
            a.answer_number, datetime.fromtimestamp(a.received_at, UTC).isoformat(timespec="seconds"),
            a.question_id, a.round, a.participant_id, _spreadsheet_safe(a.participant_name or ""), a.kind,
            _spreadsheet_safe(a.answer),
            "" if a.correct is None else str(a.correct).lower(), "" if a.score is None else a.score,
            str(a.answer_number in counted).lower(), a.idempotency_key,
        ])
    return out.getvalue()


def _bar(count: int, total: int, width: int = 20) -> str:
    filled = round(width * count / total) if total else 0
    return "█" * filled + "·" * (width - filled)


def summary_markdown(store: SessionStore) -> str:
    """One page per question: the distribution as a text chart, the answer and the debrief notes."""
    title = store.get_setting("title") or "Live session"
    room = store.room_size()
    lines = [f"# {title}: summary", "", f"{room} participant(s) joined; {store.answer_count()} answer(s) received.", ""]
    for question, answers in store.iter_questions_with_answers():
        dist = distribution(question, answers)
        lines += ["---", "", f"## {question.number}. {question.title}", "",
                  f"`{question.question_id}` · {question.kind} · {dist['responses']} of {room} answered"
                  + (f" · round {question.round}" if question.round > 1 else ""), ""]
        if question.prompt:
            lines += [f"> {question.prompt}", ""]
        if "bars" in dist and not dist["bars"]:
            lines += ["(no answers)", ""]
        elif "bars" in dist:
            total = dist["responses"]
            width = max((len(b["label"]) for b in dist["bars"]), default=0)
            lines.append("```")
            for b in dist["bars"]:
                mark = "  ✔ answer" if question.correct is not None and b["label"] == _label(question.correct) else ""
                lines.append(f"{b['label']:<{width}}  {_bar(b['count'], total)}  {b['count']}{mark}")
            lines += ["```", ""]
        if "words" in dist:
            words = ", ".join(f"{w['word']} ({w['count']})" for w in dist["words"]) or "(no answers)"
            lines += [f"Words used: {words}", ""]
        for key, text in (("mean", "Mean"), ("median", "Median")):
            if key in dist:
                lines.append(f"{text}: {dist[key]}")
        if "judged_bars" in dist:
            lines += ["", "How the scenario judged the answers:", "", "```"]
            for b in dist["judged_bars"]:
                lines.append(f"{b['label']:<15}  {_bar(b['count'], dist['judged'])}  {b['count']}")
            lines += ["```", ""]
        if question.correct is not None:
            lines += ["", f"**Answer:** {_label(question.correct)}"]
        if question.debrief:
            lines += ["", "**Debrief notes:**", "", question.debrief]
        lines.append("")
    return "\n".join(lines)


def summary_html(store: SessionStore) -> str:
    """The Markdown summary in a printable page (one question per printed page)."""
    body = []
    for block in summary_markdown(store).split("\n---\n"):
        body.append(f'<section class="page"><pre>{html.escape(block.strip())}</pre></section>')
    title = html.escape(store.get_setting("title") or "Live session")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}: summary</title>'
        "<style>body{font:16px/1.4 system-ui,sans-serif;margin:2rem}pre{white-space:pre-wrap;font:inherit}"
        ".page{page-break-after:always;border-bottom:1px solid #888;padding-bottom:1rem}</style></head><body>"
        + "".join(body) + "</body></html>"
    )
