"""The kit's datasets: generation, the data dictionary and typed, checked loaders.

>>> from frontline.datasets import load_tickets
>>> tickets = load_tickets()          # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from frontline.datasets.io import check_folder, load, render_all, write_all
from frontline.datasets.params import GenerationParams
from frontline.datasets.schema import DATASETS

__all__ = [
    "DATASETS",
    "GenerationParams",
    "check_folder",
    "load_customers",
    "load_surveys",
    "load_tickets",
    "render_all",
    "write_all",
]


def _folder(folder: Path | str | None) -> Path:
    if folder is not None:
        return Path(folder)
    from frontline.kit import kit_paths

    return kit_paths().data


def load_tickets(folder: Path | str | None = None, *, verify: bool = True) -> pd.DataFrame:
    """Support tickets (``data/tickets.csv``) with categorical, nullable-integer and datetime columns."""
    return load("tickets", _folder(folder), verify=verify)


def load_customers(folder: Path | str | None = None, *, verify: bool = True) -> pd.DataFrame:
    """Customers (``data/customers.csv``)."""
    return load("customers", _folder(folder), verify=verify)


def load_surveys(folder: Path | str | None = None, *, verify: bool = True) -> pd.DataFrame:
    """Relationship-survey invitations, responders and non-responders (``data/surveys.csv``)."""
    return load("surveys", _folder(folder), verify=verify)
