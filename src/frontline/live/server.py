"""Starting a session server: its settings, and :func:`prepare` (open the store, secrets, the plan's questions).

The app itself is built by :func:`frontline.live.app.create_app` from routers in :mod:`frontline.live.routes`.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frontline.live.store import Limits, SessionStore, database_exists


@dataclass
class ServerSettings:
    store: SessionStore
    join_code: str
    facilitator_token: str
    title: str = "Live session"
    notebooks: Path | None = None
    max_body_bytes: int = 16 * 1024
    # A trainee may send `rate_burst` answers in any 60 * rate_burst / `rate_per_minute` seconds.
    rate_per_minute: float = 60.0
    rate_burst: int = 10
    max_text_chars: int = 500
    joins_per_minute: int = 60  # new participants per client address per minute (0: no limit)
    failed_join_limit: int = 30  # wrong join codes per client address per minute before it is told to wait
    allowed_hosts: tuple[str, ...] = ()  # host names besides addresses, localhost and this machine's names
    identity_key: bytes | None = None  # the HMAC key of hub identities, from its own file (never the database)

    @property
    def kit_root(self) -> Path | None:
        return self.notebooks.parent if self.notebooks else None

    def limits(self, max_participants: int | None) -> Limits:
        window = 60.0 * self.rate_burst / self.rate_per_minute if self.rate_per_minute > 0 else 3600.0
        return Limits(answers_per_window=self.rate_burst, answer_window=window,
                      joins_per_minute=self.joins_per_minute, failed_joins_per_minute=self.failed_join_limit,
                      max_participants=max_participants)

    def host_names(self) -> frozenset[str]:
        names = {"localhost", *(h.lower() for h in self.allowed_hosts)}
        hostname = socket.gethostname().lower()
        names |= {hostname, socket.getfqdn().lower(), hostname.split(".")[0]}
        return frozenset(names)


def create_app(settings: ServerSettings) -> Any:
    from frontline.live.app import create_app as build

    return build(settings)


@dataclass
class ServeOptions:
    db_url: str
    title: str | None = None
    join_code: str | None = None
    plan: Path | None = None
    notebooks: Path | None = None
    max_participants: int | None = None
    # where the hub identities' key is: a file's path, or a source from frontline.live.identity_key.key_source
    identity_key: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def prepare(options: ServeOptions) -> ServerSettings:
    """Open the store, create secrets on first start and the plan's questions that are not there yet."""
    store = None
    plan = None
    if options.plan:
        from frontline.live.plan import load_plan

        checked = None
        if database_exists(options.db_url):  # a restart: a plan this session checked before is not checked again
            store = SessionStore(options.db_url)
            checked = store.get_setting("plan_digest")
        plan = load_plan(options.plan, options.notebooks.parent if options.notebooks else None, checked)
    if store is None:  # only once the plan is known to be good, so a typo creates no database
        store = SessionStore(options.db_url)
    identity_key = None
    if options.identity_key is not None:
        from frontline.live.identity_key import open_identity_key

        try:
            identity_key = open_identity_key(options.identity_key, store)
        except Exception:
            store.close()
            raise
    code, token = store.ensure_secrets(options.join_code, options.title or (plan.title if plan else None))
    if options.max_participants is not None:
        store.set_json("max_participants", options.max_participants)
    if plan:
        store.set_json("lessons", plan.lessons)
        known = {q.question_id for q in store.questions()}
        for spec in plan.questions:
            if spec.question_id not in known:
                store.add_question(spec)
        store.set_setting("plan_digest", plan.digest)
    return ServerSettings(store=store, join_code=code, facilitator_token=token,
                          title=store.get_setting("title") or "Live session", notebooks=options.notebooks,
                          identity_key=identity_key, **options.extra)
