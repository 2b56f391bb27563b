"""The ``frontline`` command: a thin group that wires together one subcommand per subpackage."""

from __future__ import annotations

import importlib

import click

from frontline import __version__
from frontline.kit import KitNotFoundError
from frontline.problems import ContentError

# Errors that are the user's to fix: shown as one clear message, never as a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (KitNotFoundError, ContentError, PermissionError, FileNotFoundError)

# name -> (module, attribute) of each subcommand; each lives with the code it drives and is imported only when
# it runs (or for --help), so `frontline live serve` does not pay for pandas, nbgrader or the hub.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "lab": ("frontline.lab.cli", "lab"),
    "data": ("frontline.datasets.cli", "data"),
    "check": ("frontline.check.cli", "check"),
    "new-scenario": ("frontline.scenarios.cli", "new_scenario"),
    "lessons": ("frontline.lessons.cli", "lessons"),
    "live": ("frontline.live.cli", "live"),
    "grade": ("frontline.grading.cli", "grade"),
    "workshop": ("frontline.workshop.cli", "workshop"),
    "hub": ("frontline.hub.cli", "hub"),
}


class FrontlineGroup(click.Group):
    """Subcommands loaded on first use; :data:`USER_ERRORS` from any of them become a plain error message."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module_name, attribute = SUBCOMMANDS[cmd_name]
        return getattr(importlib.import_module(module_name), attribute)

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


def main() -> None:
    cli()
