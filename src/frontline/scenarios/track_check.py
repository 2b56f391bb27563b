"""The ``front-line track`` checker of ``frontline check``: the nine front-line exercises and their model records.

Each ``exercises/fl_*`` notebook must play at least one graded scenario and ask for at least one written reply;
every graded scenario must be graded-only (``use: graded``: never opened for practice), needs a test cell that
marks the same item, and a model record in
``grading/model_records/<assignment>/<item>.json`` that scores full marks when replayed (following the lesson
reaches full marks); every written reply (grade id ``reply-...``) is a manually graded markdown cell followed by the
hidden reply-coach cell. Rubrics are checked by the ``grading`` checker.
"""

from __future__ import annotations

import ast
import io
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

from frontline.kit import KitPaths
from frontline.problems import Problem
from frontline.scenario_use import file_use

PLAY, MARK = "graded_scenario", "mark_scenario"


def _calls(source: str, name: str) -> list[tuple[list, dict]]:
    """Literal arguments of every call of ``name`` (as ``graded.name`` or ``name``) in ``source``."""
    try:
        tree = ast.parse("\n".join(line for line in source.splitlines() if not line.startswith("###")))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == name:
                try:
                    found.append(([ast.literal_eval(a) for a in node.args],
                                  {k.arg: ast.literal_eval(k.value) for k in node.keywords}))
                except ValueError:
                    found.append(([], {}))
    return found


def front_line_exercises(paths: KitPaths) -> list[Path]:
    return sorted(p / f"{p.name}.ipynb" for p in paths.exercises.glob("fl_*") if p.is_dir())


def check_exercise(path: Path, paths: KitPaths) -> list[Problem]:
    import nbformat

    from frontline.scenarios.graded import _graded_engine, mark_record

    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as e:
        return [Problem(path, f"cannot be read: {e}")]
    problems: list[Problem] = []
    played: dict[str, tuple[str, str | None]] = {}
    marked: dict[str, tuple[str, str | None]] = {}
    replies = 0
    for index, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        where = f"cell {index + 1}"
        for args, kwargs in _calls(cell.source, PLAY):
            if len(args) >= 2:
                played[args[0]] = (args[1], kwargs.get("persona"))
        for args, kwargs in _calls(cell.source, MARK):
            if len(args) >= 3:
                marked[args[0]] = (args[1], kwargs.get("persona"))
                if not meta.get("grade") or meta.get("grade_id") != args[0] or meta.get("points") != args[2]:
                    problems.append(Problem(path, f"the marking of {args[0]!r} must be a test cell with grade id "
                                            f"{args[0]!r} and {args[2]} points", field=where))
        grade_id = str(meta.get("grade_id", ""))
        if grade_id.startswith("reply-"):
            replies += 1
            if cell.cell_type != "markdown" or not meta.get("solution") or not meta.get("grade"):
                problems.append(Problem(path, f"{grade_id} must be a manually graded markdown answer", field=where))
            following = notebook.cells[index + 1] if index + 1 < len(notebook.cells) else None
            if following is None or f'reply_coach("{grade_id}")' not in following.source or \
                    not following.metadata.get("jupyter", {}).get("source_hidden"):
                problems.append(Problem(path, f"{grade_id} must be followed by a hidden cell calling "
                                        f'frontline.reply_coach("{grade_id}")', field=where))
    if not played:
        problems.append(Problem(path, "a front-line exercise needs at least one graded scenario"))
    if not replies:
        problems.append(Problem(path, "a front-line exercise needs at least one written reply (grade id reply-...)"))
    for item_id, spec in sorted(played.items()):
        if marked.get(item_id) != spec:
            problems.append(Problem(path, f"graded scenario {item_id!r} has no test cell marking the same "
                                    f"scenario and persona {spec}"))
            continue
        scenario_file = paths.data / "scenarios" / f"{spec[0]}.yaml"
        if scenario_file.is_file() and file_use(scenario_file) != "graded":
            problems.append(Problem(path, f"graded scenario {item_id!r} plays {spec[0]!r}, a practice scenario "
                                    "trainees can open with hints and solutions: a graded exercise needs a "
                                    "graded-only scenario (use: graded) that tests the same skill on new facts"))
        model = paths.grading / "model_records" / path.parent.name / f"{item_id}.json"
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            (folder / "responses").mkdir()
            if not model.is_file():
                problems.append(Problem(model, f"missing: the model answer of graded scenario {item_id!r}"))
                continue
            (folder / "responses" / model.name).write_bytes(model.read_bytes())
            out = io.StringIO()
            try:
                with redirect_stdout(out):
                    earned = mark_record(item_id, spec[0], lambda s=spec, d=folder: _graded_engine(s[0], s[1], d),
                                         1.0, folder)
            except Exception as e:
                problems.append(Problem(model, f"could not be replayed: {e}"))
                continue
            if earned < 1:
                problems.append(Problem(model, f"the model answer of {item_id!r} does not reach full marks: "
                                        + " ".join(out.getvalue().split())[:300]))
    return problems


def check_track(paths: KitPaths) -> list[Problem]:
    from frontline.knowledge import check_knowledge

    problems = check_knowledge(paths)
    exercises = front_line_exercises(paths)
    if not exercises:
        problems.append(Problem(paths.exercises, "no front-line exercises (fl_*) found"))
    for path in exercises:
        problems.extend(check_exercise(path, paths))
    return problems
