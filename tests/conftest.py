from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def kit_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the kit's content folders, selected with FRONTLINE_KIT."""
    root = tmp_path / "kit"
    for folder in ("data", "notebooks"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    monkeypatch.setenv("FRONTLINE_KIT", str(root))
    return root


# Every variable through which a test, a notebook run by nbval, nbgrader or a Jupyter server could reach the real
# home folder's files: nbgrader's cache and exchange, Jupyter's settings, runtime and data, Frontline's progress,
# workspaces and exchange.
_HOME_VARIABLES = ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR",
                   "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                   "FRONTLINE_PROGRESS", "FRONTLINE_EXCHANGE", "FRONTLINE_WORKSPACES", "FRONTLINE_TRAINEE")


@pytest.fixture(autouse=True, scope="session")
def _private_home(tmp_path_factory: pytest.TempPathFactory):
    """The whole run uses a private home folder: nothing a test does reaches the user's Jupyter, nbgrader or
    Frontline files (the trainee's Assignments panel once showed a submission a test had made)."""
    import os

    home = tmp_path_factory.mktemp("home")
    values = {
        "HOME": home, "XDG_DATA_HOME": home / ".local/share", "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache", "XDG_RUNTIME_DIR": home / ".runtime",
        "JUPYTER_CONFIG_DIR": home / ".jupyter", "JUPYTER_DATA_DIR": home / ".local/share/jupyter",
        "JUPYTER_RUNTIME_DIR": home / ".local/share/jupyter/runtime", "IPYTHONDIR": home / ".ipython",
        "FRONTLINE_PROGRESS": home / "progress.json",
    }
    previous = {name: os.environ.get(name) for name in _HOME_VARIABLES}
    for name in _HOME_VARIABLES:
        os.environ.pop(name, None)
    for name, value in values.items():
        if name != "FRONTLINE_PROGRESS":
            value.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ[name] = str(value)
    yield home
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
