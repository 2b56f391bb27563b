"""Storage of a live session behind one interface, :class:`SessionStore`, served by SQLAlchemy Core.

The default database is an SQLite file in a folder the facilitator chooses; a PostgreSQL URL
(``postgresql+psycopg://...``) serves a large event, or several server processes at once, with the same code.

Answers are written in batches (:meth:`SessionStore.add_answers`): every answer that arrives while the previous
batch commits goes into the next one, and no reply is sent before its batch has committed, so a restart loses no
acknowledged answer. Resends never count twice: each answer carries an idempotency key with a unique constraint.
The room's distributions are kept as running tallies (see :mod:`frontline.live.tallies`) in the same transaction,
so the room view costs the same however many answers the session holds. Limits (answers per participant, joins and
wrong codes per address, the room's size) are counted in the database, so they hold across server processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from frontline.live.plan import QuestionSpec
from frontline.live.tallies import add, contributions
from frontline.live.values import AnswerProblem, clean_text, parse_stored

# Join codes avoid letters and digits that are easy to confuse when read off a projector (0/O, 1/I/L).
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
NOTIFY_CHANNEL = "frontline_live"
TOTALS = (0, 0)  # the (question, round) under which session-wide counts are tallied
SCRUB_PENDING_SETTING = "scrub_pending"  # a setting was removed; its old value may still be in free space
SQLITE_BUSY_TIMEOUT_S = 30  # how long a writer waits for SQLite's lock
# The truncating checkpoint that clears a removed setting's old value waits for readers: briefly, a few times.
CHECKPOINT_TRIES, CHECKPOINT_WAIT_MS, CHECKPOINT_PAUSE_S = 5, 200, 0.2
ANSWERS_TOTAL, PARTICIPANTS_TOTAL = ("total", "answers"), ("total", "participants")

metadata = MetaData()

settings_table = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

questions_table = Table(
    "questions", metadata,
    Column("number", Integer, primary_key=True, autoincrement=True),
    Column("question_id", String(200), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("title", String(300), nullable=False),
    Column("prompt", Text, nullable=False, default=""),
    Column("options", JSON, nullable=False, default=list),
    # answer value -> text shown on the room's bars (scenario option, issue, ending or action ids)
    Column("labels", JSON, nullable=False, default=dict),
    Column("correct", JSON, nullable=True),
    Column("debrief", Text, nullable=False, default=""),
    Column("minimum", Float, nullable=True),
    Column("maximum", Float, nullable=True),
    Column("state", String(10), nullable=False, default="draft"),
    Column("revealed", Boolean, nullable=False, default=False),
    Column("round", Integer, nullable=False, default=1),
    Column("created_at", Float, nullable=False),
)

participants_table = Table(
    "participants", metadata,
    Column("participant_id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(80), nullable=True),
    Column("joined_at", Float, nullable=False),
)

# A person an outside login vouches for (a JupyterHub user), known by a keyed hash of their name, never the name: the
# same participant whenever they come back, and no name in the database (see SessionStore.participant_for_identity).
identities_table = Table(
    "identities", metadata,
    Column("identity_hash", String(64), primary_key=True),
    Column("participant_id", String(40), ForeignKey("participants.participant_id"), nullable=False, unique=True),
)

# A participant's further tokens (the first is in participants): one each time an identity joins again after the
# server restarted, since tokens are kept only as hashes. Earlier tokens keep working.
participant_tokens_table = Table(
    "participant_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("participant_id", String(40), ForeignKey("participants.participant_id"), nullable=False),
    Column("issued_at", Float, nullable=False),
)

answers_table = Table(
    "answers", metadata,
    Column("answer_number", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(80), nullable=False),
    Column("participant_id", String(40), ForeignKey("participants.participant_id"), nullable=False),
    Column("question_number", Integer, ForeignKey("questions.number"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("answer", JSON, nullable=False),
    Column("correct", Boolean, nullable=True),
    Column("score", Float, nullable=True),
    Column("received_at", Float, nullable=False),
    # Why per participant: a key only has to be unique for the client that made it.
    UniqueConstraint("participant_id", "idempotency_key", name="uq_answer_idempotency"),
    Index("ix_answers_participant_time", "participant_id", "received_at"),
)

# Each participant's latest answer to a question's round, with what it adds to the tallies.
latest_table = Table(
    "latest_answers", metadata,
    Column("question_number", Integer, primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("participant_id", String(40), primary_key=True),
    Column("answer_number", Integer, nullable=False),
    Column("contributions", JSON, nullable=False),
)

tallies_table = Table(
    "tallies", metadata,
    Column("question_number", Integer, primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("dimension", String(10), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("count", Integer, nullable=False),
)

join_attempts_table = Table(
    "join_attempts", metadata,
    Column("attempt", Integer, primary_key=True, autoincrement=True),
    Column("address", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Column("accepted", Boolean, nullable=False),
    Index("ix_join_attempts_address_time", "address", "at"),
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


DB_FILE_NAME = "live-session.sqlite"


def private_folder(folder: Path) -> Path:
    """Create ``folder`` readable by its owner only (0700); an existing folder of ours is made so too."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):
        if folder.stat().st_uid == os.getuid():
            folder.chmod(0o700)
    return folder


