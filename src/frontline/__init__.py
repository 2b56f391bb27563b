"""Frontline: a customer-service training and workshop kit built on Jupyter.

Trainees import from here in notebooks; trainers and facilitators use the ``frontline`` command.
"""

from frontline.datasets import load_customers, load_surveys, load_tickets

__version__ = "0.1.0"

# The scenario API is loaded on first use (it imports ipywidgets and matplotlib), so `frontline --help` stays quick.
_SCENARIO_API = ("scenario", "progress", "list_scenarios")


def __getattr__(name: str):
    if name in _SCENARIO_API:
        import frontline.scenarios as scenarios

        return getattr(scenarios, name)
    if name == "reply_coach":  # the exercises' written replies call it; quiet until the reply coach is installed
        from frontline.responses import quiet_reply_coach

        return quiet_reply_coach
    raise AttributeError(f"module 'frontline' has no attribute {name!r}")


__all__ = ["__version__", "list_scenarios", "load_customers", "load_surveys", "load_tickets", "progress", "scenario"]
