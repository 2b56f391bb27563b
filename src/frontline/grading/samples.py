"""Made-up submissions, good and bad, for trying the grading workflow, its tests and its benchmark.

Each kind turns the source notebook (with solutions) or the released notebook into what a trainee might hand
in: complete, untouched, an infinite loop, a crash, a dying kernel, edited tests, deleted or retyped cells,
stripped metadata, a corrupt file or a misnamed one.
"""

from __future__ import annotations

import contextlib
import copy
import os
from pathlib import Path

import nbformat

KINDS = ("source", "full", "untouched", "loop", "crash", "exit", "tamper", "delete", "retype", "stripped", "corrupt",
         "misnamed")


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _first(notebook, predicate):
    return next(i for i, cell in enumerate(notebook.cells) if predicate(cell))


def _last(notebook, predicate):
    return max(i for i, cell in enumerate(notebook.cells) if predicate(cell))


def _is_code_answer(cell) -> bool:
    return cell.cell_type == "code" and _meta(cell).get("solution") and not _meta(cell).get("grade")


def _is_test(cell) -> bool:
    return _meta(cell).get("grade") and not _meta(cell).get("solution")


def _filled(release, answers: dict[str, str]):
    notebook = copy.deepcopy(release)
    for cell in notebook.cells:
        if _meta(cell).get("solution"):
            cell.source = answers[_meta(cell)["grade_id"]]
    return notebook


def make_submission(kind: str, source: Path, release: Path, folder: Path) -> Path:
    """Write a submission of ``kind`` for the notebook ``source``/``release`` into ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    name = source.name
    full = nbformat.read(source, as_version=4)
    student = nbformat.read(release, as_version=4)
    answers = {_meta(c)["grade_id"]: c.source for c in full.cells if _meta(c).get("solution")}
    if kind == "source":
        notebook = full
    elif kind == "full":  # what a trainee who gets everything right hands in: the release with answers filled in
        notebook = _filled(student, answers)
    elif kind == "untouched":
        notebook = student
    elif kind == "loop":
        notebook = _filled(student, answers)
        notebook.cells[_last(notebook, _is_code_answer)].source = "while True:\n    pass"
    elif kind == "crash":
        notebook = _filled(student, answers)
        notebook.cells[_last(notebook, _is_code_answer)].source = 'raise RuntimeError("my code broke")'
    elif kind == "exit":  # the kernel process dies
        notebook = _filled(student, answers)
        notebook.cells[_last(notebook, _is_code_answer)].source = "import os\nos._exit(1)"
    elif kind == "tamper":
        notebook = copy.deepcopy(student)
        for cell in notebook.cells:
            if _is_test(cell):
                cell.source = "pass  # tests? what tests?"
    elif kind == "delete":
        notebook = _filled(student, answers)
        del notebook.cells[_first(notebook, _is_test)]
    elif kind == "retype":
        notebook = _filled(student, answers)
        index = _first(notebook, _is_code_answer)
        cell = notebook.cells[index]
        notebook.cells[index] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
        notebook.cells[index]["id"] = cell.get("id", "retyped")
    elif kind == "stripped":
        notebook = _filled(student, answers)
        for cell in notebook.cells:
            cell.metadata.pop("nbgrader", None)
    elif kind == "corrupt":
        path = folder / name
        path.write_text('{"cells": [ this is not JSON', encoding="utf-8")
        return path
    elif kind == "misnamed":
        notebook = _filled(student, answers)
        name = f"{source.stem} (1).ipynb"
    else:
        raise ValueError(f"unknown kind of submission {kind!r}; known: {', '.join(KINDS)}")
    path = folder / name
    nbformat.write(notebook, path)
    return path


@contextlib.contextmanager
def course_environment(base: Path, kit: Path, cell_timeout: int | None = None):
    """Point the grading commands at a throwaway course and exchange under ``base`` (restored afterwards)."""
    env = {"FRONTLINE_COURSE": str(base / "course"), "FRONTLINE_EXCHANGE": str(base / "exchange"),
           "FRONTLINE_KIT": str(kit)}
    if cell_timeout is not None:
        env["FRONTLINE_CELL_TIMEOUT"] = str(cell_timeout)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def answered(source: Path, release: Path):
    """The released notebook with every answer cell holding the source notebook's solution."""
    full = nbformat.read(source, as_version=4)
    answers = {_meta(c)["grade_id"]: c.source for c in full.cells if _meta(c).get("solution")}
    return _filled(nbformat.read(release, as_version=4), answers)
