"""``frontline workshop ...``: printable materials for a facilitator, generated from the kit's content."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("workshop")
def workshop() -> None:
    """Printable workshop materials generated from the scenario files."""


@workshop.command("cards")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("role-play-cards.html"),
              show_default=True, help="HTML file to write (open it in a browser and print).")
@click.option("--scenario", "scenarios", multiple=True,
              help="Only this scenario, e.g. diagnosis/late-delivery (repeatable) [default: every diagnosis and "
                   "recovery scenario].")
def cards(output: Path, scenarios: tuple[str, ...]) -> None:
    """Role-play cards (customer, representative) and an observer checklist for each scenario, one per page."""
    from frontline.kit import kit_paths
    from frontline.workshop.cards import build_cards
    from frontline.workshop.html import render_cards

    sets, skipped = build_cards(kit_paths().root, list(scenarios) or None)
    for skip in skipped:
        click.echo(f"⚠ no cards for {skip.scenario_id}: {skip.reason}", err=True)
    if not sets:
        raise click.ClickException("no cards were made")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_cards(sets), encoding="utf-8")
    click.echo(f"✔ wrote {len(sets) * 3} cards for {len(sets)} scenario(s) to {output}")
