"""``frontline live``: run a live workshop session, export its answers, present a lesson without code."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import click

from frontline.kit import KitNotFoundError, kit_paths


def _default_folder() -> Path:
    try:
        return kit_paths().state / "live"
    except KitNotFoundError:
        return Path.cwd() / ".frontline" / "live"


def _db_url(db: str | None, folder: Path | None, must_exist: bool = False) -> str:
    from frontline.live.store import DB_FILE_NAME, sqlite_url

    if db:
        return db
    folder = folder or _default_folder()
    if must_exist and not (folder / DB_FILE_NAME).is_file():
        raise click.ClickException(f"no live session in {folder} (expected {folder / DB_FILE_NAME}); "
                                   "give the --dir you used with `frontline live serve`, or --db")
    return sqlite_url(folder)


def _notebooks() -> Path | None:
    try:
        return kit_paths().notebooks
    except KitNotFoundError:
        return None


def _shown_host(host: str) -> str:
    # Why: 0.0.0.0 is where the server listens, not an address a trainee's laptop can reach.
    return socket.gethostname() if host in ("0.0.0.0", "::") else host


db_options = [
    click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
                 help="Folder for the session's SQLite file (default: the kit's .frontline/live)."),
    click.option("--db", default=None, metavar="URL",
                 help="A SQLAlchemy database URL instead of the SQLite file, e.g. postgresql+psycopg://user@host/db."),
]


def with_db(function):  # type: ignore[no-untyped-def]
    for option in reversed(db_options):
        function = option(function)
    return function


@click.group("live")
def live() -> None:
    """Live workshop sessions: trainees' answers on the facilitator's projected room view."""


@live.command("serve")
@with_db
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; use 0.0.0.0 so trainees' laptops on the network can join.")
@click.option("--port", type=int, default=8765, show_default=True, help="Port to listen on.")
@click.option("--plan", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A session plan (YAML) listing the questions; see data/sessions/.")
@click.option("--title", default=None, help="Session title shown on the room view.")
@click.option("--code", "join_code", default=None, help="Use this join code instead of a random one.")
@click.option("--rate", "rate_per_minute", type=float, default=60.0, show_default=True,
              help="Answers per minute each trainee may send (after a burst of 10).")
def serve(folder: Path | None, db: str | None, host: str, port: int, plan: Path | None, title: str | None,
          join_code: str | None, rate_per_minute: float) -> None:
    """Start the session server and print the join code and the facilitator link.

    Stop it with Ctrl+C; starting it again on the same folder continues the same session (same code, same
    link, every answer kept).
    """
    import uvicorn
    from sqlalchemy.exc import ArgumentError

    from frontline.live.server import ServeOptions, create_app, prepare
    from frontline.problems import ContentError

    if join_code is not None and not (join_code.isalnum() and join_code.isascii() and 4 <= len(join_code) <= 12):
        raise click.BadParameter(f"{join_code!r}: use 4 to 12 letters or digits", param_hint="--code")
    try:
        settings = prepare(ServeOptions(db_url=_db_url(db, folder), title=title,
                                        join_code=join_code, plan=plan, notebooks=_notebooks(),
                                        extra={"rate_per_minute": rate_per_minute}))
    except ContentError as e:
        raise click.ClickException(f"the session plan has problems:\n{e}") from e
    except ModuleNotFoundError as e:
        raise click.ClickException(str(e)) from e
    except ArgumentError as e:
        raise click.ClickException(f"--db: not a database URL SQLAlchemy understands: {e}") from e
    base = f"http://{_shown_host(host)}:{port}"
    click.echo(f"Frontline live session: {settings.store.get_setting('title') or 'Live session'}")
    click.echo(f"  Join code for trainees:  {settings.join_code}")
    click.echo(f"  Trainees run:            frontline.live.join({base!r}, {settings.join_code!r})")
    click.echo(f"  Facilitator room view:   {base}/room#token={settings.facilitator_token}")
    click.echo("  (keep the facilitator link private: it can lock, reveal, reset and export)")
    click.echo(f"  Answers are stored in:   {settings.store.url}")
    sys.stdout.flush()
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@live.command("export")
@with_db
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("live-export"),
              show_default=True, help="Folder to write answers.csv, summary.md and summary.html into.")
def export(folder: Path | None, db: str | None, out: Path) -> None:
    """Write every answer (CSV) and a one-page-per-question summary (Markdown and HTML)."""
    from frontline.live.store import SessionStore
    from frontline.live.summary import answers_csv, summary_html, summary_markdown

    url = _db_url(db, folder, must_exist=True)
    store = SessionStore(url)
    out.mkdir(parents=True, exist_ok=True)
    (out / "answers.csv").write_text(answers_csv(store), encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(store), encoding="utf-8")
    (out / "summary.html").write_text(summary_html(store), encoding="utf-8")
    click.echo(f"Wrote {store.answer_count()} answer(s) to {out / 'answers.csv'}, summaries to "
               f"{out / 'summary.md'} and {out / 'summary.html'}")
    store.close()


@live.command("present")
@click.argument("notebook", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--port", type=int, default=8866, show_default=True, help="Port for the presentation server.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--browser/--no-browser", "open_browser", default=False, show_default=True,
              help="Open a browser on the presentation.")
def present(notebook: Path, port: int, host: str, open_browser: bool) -> None:
    """Show a lesson or scenario notebook without its code (Voila), to project to the room."""
    import contextlib
    import os
    import tempfile

    from frontline.kit import KitNotFoundError, kit_paths
    from frontline.live.present import presentation_copy, voila_command

    # The room sees a presentation copy made in a private folder, with its own empty progress file.
    folder = Path(tempfile.mkdtemp(prefix="frontline-present-"))
    shown = presentation_copy(notebook, folder)
    os.environ["FRONTLINE_PROGRESS"] = str(folder / "progress.json")
    with contextlib.suppress(KitNotFoundError):  # a notebook outside any kit still presents
        os.environ.setdefault("FRONTLINE_KIT", str(kit_paths(notebook.resolve().parent).root))
    argv = voila_command(shown, port=port, host=host, open_browser=open_browser)
    click.echo(f"Presenting {notebook} at http://{host}:{port}/ (Ctrl+C to stop)")
    sys.stdout.flush()
    os.execvp(argv[0], argv)
