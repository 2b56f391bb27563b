"""The ``frontline`` command: a thin group that wires together one subcommand per subpackage."""

from __future__ import annotations

import importlib

import click

from frontline import __version__
from frontline.kit import KitNotFoundError
from frontline.problems import ContentError

# Errors that are the user's to fix: shown as one clear message, never as a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (KitNotFoundError, ContentError, PermissionError, FileNotFoundError)

# (module, attribute) of each subcommand; each lives with the code it drives.
SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("frontline.lab.cli", "lab"),
    ("frontline.datasets.cli", "data"),
    ("frontline.check.cli", "check"),
    ("frontline.scenarios.cli", "new_scenario"),
    ("frontline.lessons.cli", "lessons"),
    ("frontline.live.cli", "live"),
    ("frontline.grading.cli", "grade"),
    ("frontline.workshop.cli", "workshop"),
    ("frontline.hub.cli", "hub"),
)


class FrontlineGroup(click.Group):
    """A click group that turns :data:`USER_ERRORS` from any subcommand into a plain error message."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as e:
            raise click.ClickException(str(e)) from e


@click.group(cls=FrontlineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="frontline")
def cli() -> None:
    """Frontline: customer-service training on Jupyter.

    Trainees open the kit with `frontline lab`; authors validate content with `frontline check`.
    """


for module_name, attribute in SUBCOMMANDS:
    cli.add_command(getattr(importlib.import_module(module_name), attribute))


def main() -> None:
    cli()
