"""Run sheets: what a facilitator needs per module, built from the lesson notebooks themselves.

A lesson's notebook-level metadata (``frontline.lesson``) gives the title, planned teaching and exercise minutes,
objectives and scenarios; markdown cells with ``frontline.minutes`` start timed sections (their first heading is
the section title); cells tagged ``facilitator`` carry debrief questions and notes. Nothing is duplicated by hand.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from frontline.lessons.metadata import cell_source, heading_of


@dataclass(frozen=True)
class Section:
    title: str
    minutes: float
    cell: int


@dataclass(frozen=True)
class FacilitatorNote:
    cell: int
    section: str | None
    text: str


@dataclass(frozen=True)
class RunSheet:
    lesson_id: str
    number: int | None
    title: str
    teaching_minutes: float
    exercise_minutes: float
    objectives: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    notes: list[FacilitatorNote] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def planned_minutes(self) -> float:
        return self.teaching_minutes + self.exercise_minutes

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["planned_minutes"] = self.planned_minutes
        return data


def run_sheet_for(path: Path) -> RunSheet:
    """The run sheet of one lesson notebook; metadata problems are listed on the sheet, not raised."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    lesson = (nb.get("metadata", {}).get("frontline") or {}).get("lesson") or {}
    problems = [] if lesson else [f"{path.name}: no `frontline.lesson` metadata; minutes are unknown"]
    sections: list[Section] = []
    notes: list[FacilitatorNote] = []
    for index, cell in enumerate(nb.get("cells", []), start=1):
        meta = cell.get("metadata", {})
        text = cell_source(cell)
        minutes = (meta.get("frontline") or {}).get("minutes")
        if cell.get("cell_type") == "markdown" and minutes is not None:
            if isinstance(minutes, int | float) and minutes >= 0:
                sections.append(Section(heading_of(text) or f"Cell {index}", float(minutes), index))
            else:
                problems.append(f"{path.name}: cell {index}: `frontline.minutes` must be a number, got {minutes!r}")
        if "facilitator" in (meta.get("tags") or []):
            notes.append(FacilitatorNote(index, sections[-1].title if sections else None, text.strip()))
    return RunSheet(
        lesson_id=str(lesson.get("id") or path.stem), number=lesson.get("number"),
        title=str(lesson.get("title") or path.stem), teaching_minutes=float(lesson.get("teaching_minutes") or 0),
        exercise_minutes=float(lesson.get("exercise_minutes") or 0), objectives=list(lesson.get("objectives") or []),
        scenarios=list(lesson.get("scenarios") or []), sections=sections, notes=notes, problems=problems,
    )


def run_sheets(notebooks: Path) -> list[RunSheet]:
    """Run sheets of every lesson notebook (``NN_slug.ipynb``) in teaching order."""
    return [run_sheet_for(path) for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))]
