"""The kit's settings for trainee-facing text: one currency and one spelling convention per kit.

They live in ``data/kit.yaml`` (``currency: "£"``, ``spelling: british``) so a trainer localises the whole kit in
one place. Scenario files write amounts with ``$`` (``$120``); when a scenario is loaded, every ``$`` followed by a
digit in its text becomes the kit's currency symbol, and the engine shows computed amounts with the same symbol.
``frontline check`` reports words spelt the other way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frontline.problems import ContentError, Problem
from frontline.yamlsource import read_yaml

SETTINGS_FILE = "kit.yaml"
SPELLINGS = ("british", "american")
_AMOUNT = re.compile(r"\$(?=\d)")


@dataclass(frozen=True)
class KitSettings:
    currency: str = "$"
    spelling: str = "british"

    def money(self, value: float) -> str:
        """``1250`` -> ``$1,250``; ``12.5`` -> ``$12.50``."""
        text = f"{value:,.2f}"
        return self.currency + (text[:-3] if text.endswith(".00") else text)

    def localise(self, value: Any) -> Any:
        """The same data with every ``$<digit>`` in its strings written in the kit's currency."""
        if self.currency == "$":
            return value
        if isinstance(value, str):
            return _AMOUNT.sub(self.currency.replace("\\", "\\\\"), value)
        if isinstance(value, dict):
            return {k: self.localise(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.localise(v) for v in value]
        return value


def read_settings(data_folder: Path) -> tuple[KitSettings, list[Problem]]:
    """The settings in ``data_folder/kit.yaml`` (defaults when the file is absent), and any problems in it."""
    file = Path(data_folder) / SETTINGS_FILE
    if not file.exists():
        return KitSettings(), []
    try:
        located = read_yaml(file)
    except ContentError as e:
        return KitSettings(), e.problems
    data = located.data if isinstance(located.data, dict) else {}
    problems = [located.problem((key,), f"unknown setting {key!r} (known: currency, spelling)")
                for key in data if key not in ("currency", "spelling")]
    currency = data.get("currency", "$")
    if not isinstance(currency, str) or not 1 <= len(currency) <= 4:
        problems.append(located.problem(("currency",), f"the currency symbol must be 1 to 4 characters, such as "
                                                       f"'£'; got {currency!r}"))
        currency = "$"
    spelling = data.get("spelling", "british")
    if spelling not in SPELLINGS:
        problems.append(located.problem(("spelling",), f"spelling must be one of {', '.join(SPELLINGS)}; got "
                                                       f"{spelling!r}"))
        spelling = "british"
    return KitSettings(currency, spelling), problems
