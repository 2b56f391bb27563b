"""``frontline data``: regenerate the datasets in ``data/``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from frontline.datasets.io import write_all
from frontline.datasets.params import GenerationParams
from frontline.kit import kit_paths


@click.command("data")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write to (default: the kit's data/ folder).")
@click.option("--params", "params_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="JSON file of generation parameters overriding the defaults.")
@click.option("--seed", type=int, default=None, help="Random seed (overrides --params).")
def data(out: Path | None, params_file: Path | None, seed: int | None) -> None:
    """Regenerate tickets, customers and surveys, the manifest and the data dictionary.

    The same parameters always give byte-identical files.
    """
    raw = json.loads(params_file.read_text()) if params_file else {}
    if seed is not None:
        raw["seed"] = seed
    try:
        params = GenerationParams.from_json(raw)
    except (TypeError, ValueError) as e:
        raise click.BadParameter(str(e), param_hint="--params") from e
    folder = out or kit_paths().data
    for path in write_all(folder, params):
        click.echo(f"wrote {path}")
