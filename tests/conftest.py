from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from frontline.kit import KitPaths

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def kit_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the kit's content folders, selected with FRONTLINE_KIT."""
    root = tmp_path / "kit"
    for folder in ("data", "notebooks", "exercises", "grading"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    monkeypatch.setenv("FRONTLINE_KIT", str(root))
    return root


@pytest.fixture
def grading_kit(kit_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KitPaths:
    """A private copy of the kit with its own course folder and exchange, for breaking on purpose."""
    monkeypatch.setenv("FRONTLINE_COURSE", str(tmp_path / "course"))
    monkeypatch.setenv("FRONTLINE_EXCHANGE", str(tmp_path / "exchange"))
    return KitPaths(kit_copy)
