"""Finding the trainee's written reply in their saved notebook, by the answer cell's nbgrader grade id.

The coach runs in the notebook's kernel, which cannot read the text of an unsaved cell. It reads the notebook file
instead: the one Jupyter started the kernel for (``JPY_SESSION_NAME``, which ipykernel also exposes as
``__session__``), else the notebooks in the kernel's working folder (Jupyter starts a kernel in its notebook's
folder; nbgrader and nbval do too) that hold a cell with this grade id, newest first. So the trainee saves, then
checks; when no file can be found the widget offers a text box instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

SESSION_ENV_VAR = "JPY_SESSION_NAME"


@dataclass(frozen=True)
class SavedReply:
    notebook: Path
    text: str


def _answer_in(notebook: Path, grade_id: str) -> str | None:
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # a half-written, damaged or foreign file is just not the notebook we want
        return None
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell.get("source", "")
    return None


def candidate_notebooks(folder: Path | None = None) -> list[Path]:
    """The kernel's own notebook first (when Jupyter said which it is), then the folder's notebooks, newest first."""
    folder = folder or Path.cwd()
    found: list[Path] = []
    session = os.environ.get(SESSION_ENV_VAR, "")
    if session.endswith(".ipynb"):
        path = Path(session)
        path = path if path.is_absolute() else folder / path
        if path.is_file():
            found.append(path)
    local = sorted(folder.glob("*.ipynb"), key=lambda p: p.stat().st_mtime, reverse=True)
    found += [p for p in local if p not in found]
    return found


def read_saved_reply(grade_id: str, folder: Path | None = None) -> SavedReply | None:
    """The saved text of the answer cell ``grade_id``, or None when no notebook near the kernel has that cell."""
    for notebook in candidate_notebooks(folder):
        text = _answer_in(notebook, grade_id)
        if text is not None:
            return SavedReply(notebook, text)
    return None
