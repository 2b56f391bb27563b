"""One way to report bad content: a :class:`Problem` names the file, the place in it and the field.

Validators return lists of problems instead of stopping at the first, so ``frontline check`` can report
everything at once; loaders raise :class:`ContentError` carrying the same problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """A single thing wrong with a content file.

    ``line`` is the 1-based line in the file, ``row`` the 1-based data row of a table (line minus header),
    ``field`` the column, key path or cell the problem is in.
    """

    file: Path | str
    message: str
    line: int | None = None
    row: int | None = None
    field: str | None = None

    def relative_to(self, root: Path) -> Problem:
        """The same problem with its file shown relative to ``root`` (when it lies inside it)."""
        try:
            file = Path(self.file).resolve().relative_to(root.resolve())
        except ValueError:
            return self
        return Problem(file, self.message, self.line, self.row, self.field)

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f"column {self.field!r}" if self.row is not None else f"field {self.field!r}")
        return ": ".join(parts) + f": {self.message}"


class ContentError(ValueError):
    """Raised when kit content (a dataset, scenario, rubric, notebook) is malformed."""

    def __init__(self, problems: Iterable[Problem], limit: int = 10):
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problem(s); run `frontline check` to see them all")
        super().__init__("\n".join(shown))
