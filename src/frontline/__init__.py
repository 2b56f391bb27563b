"""Frontline: a customer-service training and workshop kit built on Jupyter.

Trainees import from here in notebooks; trainers and facilitators use the ``frontline`` command.
"""

import sys

__version__ = "0.1.0"

# jsonschema, which checks the kit's content files, imports the optional `rfc3987_syntax` when it is installed and
# that package compiles an IRI grammar on import (2-4 s: longer than a graded notebook's set-up cell may take). No
# schema of the kit uses the "iri" format, so the kit's processes go without it.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

# Everything is loaded on first use (pandas for the tables, ipywidgets and matplotlib for scenarios), so commands
# that need none of it, such as `frontline live serve`, start quickly.
_SCENARIO_API = ("scenario", "progress", "list_scenarios")
_DATASETS_API = ("load_customers", "load_surveys", "load_tickets")


def __getattr__(name: str):
    if name in _DATASETS_API:
        import frontline.datasets as datasets

        return getattr(datasets, name)
    if name in _SCENARIO_API:
        import frontline.scenarios as scenarios

        return getattr(scenarios, name)
    if name == "reply_coach":
        from frontline.coach import reply_coach

        return reply_coach
    raise AttributeError(f"module 'frontline' has no attribute {name!r}")


__all__ = ["__version__", "list_scenarios", "load_customers", "load_surveys", "load_tickets", "progress",
           "reply_coach", "scenario"]
