"""Presenting notebooks without code: the Voila command line with the kit's settings."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


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