def sqlite_url(folder: Path) -> str:
    """The database URL of the session kept in ``folder``."""
    return f"sqlite:///{(folder / DB_FILE_NAME).resolve()}"


def database_exists(url: str) -> bool:
    """Whether a session may already be kept at ``url`` (an SQLite file that exists, or any server database)."""
    if not url.startswith("sqlite"):
        return True
    database = make_url(url).database
    return bool(database) and database != ":memory:" and Path(database).is_file()


def shown_url(url: str) -> str:
    """A database URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(a database URL)"


class StoreError(RuntimeError):
    """The database cannot be used; the message is one line naming the file or URL and what to do."""


@dataclass(frozen=True)
class RoomSnapshot:
    settings: dict[str, str]
    questions: list[Question]
    tallies: dict[int, Counter]
    room_size: int
    answers_received: int

    def json(self, key: str, default: Any) -> Any:
        raw = self.settings.get(key)
        value = default if raw is None else parse_stored(raw)
        return value if default is None or isinstance(value, type(default)) else default


class DuplicateQuestion(ValueError):
    pass


@dataclass(frozen=True, kw_only=True)
class Question(QuestionSpec):
    """A question as the session holds it: what was planned, plus its place and state in the session."""

    number: int
    state: str = "draft"
    revealed: bool = False
    round: int = 1


@dataclass(frozen=True)
class StoredAnswer:
    answer_number: int
    idempotency_key: str
    participant_id: str
    participant_name: str | None
    question_id: str
    round: int
    kind: str
    answer: Any
    correct: bool | None
    score: float | None
    received_at: float
    question_number: int = 0


@dataclass(frozen=True)
class Submission:
    """An answer as it reaches the store: its structure already checked (:func:`frontline.live.values.check_value`)."""

    participant_id: str
    question_id: str
    idempotency_key: str
    kind: str
    answer: Any
    persona: str | None = None


@dataclass(frozen=True)
class JoinRequest:
    name: str | None
    address: str
    code_ok: bool
    resume: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of a submission: ``stored``, ``duplicate``, ``unknown``, ``draft``, ``locked``, ``invalid``,
    ``limited`` (with ``retry_after``), ``full``, ``wrong_code`` or ``joined``."""

    status: str
    number: int | None = None
    detail: str = ""
    retry_after: float = 0.0
    extra: dict[str, Any] | None = None


# judge(question, submission) -> (correct, score), or AnswerProblem
Judge = Callable[[Question, Submission], tuple[bool | None, float | None]]
Verdict = tuple[bool | None, float | None] | AnswerProblem | None  # None: not judged yet


@dataclass(frozen=True)
class Limits:
    answers_per_window: int = 10
    answer_window: float = 10.0  # seconds
    joins_per_minute: int = 60  # per address
    failed_joins_per_minute: int = 30  # wrong codes per address
    max_participants: int | None = None


