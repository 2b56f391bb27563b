"""``frontline check``: validate all kit content and list every problem."""

from __future__ import annotations

import sys

import click

from frontline.check import CHECKERS, run_checks
from frontline.kit import kit_paths


@click.command("check")
@click.option("--only", multiple=True, type=click.Choice([name for name, _ in CHECKERS]),
              help="Run only this check (repeatable).")
def check(only: tuple[str, ...]) -> None:
    """Validate datasets and all other kit content; exit 1 if anything is wrong.

    Each problem is printed as FILE:LINE: row/field: message.
    """
    paths = kit_paths()
    results = run_checks(paths, set(only) or None)
    total = 0
    for name, problems in results.items():
        total += len(problems)
        status = "ok" if not problems else f"{len(problems)} problem(s)"
        click.echo(f"{name}: {status}")
        for problem in problems:
            click.echo(f"  {problem.relative_to(paths.root)}")
    if total:
        click.echo(f"{total} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("All content is valid.")
