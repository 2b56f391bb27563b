"""Settings for every test run, whatever it collects (tests/, and the notebooks nbval runs under notebooks/ and
exercises/): the whole run uses a private home folder.

Every variable through which a test, a notebook kernel, nbgrader or a Jupyter server could reach the real home
folder's files is pointed into a temporary folder: nbgrader's cache and exchange, Jupyter's settings, runtime and
data, IPython's profile, Frontline's progress, workspaces and exchange. (A test once left a submission in the real
nbgrader cache, and a trainee's Assignments panel showed it.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_HOME_VARIABLES = ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR",
                   "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                   "FRONTLINE_PROGRESS", "FRONTLINE_EXCHANGE", "FRONTLINE_WORKSPACES", "FRONTLINE_TRAINEE")
_saved: dict[str, str | None] = {}
_home: list[Path] = []


def pytest_configure(config) -> None:
    home = Path(tempfile.mkdtemp(prefix="frontline-test-home-"))
    _home.append(home)
    folders = {
        "HOME": home, "XDG_DATA_HOME": home / ".local/share", "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache", "XDG_RUNTIME_DIR": home / ".runtime",
        "JUPYTER_CONFIG_DIR": home / ".jupyter", "JUPYTER_DATA_DIR": home / ".local/share/jupyter",
        "JUPYTER_RUNTIME_DIR": home / ".local/share/jupyter/runtime", "IPYTHONDIR": home / ".ipython",
    }
    for name in _HOME_VARIABLES:
        _saved[name] = os.environ.pop(name, None)
    for name, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ[name] = str(folder)
    os.environ["FRONTLINE_PROGRESS"] = str(home / "progress.json")


def pytest_unconfigure(config) -> None:
    for name, value in _saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    for home in _home:
        shutil.rmtree(home, ignore_errors=True)
