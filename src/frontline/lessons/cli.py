"""``frontline lessons``: keep the text generated from lesson metadata up to date."""

from __future__ import annotations

import sys

import click

from frontline.kit import kit_paths
from frontline.problems import ContentError


@click.group("lessons")
def lessons() -> None:
    """Lesson notebooks: regenerate headers, key points and the README course map from their metadata."""


@lessons.command("sync")
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if anything is out of date.")
def sync(check_only: bool) -> None:
    """Rewrite each notebook's header and key-points cells and the README course map from the metadata."""
    from frontline.lessons.render import sync_all

    paths = kit_paths()
    try:
        changed = sync_all(paths.root, write=not check_only)
    except ContentError as e:
        click.echo(f"Fix the lesson metadata first:\n{e}", err=True)
        sys.exit(1)
    for path in changed:
        click.echo(f"{'out of date' if check_only else 'updated'}: {path.relative_to(paths.root)}")
    if check_only and changed:
        click.echo("Run `frontline lessons sync` to regenerate.", err=True)
        sys.exit(1)
    if not changed:
        click.echo("Everything generated from the lesson metadata is up to date.")


@lessons.command("course-map")
def course_map_command() -> None:
    """Print the course map (markdown) generated from the lesson metadata."""
    from frontline.lessons.metadata import load_lessons
    from frontline.lessons.render import course_map

    try:
        click.echo(course_map(load_lessons(kit_paths().notebooks)))
    except ContentError as e:
        click.echo(str(e), err=True)
        sys.exit(1)
