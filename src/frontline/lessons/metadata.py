"""Lesson notebook metadata: the schema, a typed loader and the checks behind ``frontline check``.

The contract (shared with the live run sheets and the README course map) is the notebook-level metadata key
``frontline.lesson``, described in ``lesson.schema.json``. Timed sections are markdown cells with cell metadata
``frontline.minutes``; facilitator material lives in cells tagged ``facilitator``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from frontline.problems import ContentError, Problem

LESSON_GLOB = "[0-9][0-9]_*.ipynb"
FACILITATOR_TAG = "facilitator"
# A call such as frontline.scenario("diagnosis/late-delivery") in a code cell.
SCENARIO_CALL = re.compile(r"""scenario\(\s*["']([^"']+)["']""")


@cache
def lesson_schema() -> dict[str, Any]:
    return json.loads(resources.files("frontline.lessons").joinpath("lesson.schema.json").read_text("utf-8"))


@dataclass(frozen=True)
class Lesson:
    """One lesson's header, as stored in its notebook's metadata."""

    id: str
    number: int
    title: str
    questions: tuple[str, ...]
    objectives: tuple[str, ...]
    teaching_minutes: int
    exercise_minutes: int
    prerequisites: tuple[str, ...]
    key_points: tuple[str, ...]
    scenarios: tuple[str, ...]
    exercise: str | None
    front_line_exercise: str | None
    front_line_minutes: int
    path: Path

    @property
    def total_minutes(self) -> int:
        """Lesson plus analyst exercise (the run sheets' planned time)."""
        return self.teaching_minutes + self.exercise_minutes

    @classmethod
    def from_metadata(cls, meta: dict[str, Any], path: Path) -> Lesson:
        lists = ("questions", "objectives", "prerequisites", "key_points", "scenarios")
        values = {key: tuple(meta[key]) if key in lists else meta[key] for key in lesson_schema()["required"]}
        return cls(path=path, **values)


@dataclass(frozen=True)
class Section:
    """A timed section: a markdown cell carrying ``frontline.minutes``; its first heading is the title."""

    title: str
    minutes: int
    cell_index: int


def lesson_notebooks(folder: Path) -> list[Path]:
    """The lesson notebooks in a folder (``NN_slug.ipynb``), in teaching order."""
    return sorted(p for p in Path(folder).glob(LESSON_GLOB) if p.is_file())


def _line_of(text: str, needle: str, start: int = 0) -> int | None:
    at = text.find(needle, start)
    return None if at < 0 else text.count("\n", 0, at) + 1


def _metadata_line(text: str, field: str | None) -> int | None:
    """Line of ``field`` inside the notebook's ``frontline.lesson`` metadata (it follows the cells)."""
    block = text.rfind('"lesson":')
    if block < 0:
        return None
    if not field:
        return _line_of(text, '"lesson":', block)
    return _line_of(text, f'"{field}":', block) or _line_of(text, '"lesson":', block)


def _cell_line(text: str, cell: dict[str, Any]) -> int | None:
    return _line_of(text, f'"id": "{cell.get("id")}"') if cell.get("id") else None


def read_notebook(path: Path) -> tuple[dict[str, Any] | None, str, list[Problem]]:
    """Parse a notebook file as JSON; on failure return the problem with its line."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return None, "", [Problem(path, f"cannot read the notebook: {e}")]
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as e:
        return None, text, [Problem(path, f"not valid JSON: {e.msg} (column {e.colno})", line=e.lineno)]
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, text, [Problem(path, "not a notebook: no list of cells")]
    return nb, text, []


def lesson_metadata(nb: dict[str, Any]) -> Any:
    return nb.get("metadata", {}).get("frontline", {}).get("lesson")


def validate_metadata(meta: Any, path: Path, text: str = "") -> list[Problem]:
    """Schema errors in a lesson's metadata, each naming the field."""
    if meta is None:
        return [Problem(path, "no lesson header: notebook metadata needs a 'frontline.lesson' object",
                        field="frontline.lesson")]
    problems = []
    validator = jsonschema.Draft202012Validator(lesson_schema())
    for error in sorted(validator.iter_errors(meta), key=lambda e: list(map(str, e.absolute_path))):
        field_path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1]
            problems.append(Problem(path, f"required field {missing!r} is missing", _metadata_line(text, None),
                                    field=f"frontline.lesson.{missing}"))
            continue
        if error.validator == "additionalProperties":
            message = f"unknown field: {error.message}"
        else:
            message = f"{error.message} (rule: {error.validator})"
        top = str(error.absolute_path[0]) if error.absolute_path else None
        problems.append(Problem(path, message, _metadata_line(text, top),
                                field="frontline.lesson" + (f".{field_path}" if field_path else "")))
    return problems


def load_lesson(path: Path) -> Lesson:
    """The lesson header of one notebook, or :class:`ContentError` naming the notebook and field."""
    path = Path(path)
    nb, text, problems = read_notebook(path)
    if nb is not None:
        meta = lesson_metadata(nb)
        problems = validate_metadata(meta, path, text)
        if not problems:
            return Lesson.from_metadata(meta, path)
    raise ContentError(problems)


def load_lessons(folder: Path) -> list[Lesson]:
    """Every lesson in a folder, in teaching order; raises :class:`ContentError` listing all problems."""
    lessons, problems = [], []
    for path in lesson_notebooks(folder):
        try:
            lessons.append(load_lesson(path))
        except ContentError as e:
            problems.extend(e.problems)
    if problems:
        raise ContentError(problems)
    return lessons


def heading_of(source: str) -> str | None:
    for line in source.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return None


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def timed_sections(nb: dict[str, Any]) -> list[Section]:
    """The notebook's timed sections in order (for run sheets and the facilitator)."""
    sections = []
    for index, cell in enumerate(nb.get("cells", [])):
        minutes = cell.get("metadata", {}).get("frontline", {}).get("minutes")
        if cell.get("cell_type") == "markdown" and isinstance(minutes, int):
            sections.append(Section(heading_of(cell_source(cell)) or f"cell {index + 1}", minutes, index))
    return sections


def facilitator_cells(nb: dict[str, Any]) -> list[str]:
    """The text of every cell tagged ``facilitator``."""
    return [cell_source(c) for c in nb.get("cells", []) if FACILITATOR_TAG in c.get("metadata", {}).get("tags", [])]


def scenario_calls(nb: dict[str, Any]) -> list[str]:
    """Scenario ids the notebook's code cells open with ``frontline.scenario(...)``, in order, without repeats."""
    found: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            found += [s for s in SCENARIO_CALL.findall(cell_source(cell)) if s not in found]
    return found
