"""A trainee's own workspace: their copy of the lessons and exercises, kept in step with the kit.

``Workspace(folder, trainee).sync(kit)`` creates or updates it:

* ``lessons/`` holds the trainee edition of every lesson, ``exercises/<name>/`` the release version of every
  exercise (with the files it reads); nothing else of the kit is copied, so no source notebook, solution or hidden
  test is ever inside the folder a trainee's JupyterLab serves;
* ``.frontline/`` (hidden, so JupyterLab does not serve it) keeps what was delivered last (a manifest of
  checksums and a copy of each file, the *base* of the next merge) and the trainee's progress;
* on every sync, files the trainee has not changed are brought up to date, files they changed are kept and merged
  cell by cell with the kit's new version (:mod:`frontline.workspace.merge`), files they deleted are delivered
  again; the :class:`SyncReport` says in words what happened.

The kit's own files are only read. One function serves ``frontline lab`` (one trainee on their computer) and a
hub (a workspace per hub user).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from frontline.kit import KitPaths, user_data_folder
from frontline.workspace.editions import release_version, trainee_edition
from frontline.workspace.merge import merge_notebook

WORKSPACES_ENV_VAR = "FRONTLINE_WORKSPACES"
TRAINEE_ENV_VAR = "FRONTLINE_TRAINEE"
LESSONS = "lessons"
EXERCISES = "exercises"
STATE = ".frontline"
DATA_DICTIONARY = "data-dictionary.md"
FORMAT_VERSION = 1


class WorkspaceError(ValueError):
    """A trainee name or workspace folder that cannot be used."""


def trainee_slug(name: str) -> str:
    """A folder name for a trainee: lower-case letters, digits and dashes (``"Ana María"`` → ``"ana-maria"``)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60]
    if not slug:
        raise WorkspaceError(f"{name!r} cannot name a workspace: use at least one letter or digit.")
    return slug


def workspaces_root() -> Path:
    """Where trainees' workspaces are created: ``FRONTLINE_WORKSPACES``, else the user's data folder."""
    env = os.environ.get(WORKSPACES_ENV_VAR)
    return Path(env).expanduser() if env else user_data_folder() / "workspaces"


def default_workspace_folder(trainee: str) -> Path:
    return workspaces_root() / trainee_slug(trainee)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _notebook_bytes(nb: dict) -> bytes:
    import nbformat

    return nbformat.writes(nbformat.from_dict(nb)).encode("utf-8") + b"\n"


def _read_notebook(data: bytes) -> dict:
    import nbformat

    return nbformat.reads(data.decode("utf-8"), as_version=4)


