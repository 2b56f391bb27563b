"""Named computations and property tests that question files refer to by name, with parameters.

A question file never holds Python: it says ``computation: share`` with ``params: {...}``, and the function
registered under that name computes the expected answer from the kit's data. The same holds for the properties an
exercise self-check tests. Registering a function records its parameters, so ``frontline check`` can name an
unknown or missing parameter before a trainee ever meets the question.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    name: str
    function: Callable[..., Any]
    description: str
    # parameters the author must give / may give (the first positional one, the answer or the tables, excluded)
    required: frozenset[str]
    optional: frozenset[str]

    def parameter_problems(self, params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        """``(parameter or None, message)`` for each missing or unknown parameter."""
        problems: list[tuple[str | None, str]] = []
        for missing in sorted(self.required - set(params)):
            problems.append((None, f"{self.name!r} needs the parameter {missing!r}"))
        known = self.required | self.optional
        for unknown in sorted(set(params) - known):
            problems.append((unknown, f"{self.name!r} has no parameter {unknown!r}; it takes "
                                      f"{', '.join(sorted(known)) or 'none'}"))
        return problems


class Registry:
    """A name -> function table; the first parameter of each function is supplied by the caller, not the author."""

    def __init__(self, what: str):
        self.what = what
        self._entries: dict[str, Entry] = {}

    def register(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def add(function: Callable[..., Any]) -> Callable[..., Any]:
            parameters = list(inspect.signature(function).parameters.values())[1:]
            required = frozenset(p.name for p in parameters if p.default is inspect.Parameter.empty)
            optional = frozenset(p.name for p in parameters if p.default is not inspect.Parameter.empty)
            description = (inspect.getdoc(function) or "").split("\n\n")[0].replace("\n", " ")
            self._entries[name] = Entry(name, function, description, required, optional)
            return function

        return add

    def get(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"no {self.what} {name!r}; known: {', '.join(sorted(self._entries))}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entries(self) -> list[Entry]:
        return [self._entries[name] for name in self.names()]


COMPUTATIONS = Registry("computation")
PROPERTIES = Registry("property")
