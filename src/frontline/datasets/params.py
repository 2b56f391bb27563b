"""Parameters of the synthetic data, each with what it means.

Changing a value and running ``frontline data`` regenerates every table; the values used are recorded in
``data/manifest.json`` so a later check can reproduce the files exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any


def _param(default: Any, doc: str) -> Any:
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class GenerationParams:
    seed: int = _param(20070927, "Seed of the random generator: the same seed gives byte-identical files.")
    n_customers: int = _param(1500, "Rows in customers.csv.")
    n_tickets: int = _param(4000, "Rows in tickets.csv.")
    start: date = _param(date(2025, 1, 6), "First day on which tickets open.")
    days: int = _param(182, "Span of days over which tickets open.")
    channel_mix: dict[str, float] = _param(
        {"phone": 0.40, "email": 0.24, "chat": 0.23, "social": 0.05, "store": 0.08},
        "Share of tickets by first-contact channel.",
    )
    pareto_exponent: float = _param(
        1.15, "Root-cause weights fall as rank ** -exponent (a Zipf shape): a few causes make most tickets."
    )
    handle_median_minutes: float = _param(9.0, "Median handle time of a one-contact ticket (lognormal).")
    handle_sigma: float = _param(0.55, "Spread of handle times on the log scale.")
    first_contact_resolution: float = _param(0.70, "Target share of tickets resolved at the first contact.")
    churn_rate: float = _param(0.13, "Target share of tickets whose customer leaves within 90 days.")
    survey_share: float = _param(0.45, "Share of tickets followed by a relationship-survey invitation.")
    base_response_rate: float = _param(
        0.12, "Response rate for a middling experience; customers with extreme experiences answer more."
    )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"] = self.start.isoformat()
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> GenerationParams:
        raw = dict(raw)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"unknown generation parameter(s): {', '.join(unknown)}")
        if "start" in raw:
            raw["start"] = date.fromisoformat(raw["start"])
        return cls(**raw)

    @classmethod
    def documentation(cls) -> list[tuple[str, Any, str]]:
        """(name, default, meaning) for every parameter, for the data dictionary."""
        defaults = cls()
        return [(f.name, getattr(defaults, f.name), f.metadata["doc"]) for f in fields(cls)]
