"""``frontline lab``: open the trainee's own workspace of the kit in JupyterLab."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from frontline.kit import kit_paths
from frontline.lab.launch import LabOptions, run_lab
from frontline.scenarios.progress import PROGRESS_ENV_VAR
from frontline.workspace import TRAINEE_ENV_VAR, Workspace, WorkspaceError, workspaces_root


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


def _remembered_trainee() -> str | None:
    path = workspaces_root() / "last-trainee.txt"
    try:
        name = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None


def _remember_trainee(name: str) -> None:
    path = workspaces_root() / "last-trainee.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name + "\n", encoding="utf-8")
    except OSError:
        pass  # only a convenience for the next start


def resolve_trainee(given: str | None) -> str:
    """--trainee, else FRONTLINE_TRAINEE, else the name used last time, else ask (or "trainee" with no terminal)."""
    name = given or os.environ.get(TRAINEE_ENV_VAR) or _remembered_trainee()
    if name:
        return name
    if sys.stdin.isatty():
        return click.prompt("Your name (your own copy of the lessons and your progress are kept under it)")
    return "trainee"


@click.command("lab")
@click.option("--trainee", default=None,
              help="Whose workspace to open (default: FRONTLINE_TRAINEE, else the name used last time).")
@click.option("--workspace", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The workspace folder (default: a folder for the trainee under the user's data folder, or "
                   "under FRONTLINE_WORKSPACES).")
@server_options
def lab(trainee: str | None, folder: Path | None, port: int | None, ip: str, token: str | None,
        open_browser: bool | None) -> None:
    """Open JupyterLab on your own copy of the lessons, starting at the welcome lesson.

    The copy (your workspace) is created the first time and brought up to date with the kit every time, keeping
    what you wrote. Prints the address to open once JupyterLab answers; works as root and without a browser.
    """
    kit = kit_paths()
    name = resolve_trainee(trainee)
    try:
        workspace = Workspace.for_trainee(name, folder)
        first_time = not workspace.manifest_path.exists()
        report = workspace.sync(kit)
    except WorkspaceError as e:
        raise click.UsageError(str(e)) from None
    _remember_trainee(workspace.trainee)
    click.echo(f"Frontline: {workspace.trainee}'s workspace is {workspace.folder}")
    for line in report.lines(first_time):
        click.echo(f"  {line}")
    env = {TRAINEE_ENV_VAR: workspace.trainee, PROGRESS_ENV_VAR: str(workspace.progress_path)}
    code = run_lab(LabOptions(kit=kit, ip=ip, port=port, token=token, open_browser=open_browser,
                              root=workspace.folder, notebook=workspace.welcome, extra_env=env))
    sys.exit(code)
