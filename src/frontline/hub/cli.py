"""``frontline hub``: prepare a cohort's accounts and folders, and serve JupyterHub for it."""

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

import click

from frontline.hub.settings import SETTINGS_ENV_VAR, HubSettingsError, load_settings
from frontline.kit import KIT_ENV_VAR, find_kit_root

CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")


def _settings(path: Path):
    try:
        return load_settings(path)
    except HubSettingsError as e:
        raise click.ClickException(str(e)) from e


@click.group("hub")
def hub() -> None:
    """Run a cohort on JupyterHub: each trainee logs in to their own workspace on one shared server."""


@hub.command("setup")
@click.argument("cohort_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-accounts", is_flag=True, help="Do not create missing Linux accounts (they must exist).")
def setup_cmd(cohort_file: Path, no_accounts: bool) -> None:
    """Create the cohort's accounts, the course's grader account and folder, and the shared exchange (run as root)."""
    from frontline.hub.setup import TRAINERS_LINUX_GROUP, prepare_cohort

    settings = _settings(cohort_file)
    created, removed, not_given = prepare_cohort(settings, find_kit_root(), create_accounts=not no_accounts)
    click.echo(f"✔ cohort {settings.cohort}: {len(settings.everyone)} people"
               + (f" ({len(created)} new accounts: {', '.join(created)})" if created else ""))
    if removed:
        click.echo(f"  no longer trainers, so no longer able to read the answer keys: {', '.join(removed)} "
                   f"(removed from the Linux group {TRAINERS_LINUX_GROUP})")
    if not_given:
        click.echo(f"  left with their owner, because each is also a file elsewhere (a hard link): "
                   f"{', '.join(not_given)} in {settings.course}; remove them if you did not make them", err=True)
    click.echo(f"  course {settings.course} (grader account {settings.grader_account}); exchange {settings.exchange}")
    click.echo(f"  start the hub with: frontline hub serve {cohort_file}")


@hub.command("serve")
@click.argument("cohort_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def serve_cmd(cohort_file: Path) -> None:
    """Start JupyterHub (and its proxy) for the cohort; it runs until stopped."""
    from frontline.hub.config import proxy_command

    settings = _settings(cohort_file)
    proxy_command()  # a clear message now rather than a failed start later
    private = settings.state_dir / "hub"
    if not private.is_dir():
        raise click.ClickException(f"{private} does not exist: run `frontline hub setup {cohort_file}` first")
    # what setup makes and the hub needs before its first request (missing after an upgrade without setup, say)
    if not settings.course.is_dir():
        raise click.ClickException(f"the course folder {settings.course} does not exist: run "
                                   f"`frontline hub setup {cohort_file}` (as root) to create it, then serve again")
    try:
        pwd.getpwnam(settings.grader_account)
    except KeyError:
        raise click.ClickException(f"the grader account {settings.grader_account} does not exist on this machine: "
                                   f"run `frontline hub setup {cohort_file}` (as root) to create it, then serve "
                                   "again") from None
    env = dict(os.environ, **{SETTINGS_ENV_VAR: str(cohort_file.resolve()), KIT_ENV_VAR: str(find_kit_root())})
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    click.echo(f"Frontline hub for {settings.cohort} on http://{settings.ip or 'localhost'}:{settings.port}/", err=True)
    os.chdir(private)
    os.execvpe(sys.executable, [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)], env)
