"""Reading a written reply against the coach's rules: which elements can be seen, and the words that show them.

A reply is split into sentences; an element is *seen* when one sentence holds a phrase of every one of its parts
(a next step AND a time), *partly seen* when a sentence holds some parts but not all, and *not seen* otherwise.
A phrase that overlaps a "not counted" phrase (``sorry you feel that way``) does not count; the not-counted phrase
is reported with its reason, so the trainee sees why. Every finding quotes the sentence and the words found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from frontline.coach.rules import Element, Rules

# Curly quotes become straight ones of the same length, so offsets found in the normalised text quote the original.
_STRAIGHTEN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u02bc": "'"})
# A sentence ends at . ! or ? followed by a space ("4.30pm" stays whole) or at a blank line (a greeting, a
# signature); a single line break is a space, as in Markdown, since replies are typed into a Markdown cell.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*\n\s*")
_WORD = re.compile(r"[A-Za-z0-9'’-]+")
# Left over in a released nbgrader answer cell until the trainee replaces it.
PLACEHOLDERS = ("YOUR ANSWER HERE",)

Status = Literal["seen", "partly seen", "not seen"]


@dataclass(frozen=True)
class Quote:
    """A sentence of the reply and the words in it that the coach matched."""

    sentence: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Aside:
    """Words that look like an element but do not count, and why."""

    words: str
    why: str


@dataclass
class ElementResult:
    element: Element
    status: Status
    quotes: list[Quote] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # names of the parts not seen (for "partly seen")
    asides: list[Aside] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether this line of the checklist is as the rubric hopes (seen, or for a thing to avoid, not seen)."""
        return (self.status == "seen") if self.element.expect == "present" else (self.status == "not seen")


@dataclass
class Checklist:
    text: str
    results: list[ElementResult]

    def result(self, element_id: str) -> ElementResult:
        for r in self.results:
            if r.element.id == element_id:
                return r
        raise KeyError(element_id)

    @property
    def seen(self) -> set[str]:
        return {r.element.id for r in self.results if r.status == "seen"}

    @property
    def partly(self) -> set[str]:
        return {r.element.id for r in self.results if r.status == "partly seen"}


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    text: str  # the original words (curly quotes kept)


def _tidy(text: str) -> str:
    """Words as quoted back: line breaks inside a sentence become spaces."""
    return " ".join(text.split())


def is_blank(text: str) -> bool:
    stripped = text.strip()
    return not stripped or any(stripped == p or stripped.strip("#* _") == p for p in PLACEHOLDERS)


def sentences(text: str) -> list[_Sentence]:
    found, start = [], 0
    for end in [*(m for m in _SENTENCE_END.finditer(text)), None]:
        stop = end.start() if end else len(text)
        chunk = text[start:stop]
        lead = len(chunk) - len(chunk.lstrip())
        stripped = chunk.strip()
        if _WORD.search(stripped):
            found.append(_Sentence(start + lead, start + lead + len(stripped), _tidy(stripped)))
        if end:
            start = end.end()
    return found


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _merge(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Overlapping spans, or spans only a space apart ("by 10am" + "tomorrow"), quoted as one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1]:start].strip()):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _check_element(element: Element, plain: str, original: str, parts_of_text: list[_Sentence]) -> ElementResult:
    result = ElementResult(element, "not seen")
    best_partial: tuple[int, _Sentence, list[str], list[str]] | None = None  # most parts seen in one sentence
    for sentence in parts_of_text:
        piece = plain[sentence.start:sentence.end]
        excluded: list[tuple[int, int]] = []
        for nc in element.not_counted:
            for m in nc.pattern.finditer(piece):
                excluded.append(m.span())
                aside = Aside(_tidy(original[sentence.start + m.start():sentence.start + m.end()]), nc.why)
                if aside not in result.asides:
                    result.asides.append(aside)
        words: list[str] = []
        missing: list[str] = []
        parts_seen = 0
        for part in element.parts:
            hits = [m for p in part.patterns for m in p.finditer(piece)
                    if not any(_overlaps(m.span(), span) for span in excluded)]
            if hits:
                parts_seen += 1
                for start, end in _merge([m.span() for m in hits], piece):
                    found = _tidy(original[sentence.start + start:sentence.start + end])
                    if found not in words:
                        words.append(found)
            else:
                missing.append(part.name)
        if not missing:
            result.quotes.append(Quote(sentence.text, tuple(words)))
        elif parts_seen and (best_partial is None or parts_seen > best_partial[0]):
            best_partial = (parts_seen, sentence, words, missing)
        if element.long_sentences and len(_WORD.findall(sentence.text)) > element.long_sentences:
            count = len(_WORD.findall(sentence.text))
            result.quotes.append(Quote(sentence.text, (f"{count} words in one sentence",)))
    if result.quotes:
        result.status = "seen"
    elif best_partial is not None:
        _, sentence, words, missing = best_partial
        result.status = "partly seen"
        result.quotes.append(Quote(sentence.text, tuple(words)))
        result.missing = missing
    return result


def check_reply(text: str, rules: Rules) -> Checklist:
    """The checklist for one reply: every element of ``rules`` with its status, quotes and asides."""
    plain = text.translate(_STRAIGHTEN)
    parts_of_text = sentences(text)
    return Checklist(text, [_check_element(e, plain, text, parts_of_text) for e in rules.elements])
