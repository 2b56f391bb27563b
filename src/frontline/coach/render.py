"""The checklist in words: HTML for the widget, where every state is a word and a symbol, never a colour alone."""

from __future__ import annotations

import html

from frontline.coach.checklist import Checklist, ElementResult, Quote

# (symbol, words) for each state; an element to avoid reads the other way round.
INCLUDE_STATES = {"seen": ("✔", "Seen"), "partly seen": ("◐", "Partly seen"), "not seen": ("○", "Not seen")}
AVOID_STATES = {"not seen": ("✔", "None seen"), "partly seen": ("⚠", "Check this"), "seen": ("⚠", "Check this")}

NOT_A_GRADE = ("This is a checklist, not a grade. It looks for the words that usually show each part of a good "
               "reply and quotes what it found. It cannot judge whether your reply fits the customer; your trainer "
               "reads your reply and grades it.")


def _quoted_sentence(quote: Quote) -> str:
    """The sentence in quotation marks with the words found marked (and listed after it, for screen readers)."""
    sentence = html.escape(quote.sentence)
    for words in sorted(set(quote.words), key=len, reverse=True):
        escaped = html.escape(words)
        if escaped in sentence and f"<mark>{escaped}" not in sentence:
            sentence = sentence.replace(escaped, f"<mark>{escaped}</mark>", 1)
    listed = ", ".join(f"“{html.escape(w)}”" for w in quote.words)
    return f"<q>{sentence}</q> <span>(the words: {listed})</span>"


def _element_html(result: ElementResult) -> str:
    element = result.element
    states = INCLUDE_STATES if element.expect == "present" else AVOID_STATES
    symbol, words = states[result.status]
    parts = [f"<strong>{symbol} {words}:</strong> {html.escape(element.label)}. "
             f"<span>{html.escape(element.meaning)}</span>"]
    if result.quotes:
        found = "".join(f"<li>{_quoted_sentence(q)}</li>" for q in result.quotes[:3])
        parts.append(f"<div>Found in your reply:<ul>{found}</ul></div>")
    if result.missing:
        parts.append(f"<div>Missing from that sentence: {html.escape(', '.join(result.missing))}.</div>")
    for aside in result.asides:
        parts.append(f"<div>Not counted: “{html.escape(aside.words)}”: {html.escape(aside.why)}.</div>")
    if not result.ok:
        parts.append(f"<div><em>Tip:</em> {html.escape(element.tip)}</div>")
    return f"<li>{''.join(parts)}</li>"


def checklist_html(checklist: Checklist) -> str:
    include = [r for r in checklist.results if r.element.expect == "present"]
    avoid = [r for r in checklist.results if r.element.expect == "absent"]
    return (f"<p><strong>{html.escape(NOT_A_GRADE)}</strong></p>"
            f"<h4>What a good reply includes</h4><ul>{''.join(map(_element_html, include))}</ul>"
            f"<h4>What a good reply avoids</h4><ul>{''.join(map(_element_html, avoid))}</ul>")
