"""Reading YAML while remembering the line of every key and list item.

PyYAML's composer keeps a start mark on each node; walking the node tree (instead of calling ``safe_load``) lets
every validator point at the exact line of a bad field, and lets us refuse duplicate keys, which ``safe_load``
silently merges (a trainer who pastes a question twice would otherwise lose the first one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from frontline.problems import ContentError, Problem

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """``("questions", 2, "type")`` -> ``"questions[2].type"`` (list positions are 0-based, like Python)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass
class LocatedData:
    """Plain Python data read from a YAML file plus the 1-based line of every key path in it."""

    file: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def problem(self, path: KeyPath, message: str) -> Problem:
        return Problem(self.file, message, line=self.line(path), field=format_path(tuple(path)) or None)


class _Builder:
    def __init__(self, file: Path):
        self.file = file
        self.lines: dict[KeyPath, int] = {}
        self.problems: list[Problem] = []
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.constructor.construct_object(key_node, deep=True)
                key = str(key) if not isinstance(key, str) else key
                line = key_node.start_mark.line + 1
                if key in result:
                    self.problems.append(Problem(self.file, f"duplicate key {key!r} (first given on line "
                                                 f"{self.lines[(*path, key)]})", line=line,
                                                 field=format_path((*path, key))))
                    continue
                self.lines[(*path, key)] = line
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, index)))
            return items
        return self.constructor.construct_object(node, deep=True)


def read_yaml(file: Path) -> LocatedData:
    """Read ``file``; raise :class:`ContentError` naming the file and line for unreadable or invalid YAML."""
    file = Path(file)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ContentError([Problem(file, f"not UTF-8 text ({e.reason} at byte {e.start})")]) from e
    except OSError as e:
        raise ContentError([Problem(file, f"cannot be read: {e.strerror or e}")]) from e
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise ContentError([Problem(file, f"is not valid YAML: {e.problem or e.context}", line=line)]) from e
    if node is None:
        raise ContentError([Problem(file, "is empty", line=1)])
    builder = _Builder(file)
    data = builder.build(node, ())
    if builder.problems:
        raise ContentError(builder.problems)
    return LocatedData(file, data, builder.lines)
