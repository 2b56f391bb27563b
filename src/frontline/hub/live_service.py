"""The live room run by the hub as a service (``python -P path/to/live_service.py``).

The hub starts it with the service's environment (``JUPYTERHUB_SERVICE_PREFIX``, ``JUPYTERHUB_API_TOKEN``, the
OAuth client) and routes ``/services/live/`` to it. It is the ordinary live server (same store, same room view)
mounted under that prefix, plus :func:`frontline.hub.hub_auth.hub_router`. The room view's page and script use
absolute paths (``/static/``, ``/api/``); they are served here with the prefix put in front.

The hub gives a managed service about ten seconds to open its port, less than importing the kit can take on a
busy machine; so this file is run by path (``-P``: without importing the ``frontline`` package first), opens the
port at once and builds the room in the background (:class:`DeferredApp`).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

IDENTITY_KEY_VARIABLE = "FRONTLINE_LIVE_IDENTITY_KEY"  # frontline.live.identity_key.ENV_VAR, before the kit loads


def _static() -> Path:
    from frontline.live.routes.pages import STATIC

    return STATIC


def prefixed_room_page(prefix: str) -> str:
    page = (_static() / "room.html").read_text(encoding="utf-8")
    return page.replace('"/static/', f'"{prefix}static/')


def prefixed_room_script(prefix: str) -> str:
    script = (_static() / "room.js").read_text(encoding="utf-8")
    if "fetch(path," not in script:
        raise RuntimeError("the room view's script no longer calls fetch(path, ...): update prefixed_room_script")
    root = f"const FRONTLINE_ROOT = {prefix.rstrip('/')!r};\n"
    return root + script.replace("fetch(path,", "fetch(FRONTLINE_ROOT + path,")


def build_app(folder: Path | None, facilitators_group: str, title: str | None = None, db_url: str | None = None,
              identity_key: Path | None = None) -> Any:
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, Response
    from jupyterhub.services.auth import HubOAuth

    from frontline.hub.hub_auth import hub_router
    from frontline.live.identity_key import KEY_FILE_NAME, key_source
    from frontline.live.server import ServeOptions, create_app, prepare
    from frontline.live.store import sqlite_url

    if db_url is None:  # SQLite in the hub's state folder; PostgreSQL (--db) beyond one machine
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        db_url = sqlite_url(folder)
    if identity_key is None and folder is not None:  # beside the SQLite database, but never inside it
        identity_key = folder / KEY_FILE_NAME
    # The live server refuses unknown Host names; behind the hub it is reached by the hub's public name(s).
    hosts = tuple(h.strip() for h in os.environ.get("FRONTLINE_LIVE_ALLOWED_HOSTS", "").split(",") if h.strip())
    settings = prepare(ServeOptions(db_url=db_url, title=title or "Live session", identity_key=key_source(identity_key),
                                    extra={"allowed_hosts": hosts}))
    auth = HubOAuth(api_token=os.environ["JUPYTERHUB_API_TOKEN"], cache_max_age=60)
    prefix = auth.base_url if auth.base_url.endswith("/") else auth.base_url + "/"
    live = create_app(settings)
    live.include_router(hub_router(settings, auth, facilitators_group))

    outer = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    page, script = prefixed_room_page(prefix), prefixed_room_script(prefix)

    @outer.get(f"{prefix}room", response_class=HTMLResponse)
    def room() -> str:
        return page

    @outer.get(f"{prefix}static/room.js")
    def room_script() -> Response:
        return Response(script, media_type="text/javascript")

    outer.mount(prefix.rstrip("/"), live)
    return outer


class DeferredApp:
    """Answers "starting" while the room is built in the background (imports, opening the database).

    The service's front page answers 200 (the hub's check that the service is up); every other path 503 with
    ``Retry-After``, which the live client retries.
    """

    def __init__(self, build: Callable[[], Any], front_page: str):
        self._app: Any = None
        self._front_page = front_page
        threading.Thread(target=self._build, args=(build,), daemon=True).start()

    def _build(self, build: Callable[[], Any]) -> None:
        try:
            self._app = build()
        except Exception as e:  # the hub restarts nothing by itself: say why and stop
            print(f"the live room could not start: {e}", file=sys.stderr, flush=True)
            os._exit(1)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self._app is not None:
            return await self._app(scope, receive, send)
        if scope["type"] != "http":
            return None
        status = 200 if scope["path"] in (self._front_page, self._front_page.rstrip("/")) else 503
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain"), (b"retry-after", b"2")]})
        await send({"type": "http.response.body", "body": b"The live room is starting; try again in a moment."})
        return None


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--dir", type=Path, help="folder of the room's SQLite database")
    where.add_argument("--db", help="database URL, e.g. postgresql+psycopg://live@db/live (env FRONTLINE_LIVE_DB)")
    parser.add_argument("--identity-key", type=Path, metavar="FILE",
                        help="file of the key of hub users' links to participants, made on first start "
                             f"(default: DIR/identity.key; {IDENTITY_KEY_VARIABLE}, the key itself, comes first)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--facilitators-group", default="facilitators")
    parser.add_argument("--title", default=None)
    options = parser.parse_args(argv)
    os.umask(0o077)
    front_page = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    db_url = options.db or os.environ.get("FRONTLINE_LIVE_DB")
    if options.dir is None and not db_url:
        parser.error("give --dir (SQLite) or --db / FRONTLINE_LIVE_DB (a database URL)")
    if options.dir is None and options.identity_key is None and IDENTITY_KEY_VARIABLE not in os.environ:
        parser.error(f"with --db, give --identity-key FILE or set {IDENTITY_KEY_VARIABLE}: the key of hub users' "
                     "links is kept out of the database")
    app = DeferredApp(lambda: build_app(options.dir, options.facilitators_group, options.title, db_url,
                                        options.identity_key), front_page)
    uvicorn.run(app, host=options.host, port=options.port, log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