class SessionStore:
    """The repository of one live session: settings, questions, participants, answers and the room's tallies."""

    def __init__(self, url: str, read_only: bool = False):
        self.url = url
        self.read_only = read_only
        self.is_sqlite = url.startswith("sqlite")
        self._listeners: list[Callable[[], None]] = []
        connect_args: dict[str, Any] = {}
        engine_url = url
        database = make_url(url).database if self.is_sqlite else None
        self.path = Path(database) if database and database != ":memory:" else None
        if self.is_sqlite:
            # Why: uvicorn's worker threads share the engine; writers wait for the lock instead of failing.
            connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
            if self.path is not None:
                _check_sqlite_file(self.path, read_only)
                if not read_only:
                    private_folder(self.path.parent)
                if read_only:
                    # With a -wal file a server may be writing: read through SQLite's locks. Without one nobody
                    # has the session open, and the file can be read as it is, without creating lock files.
                    wal = self.path.with_name(self.path.name + "-wal").exists()
                    engine_url = f"sqlite:///file:{self.path.resolve()}?{'mode=ro' if wal else 'immutable=1'}&uri=true"
        if read_only and not self.is_sqlite:  # the database itself refuses writes on these connections
            connect_args = {"options": "-c default_transaction_read_only=on"}
        try:
            self.engine: Engine = create_engine(engine_url, connect_args=connect_args, pool_pre_ping=True,
                                                pool_size=10, max_overflow=20) \
                if not self.is_sqlite else create_engine(engine_url, connect_args=connect_args)
        except ModuleNotFoundError as e:
            raise StoreError(
                f"the database URL {shown_url(url)} needs the Python driver {e.name!r}, which is not installed; for "
                "PostgreSQL run: pip install 'psycopg[binary]' and use a postgresql+psycopg://user@host/db URL"
            ) from e
        # SQLite allows one writer at a time and its busy handler waits by sleeping, which makes queued writers
        # slow under a burst; taking turns in-process is much faster. PostgreSQL needs no such lock.
        self._write_lock: threading.Lock | contextlib.nullcontext = contextlib.nullcontext()
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self._write_lock = threading.Lock()
        try:
            if not read_only:
                metadata.create_all(self.engine)
            with self.engine.connect() as conn:
                conn.execute(select(func.count()).select_from(settings_table)).scalar()
        except DBAPIError as e:
            self.engine.dispose()
            raise StoreError(self._explain(e)) from e
        if not read_only and self.get_setting("aggregates") != "1":
            self.rebuild_tallies()  # a session from before the tallies existed

    def _explain(self, error: DBAPIError) -> str:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error).splitlines()[0]
        where = str(self.path) if self.path else shown_url(self.url)
        lowered = reason.lower()
        if "not a database" in lowered or "malformed" in lowered:
            return (f"{where} is not a readable live session database (damaged, or another kind of file): {reason}. "
                    "Move it aside, or give another --dir.")
        if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
            return f"cannot write to {where}: {reason}. Check the file's and its folder's permissions."
        if "does not exist" in lowered and "relation" in lowered:
            return f"{where} holds no live session (its tables are missing): {reason}"
        return f"cannot use the database {where}: {reason}"

    # -- transactions and change notices --------------------------------------------------------------------
    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (from any thread) after every committed change made through this store."""
        self._listeners.append(listener)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        if self.read_only:
            raise StoreError(f"{self.path or shown_url(self.url)} was opened read-only")
        with self._write_lock, self.engine.begin() as conn:
            yield conn
            if not self.is_sqlite:  # delivered at commit to every server process listening on this database
                conn.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
        for listener in self._listeners:
            listener()

    def close(self) -> None:
        self.engine.dispose()

    # -- settings -------------------------------------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(settings_table.c.value).where(settings_table.c.key == key)).scalar()
        return default if value is None else value

    def set_setting(self, key: str, value: str) -> None:
        with self._writing() as conn:
            _set_setting(conn, key, value)

    def setting_once(self, key: str, value: str) -> str:
        """Store ``value`` under ``key`` unless a value is there already (another process's); the stored value."""
        with self._writing() as conn:
            conn.execute(self._insert(settings_table).values(key=key, value=value).on_conflict_do_nothing())
            return conn.execute(select(settings_table.c.value).where(settings_table.c.key == key)).scalar_one()

    def remove_setting(self, key: str, scrub: bool = False) -> None:
        """Delete a setting; with ``scrub``, also rewrite the table so its old value is not left in free space.

        The deletion also records that a scrub is due (:data:`SCRUB_PENDING_SETTING`), cleared once it is done, so
        a scrub that fails (:class:`StoreError`) is run again by :meth:`scrub_settings` on the next start."""
        with self._writing() as conn:
            conn.execute(delete(settings_table).where(settings_table.c.key == key))
            if scrub:
                _set_setting(conn, SCRUB_PENDING_SETTING, key)
        if scrub:
            self.scrub_settings()

    def scrub_settings(self) -> None:
        """Rewrite the database so no deleted setting is left in free space (SQLite: ``VACUUM`` and a truncating
        WAL checkpoint; PostgreSQL: ``VACUUM FULL`` of the settings), then clear the record that one was due.

        A :class:`StoreError` naming the database when another connection keeps SQLite from it (a lock, or a
        read in progress that keeps the checkpoint from finishing after :data:`CHECKPOINT_TRIES` tries)."""
        where = self.path or shown_url(self.url)
        with self._write_lock, self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # neither may run in a transaction
            if not self.is_sqlite:
                conn.exec_driver_sql(f"VACUUM FULL {settings_table.name}")
            else:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")  # tries below, not 30 s each
                try:
                    self._vacuum_and_checkpoint(conn, where)
                finally:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
        with self._writing() as conn:
            conn.execute(delete(settings_table).where(settings_table.c.key == SCRUB_PENDING_SETTING))

    @staticmethod
    def _vacuum_and_checkpoint(conn: Connection, where: Path | str) -> None:
        busy_reason = (f"another program has the database {where} open (a live export, or a second room): stop it "
                       "and start the room again, which finishes the clean-up")
        try:
            conn.exec_driver_sql("VACUUM")
        except OperationalError as e:
            if "locked" in str(e.orig).lower() or "busy" in str(e.orig).lower():
                raise StoreError(f"cannot rewrite the database {where} to clear a removed setting from its free "
                                 f"space: {busy_reason}") from e
            raise
        for attempt in range(CHECKPOINT_TRIES):
            busy, _wal_pages, _copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            if not busy:
                return
            if attempt + 1 < CHECKPOINT_TRIES:
                time.sleep(CHECKPOINT_PAUSE_S)
        raise StoreError(f"cannot empty the write-ahead log of {where} (where a removed setting's old value may "
                         f"remain): {busy_reason}")

    def get_json(self, key: str, default: Any = None) -> Any:
        raw = self.get_setting(key)
        if raw is None:
            return default
        value = parse_stored(raw)
        return value if isinstance(value, type(default)) or default is None else default

    def set_json(self, key: str, value: Any) -> None:
        self.set_setting(key, json.dumps(value))

    def ensure_secrets(self, join_code: str | None = None, title: str | None = None) -> tuple[str, str]:
        """The session's join code and facilitator token, created on first start and kept across restarts."""
        code = self.get_setting("join_code")
        if join_code and code != join_code.upper():
            code = join_code.upper()
            self.set_setting("join_code", code)
        if code is None:
            code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(6))
            self.set_setting("join_code", code)
        token = self.get_setting("facilitator_token")
        if token is None:
            token = secrets.token_urlsafe(24)
            self.set_setting("facilitator_token", token)
        if title:
            self.set_setting("title", title)
        if self.get_setting("started_at") is None:
            self.set_setting("started_at", repr(time.time()))
        return code, token

    # -- questions ------------------------------------------------------------------------------------------
    def add_question(self, spec: QuestionSpec) -> Question:
        try:
            with self._writing() as conn:
                conn.execute(insert(questions_table).values(
                    question_id=spec.question_id, kind=spec.kind, title=spec.title, prompt=spec.prompt,
                    options=list(spec.options), correct=spec.correct, debrief=spec.debrief, minimum=spec.minimum,
                    maximum=spec.maximum, labels=dict(spec.labels), state="draft", revealed=False, round=1,
                    created_at=time.time(),
                ))
        except IntegrityError as e:
            raise DuplicateQuestion(f"a question with id {spec.question_id!r} already exists in this session") from e
        found = self.question_by_id(spec.question_id)
        assert found is not None
        return found

    def questions(self) -> list[Question]:
        with self.engine.connect() as conn:
            return _questions(conn)

    def question(self, number: int) -> Question | None:
        return next((q for q in self.questions() if q.number == number), None)

    def question_by_id(self, question_id: str) -> Question | None:
        return next((q for q in self.questions() if q.question_id == question_id), None)

    def set_question_state(self, number: int, **values: Any) -> Question | None:
        with self._writing() as conn:
            conn.execute(update(questions_table).where(questions_table.c.number == number).values(**values))
        return self.question(number)

    def reset_question(self, number: int) -> Question | None:
        """Start the question afresh: earlier answers stay in the export under their round, but stop counting."""
        with self._writing() as conn:
            conn.execute(update(questions_table).where(questions_table.c.number == number).values(
                state="draft", revealed=False, round=questions_table.c.round + 1))
        return self.question(number)

    # -- participants ---------------------------------------------------------------------------------------
    def join_many(self, requests: list[JoinRequest], limits: Limits) -> list[Outcome]:
        """Let people in, or say why not, in one transaction; every attempt is counted per address (in the
        database, so across server processes). A few statements per batch, however many people join at once."""
        now = time.time()
        attempts, people = join_attempts_table, participants_table
        with self._writing() as conn:
            addresses = sorted({r.address for r in requests})
            counts: Counter = Counter()
            for address, accepted, count in conn.execute(
                    select(attempts.c.address, attempts.c.accepted, func.count())
                    .where(attempts.c.address.in_(addresses), attempts.c.at > now - 60)
                    .group_by(attempts.c.address, attempts.c.accepted)):
                counts[(address, bool(accepted))] += count
            hashes = sorted({hash_token(r.resume) for r in requests if r.resume})
            extra = participant_tokens_table
            known = {h: p for h, p in conn.execute(
                select(people.c.token_hash, people.c.participant_id).where(people.c.token_hash.in_(hashes))
                .union_all(select(extra.c.token_hash, extra.c.participant_id).where(extra.c.token_hash.in_(hashes))))
            } if hashes else {}
            room = _total(conn, PARTICIPANTS_TOTAL)
            outcomes, new_people, new_attempts = [], [], []
            for request in requests:
                outcome = self._join_one(request, limits, counts, known, room + len(new_people), now)
                if outcome.status == "wrong_code" or (outcome.status == "joined" and not outcome.extra["resumed"]):
                    accepted = outcome.status == "joined"
                    counts[(request.address, accepted)] += 1
                    new_attempts.append({"address": request.address, "at": now, "accepted": accepted})
                if outcome.status == "joined" and not outcome.extra["resumed"]:
                    new_people.append({"participant_id": outcome.extra["participant_id"], "name": request.name,
                                       "token_hash": hash_token(outcome.extra["participant_token"]),
                                       "joined_at": now})
                outcomes.append(outcome)
            if new_people:
                conn.execute(insert(people), new_people)
                _apply_tallies(conn, {TOTALS: Counter({PARTICIPANTS_TOTAL: len(new_people)})}, self._upsert)
            if new_attempts:
                conn.execute(insert(attempts), new_attempts)
        return outcomes

    @staticmethod
    def _join_one(request: JoinRequest, limits: Limits, counts: Counter, known: dict[str, str], room: int,
                  now: float) -> Outcome:
        if counts[(request.address, False)] >= limits.failed_joins_per_minute:
            return Outcome("limited", detail="too many wrong join codes", retry_after=60)
        if not request.code_ok:
            return Outcome("wrong_code")
        found = known.get(hash_token(request.resume)) if request.resume else None
        if found is not None:
            return Outcome("joined", extra={"participant_id": found, "participant_token": request.resume,
                                            "resumed": True})
        if limits.joins_per_minute and counts[(request.address, True)] >= limits.joins_per_minute:
            return Outcome("limited", detail="too many joins from this address", retry_after=60)
        if limits.max_participants is not None and room >= limits.max_participants:
            return Outcome("full", detail=f"the room is full ({limits.max_participants} participants)")
        return Outcome("joined", extra={"participant_id": "p-" + secrets.token_hex(6),
                                        "participant_token": secrets.token_urlsafe(24), "resumed": False})

    def add_participant(self, name: str | None) -> tuple[str, str]:
        """A participant added directly (tests, tools); the server's way in is :meth:`join`."""
        outcome = self.join_many([JoinRequest(name, "local", True)], Limits(joins_per_minute=0))[0]
        assert outcome.extra is not None
        return outcome.extra["participant_id"], outcome.extra["participant_token"]

    def participant_for_token(self, token: str) -> str | None:
        people, extra, hashed = participants_table, participant_tokens_table, hash_token(token)
        with self.engine.connect() as conn:
            return conn.execute(select(people.c.participant_id).where(people.c.token_hash == hashed).union_all(
                select(extra.c.participant_id).where(extra.c.token_hash == hashed))).scalar()

    def participant_for_identity(self, identity: str, key: bytes) -> tuple[str, str, bool]:
        """The participant of a person an outside login vouches for (e.g. ``"hub:ann"``), created without a name
        on their first join; ``(participant id, a fresh token, whether the participant is new)``.

        The identity is kept only as an HMAC under ``key``, which the database never holds (see
        :mod:`frontline.live.identity_key`), so the database holds no names, and the same person gets the same
        participant after a restart. Each call issues a new token (tokens are kept only hashed); the person's
        earlier tokens keep working.
        """
        token, now = secrets.token_urlsafe(24), time.time()
        people, identities = participants_table, identities_table
        hashed_identity = hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()
        with self._writing() as conn:
            found = conn.execute(select(identities.c.participant_id)
                                 .where(identities.c.identity_hash == hashed_identity)).scalar()
            created = found is None
            if created:
                found = "p-" + secrets.token_hex(6)
                conn.execute(insert(people).values(participant_id=found, token_hash=hash_token(token), name=None,
                                                   joined_at=now))
                claimed = conn.execute(self._insert(identities)
                                       .values(identity_hash=hashed_identity, participant_id=found)
                                       .on_conflict_do_nothing()).rowcount
                if claimed:
                    _apply_tallies(conn, {TOTALS: Counter({PARTICIPANTS_TOTAL: 1})}, self._upsert)
                else:  # another server process let the same person in a moment ago: theirs is the participant
                    conn.execute(delete(people).where(people.c.participant_id == found))
                    found = conn.execute(select(identities.c.participant_id)
                                         .where(identities.c.identity_hash == hashed_identity)).scalar_one()
                    created = False
            if not created:
                conn.execute(insert(participant_tokens_table).values(token_hash=hash_token(token),
                                                                     participant_id=found, issued_at=now))
        return found, token, created

    def identity_count(self) -> int:
        """How many people an outside login vouched for are linked to a participant."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(identities_table)).scalar_one()

    def room_size(self) -> int:
        with self.engine.connect() as conn:
            return _total(conn, PARTICIPANTS_TOTAL)

    # -- answers --------------------------------------------------------------------------------------------
    def add_answers(self, items: list[Submission], judge: Judge, limits: Limits) -> list[Outcome]:
        """Store a batch of answers in one transaction; one :class:`Outcome` per submission, in order.

        A handful of set-based statements per batch, however many answers it holds. Answers are judged before
        the transaction starts (judging a scenario answer replays it through the scenario engine), so writers
        never wait on it; the question's state is checked again inside.
        """
        with self.engine.connect() as conn:
            before = {q.question_id: q for q in _questions(conn)}
        verdicts = [_verdict(before.get(item.question_id), item, judge) for item in items]
        a = answers_table
        now = time.time()
        with self._writing() as conn:
            questions = {q.question_id: q for q in _questions(conn)}
            wanted = {(i.participant_id, i.idempotency_key) for i in items}
            existing = {(p, k): n for p, k, n in conn.execute(
                select(a.c.participant_id, a.c.idempotency_key, a.c.answer_number)
                .where(a.c.idempotency_key.in_(sorted({k for _, k in wanted})))) if (p, k) in wanted}
            recent = {p: [c, oldest] for p, c, oldest in conn.execute(
                select(a.c.participant_id, func.count(), func.min(a.c.received_at))
                .where(a.c.participant_id.in_(sorted({p for p, _ in wanted})),
                       a.c.received_at > now - limits.answer_window).group_by(a.c.participant_id))}
            outcomes: list[Outcome | None] = []
            pending: dict[tuple[str, str], tuple[int, Question, bool | None, float | None]] = {}
            for index, (item, verdict) in enumerate(zip(items, verdicts, strict=True)):
                ident = (item.participant_id, item.idempotency_key)
                outcome = None
                if ident in existing:
                    outcome = Outcome("duplicate", existing[ident])
                elif ident not in pending:  # (a second copy in the same batch is answered as the first one)
                    question = questions.get(item.question_id)
                    if question is not None and question.state == "open" and verdict is None:
                        verdict = _verdict(question, item, judge)  # opened while the batch was judged
                    outcome = _refusal(question, verdict)
                    count, oldest = recent.get(item.participant_id, (0, None))
                    if outcome is None and count >= limits.answers_per_window:
                        outcome = Outcome("limited", retry_after=max(
                            0.1, (oldest or now) + limits.answer_window - now))
                    if outcome is None:
                        assert question is not None and isinstance(verdict, tuple)
                        recent[item.participant_id] = [count + 1, now if oldest is None else oldest]
                        pending[ident] = (index, question, *verdict)
                outcomes.append(outcome)
            numbers = self._insert_answers(conn, items, pending, now)
            self._count(conn, items, pending, numbers)
        for index, item in enumerate(items):
            if outcomes[index] is None:
                ident = (item.participant_id, item.idempotency_key)
                first = pending.get(ident, (None,))[0]
                created = first == index and ident in numbers and not isinstance(numbers[ident], _Raced)
                outcomes[index] = Outcome("stored" if created else "duplicate", int(numbers[ident]))
        return [o for o in outcomes if o is not None]

    def _insert_answers(self, conn: Connection, items: list[Submission], pending: dict, now: float) -> dict:
        """Insert the pending answers; their numbers by (participant, key). A key another server process stored
        a moment ago (a race on a resend) comes back as :class:`_Raced`, its stored number."""
        a = answers_table
        if not pending:
            return {}
        rows = [{"idempotency_key": items[index].idempotency_key, "participant_id": items[index].participant_id,
                 "question_number": question.number, "round": question.round, "kind": items[index].kind,
                 "answer": items[index].answer, "correct": correct, "score": score, "received_at": now}
                for index, question, correct, score in pending.values()]
        statement = self._insert(a).on_conflict_do_nothing().returning(
            a.c.participant_id, a.c.idempotency_key, a.c.answer_number)
        numbers: dict = {(p, k): n for p, k, n in conn.execute(statement, rows)}
        for ident in set(pending) - set(numbers):
            numbers[ident] = _Raced(conn.execute(select(a.c.answer_number).where(
                a.c.participant_id == ident[0], a.c.idempotency_key == ident[1])).scalar_one())
        return numbers

    def _count(self, conn: Connection, items: list[Submission], pending: dict, numbers: dict) -> None:
        """Each stored answer becomes its participant's latest for the question's round: the tallies lose what
        their previous answer added and gain this one's."""
        latest = latest_table
        stored = sorted((index, ident, question, correct, score) for ident, (index, question, correct, score)
                        in pending.items() if not isinstance(numbers.get(ident), _Raced))
        if not stored:
            return
        slots = {(q.number, q.round, ident[0]) for _, ident, q, _, _ in stored}
        previous = {(n, r, p): parse_stored(c) for n, r, p, c in conn.execute(
            select(latest.c.question_number, latest.c.round, latest.c.participant_id,
                   cast(latest.c.contributions, Text))
            .where(latest.c.participant_id.in_(sorted({s[2] for s in slots})))) if (n, r, p) in slots}
        deltas: dict[tuple[int, int], Counter] = {TOTALS: Counter({ANSWERS_TOTAL: len(stored)})}
        final: dict[tuple[int, int, str], dict] = {}
        for index, ident, question, correct, score in stored:
            slot = (question.number, question.round, ident[0])
            tally = deltas.setdefault((question.number, question.round), Counter())
            before = previous.get(slot)
            if isinstance(before, list):
                add(tally, (tuple(p) for p in before if isinstance(p, list | tuple) and len(p) == 2), -1)
            item = items[index]
            pairs = contributions(question.kind, question.labels, item.kind, item.answer, correct, score)
            add(tally, pairs)
            previous[slot] = [list(p) for p in pairs]
            final[slot] = {"question_number": slot[0], "round": slot[1], "participant_id": slot[2],
                           "answer_number": int(numbers[ident]), "contributions": pairs}
        statement = self._insert(latest)
        conn.execute(statement.on_conflict_do_update(
            index_elements=["question_number", "round", "participant_id"],
            set_={"answer_number": statement.excluded.answer_number,
                  "contributions": statement.excluded.contributions}), list(final.values()))
        _apply_tallies(conn, deltas, self._upsert)

    def _insert(self, table: Table) -> Any:
        if self.is_sqlite:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        return dialect_insert(table)

    def _upsert(self) -> Any:
        statement = self._insert(tallies_table)
        return statement.on_conflict_do_update(
            index_elements=["question_number", "round", "dimension", "key"],
            set_={"count": tallies_table.c.count + statement.excluded["count"]})

    def tallies(self) -> dict[int, Counter]:
        """The current round's tallies of every question, by question number (few rows, whatever the answers)."""
        with self.engine.connect() as conn:
            return _tallies(conn)

    def snapshot(self) -> RoomSnapshot:
        """Everything the room view shows, read in one go: settings, questions, their tallies, the totals."""
        with self.engine.connect() as conn:
            settings = dict(conn.execute(select(settings_table.c.key, settings_table.c.value)).all())
            questions = _questions(conn)
            tallies = _tallies(conn)
            totals = tallies.pop(TOTALS[0], Counter())
        return RoomSnapshot(settings, questions, tallies, totals[PARTICIPANTS_TOTAL], totals[ANSWERS_TOTAL])

    def answer_count(self) -> int:
        with self.engine.connect() as conn:
            return _total(conn, ANSWERS_TOTAL)

    def rebuild_tallies(self) -> None:
        """Recount the latest answers and tallies from the stored answers (a session from an older version)."""
        deltas: dict[tuple[int, int], Counter] = {TOTALS: Counter()}
        latest: dict[tuple[int, int, str], tuple[int, list]] = {}
        with self._writing() as conn:
            conn.execute(latest_table.delete())
            conn.execute(tallies_table.delete())
            questions = {q.number: q for q in _questions(conn)}
            for row in _answer_rows(conn, None):
                question = questions.get(row.question_number)
                if question is None or row.round != question.round or not _fits(question, row):
                    continue
                slot = (question.number, question.round, row.participant_id)
                tally = deltas.setdefault((question.number, question.round), Counter())
                if slot in latest:
                    add(tally, latest[slot][1], -1)
                pairs = contributions(question.kind, question.labels, row.kind, row.answer, row.correct, row.score)
                add(tally, pairs)
                latest[slot] = (row.answer_number, pairs)
                deltas[TOTALS][ANSWERS_TOTAL] += 1
            if latest:
                conn.execute(insert(latest_table), [
                    {"question_number": n, "round": r, "participant_id": p, "answer_number": number,
                     "contributions": pairs} for (n, r, p), (number, pairs) in latest.items()])
            deltas[TOTALS][ANSWERS_TOTAL] = conn.execute(select(func.count()).select_from(answers_table)).scalar_one()
            deltas[TOTALS][PARTICIPANTS_TOTAL] = conn.execute(
                select(func.count()).select_from(participants_table)).scalar_one()
            _apply_tallies(conn, deltas, self._upsert)
            _set_setting(conn, "aggregates", "1")

    def counted_answer_numbers(self) -> set[int]:
        """The answers in the room's current distributions (each participant's latest, current round)."""
        latest, q = latest_table, questions_table
        with self.engine.connect() as conn:
            return set(conn.execute(select(latest.c.answer_number).join(
                q, (q.c.number == latest.c.question_number) & (q.c.round == latest.c.round))).scalars())

    def answers(self, question_id: str | None = None) -> list[StoredAnswer]:
        """Every stored answer, oldest first, each value readable whatever the row holds."""
        with self.engine.connect() as conn:
            return list(_answer_rows(conn, question_id))


