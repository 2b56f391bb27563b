"""``frontline check`` for lessons: every notebook's header metadata, the things it refers to, and hygiene."""

from __future__ import annotations

import re
from pathlib import Path

from frontline.kit import KitPaths
from frontline.lessons.metadata import (
    Lesson,
    _cell_line,
    _metadata_line,
    cell_source,
    heading_of,
    lesson_metadata,
    lesson_notebooks,
    read_notebook,
    scenario_calls,
    timed_sections,
    validate_metadata,
)
from frontline.lessons.render import HEADER_MARK, stale_cells
from frontline.problems import Problem
from frontline.scenario_use import file_use
from frontline.workspace.editions import is_facilitator_cell, looks_like_facilitator_notes, trainee_edition

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`]*`")
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def currency_as_maths(markdown_text: str) -> list[tuple[int, str]]:
    """Lines (1-based within the cell, with the line) where two unescaped ``$`` signs, one before a digit, would
    turn the money between them into maths in JupyterLab and Voila. Code blocks and code spans are skipped."""
    found, fenced = [], False
    for number, line in enumerate(markdown_text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        prose = _CODE_SPAN.sub("", line)
        dollars = [m.start() for m in _UNESCAPED_DOLLAR.finditer(prose)]
        if len(dollars) >= 2 and any(prose[i + 1 : i + 2].isdigit() for i in dollars):
            found.append((number, line))
    return found


def check_trainee_text(path: Path, nb: dict, text: str) -> list[Problem]:
    """What a trainee would see wrongly: money rendered as maths, and facilitator notes in their edition."""
    problems = []
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "markdown":
            continue
        for number, line in currency_as_maths(cell_source(cell)):
            problems.append(Problem(path, f"line {number} of the cell has two unescaped $ signs, so the amount "
                                          f"between them renders as maths: write \\$ for money "
                                          f"({line.strip()[:80]!r})", line=_cell_line(text, cell),
                                    field=f"cell {index + 1}"))
    edition = trainee_edition(nb)
    for cell in edition["cells"]:
        if is_facilitator_cell(cell) or looks_like_facilitator_notes(cell):
            index = next((i for i, c in enumerate(nb["cells"]) if c.get("id") == cell.get("id")), None)
            where = f"cell {index + 1}" if index is not None else "cells"
            problems.append(Problem(path, "this cell reads as facilitator notes but would be in the trainee "
                                          "edition: tag it `facilitator` (it then goes to the run sheet only)",
                                    line=_cell_line(text, cell), field=where))
    return problems


def scenario_file(data: Path, scenario_id: str) -> Path:
    return data / "scenarios" / f"{scenario_id}.yaml"


def exercise_names(exercises: Path) -> set[str] | None:
    """Assignment names under ``exercises/`` (``exercises/<name>/`` or ``exercises/source/<name>/``); None when
    the kit has no exercises yet, so lessons can be written before their exercises."""
    if not exercises.is_dir():
        return None
    names = {p.name for p in exercises.iterdir() if p.is_dir() and not p.name.startswith(".")}
    if (exercises / "source").is_dir():
        names |= {p.name for p in (exercises / "source").iterdir() if p.is_dir()}
    names.discard("source")
    return names or None


def _check_cells(path: Path, nb: dict, text: str) -> list[Problem]:
    problems = []
    for index, cell in enumerate(nb["cells"]):
        where = dict(line=_cell_line(text, cell), field=f"cell {index + 1}")
        if cell.get("outputs") or cell.get("execution_count") is not None:
            problems.append(Problem(path, "stored with outputs or an execution count; clear them before saving",
                                    **where))
        frontline_meta = cell.get("metadata", {}).get("frontline", {})
        if "minutes" in frontline_meta:
            minutes = frontline_meta["minutes"]
            if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
                problems.append(Problem(path, f"frontline.minutes must be a whole number above 0, not {minutes!r}",
                                        **where))
            if cell.get("cell_type") != "markdown" or heading_of(cell_source(cell)) is None:
                problems.append(Problem(path, "a timed section must be a markdown cell with a heading", **where))
    return problems


def check_notebook(path: Path, paths: KitPaths, known_ids: dict[str, int]) -> list[Problem]:
    """Problems in one lesson notebook; ``known_ids`` maps every lesson id in the kit to its number."""
    nb, text, problems = read_notebook(path)
    if nb is None:
        return problems
    meta = lesson_metadata(nb)
    problems = validate_metadata(meta, path, text)
    problems += _check_cells(path, nb, text)
    problems += check_trainee_text(path, nb, text)
    if problems and any(p.field and p.field.startswith("frontline.lesson") for p in problems):
        return problems
    lesson = Lesson.from_metadata(meta, path)

    def at(field: str, message: str) -> Problem:
        return Problem(path, message, _metadata_line(text, field), field=f"frontline.lesson.{field}")

    if lesson.id != path.stem:
        problems.append(at("id", f"id {lesson.id!r} must equal the file name without .ipynb ({path.stem!r})"))
    if lesson.number != int(path.name[:2]):
        problems.append(at("number", f"number {lesson.number} does not match the file name prefix {path.name[:2]}"))
    for prerequisite in lesson.prerequisites:
        if prerequisite not in known_ids:
            problems.append(at("prerequisites", f"prerequisite {prerequisite!r} is not a lesson in notebooks/"))
        elif known_ids[prerequisite] >= lesson.number:
            problems.append(at("prerequisites", f"prerequisite {prerequisite!r} comes after this lesson"))
    for scenario_id in lesson.scenarios:
        if not scenario_file(paths.data, scenario_id).is_file():
            problems.append(at("scenarios", f"scenario {scenario_id!r} has no file "
                                            f"data/scenarios/{scenario_id}.yaml"))
        elif file_use(scenario_file(paths.data, scenario_id)) == "graded":
            problems.append(at("scenarios", f"scenario {scenario_id!r} is graded-only (use: graded): a lesson "
                                            "practises on practice scenarios only"))
    for scenario_id in scenario_calls(nb):
        if scenario_id not in lesson.scenarios:
            problems.append(at("scenarios", f"the notebook opens scenario {scenario_id!r} but does not list it"))
    exercises = exercise_names(paths.exercises)
    if lesson.exercise and exercises is not None and lesson.exercise not in exercises:
        problems.append(at("exercise", f"exercise {lesson.exercise!r} is not an assignment in exercises/ "
                                       f"(found: {', '.join(sorted(exercises))})"))
    if lesson.front_line_exercise and exercises is not None and lesson.front_line_exercise not in exercises:
        problems.append(at("front_line_exercise", f"front-line exercise {lesson.front_line_exercise!r} is not an "
                                                  f"assignment in exercises/"))
    if lesson.number >= 1 and not lesson.front_line_exercise:
        problems.append(at("front_line_exercise", "every lesson after the welcome names a front-line exercise "
                                                  "(one a trainee completes without writing code)"))
    if bool(lesson.front_line_exercise) != bool(lesson.front_line_minutes):
        problems.append(at("front_line_minutes", "give minutes for the front-line exercise, and only when there is "
                                                 "one"))
    sections = timed_sections(nb)
    planned = sum(section.minutes for section in sections)
    if sections and planned != lesson.teaching_minutes:
        problems.append(at("teaching_minutes", f"the timed sections add up to {planned} minutes but "
                                               f"teaching_minutes is {lesson.teaching_minutes}"))
    for mark, index in stale_cells(nb, lesson):
        what = "header" if mark == HEADER_MARK else "key points"
        state = "is missing" if index is None else "differs from the metadata"
        problems.append(Problem(path, f"the generated {what} cell {state}; run `frontline lessons sync`",
                                line=_cell_line(text, nb["cells"][index]) if index is not None else None,
                                field=f"cell {index + 1}" if index is not None else "cells"))
    if nb["cells"] and not cell_source(nb["cells"][0]).startswith(HEADER_MARK):
        problems.append(Problem(path, "the first cell must be the generated header", field="cell 1"))
    return problems


def check_lessons(paths: KitPaths) -> list[Problem]:
    """Every lesson notebook under ``notebooks/``; see :func:`check_notebook`."""
    notebooks = lesson_notebooks(paths.notebooks)
    known_ids: dict[str, int] = {}
    problems: list[Problem] = []
    seen_numbers: dict[str, Path] = {}
    for path in notebooks:
        prefix = path.name[:2]
        if prefix in seen_numbers:
            problems.append(Problem(path, f"two lessons share the number {prefix}: {seen_numbers[prefix].name} "
                                          f"and {path.name}", field="frontline.lesson.number"))
        seen_numbers[prefix] = path
        known_ids[path.stem] = int(prefix)
    for path in notebooks:
        problems += check_notebook(path, paths, known_ids)
    return problems
