"""``frontline check`` for the graded exercises: source notebooks, nbgrader metadata and rubrics agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from frontline.grading.rubrics import graded_cells, load_rubric_file
from frontline.kit import KitPaths
from frontline.problems import ContentError, Problem


def _line_of_grade_id(text: str, grade_id: str) -> int | None:
    match = re.search(r'"grade_id":\s*"' + re.escape(grade_id) + '"', text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _rubric_line(path: Path, field_path: list[str]) -> int | None:
    from frontline.yamlsource import read_yaml

    try:
        return read_yaml(path).line(tuple(field_path))
    except ContentError:
        return None


def check_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str, list[Problem]]:
    """Read a source notebook and validate its nbgrader metadata the way nbgrader itself does."""
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError

    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
        notebook = nbformat.reads(text, as_version=4)
    except json.JSONDecodeError as e:
        return None, "", [Problem(path, f"not a notebook: invalid JSON ({e.msg})", line=e.lineno)]
    except Exception as e:
        return None, "", [Problem(path, f"not a notebook: {e}")]
    problems: list[Problem] = []
    for index, cell in enumerate(notebook.cells):
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        grade_id = cell.metadata.nbgrader.get("grade_id", "")
        try:
            MetadataValidator().validate_cell(cell)
        except (ValidationError, Exception) as e:  # nbgrader raises a few kinds; all mean invalid metadata
            problems.append(Problem(path, f"invalid nbgrader metadata: {e}", line=_line_of_grade_id(text, grade_id),
                                    field=f"cells[{index}] ({grade_id or 'no grade_id'})"))
        if cell.outputs if cell.cell_type == "code" else False:
            problems.append(Problem(path, "source notebooks are stored without outputs",
                                    line=_line_of_grade_id(text, grade_id), field=f"cells[{index}]"))
    ids = [cell.metadata.nbgrader.get("grade_id") for cell in notebook.cells if "nbgrader" in cell.metadata]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1 and i}):
        problems.append(Problem(path, f"grade_id {duplicate!r} is used by more than one cell",
                                line=_line_of_grade_id(text, duplicate), field="grade_id"))
    return notebook, text, problems


def check_assignments(paths: KitPaths) -> list[Problem]:
    """Every assignment's notebooks are valid nbgrader sources; every manual cell has a rubric with its points."""
    problems: list[Problem] = []
    rubrics_dir = paths.grading / "rubrics"
    assignments = sorted(p for p in paths.exercises.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if paths.exercises.is_dir() else []
    known = {a.name for a in assignments}
    for rubric_file in sorted(rubrics_dir.glob("*.yaml")) if rubrics_dir.is_dir() else []:
        if rubric_file.stem not in known:
            problems.append(Problem(rubric_file, f"no assignment exercises/{rubric_file.stem}/ for this rubric file"))
    for assignment in assignments:
        notebooks = sorted(assignment.glob("*.ipynb"))
        if not notebooks:
            problems.append(Problem(assignment, "the assignment folder has no notebook"))
            continue
        rubric_file = rubrics_dir / f"{assignment.name}.yaml"
        rubrics, rubric_problems = load_rubric_file(rubric_file) if rubric_file.exists() else ([], [])
        problems += rubric_problems
        by_cell = {r.cell: r for r in rubrics}
        manual_ids: set[str] = set()
        for notebook_path in notebooks:
            notebook, text, nb_problems = check_notebook(notebook_path)
            problems += nb_problems
            if notebook is None:
                continue
            for cell in graded_cells(notebook):
                if not cell.manual:
                    continue
                manual_ids.add(cell.grade_id)
                line = _line_of_grade_id(text, cell.grade_id)
                if rubric_problems:
                    continue  # the rubric file's own problems are reported already
                rubric = by_cell.get(cell.grade_id)
                if rubric is None:
                    problems.append(Problem(notebook_path, f"manually graded cell {cell.grade_id!r} has no rubric in "
                                                           f"grading/rubrics/{assignment.name}.yaml",
                                            line=line, field=cell.grade_id))
                elif rubric.points != cell.points:
                    problems.append(Problem(rubric_file, f"the rubric gives {rubric.points:g} points but the "
                                                         f"notebook cell is worth {cell.points:g}",
                                            line=_rubric_line(rubric_file, ["cells", cell.grade_id, "points"]),
                                            field=f"cells.{cell.grade_id}.points"))
        for cell_id in sorted(set(by_cell) - manual_ids):
            problems.append(Problem(rubric_file, f"no manually graded cell {cell_id!r} in exercises/{assignment.name}",
                                    line=_rubric_line(rubric_file, ["cells", cell_id]), field=f"cells.{cell_id}"))
    return problems