class _Raced(int):
    """The number of an answer another server process stored first (same participant, same key)."""


def _refusal(question: Question | None, verdict: Verdict) -> Outcome | None:
    if question is None:
        return Outcome("unknown")
    if question.state != "open":
        return Outcome(question.state)
    if isinstance(verdict, AnswerProblem):
        return Outcome("invalid", detail=str(verdict))
    return None


def _verdict(question: Question | None, item: Submission, judge: Judge) -> Verdict:
    if question is None or question.state != "open":
        return None
    try:
        return judge(question, item)
    except AnswerProblem as e:
        return e


def _fits(question: Question, row: StoredAnswer) -> bool:
    """Whether a stored row can be counted in the room's tallies (rows stored by this server always can)."""
    from frontline.live.values import is_showable

    value = row.answer
    if not is_showable(value):
        return False
    if question.kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True


def _answer_rows(conn: Connection, question_id: str | None) -> Iterator[StoredAnswer]:
    a, q, p = answers_table, questions_table, participants_table
    query = (select(a.c.answer_number, a.c.idempotency_key, a.c.participant_id, p.c.name, q.c.question_id,
                    a.c.question_number, a.c.round, a.c.kind, cast(a.c.answer, Text).label("answer"),
                    cast(a.c.correct, Text).label("correct"), cast(a.c.score, Text).label("score"),
                    a.c.received_at)
             .join(q, a.c.question_number == q.c.number)
             .outerjoin(p, a.c.participant_id == p.c.participant_id)
             .order_by(a.c.answer_number))
    if question_id is not None:
        query = query.where(q.c.question_id == question_id)
    for r in conn.execute(query):
        yield StoredAnswer(
            answer_number=r.answer_number, idempotency_key=clean_text(r.idempotency_key, 80),
            participant_id=clean_text(r.participant_id, 40),
            participant_name=None if r.name is None else clean_text(r.name, 80),
            question_id=clean_text(r.question_id, 200), round=_int(r.round), kind=clean_text(r.kind, 20),
            answer=parse_stored(r.answer), correct=_bool(r.correct), score=_score(r.score),
            received_at=_float(r.received_at), question_number=r.question_number,
        )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _bool(value: Any) -> bool | None:
    if value is None:
        return None
    return str(value).strip().lower() in ("1", "true", "t")


