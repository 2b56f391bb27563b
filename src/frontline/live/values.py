"""What a trainee may send as an answer, and how any stored value is shown without breaking a view.

Answers arrive as JSON from notebooks the server does not control. Before one is stored it must be something every
view can draw and every export can write: finite numbers in a sane range, valid Unicode text without control
characters, and structures of bounded depth and size. Rows that got into the database some other way (an older
version, a hand edit) are still shown: :func:`display_text` turns any value into bounded, printable text.
"""

from __future__ import annotations

import json
import math
from typing import Any

# A structured answer is at most an object holding lists (a diagnosis: the questions asked and the issue named).
MAX_DEPTH = 4
MAX_NODES = 200  # values in one answer, counting every list item and object entry
MAX_STRING = 500  # characters in any one string (a text answer's own limit may be lower)
MAX_MAGNITUDE = 1e12  # numbers beyond this are typing accidents or attacks, and break histograms
_ALLOWED_CONTROLS = {"\n", "\t"}


class AnswerProblem(ValueError):
    """An answer that does not fit what the views can show or what the question asks."""


def text_problem(text: str, limit: int = MAX_STRING) -> str | None:
    """Why a piece of text cannot be stored and shown, or None."""
    if len(text) > limit:
        return f"is {len(text)} characters long; the limit is {limit}"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains characters that are not valid text (a broken surrogate pair)"
    if any((ch < " " and ch not in _ALLOWED_CONTROLS) or ch == "\x7f" for ch in text):
        return "contains control characters"
    return None


def check_value(value: Any) -> None:
    """Raise :class:`AnswerProblem` unless ``value`` is a JSON value every view can show."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise AnswerProblem(f"has more than {MAX_NODES} values in it")
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_MAGNITUDE:
                raise AnswerProblem(f"holds a number beyond ±{MAX_MAGNITUDE:g}")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise AnswerProblem("holds a number that is not finite (NaN or infinity)")
            if abs(item) > MAX_MAGNITUDE:
                raise AnswerProblem(f"holds a number beyond ±{MAX_MAGNITUDE:g}")
        elif isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise AnswerProblem(f"holds text that {problem}")
        elif isinstance(item, list | dict):
            if depth >= MAX_DEPTH:
                raise AnswerProblem(f"is nested more than {MAX_DEPTH} levels deep")
            if isinstance(item, dict):
                for key in item:
                    problem = text_problem(key, 80)
                    if problem:
                        raise AnswerProblem(f"has a field name that {problem}")
                children = item.values()
            else:
                children = item
            stack.extend((child, depth + 1) for child in children)
        else:
            raise AnswerProblem(f"holds a value of an unknown type ({type(item).__name__})")


def is_showable(value: Any) -> bool:
    try:
        check_value(value)
    except AnswerProblem:
        return False
    return True


def clean_text(text: Any, limit: int = 2000) -> str:
    """Any text made printable: broken surrogates replaced, control characters dropped, length bounded."""
    if not isinstance(text, str):
        text = str(text)
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(ch for ch in text if ch >= " " or ch in _ALLOWED_CONTROLS)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    try:
        text = repr(value)
    except ValueError:  # an integer with more digits than Python will print
        return "(a number too long to show)"
    return text if len(text) <= 40 else text[:20] + "…" + f"({len(text)} digits)"


def display_text(value: Any, limit: int = 2000) -> str:
    """Any stored value as bounded, valid text: plain text as itself, anything else as compact JSON-like text."""
    if isinstance(value, str):
        return clean_text(value, limit)
    parts: list[str] = []
    size = 0
    # Why iterative: a stored value may be nested far deeper than the recursion limit.
    stack: list[Any] = [(value, 0)]  # (value, depth) pairs and punctuation tokens
    while stack and size <= limit:
        entry = stack.pop()
        if isinstance(entry, _Token):
            parts.append(entry.text)
            size += len(entry.text)
            continue
        item, depth = entry
        if depth > MAX_DEPTH * 2:
            piece = "…"
        elif item is None or isinstance(item, bool):
            piece = json.dumps(item)
        elif isinstance(item, int | float):
            piece = _number_text(item)
        elif isinstance(item, str):
            piece = json.dumps(clean_text(item, 200), ensure_ascii=False)
        elif isinstance(item, list):
            stack.append(_Token("]"))
            for index, child in enumerate(reversed(item)):
                stack.append((child, depth + 1))
                if index < len(item) - 1:
                    stack.append(_Token(", "))
            piece = "["
        elif isinstance(item, dict):
            stack.append(_Token("}"))
            entries = list(item.items())
            for index, (key, child) in enumerate(reversed(entries)):
                stack.append((child, depth + 1))
                stack.append(_Token(json.dumps(clean_text(key, 80), ensure_ascii=False) + ": "))
                if index < len(entries) - 1:
                    stack.append(_Token(", "))
            piece = "{"
        else:
            piece = clean_text(type(item).__name__)
        parts.append(piece)
        size += len(piece)
    text = "".join(parts)
    return text if len(text) <= limit and not stack else text[: limit - 1] + "…"


class _Token:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def showable(value: Any) -> Any:
    """The value itself when every view can show it, else its :func:`display_text`."""
    return value if is_showable(value) else display_text(value)


def parse_stored(raw: Any) -> Any:
    """A stored JSON column read as text, parsed without ever failing (unreadable text is shown as it is)."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return clean_text(raw, 200)


def poll_answer_problem(kind: str, options: list[str], minimum: float | None, maximum: float | None, value: Any,
                        max_text: int) -> str | None:
    """Why an answer does not fit a poll question of this kind, or None."""
    if kind == "choice":
        if not isinstance(value, str) or value not in options:
            return f"must be one of the options {options}, got {display_text(value, 200)}"
    elif kind == "text":
        if not isinstance(value, str) or not value.strip():
            return "must be non-empty text"
        if len(value) > max_text:
            return f"is {len(value)} characters long; the limit is {max_text}"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"must be a number, got {display_text(value, 200)}"
        if minimum is not None and value < minimum:
            return f"must be at least {minimum:g}, got {value:g}"
        if maximum is not None and value > maximum:
            return f"must be at most {maximum:g}, got {value:g}"
    elif kind == "confidence" and (isinstance(value, bool) or value not in (1, 2, 3, 4, 5)):
        return f"must be a whole number from 1 (not at all sure) to 5 (certain), got {display_text(value, 200)}"
    return None
