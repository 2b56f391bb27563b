"""Presenting notebooks without code: the Voila command line with the kit's settings, on a presentation copy.

What the room sees is a *presentation copy* of the notebook, made in a private folder (the kit's file is only read):
the trainee edition (no facilitator notes, no outputs), without the cells that only make sense for a trainee typing
at their own keyboard (self-check answers and the commented-out "stuck?" lines, which would show "not answered
yet" before anyone has answered), with the lesson's title as the page title. The presentation keeps its own,
empty progress file, so the presenter's own scenario record never appears on the projected page.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from frontline.workspace.editions import cell_text, trainee_edition

# Links on a projected page cannot be followed by the room, lead to notebooks that are not presented, and Voila's
# theme marks them by colour alone: the room reads the words (and an address, for a web page) instead.
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def _unlinked(text: str) -> str:
    return _LINK.sub(lambda m: m.group(1) if not m.group(2).startswith("http") else f"{m.group(1)} ({m.group(2)})",
                     text)

_SELF_CHECK_ANSWER = re.compile(r"^\s*\w+\s*=\s*\.\.\.\s*(#.*)?$", re.MULTILINE)
_HEADING = re.compile(r"^#{1,2}\s+(.+)$", re.MULTILINE)


def _only_for_the_keyboard(cell: dict[str, Any]) -> bool:
    """A code cell that shows nothing useful to a room: only comments, or a self-check waiting for an answer."""
    if cell.get("cell_type") != "code":
        return False
    lines = [line.strip() for line in cell_text(cell).splitlines() if line.strip()]
    return not lines or all(line.startswith("#") for line in lines) or bool(
        _SELF_CHECK_ANSWER.search(cell_text(cell)))


def presentation_title(notebook: dict[str, Any], fallback: str) -> str:
    lesson = notebook.get("metadata", {}).get("frontline", {}).get("lesson")
    if isinstance(lesson, dict) and lesson.get("title"):
        number = lesson.get("number")
        return f"Lesson {number}: {lesson['title']}" if number is not None else str(lesson["title"])
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown" and (heading := _HEADING.search(cell_text(cell))):
            return heading.group(1).strip()
    return fallback.replace("_", " ")


def presentation_copy(notebook: Path, folder: Path) -> Path:
    """Write the presentation copy of ``notebook`` into ``folder`` (see the module's description)."""
    import nbformat

    source = nbformat.reads(notebook.read_text(encoding="utf-8"), as_version=4)
    shown = trainee_edition(source)
    shown["cells"] = [c for c in shown["cells"] if not _only_for_the_keyboard(c)]
    for cell in shown["cells"]:
        if cell.get("cell_type") == "markdown":
            cell["source"] = _unlinked(cell_text(cell))
    shown["metadata"]["title"] = presentation_title(source, notebook.stem)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / notebook.name
    target.write_text(nbformat.writes(nbformat.from_dict(json.loads(json.dumps(shown)))), encoding="utf-8")
    return target


def voila_command(notebook: Path, port: int, host: str = "127.0.0.1", open_browser: bool = False) -> list[str]:
    """The ``voila`` invocation ``frontline live present`` runs.

    Sources are stripped (only outputs and widgets are shown), tracebacks are hidden from the room, and the
    kernel runs in the notebook's folder so relative paths in a lesson work as in JupyterLab.
    """
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or shutil.which("voila")
    argv = [voila] if voila else [sys.executable, "-m", "voila"]
    return [
        *argv, str(notebook),
        f"--port={port}", f"--Voila.ip={host}",
        "--strip_sources=True", "--show_tracebacks=False",
        "--theme=light",
        "--no-browser" if not open_browser else "--Voila.open_browser=True",
        f"--Voila.root_dir={notebook.resolve().parent}",
    ]