def kit_deliveries(kit: KitPaths) -> dict[str, bytes]:
    """Every file a trainee is given, by its path inside the workspace, as the bytes to write."""
    files: dict[str, bytes] = {}
    dictionary = kit.data / "DATA_DICTIONARY.md"
    if dictionary.is_file():
        files[DATA_DICTIONARY] = dictionary.read_bytes()
    for path in sorted(kit.notebooks.glob("[0-9][0-9]_*.ipynb")):
        files[f"{LESSONS}/{path.name}"] = _notebook_bytes(trainee_edition(_read_notebook(path.read_bytes())))
    # On a hub the exercises' sources are readable by trainers only: trainees get graded work from the exchange.
    if kit.exercises.is_dir() and os.access(kit.exercises, os.R_OK | os.X_OK):
        for folder in sorted(p for p in kit.exercises.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
                relative = f"{EXERCISES}/{path.relative_to(kit.exercises).as_posix()}"
                if path.suffix == ".ipynb":
                    files[relative] = _notebook_bytes(release_version(_read_notebook(path.read_bytes())))
                else:
                    files[relative] = path.read_bytes()
    return files


@dataclass
class SyncReport:
    """What a sync did, for the trainee to read."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # the trainee's edits kept, the course's changes brought in
    conflicts: dict[str, list[str]] = field(default_factory=dict)  # file -> cells both changed
    kept_aside: dict[str, str] = field(default_factory=dict)  # file the trainee changed -> where the update went
    removed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # the course dropped them; the trainee's edited copy stays

    @property
    def changed(self) -> bool:
        return any((self.added, self.updated, self.restored, self.merged, self.kept_aside, self.removed))

    def lines(self, first_time: bool = False) -> list[str]:
        if first_time:
            return [f"Your workspace has {len(self.added)} files: the lessons and the practice exercises."]
        out = []
        if self.added:
            out.append("New from the course: " + ", ".join(self.added) + ".")
        if self.updated:
            out.append("Updated by the course (you had not changed them): " + ", ".join(self.updated) + ".")
        if self.restored:
            out.append("Given back (you had deleted them): " + ", ".join(self.restored) + ".")
        for name in self.merged:
            cells = self.conflicts.get(name)
            if cells:
                out.append(f"{name}: the course changed {len(cells)} cell(s) you had also changed. Your version is "
                           "kept; the course's new version is right below it, under a note saying so.")
            else:
                out.append(f"{name}: the course's changes are added and everything you wrote is kept.")
        for name, aside in self.kept_aside.items():
            out.append(f"{name}: you changed this file, so it is kept as it is; the course's new version is "
                       f"beside it as {aside}.")
        if self.removed:
            out.append("No longer part of the course, removed (you had not changed them): "
                       + ", ".join(self.removed) + ".")
        if self.retired:
            out.append("No longer part of the course, but kept because you changed them: "
                       + ", ".join(self.retired) + ".")
        return out or ["Your workspace is up to date."]


class Workspace:
    """One trainee's folder; see the module's description."""

    welcome = f"{LESSONS}/00_welcome.ipynb"  # where `frontline lab` opens, relative to the folder

    def __init__(self, folder: Path | str, trainee: str):
        self.folder = Path(folder).expanduser().resolve()
        self.trainee = trainee.strip()
        trainee_slug(self.trainee)  # refuse names that cannot name a folder
        self.state = self.folder / STATE
        self.manifest_path = self.state / "manifest.json"
        self.progress_path = self.state / "progress.json"

    @classmethod
    def for_trainee(cls, trainee: str, folder: Path | str | None = None) -> Workspace:
        return cls(folder or default_workspace_folder(trainee), trainee)

    def _base(self, relative: str) -> Path:
        return self.state / "base" / relative

    def _read_manifest(self) -> dict[str, str]:
        if not self.manifest_path.exists():
            return {}
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            return dict(manifest["files"])
        except (ValueError, KeyError, TypeError):
            return {}  # a damaged manifest: every file the trainee has is then treated as theirs and kept

    def _write_manifest(self, files: dict[str, str], kit: KitPaths) -> None:
        payload = {"version": FORMAT_VERSION, "trainee": self.trainee, "kit": str(kit.root),
                   "files": dict(sorted(files.items()))}
        _write_atomic(self.manifest_path, (json.dumps(payload, indent=2) + "\n").encode())

    def _check_folder(self, kit: KitPaths) -> None:
        kit_root = kit.root.resolve()
        if self.folder == kit_root or kit_root in self.folder.parents or self.folder in kit_root.parents:
            raise WorkspaceError(f"The workspace {self.folder} must lie outside the kit ({kit_root}) and must not "
                                 "contain it: a trainee's session never writes the kit's files.")
        if (self.folder.exists() and any(self.folder.iterdir()) and not self.manifest_path.exists()
                and not (self.folder / LESSONS).is_dir()):
            raise WorkspaceError(f"{self.folder} already holds other files; choose an empty folder or a "
                                     "Frontline workspace.")

    def sync(self, kit: KitPaths) -> SyncReport:
        """Create or update the workspace from the kit; see the module's description."""
        self._check_folder(kit)
        report = SyncReport()
        delivered = self._read_manifest()
        incoming = kit_deliveries(kit)
        for relative, data in incoming.items():
            self._deliver(relative, data, delivered.get(relative), report)
        for relative in sorted(set(delivered) - set(incoming)):
            path = self.folder / relative
            if path.exists() and _digest(path.read_bytes()) == delivered[relative]:
                path.unlink()
                report.removed.append(relative)
            elif path.exists():
                report.retired.append(relative)
            self._base(relative).unlink(missing_ok=True)
        self._write_manifest({r: _digest(d) for r, d in incoming.items()}, kit)
        return report

    def _deliver(self, relative: str, data: bytes, delivered_digest: str | None, report: SyncReport) -> None:
        path = self.folder / relative
        new_digest = _digest(data)
        if not path.exists():
            _write_atomic(path, data)
            (report.restored if delivered_digest else report.added).append(relative)
        else:
            current = path.read_bytes()
            current_digest = _digest(current)
            if current_digest == new_digest:
                pass
            elif current_digest == delivered_digest:
                _write_atomic(path, data)
                report.updated.append(relative)
            elif new_digest != delivered_digest:  # both the trainee and the course changed it
                self._merge(relative, current, data, report)
        _write_atomic(self._base(relative), data)

    def _merge(self, relative: str, current: bytes, data: bytes, report: SyncReport) -> None:
        path = self.folder / relative
        base = self._base(relative)
        if path.suffix == ".ipynb" and base.exists():
            try:
                result = merge_notebook(_read_notebook(base.read_bytes()), _read_notebook(current),
                                        _read_notebook(data))
            except (ValueError, KeyError, TypeError, AttributeError):
                result = None  # the trainee's file is not a readable notebook: keep it whole, below
            if result is not None:
                _write_atomic(path, _notebook_bytes(result.notebook))
                report.merged.append(relative)
                if result.conflicts:
                    report.conflicts[relative] = result.conflicts
                return
        aside = path.with_name(f"{path.stem} (course update){path.suffix}")
        _write_atomic(aside, data)
        report.kept_aside[relative] = aside.name
