"""What the room sees and what is kept: live distributions, the CSV export and one-page summaries."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from frontline.live.store import Question, SessionStore
from frontline.live.tallies import Tally, distribution
from frontline.live.values import clean_text, display_text, showable


def question_state(question: Question, tally: Tally) -> dict[str, Any]:
    return {
        "number": question.number, "question_id": question.question_id, "kind": question.kind,
        "title": question.title, "prompt": question.prompt, "options": question.options,
        "state": question.state, "revealed": question.revealed, "round": question.round,
        "correct": showable(question.correct) if question.revealed else None,
        "debrief": question.debrief if question.revealed else None,
        "distribution": distribution(question.kind, question.options, question.minimum, question.maximum, tally),
    }


EXPORT_COLUMNS = ["answer_number", "received_at_utc", "question_id", "round", "participant_id", "participant_name",
                  "kind", "answer", "correct", "score", "counted", "idempotency_key"]


def _spreadsheet_safe(value: Any) -> str:
    """Text a trainee typed, made safe to open in a spreadsheet: a leading =, +, -, @ would start a formula."""
    text = display_text(value, 4000)
    return "'" + text if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def answers_csv(store: SessionStore) -> str:
    """Every answer ever received, one row each; ``counted`` marks the ones in the room's current distribution."""
    counted = store.counted_answer_numbers()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for a in store.answers():
        try:
            received = datetime.fromtimestamp(a.received_at, UTC).isoformat(timespec="seconds")
        except (OverflowError, OSError, ValueError):
            received = ""
        writer.writerow([
            a.answer_number, received, a.question_id, a.round, a.participant_id,
            _spreadsheet_safe(a.participant_name or ""), a.kind, _spreadsheet_safe(a.answer),
            "" if a.correct is None else str(a.correct).lower(), "" if a.score is None else a.score,
            str(a.answer_number in counted).lower(), a.idempotency_key,
        ])
    return out.getvalue()


def _bar(count: int, total: int, width: int = 20) -> str:
    filled = max(0, min(width, round(width * count / total))) if total else 0
    return "█" * filled + "·" * (width - filled)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_LINE_START = re.compile(r"^(\s*)([#>+=~-]|\d+[.)])")


def markdown_text(value: Any, limit: int = 2000) -> str:
    """Text shown as itself in Markdown: on one line, with the characters that would start markup escaped."""
    text = " ".join(clean_text(display_text(value, limit)).split())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def plain_line(value: Any, limit: int = 2000) -> str:
    return " ".join(clean_text(display_text(value, limit)).split())


def _fenced(lines: list[str]) -> list[str]:
    """A code block whose fence is longer than any run of backticks inside it, so no line can close it."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *lines, fence]


def summary_markdown(store: SessionStore, inline: Any = markdown_text) -> str:
    """One page per question: the distribution as a text chart, the answer and the debrief notes.

    Everything a trainee or facilitator typed is escaped (``inline``), so no answer can add markup to the page.
    """
    title = inline(store.get_setting("title") or "Live session", 200)
    room = store.room_size()
    tallies = store.tallies()
    lines = [f"# {title}: summary", "", f"{room} participant(s) joined; {store.answer_count()} answer(s) received.", ""]
    for question in store.questions():
        dist = distribution(question.kind, question.options, question.minimum, question.maximum,
                            tallies.get(question.number, Counter()))
        lines += ["---", "", f"## {question.number}. {inline(question.title, 300)}", "",
                  f"{inline(question.question_id, 200)} · {question.kind} · {dist['responses']} of {room} answered"
                  + (f" · round {question.round}" if question.round > 1 else ""), ""]
        if question.prompt:
            lines += [f"> {inline(question.prompt, 4000)}", ""]
        correct = plain_line(question.correct, 200) if question.correct is not None else None
        if "bars" in dist and not dist["bars"]:
            lines += ["(no answers)", ""]
        elif "bars" in dist:
            total = dist["responses"]
            labels = [plain_line(b["label"], 200) for b in dist["bars"]]
            width = max((len(label) for label in labels), default=0)
            chart = [f"{label:<{width}}  {_bar(b['count'], total)}  {b['count']}"
                     + ("  ✔ answer" if correct is not None and label == correct else "")
                     for label, b in zip(labels, dist["bars"], strict=True)]
            lines += [*_fenced(chart), ""]
        if "words" in dist:
            words = ", ".join(f"{inline(w['word'], 200)} ({w['count']})" for w in dist["words"]) or "(no answers)"
            lines += [f"Words used: {words}", ""]
        for key, text in (("mean", "Mean"), ("median", "Median")):
            if key in dist:
                lines.append(f"{text}: {dist[key]}")
        if "judged_bars" in dist:
            chart = [f"{b['label']:<15}  {_bar(b['count'], dist['judged'])}  {b['count']}" for b in dist["judged_bars"]]
            lines += ["", "How the scenario judged the answers:", "", *_fenced(chart), ""]
        if correct is not None:
            lines += ["", f"**Answer:** {inline(question.correct, 200)}"]
        if question.debrief:
            lines += ["", "**Debrief notes:**", ""]
            lines += [inline(paragraph, 8000) for paragraph in clean_text(question.debrief, 8000).split("\n\n")]
        lines.append("")
    return "\n".join(lines)


def summary_html(store: SessionStore) -> str:
    """The summary in a printable page (one question per printed page); every text is HTML-escaped."""
    body = []
    for block in summary_markdown(store, inline=plain_line).split("\n---\n"):
        body.append(f'<section class="page"><pre>{html.escape(block.strip())}</pre></section>')
    title = html.escape(plain_line(store.get_setting("title") or "Live session", 200))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}: summary</title>'
        "<style>body{font:16px/1.4 system-ui,sans-serif;margin:2rem}pre{white-space:pre-wrap;font:inherit}"
        ".page{page-break-after:always;border-bottom:1px solid #888;padding-bottom:1rem}</style></head><body>"
        + "".join(body) + "</body></html>"
    )
