"""``frontline new-scenario KIND NAME``: start a new scenario file from a valid, commented template."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from frontline.kit import kit_paths
from frontline.scenarios.loader import KINDS

TEMPLATES = Path(__file__).parent / "templates"
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def scaffold(kind: str, name: str, root: Path) -> Path:
    """Write ``data/scenarios/KIND/NAME.yaml`` from the kind's template; never overwrites an existing file."""
    if not NAME_PATTERN.match(name):
        raise click.BadParameter(f"{name!r}: use lower-case words joined by hyphens, e.g. 'late-delivery'",
                                 param_hint="NAME")
    target = root / "data" / "scenarios" / kind / f"{name}.yaml"
    if target.exists():
        raise FileExistsError(target)
    title = name.replace("-", " ").capitalize()
    text = (TEMPLATES / f"{kind}.yaml").read_text(encoding="utf-8").replace("__TITLE__", title)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as out:  # "x": fail rather than overwrite, even in a race
        out.write(text)
    return target


@click.command("new-scenario")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("name")
def new_scenario(kind: str, name: str) -> None:
    """Create data/scenarios/KIND/NAME.yaml from a valid template (refuses to overwrite).

    Edit the file, then run `frontline check` to validate it and open it in a notebook with
    frontline.scenario("KIND/NAME").
    """
    paths = kit_paths()
    try:
        target = scaffold(kind, name, paths.root)
    except FileExistsError as e:
        click.echo(f"{e.args[0]} already exists; choose another name or edit that file. Nothing was written.",
                   err=True)
        sys.exit(1)
    click.echo(f"Created {target.relative_to(paths.root)}.")
    click.echo("Next: edit it, run `frontline check --only scenarios`, then try "
               f'frontline.scenario("{kind}/{name}") in a notebook.')
