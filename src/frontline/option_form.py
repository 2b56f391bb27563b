"""When an option's form gives the answer away: measures shared by the scenarios' authoring lints
(:mod:`frontline.scenarios.lints`) and the knowledge check's answer key (:mod:`frontline.knowledge`).

* **length**: a right option markedly longer than its distractors can be picked without knowing the subject.
  Measured in words: right ÷ mean of the distractors at most :data:`MAX_MEAN_RATIO`, right ÷ longest distractor at
  most :data:`MAX_LONGEST_RATIO` (:func:`length_ratios`).
* **absolute words**: :func:`absolute_word_pick_rates` measures what a test-taker scores by avoiding (or seeking)
  options with an absolute word (:data:`ABSOLUTE_WORDS`), against :func:`chance_rate`.
* **a why of its own**: the feedback of every option says at least :data:`MIN_WHY_WORDS` words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from statistics import mean

MAX_MEAN_RATIO = 1.4
MAX_LONGEST_RATIO = 1.2
MIN_WHY_WORDS = 4

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][a-z]+)?")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(words(text))


# ----- give-away length -----------------------------------------------------------------------------------------
def length_ratios(right: str, distractors: list[str]) -> tuple[float, float]:
    """(right ÷ mean distractor, right ÷ longest distractor), in words."""
    lengths = [max(1, word_count(d)) for d in distractors]
    n = word_count(right)
    return n / mean(lengths), n / max(lengths)


# ----- give-away absolute words ---------------------------------------------------------------------------------
# Test-wise trainees learn that an option saying "never" or "only" is usually wrong; when it is, they score above
# chance without knowing the subject.
ABSOLUTE_WORDS = frozenset({"only", "never", "nobody", "always", "all", "none", "every"})
MAX_ABSOLUTE_PICK_RATE = 0.4


def absolute_words(text: str) -> list[str]:
    """The absolute words of ``text``, in order (a word inside a quotation counts too: the trainee reads it)."""
    return [word for word in words(text) if word.lower() in ABSOLUTE_WORDS]


def absolute_word_pick_rates(items: Iterable[tuple[str, list[str]]]) -> dict[str, float]:
    """What a test-taker scores, as a share of ``items`` given as (right option, distractors), by picking at random
    among the options without an absolute word ("avoid"), or among those with one ("seek"); when no option, or
    every option, has one, the pick is random among all of them. About one in three options is chance."""
    items = list(items)
    scores = {"avoid": 0.0, "seek": 0.0}
    for right, distractors in items:
        options = [right, *distractors]
        marked = [bool(absolute_words(text)) for text in options]
        for strategy, wanted in (("avoid", False), ("seek", True)):
            picked = [i for i, has in enumerate(marked) if has == wanted] or list(range(len(options)))
            if 0 in picked:  # the right option is the first
                scores[strategy] += 1 / len(picked)
    return {strategy: score / len(items) if items else 0.0 for strategy, score in scores.items()}


def chance_rate(items: Iterable[tuple[str, list[str]]]) -> float:
    """What a random pick scores on ``items`` (right option, distractors)."""
    items = list(items)
    return sum(1 / (1 + len(distractors)) for _, distractors in items) / len(items) if items else 0.0
