"""Recorded answers: the clicks a trainee makes on a graded item, kept as a small file in the assignment folder.

While a trainee plays a graded scenario or answers a knowledge-check item inside an nbgrader assignment, every
learner action (a *verb* such as ``choose`` or ``ask``, with its arguments) is appended to
``responses/<item-id>.json`` next to the notebook::

    {"format": 1, "item": "diagnosis/late-delivery", "steps": [{"verb": "ask", "args": ["what-happened"]}]}

The file holds choices, never a score: grading replays it (``frontline.scenarios.graded``), so editing it can only
do what clicking could. nbgrader's submit collects the folder with the notebook. Writes are atomic (a temporary
file in the same folder, then a rename), so a kernel stopped mid-write leaves the previous record intact.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1
RESPONSES_FOLDER = "responses"
ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
MAX_RECORD_BYTES = 256 * 1024  # far above any real record; a bigger file is refused unread
MAX_STEPS = 500


class RecordError(ValueError):
    """A record that cannot be used: missing, unreadable, of another item or another format. Worded for a trainee."""


@dataclass(frozen=True)
class Step:
    verb: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"verb": self.verb, "args": list(self.args)}
        if self.kwargs:
            data["kwargs"] = dict(self.kwargs)
        return data


@dataclass(frozen=True)
class Record:
    item: str
    steps: tuple[Step, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "item": self.item, "steps": [s.to_json() for s in self.steps]}


def check_item_id(item_id: str) -> str:
    if not isinstance(item_id, str) or not ITEM_ID.match(item_id):
        raise ValueError(f"item id {item_id!r} must be lower-case letters, digits, '-' or '_' (at most 80)")
    return item_id


def record_path(item_id: str, folder: Path | str | None = None) -> Path:
    """``responses/<item-id>.json`` under ``folder`` (default: the working directory, i.e. the notebook's)."""
    return Path(folder or Path.cwd()) / RESPONSES_FOLDER / f"{check_item_id(item_id)}.json"


def write_record(path: Path, record: Record) -> None:
    """Write ``record`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record.to_json(), indent=1, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _json_value(value: Any) -> bool:
    """Only what a click can produce: text, numbers, and lists of them (no nested objects)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return True
    return isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool)
                                           for v in value)


def parse_record(text: str, expected_item: str) -> Record:
    """The record in ``text`` if it is a format-1 record of ``expected_item``; else a ``RecordError`` in words."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise RecordError(f"the saved answer is damaged (not readable: {e.msg if hasattr(e, 'msg') else e})") from e
    if not isinstance(data, dict):
        raise RecordError("the saved answer is damaged (it is not a record of clicks)")
    if data.get("format") != FORMAT:
        raise RecordError(f"the saved answer is in an unknown format ({data.get('format')!r}; expected {FORMAT})")
    if data.get("item") != expected_item:
        raise RecordError(f"the saved answer belongs to another question ({data.get('item')!r}), not this one")
    steps = data.get("steps")
    if not isinstance(steps, list):
        raise RecordError("the saved answer is damaged (its list of steps is missing)")
    if len(steps) > MAX_STEPS:
        raise RecordError(f"the saved answer has {len(steps)} steps, more than the {MAX_STEPS} a trainee could make")
    parsed = []
    for number, step in enumerate(steps, 1):
        if not isinstance(step, dict) or not isinstance(step.get("verb"), str):
            raise RecordError(f"the saved answer is damaged (step {number} names no action)")
        args, kwargs = step.get("args", []), step.get("kwargs", {})
        if not isinstance(args, list) or not all(_json_value(a) for a in args):
            raise RecordError(f"the saved answer is damaged (step {number} has values no click can give)")
        if not isinstance(kwargs, dict) or not all(isinstance(k, str) and _json_value(v) for k, v in kwargs.items()):
            raise RecordError(f"the saved answer is damaged (step {number} has values no click can give)")
        parsed.append(Step(step["verb"], tuple(args), dict(kwargs)))
    return Record(expected_item, tuple(parsed))


def read_record(path: Path, expected_item: str) -> Record:
    """The record at ``path`` for ``expected_item``; a ``RecordError`` (in words) if missing or unusable."""
    if not path.is_file():
        raise RecordError("no saved answer was found: the question was not answered in this notebook "
                          "(or the answer file was not handed in)")
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise RecordError("the saved answer is far larger than any real answer, so it was not read")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RecordError(f"the saved answer could not be read ({e})") from e
    return parse_record(text, expected_item)


class Recorder:
    """Appends each learner action on one item to its record file, rewriting the whole file atomically."""

    def __init__(self, item_id: str, item: str, folder: Path | str | None = None):
        self.path = record_path(item_id, folder)
        self.item = item
        self.steps: list[Step] = []

    def load(self) -> list[Step]:
        """Steps already saved for this item (so a reopened notebook continues), or none if unusable."""
        try:
            self.steps = list(read_record(self.path, self.item).steps)
        except RecordError:
            self.steps = []
        return list(self.steps)

    def append(self, verb: str, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None) -> None:
        self.steps.append(Step(verb, tuple(args), dict(kwargs or {})))
        write_record(self.path, Record(self.item, tuple(self.steps)))
