"""The reply coach's rule set: a data file (``data/coach/rules.yaml``) a trainer edits without touching Python.

The file is validated against ``rules.schema.json`` and every pattern is compiled, so a typo in a regular
expression is reported by ``frontline check`` with its file, line and field, never met by a trainee.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from frontline.kit import kit_paths
from frontline.problems import ContentError, Problem
from frontline.scenarios.loader import schema_problems
from frontline.yamlsource import LocatedData, read_yaml

SCHEMA_FILE = Path(__file__).with_name("rules.schema.json")
RULES_RELATIVE = Path("data") / "coach" / "rules.yaml"
FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class Part:
    """Phrases of which at least one must be seen in a sentence (for example "a time")."""

    name: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class NotCounted:
    """A phrase that looks like the element but is not it, and why."""

    pattern: re.Pattern[str]
    why: str


@dataclass(frozen=True)
class Element:
    """One rubric element the coach can look for in words."""

    id: str
    label: str
    meaning: str
    expect: Literal["present", "absent"]
    parts: tuple[Part, ...]
    not_counted: tuple[NotCounted, ...]
    tip: str
    long_sentences: int | None = None


@dataclass(frozen=True)
class Rules:
    file: Path
    elements: tuple[Element, ...]


def default_rules_file() -> Path:
    return kit_paths().root / RULES_RELATIVE


@cache
def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _spaces_span_lines(pattern: str) -> str:
    """A space stands for any run of spaces and line breaks (replies wrap across lines); an optional space
    (`` ?`` or `` *``) for any run, or none."""
    return re.sub(r"(?<!\\) ([?*])?", lambda m: r"\s*" if m.group(1) else r"\s+", pattern)


def _compile(located: LocatedData, path: tuple, pattern: str, problems: list[Problem]) -> re.Pattern[str] | None:
    try:
        compiled = re.compile(_spaces_span_lines(pattern), FLAGS)
    except re.error as e:
        problems.append(located.problem(path, f"the pattern {pattern!r} is not a valid regular expression: {e}"))
        return None
    if compiled.search(""):
        problems.append(located.problem(path, f"the pattern {pattern!r} matches an empty reply, so it would be "
                                              "seen in every reply"))
        return None
    return compiled


def _build(located: LocatedData) -> tuple[Rules | None, list[Problem]]:
    problems = schema_problems(located, _schema())
    if problems:
        return None, problems
    elements: list[Element] = []
    seen_ids: set[str] = set()
    for i, raw in enumerate(located.data["elements"]):
        if raw["id"] in seen_ids:
            problems.append(located.problem(("elements", i, "id"), f"element id {raw['id']!r} is used twice"))
        seen_ids.add(raw["id"])
        if "long_sentences" in raw and raw["expect"] != "absent":
            problems.append(located.problem(("elements", i, "long_sentences"),
                                            "long_sentences only makes sense on an element with expect: absent"))
        parts = []
        for j, part in enumerate(raw["parts"]):
            compiled = [_compile(located, ("elements", i, "parts", j, "patterns", k), p, problems)
                        for k, p in enumerate(part["patterns"])]
            parts.append(Part(part["name"], tuple(c for c in compiled if c is not None)))
        not_counted = []
        for j, nc in enumerate(raw.get("not_counted", [])):
            compiled = _compile(located, ("elements", i, "not_counted", j, "pattern"), nc["pattern"], problems)
            if compiled is not None:
                not_counted.append(NotCounted(compiled, nc["why"]))
        elements.append(Element(raw["id"], raw["label"], raw["meaning"], raw["expect"], tuple(parts),
                                tuple(not_counted), raw["tip"], raw.get("long_sentences")))
    if problems:
        return None, problems
    return Rules(located.file, tuple(elements)), []


def check_rules_file(file: Path) -> list[Problem]:
    """Every problem in a rules file (used by ``frontline check``)."""
    if not file.exists():
        return [Problem(file, "the reply coach's rules file is missing")]
    try:
        located = read_yaml(file)
    except ContentError as e:
        return e.problems
    return _build(located)[1]


def load_rules(file: Path | None = None) -> Rules:
    """The validated rule set, or :class:`ContentError` naming file, line and field."""
    file = Path(file) if file else default_rules_file()
    problems = check_rules_file(file)
    if problems:
        raise ContentError(problems)
    rules, _ = _build(read_yaml(file))
    assert rules is not None
    return rules
