"""``frontline live``: run a live workshop session, export its answers, present a lesson without code."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

import click

from frontline.kit import KitNotFoundError, kit_paths


def _default_folder() -> Path:
    try:
        return kit_paths().state / "live"
    except KitNotFoundError:
        return Path.cwd() / ".frontline" / "live"


def _db_url(db: str | None, folder: Path | None, must_exist: bool = False) -> str:
    from frontline.live.store import DB_FILE_NAME, private_folder, sqlite_url

    if db:
        return db
    folder = folder or _default_folder()
    if must_exist and not (folder / DB_FILE_NAME).is_file():
        raise click.ClickException(f"no live session in {folder} (expected {folder / DB_FILE_NAME}); "
                                   "give the --dir you used with `frontline live serve`, or --db")
    if not must_exist:
        private_folder(folder)
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
@click.option("--max-participants", type=click.IntRange(1, 100_000), default=None,
              help="Let at most this many people join (those already in stay); no limit by default.")
@click.option("--joins-per-minute", type=click.IntRange(0), default=60, show_default=True,
              help="New participants per minute from one network address (0: no limit). Raise it when a whole "
                   "room shares one address (a proxy or a NAT router).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A host name trainees use to reach the server, besides its addresses and this machine's "
                   "name (repeatable).")
@click.option("--trust-proxy", "trusted_proxies", default=None, metavar="ADDRESSES",
              help="Comma-separated addresses of a reverse proxy whose X-Forwarded-For header names the client. "
                   "Without it the header is ignored, so limits per address cannot be dodged by forging it.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes sharing the port (needs --db with PostgreSQL).")
def serve(folder: Path | None, db: str | None, host: str, port: int, plan: Path | None, title: str | None,
          join_code: str | None, rate_per_minute: float, max_participants: int | None, joins_per_minute: int,
          allowed_hosts: tuple[str, ...], trusted_proxies: str | None, workers: int) -> None:
    """Start the session server and print the join code and the facilitator link.

    Stop it with Ctrl+C; starting it again on the same folder continues the same session (same code, same
    link, every answer kept).
    """
    os.umask(0o077)  # the database, its -wal and -shm files hold the facilitator token: private from the first byte
    from sqlalchemy.exc import ArgumentError

    from frontline.live.server import ServeOptions, prepare
    from frontline.live.store import StoreError, shown_url
    from frontline.problems import ContentError

    if join_code is not None and not (join_code.isalnum() and join_code.isascii() and 4 <= len(join_code) <= 12):
        raise click.BadParameter(f"{join_code!r}: use 4 to 12 letters or digits", param_hint="--code")
    if workers > 1 and not (db and db.startswith("postgresql")):
        raise click.BadParameter("several workers need a PostgreSQL database (--db postgresql+psycopg://...)",
                                 param_hint="--workers")
    extra = {"rate_per_minute": rate_per_minute, "joins_per_minute": joins_per_minute,
             "allowed_hosts": tuple(allowed_hosts)}
    options = ServeOptions(db_url=_db_url(db, folder), title=title, join_code=join_code, plan=plan,
                           notebooks=_notebooks(), max_participants=max_participants, extra=extra)
    try:
        settings = prepare(options)
    except ContentError as e:
        raise click.ClickException(f"the session plan has problems:\n{e}") from e
    except StoreError as e:
        raise click.ClickException(str(e)) from e
    except ArgumentError as e:
        raise click.ClickException(f"--db: not a database URL SQLAlchemy understands: {e}") from e
    base = f"http://{_shown_host(host)}:{port}"
    click.echo(f"Frontline live session: {settings.title}")
    click.echo(f"  Join code for trainees:  {settings.join_code}")
    click.echo(f"  Trainees run:            frontline.live.join({base!r}, {settings.join_code!r})")
    click.echo(f"  Facilitator room view:   {base}/room#token={settings.facilitator_token}")
    click.echo("  (keep the facilitator link private: it can lock, reveal, reset and export)")
    click.echo(f"  Answers are stored in:   {shown_url(settings.store.url)}")
    sys.stdout.flush()
    _run(settings, options, host, port, workers, trusted_proxies)


# Longer than any client keeps an idle connection (the notebook client: 30 s), so the server never closes a
# connection the client is about to reuse.
KEEP_ALIVE_SECONDS = 75


def _run(settings: Any, options: Any, host: str, port: int, workers: int, trusted_proxies: str | None) -> None:
    import uvicorn

    proxy = {"proxy_headers": bool(trusted_proxies), "forwarded_allow_ips": trusted_proxies or ""}
    # uvicorn picks uvloop and httptools when installed (they are dependencies): several times less CPU per request
    common = {"host": host, "port": port, "log_level": "warning", "timeout_keep_alive": KEEP_ALIVE_SECONDS,
              "timeout_graceful_shutdown": 3, **proxy}
    if workers == 1:
        from frontline.live.server import create_app

        uvicorn.run(create_app(settings), **common)
        return
    settings.store.close()
    os.environ[WORKER_OPTIONS] = json.dumps({
        "db_url": options.db_url, "notebooks": str(options.notebooks) if options.notebooks else None,
        "extra": options.extra})
    uvicorn.run("frontline.live.cli:worker_app", factory=True, workers=workers, **common)


WORKER_OPTIONS = "FRONTLINE_LIVE_WORKER_OPTIONS"


def worker_app() -> Any:
    """The app of one of several worker processes: the session was prepared by the parent before they started."""
    from frontline.live.server import ServeOptions, create_app, prepare

    given = json.loads(os.environ[WORKER_OPTIONS])
    notebooks = Path(given["notebooks"]) if given["notebooks"] else None
    return create_app(prepare(ServeOptions(db_url=given["db_url"], notebooks=notebooks, extra=given["extra"])))


@live.command("export")
@with_db
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("live-export"),
              show_default=True, help="Folder to write answers.csv, summary.md and summary.html into.")
def export(folder: Path | None, db: str | None, out: Path) -> None:
    """Write every answer (CSV) and a one-page-per-question summary (Markdown and HTML).

    The session is only read (a running server is not disturbed, a read-only copy can be exported).
    """
    os.umask(0o077)  # the export holds names and answers: readable by its owner only
    from frontline.live.store import SessionStore, StoreError, private_folder
    from frontline.live.summary import answers_csv, summary_html, summary_markdown

    url = _db_url(db, folder, must_exist=True)
    try:
        store = SessionStore(url, read_only=True)
        files = {"answers.csv": answers_csv(store), "summary.md": summary_markdown(store),
                 "summary.html": summary_html(store)}
        count = store.answer_count()
    except StoreError as e:
        raise click.ClickException(str(e)) from e
    private_folder(out)
    for name, content in files.items():
        (out / name).write_text(content, encoding="utf-8")
    click.echo(f"Wrote {count} answer(s) to {out / 'answers.csv'}, summaries to "
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
