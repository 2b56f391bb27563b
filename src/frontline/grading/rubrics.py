"""Rubrics for manually graded answers: content files ``grading/rubrics/<assignment>.yaml``.

A rubric gives, for one manually graded cell (by its nbgrader ``grade_id``), the criteria, the levels of each
criterion with their points, and a comment bank graders can paste from. Files are validated against
``rubric.schema.json`` and against the assignment's source notebook (every manual cell has a rubric; points agree),
and every problem names the file, line and field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import nbformat

from frontline.problems import ContentError, Problem
from frontline.yamlsource import read_yaml

SCHEMA_FILE = Path(__file__).with_name("rubric.schema.json")


@dataclass(frozen=True)
class Level:
    points: float
    description: str


@dataclass(frozen=True)
class Criterion:
    criterion: str
    points: float
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Rubric:
    """The mark scheme of one manually graded cell."""

    assignment: str
    cell: str
    title: str
    points: float
    criteria: tuple[Criterion, ...]
    comments: tuple[str, ...]

    def to_markdown(self) -> str:
        """The mark scheme as markdown, for graders (inserted after the answer in formgrader)."""
        lines = [f"#### 📋 Mark scheme: {self.title} ({_num(self.points)} points)", "",
                 "*For graders: added by `frontline grade`; not part of the student's submission.*", "",
                 "| Criterion | Points | Levels |", "|---|---|---|"]
        for criterion in self.criteria:
            levels = "<br>".join(f"**{_num(level.points)}**: {_cell(level.description)}" for level in criterion.levels)
            lines.append(f"| {_cell(criterion.criterion)} | {_num(criterion.points)} | {levels} |")
        lines += ["", "**Comment bank**", ""]
        lines += [f"- {comment}" for comment in self.comments]
        return "\n".join(lines)


def _num(value: float) -> str:
    return f"{value:g}"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _field(path: list[Any]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def load_rubric_file(path: Path) -> tuple[list[Rubric], list[Problem]]:
    """Parse and validate one rubric file; returns the rubrics that are valid and every problem found."""
    try:
        located = read_yaml(path)
    except ContentError as e:
        return [], e.problems
    data = located.data

    def line_of(field_path: list[Any]) -> int | None:
        return located.line(tuple(field_path))

    problems: list[Problem] = []
    validator = jsonschema.Draft202012Validator(_schema())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        location = list(error.absolute_path)
        problems.append(Problem(path, error.message, line=line_of(location), field=_field(location)))
    if problems:
        return [], problems
    if data["assignment"] != path.stem:
        problems.append(Problem(path, f"assignment {data['assignment']!r} should match the file name {path.stem!r}",
                                line=line_of(["assignment"]), field="assignment"))
    rubrics = []
    for cell_id, entry in data["cells"].items():
        where = ["cells", cell_id]
        criteria = []
        for i, criterion in enumerate(entry["criteria"]):
            level_points = [level["points"] for level in criterion["levels"]]
            cpath = [*where, "criteria", i]
            if max(level_points) != criterion["points"]:
                problems.append(Problem(path, f"the top level gives {_num(max(level_points))} points but the "
                                              f"criterion is worth {_num(criterion['points'])}",
                                        line=line_of([*cpath, "levels"]), field=_field([*cpath, "levels"])))
            if min(level_points) != 0:
                problems.append(Problem(path, "the lowest level should give 0 points",
                                        line=line_of([*cpath, "levels"]), field=_field([*cpath, "levels"])))
            if len(set(level_points)) != len(level_points):
                problems.append(Problem(path, "two levels give the same points",
                                        line=line_of([*cpath, "levels"]), field=_field([*cpath, "levels"])))
            criteria.append(Criterion(criterion["criterion"], criterion["points"],
                                      tuple(Level(lv["points"], lv["description"]) for lv in criterion["levels"])))
        total = sum(c.points for c in criteria)
        if total != entry["points"]:
            problems.append(Problem(path, f"the criteria add up to {_num(total)} points but the cell is worth "
                                          f"{_num(entry['points'])}",
                                    line=line_of([*where, "points"]), field=_field([*where, "points"])))
        rubrics.append(Rubric(data["assignment"], cell_id, entry["title"], entry["points"], tuple(criteria),
                              tuple(entry["comments"])))
    return (rubrics if not problems else []), problems


def load_rubrics(rubrics_dir: Path, assignment: str) -> dict[str, Rubric]:
    """The rubrics of ``assignment`` by cell id; raises :class:`ContentError` if the file is invalid."""
    path = rubrics_dir / f"{assignment}.yaml"
    if not path.exists():
        return {}
    rubrics, problems = load_rubric_file(path)
    if problems:
        raise ContentError(problems)
    return {r.cell: r for r in rubrics}


@dataclass(frozen=True)
class GradedCell:
    grade_id: str
    points: float
    manual: bool
    cell_index: int


def graded_cells(notebook: nbformat.NotebookNode) -> list[GradedCell]:
    """nbgrader's graded cells of a notebook; a cell is manually graded when it is an answer (solution) cell."""
    cells = []
    for index, cell in enumerate(notebook.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") or meta.get("task"):
            manual = bool(meta.get("solution") or meta.get("task"))
            cells.append(GradedCell(meta.get("grade_id", ""), float(meta.get("points", 0) or 0), manual, index))
    return cells
