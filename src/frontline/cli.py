"""The ``frontline`` command: a thin group that wires together one subcommand per subpackage."""

from __future__ import annotations

import importlib

import click

from frontline import __version__

# (module, attribute) of each subcommand; each lives with the code it drives.
SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("frontline.lab.cli", "lab"),
    ("frontline.datasets.cli", "data"),
    ("frontline.check.cli", "check"),
    ("frontline.grading.cli", "grade"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="frontline")
def cli() -> None:
    """Frontline: customer-service training on Jupyter.

    Trainees open the kit with `frontline lab`; authors validate content with `frontline check`.
    """


for module_name, attribute in SUBCOMMANDS:
    cli.add_command(getattr(importlib.import_module(module_name), attribute))


def main() -> None:
    cli()
