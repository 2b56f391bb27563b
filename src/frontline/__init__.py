"""Frontline: a customer-service training and workshop kit built on Jupyter.

Trainees import from here in notebooks; trainers and facilitators use the ``frontline`` command.
"""

from frontline.datasets import load_customers, load_surveys, load_tickets

__version__ = "0.1.0"

__all__ = ["__version__", "load_customers", "load_surveys", "load_tickets"]
