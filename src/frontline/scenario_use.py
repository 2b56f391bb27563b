"""What a scenario file is for: ``use: practice`` (the default) or ``use: graded`` (kept for graded exercises).

A graded exercise tests a skill on a situation the trainee has not practised, so its scenario must never be opened
where practice happens: a lesson, the role-play cards, a live session. This module reads a file's ``use`` without
the scenario engine (the live server checks it on its quick path) and words the refusal for a trainee.
"""

from __future__ import annotations

from pathlib import Path

import yaml

USES = ("practice", "graded")


def file_use(file: Path) -> str:
    """A scenario file's top-level ``use``; ``practice`` when absent or unreadable (validation reports the rest)."""
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "practice"
    use = data.get("use") if isinstance(data, dict) else None
    return use if use in USES else "practice"


def graded_only_message(title: str) -> str:
    """Why a graded-only scenario does not open for practice, in words a trainee understands."""
    return (f"“{title}” is a question kept for a graded exercise, so it cannot be opened for practice: here its "
            "hints, instant feedback and worked answer would give the graded answer away. Practise on the lesson's "
            "own scenarios, and meet this one in its exercise.")
