"""``frontline lab``: open the kit in JupyterLab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from frontline.kit import kit_paths
from frontline.lab.launch import LabOptions, run_lab


def server_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command that starts JupyterLab takes: --port, --ip, --token, --browser/--no-browser."""
    for option in reversed((
        click.option("--port", type=int, default=None, help="Port to serve on (default: first free from 8888)."),
        click.option("--ip", default="127.0.0.1", show_default=True, help="Address to listen on."),
        click.option("--token", default=None, help="Access token (default: a new random one each run)."),
        click.option("--browser/--no-browser", "open_browser", default=None,
                     help="Open a browser (default: only if this machine has one)."),
    )):
        command = option(command)
    return command


@click.command("lab")
@server_options
def lab(port: int | None, ip: str, token: str | None, open_browser: bool | None) -> None:
    """Open JupyterLab on the kit, starting at the welcome notebook.

    Prints the address to open; works as root and on machines with no browser.
    """
    run_lab(LabOptions(kit=kit_paths(), ip=ip, port=port, token=token, open_browser=open_browser))