def _score(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and 0 <= number <= 1 else None


def _set_setting(conn: Connection, key: str, value: str) -> None:
    done = conn.execute(update(settings_table).where(settings_table.c.key == key).values(value=value))
    if done.rowcount == 0:
        conn.execute(insert(settings_table).values(key=key, value=value))


def _total(conn: Connection, pair: tuple[str, str]) -> int:
    t = tallies_table
    value = conn.execute(select(t.c.count).where(
        t.c.question_number == TOTALS[0], t.c.round == TOTALS[1], t.c.dimension == pair[0],
        t.c.key == pair[1])).scalar()
    return value if isinstance(value, int) else 0


def _apply_tallies(conn: Connection, deltas: dict[tuple[int, int], Counter], upsert: Callable[[], Any]) -> None:
    rows = [{"question_number": number, "round": round_, "dimension": dimension, "key": key, "count": change}
            for (number, round_), tally in deltas.items() for (dimension, key), change in tally.items() if change]
    if rows:
        conn.execute(upsert(), rows)


def _tallies(conn: Connection) -> dict[int, Counter]:
    t, q = tallies_table, questions_table
    current = (q.c.number == t.c.question_number) & (q.c.round == t.c.round)
    query = (select(t.c.question_number, t.c.dimension, t.c.key, t.c.count).where(t.c.count != 0)
             .where(current | (t.c.question_number == TOTALS[0])))
    result: dict[int, Counter] = {}
    for number, dimension, key, count in conn.execute(query.select_from(t.outerjoin(q, current))):
        if isinstance(count, int):
            result.setdefault(number, Counter())[(str(dimension), str(key))] = count
    return result


def _questions(conn: Connection) -> list[Question]:
    rows = conn.execute(select(questions_table).order_by(questions_table.c.number)).mappings().all()
    return [_question(row) for row in rows]


def _check_sqlite_file(path: Path, read_only: bool) -> None:
    if path.exists() and path.is_file() and path.stat().st_size == 0:
        raise StoreError(f"{path} is empty (0 bytes), so it holds no live session; move it aside or give another "
                         "--dir (a new session starts in a folder without it)")
    if read_only and not path.is_file():
        raise StoreError(f"no live session database at {path}")


_SQLITE_SYNC = "FULL" if os.environ.get("FRONTLINE_LIVE_SQLITE_SYNC", "").upper() == "FULL" else "NORMAL"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Why: a row written by something else may hold bytes that are not UTF-8; show them, do not fail the view.
    dbapi_connection.text_factory = lambda raw: raw.decode("utf-8", "replace")
    cursor = dbapi_connection.cursor()
    # WAL lets the room view read while answers are written. With WAL, synchronous=NORMAL keeps every committed
    # answer when the server process stops or is killed (the commit is in the WAL file before the reply is sent);
    # only a power cut or operating-system crash in the last moments could lose the newest commits. That is the
    # trade for ~5x faster writes; FRONTLINE_LIVE_SQLITE_SYNC=FULL restores an fsync per commit.
    with contextlib.suppress(Exception):  # a read-only connection keeps the journal mode it finds
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={_SQLITE_SYNC}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _question(row: Any) -> Question:
    def listed(value: Any, kind: type) -> Any:
        value = parse_stored(value) if isinstance(value, str) else value
        return value if isinstance(value, kind) else kind()

    return Question(
        number=row["number"], question_id=row["question_id"], kind=row["kind"], title=row["title"],
        prompt=row["prompt"] or "", options=[str(o) for o in listed(row["options"], list)],
        correct=row["correct"], debrief=row["debrief"] or "", minimum=row["minimum"], maximum=row["maximum"],
        labels={str(k): str(v) for k, v in listed(row["labels"], dict).items()}, state=row["state"],
        revealed=bool(row["revealed"]), round=row["round"],
    )
