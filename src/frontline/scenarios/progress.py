"""Each named trainee's progress on the scenarios, kept in a local JSON file so it survives a kernel restart.

Progress belongs to a trainee, not to a computer account. Location: the ``FRONTLINE_PROGRESS`` environment variable
(a file path; ``frontline lab`` sets it to the trainee's workspace) if set; else, when ``FRONTLINE_TRAINEE`` names a
trainee, the progress file in that trainee's workspace; else ``$XDG_DATA_HOME/frontline/progress.json``
(``~/.local/share/frontline/progress.json``), for scenarios played outside any workspace. The file is re-read before
every update, so two notebooks open at once do not overwrite each other's records, and written atomically (a
temporary file renamed over the old one), so a crash mid-write cannot leave half a file. A file that cannot be read
is never wiped: it is moved aside to ``progress.corrupt-N.json`` and a warning names both paths.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

try:  # POSIX: serialise read-modify-write between kernels; elsewhere the atomic rename still prevents torn files
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

PROGRESS_ENV_VAR = "FRONTLINE_PROGRESS"
FORMAT_VERSION = 1


def default_progress_path() -> Path:
    env = os.environ.get(PROGRESS_ENV_VAR)
    if env:
        return Path(env).expanduser()
    from frontline.workspace import TRAINEE_ENV_VAR, Workspace

    trainee = os.environ.get(TRAINEE_ENV_VAR, "").strip()
    if trainee:
        return Workspace.for_trainee(trainee).progress_path
    from frontline.kit import user_data_folder

    return user_data_folder() / "progress.json"


def current_trainee() -> str | None:
    """The trainee whose progress is kept (``FRONTLINE_TRAINEE``), or None outside a named workspace."""
    from frontline.workspace import TRAINEE_ENV_VAR

    return os.environ.get(TRAINEE_ENV_VAR, "").strip() or None


@dataclass
class ScenarioProgress:
    attempts: int = 0
    solved: bool = False
    hints_used: int = 0
    best_score: float = 0.0
    last_score: float | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScenarioProgress:
        return cls(int(data.get("attempts", 0)), bool(data.get("solved", False)), int(data.get("hints_used", 0)),
                   float(data.get("best_score", 0.0)),
                   None if data.get("last_score") is None else float(data["last_score"]))


class CorruptProgressWarning(UserWarning):
    """The progress file could not be read and was moved aside."""


class ProgressStore:
    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else default_progress_path()

    def _read(self) -> dict[str, ScenarioProgress]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), dict):
                raise ValueError("expected an object with a 'scenarios' object")
            return {sid: ScenarioProgress.from_json(entry) for sid, entry in raw["scenarios"].items()}
        except (ValueError, TypeError, AttributeError) as e:
            self._set_aside(e)
            return {}

    def _set_aside(self, error: Exception) -> None:
        n = 1
        while (aside := self.path.with_name(f"{self.path.stem}.corrupt-{n}{self.path.suffix}")).exists():
            n += 1
        os.replace(self.path, aside)
        warnings.warn(f"Your progress file {self.path} could not be read ({type(error).__name__}: {error}). "
                      f"It was kept as {aside} and a new progress file is started.", CorruptProgressWarning,
                      stacklevel=4)

    def _write(self, records: dict[str, ScenarioProgress]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"version": FORMAT_VERSION,
                   "scenarios": {sid: asdict(records[sid]) for sid in sorted(records)}}
        handle, temporary = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(payload, out, indent=2)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on a side file while reading and rewriting, so two notebooks saving at the same
        moment cannot drop each other's update."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fcntl is None:
            yield
            return
        with open(self.path.with_name(f".{self.path.name}.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def all(self) -> dict[str, ScenarioProgress]:
        return self._read()

    def get(self, scenario_id: str) -> ScenarioProgress:
        return self._read().get(scenario_id, ScenarioProgress())

    def record_attempt(self, scenario_id: str, score: float, solved: bool) -> ScenarioProgress:
        with self._locked():
            records = self._read()
            entry = records.setdefault(scenario_id, ScenarioProgress())
            entry.attempts += 1
            entry.solved = entry.solved or solved
            entry.best_score = max(entry.best_score, round(score, 4))
            entry.last_score = round(score, 4)
            self._write(records)
        return entry

    def record_hints(self, scenario_id: str, hints_used: int) -> ScenarioProgress:
        with self._locked():
            records = self._read()
            entry = records.setdefault(scenario_id, ScenarioProgress())
            entry.hints_used = max(entry.hints_used, hints_used)
            self._write(records)
        return entry


class ProgressSummary:
    """What ``frontline.progress()`` returns: a table of every scenario, shown as a widget in a notebook."""

    def __init__(self, store: ProgressStore, scenario_ids: list[str], titles: dict[str, str] | None = None,
                 trainee: str | None = None):
        self.store = store
        self.trainee = trainee
        titles = titles or {}
        records = store.all()
        ids = list(scenario_ids) + sorted(set(records) - set(scenario_ids))
        self.rows = []
        for sid in ids:
            entry = records.get(sid, ScenarioProgress())
            status = "✔ solved" if entry.solved else ("◐ attempted" if entry.attempts else "· not started")
            # trainees read the scenario's title; its id is only a fallback for a scenario no longer in the kit
            self.rows.append({"id": sid, "scenario": titles.get(sid, sid), "status": status, "attempts": entry.attempts,
                              "hints used": entry.hints_used, "best score": entry.best_score})

    @property
    def solved(self) -> int:
        return sum(r["status"].startswith("✔") for r in self.rows)

    @property
    def attempted(self) -> int:
        return sum(r["attempts"] > 0 for r in self.rows)

    @property
    def headline(self) -> str:
        whose = f"{self.trainee}: s" if self.trainee else "S"
        return (f"{whose}olved {self.solved} of {len(self.rows)} scenarios; attempted {self.attempted}; "
                f"{sum(r['hints used'] for r in self.rows)} hint(s) used.")

    @property
    def frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=["id", "scenario", "status", "attempts", "hints used", "best score"])

    def __str__(self) -> str:
        lines = [self.headline]
        lines += [f"{r['status']:<14} {r['scenario']:<50} attempts {r['attempts']}, hints {r['hints used']}, "
                  f"best {r['best score']:.0%}" for r in self.rows]
        return "\n".join(lines)

    __repr__ = __str__

    @property
    def widget(self):
        import html

        import ipywidgets as w

        head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in
                       ("Scenario", "Status", "Attempts", "Hints used", "Best score"))
        body = "".join(
            f"<tr><td>{html.escape(r['scenario'])}</td><td>{html.escape(r['status'])}</td><td>{r['attempts']}</td>"
            f"<td>{r['hints used']}</td><td>{r['best score']:.0%}</td></tr>" for r in self.rows)
        return w.VBox([w.HTML(f"<p><strong>{html.escape(self.headline)}</strong></p>"),
                       w.HTML(f"<table><caption>Your scenario progress</caption><thead><tr>{head}</tr></thead>"
                              f"<tbody>{body}</tbody></table>")])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle["text/plain"] = str(self)
        return bundle
