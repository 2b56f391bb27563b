"""Refresh the self-check digests from the source notebooks (the trainer's copy with solutions).

Each source notebook's code cells are run in order in a fresh namespace, in the notebook's own folder, and the
digest of every self-checked answer is recorded. Run it after changing an exercise or the data:
``frontline grade digests``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import nbformat

from frontline.selfcheck import DIGESTS_FILE, digest

PLACES = 3


def run_source_notebook(notebook: Path) -> dict[str, Any]:
    """Execute the code cells of ``notebook`` in-process and return the resulting namespace."""
    nb = nbformat.read(notebook, as_version=4)
    namespace: dict[str, Any] = {"__name__": "__frontline_source__"}
    previous = Path.cwd()
    os.chdir(notebook.parent)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in nb.cells:
                if cell.cell_type == "code":
                    exec(compile(cell.source, f"{notebook.name}:{cell.get('id', '?')}", "exec"), namespace)
    finally:
        os.chdir(previous)
    return namespace


def exercise_question_files(questions_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """The self-check questions of every exercise question file, by exercise name (read without validation:
    validation itself needs the digests being built)."""
    from frontline.yamlsource import read_yaml

    found: dict[str, list[dict[str, Any]]] = {}
    for file in sorted(questions_dir.glob("*.yaml")):
        data = read_yaml(file).data
        if isinstance(data, dict) and "exercise" in data:
            found[data["exercise"]] = data["questions"]
    return found


def compute_digests(exercises_dir: Path, questions_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    from frontline.learn.items import SelfCheck

    questions_dir = questions_dir or exercises_dir.parent / "data" / "questions"
    digests: dict[str, dict[str, Any]] = {}
    for name, specs in exercise_question_files(questions_dir).items():
        namespace = run_source_notebook(exercises_dir / name / f"{name}.ipynb")
        for spec in specs:
            if not spec.get("digest", True):
                continue
            check = SelfCheck(name, spec)
            value = check.value_to_digest(namespace[check.answer_name])
            digests[check.id] = {"digest": digest(check.id, value, PLACES), "places": PLACES}
    return digests


def write_digests(exercises_dir: Path, target: Path = DIGESTS_FILE) -> Path:
    target.write_text(json.dumps(compute_digests(exercises_dir), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    from frontline.selfcheck import _digests

    _digests.cache_clear()
    return target
