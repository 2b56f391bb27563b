"""Storage of a live session behind one interface, :class:`SessionStore`, served by SQLAlchemy.

The default database is an SQLite file in a folder the facilitator chooses; a PostgreSQL URL
(``postgresql+psycopg://...``) serves a large event with the same code, since only portable SQLAlchemy Core
constructs are used. Every write commits before the HTTP response is sent, so a restart loses no answer.
Resends never count twice: each answer carries an idempotency key with a unique constraint on it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError

from frontline.live.plan import QuestionSpec

# Join codes avoid letters and digits that are easy to confuse when read off a projector (0/O, 1/I/L).
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
QUESTION_KINDS = ("choice", "text", "number", "confidence", "scenario")
STATES = ("draft", "open", "locked")

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
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


DB_FILE_NAME = "live-session.sqlite"


def sqlite_url(folder: Path) -> str:
    """The database URL of the session kept in ``folder`` (the folder is created)."""
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / DB_FILE_NAME).resolve()}"


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


class DuplicateQuestion(ValueError):
    pass


class SessionStore:
    """The repository of one live session: settings, questions, participants and answers."""

    def __init__(self, url: str):
        self.url = url
        connect_args: dict[str, Any] = {}
        if url.startswith("sqlite"):
            # Why: uvicorn's worker threads share the engine; writers wait for the lock instead of failing.
            connect_args = {"check_same_thread": False, "timeout": 30}
        try:
            self.engine: Engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        except ModuleNotFoundError as e:
            raise ModuleNotFoundError(
                f"the database URL {make_url(url).render_as_string(hide_password=True)} needs the Python driver "
                f"{e.name!r}, which is not installed; for PostgreSQL run: pip install 'psycopg[binary]' and use "
                "a postgresql+psycopg://user:password@host/database URL"
            ) from e
        # SQLite allows one writer at a time and its busy handler waits by sleeping, which makes queued writers
        # slow under a burst; taking turns in-process is much faster. PostgreSQL needs no such lock.
        self._write_lock: threading.Lock | contextlib.nullcontext = contextlib.nullcontext()
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self._write_lock = threading.Lock()
        metadata.create_all(self.engine)
        database = self.engine.url.database if url.startswith("sqlite") else None
        if database and database != ":memory:" and Path(database).exists():
            Path(database).chmod(0o600)  # it holds the facilitator token and everyone's answers

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    # -- settings -------------------------------------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(settings_table.c.value).where(settings_table.c.key == key)).scalar()
        return default if value is None else value

    def set_setting(self, key: str, value: str) -> None:
        with self._writing() as conn:
            done = conn.execute(update(settings_table).where(settings_table.c.key == key).values(value=value))
            if done.rowcount == 0:
                conn.execute(insert(settings_table).values(key=key, value=value))

    def get_json(self, key: str, default: Any = None) -> Any:
        raw = self.get_setting(key)
        return default if raw is None else json.loads(raw)

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
    def add_question(self, question_id: str, kind: str, title: str, prompt: str = "", options: list[str] | None = None,
                     correct: Any = None, debrief: str = "", minimum: float | None = None,
                     maximum: float | None = None, labels: dict[str, str] | None = None) -> Question:
        try:
            with self._writing() as conn:
                conn.execute(insert(questions_table).values(
                    question_id=question_id, kind=kind, title=title, prompt=prompt, options=list(options or []),
                    correct=correct, debrief=debrief, minimum=minimum, maximum=maximum, labels=dict(labels or {}),
                    state="draft",
                    revealed=False, round=1, created_at=time.time(),
                ))
        except IntegrityError as e:
            raise DuplicateQuestion(f"a question with id {question_id!r} already exists in this session") from e
        found = self.question_by_id(question_id)
        assert found is not None
        return found

    def questions(self) -> list[Question]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(questions_table).order_by(questions_table.c.number)).mappings().all()
        return [_question(row) for row in rows]

    def question(self, number: int) -> Question | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(questions_table).where(questions_table.c.number == number)).mappings().first()
        return _question(row) if row else None

    def question_by_id(self, question_id: str) -> Question | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(questions_table).where(questions_table.c.question_id == question_id)
            ).mappings().first()
        return _question(row) if row else None

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
    def add_participant(self, name: str | None) -> tuple[str, str]:
        participant_id = "p-" + secrets.token_hex(6)
        token = secrets.token_urlsafe(24)
        with self._writing() as conn:
            conn.execute(insert(participants_table).values(
                participant_id=participant_id, token_hash=hash_token(token), name=name, joined_at=time.time()))
        return participant_id, token

    def participant_for_token(self, token: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(participants_table.c.participant_id)
                                .where(participants_table.c.token_hash == hash_token(token))).scalar()

    def room_size(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(participants_table)).scalar_one()

    # -- answers --------------------------------------------------------------------------------------------
    def add_answer(self, participant_id: str, question: Question, idempotency_key: str, kind: str, answer: Any,
                   correct: bool | None, score: float | None) -> tuple[int, bool]:
        """Store an answer; returns ``(answer_number, created)``; a resend of a stored key is not stored again."""
        try:
            with self._writing() as conn:
                result = conn.execute(insert(answers_table).values(
                    idempotency_key=idempotency_key, participant_id=participant_id, question_number=question.number,
                    round=question.round, kind=kind, answer=answer, correct=correct, score=score,
                    received_at=time.time(),
                ))
                return int(result.inserted_primary_key[0]), True
        except IntegrityError:
            with self.engine.connect() as conn:
                existing = conn.execute(select(answers_table.c.answer_number).where(
                    answers_table.c.participant_id == participant_id,
                    answers_table.c.idempotency_key == idempotency_key)).scalar()
            if existing is None:
                raise
            return int(existing), False

    def answers(self, question_number: int | None = None, current_round_only: bool = False) -> list[StoredAnswer]:
        a, q, p = answers_table, questions_table, participants_table
        query = (select(a, q.c.question_id, p.c.name.label("participant_name"))
                 .join(q, a.c.question_number == q.c.number)
                 .join(p, a.c.participant_id == p.c.participant_id)
                 .order_by(a.c.answer_number))
        if question_number is not None:
            query = query.where(a.c.question_number == question_number)
        if current_round_only:
            query = query.where(a.c.round == q.c.round)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [StoredAnswer(
            answer_number=r["answer_number"], idempotency_key=r["idempotency_key"],
            participant_id=r["participant_id"], participant_name=r["participant_name"],
            question_id=r["question_id"], round=r["round"], kind=r["kind"], answer=r["answer"],
            correct=r["correct"], score=r["score"], received_at=r["received_at"],
        ) for r in rows]

    def latest_answers(self, question: Question) -> list[StoredAnswer]:
        """Each participant's last answer to the question's current round (a changed mind replaces the first)."""
        latest: dict[str, StoredAnswer] = {}
        for answer in self.answers(question.number, current_round_only=True):
            latest[answer.participant_id] = answer
        return list(latest.values())

    def answer_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(answers_table)).scalar_one()

    def iter_questions_with_answers(self) -> Iterator[tuple[Question, list[StoredAnswer]]]:
        for question in self.questions():
            yield question, self.latest_answers(question)


_SQLITE_SYNC = "FULL" if os.environ.get("FRONTLINE_LIVE_SQLITE_SYNC", "").upper() == "FULL" else "NORMAL"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the room view read while answers are written. With WAL, synchronous=NORMAL keeps every committed
    # answer when the server process stops or is killed (the commit is in the WAL file before the reply is sent);
    # only a power cut or operating-system crash in the last moments could lose the newest commits. That is the
    # trade for ~5x faster writes; FRONTLINE_LIVE_SQLITE_SYNC=FULL restores an fsync per answer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={_SQLITE_SYNC}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _question(row: Any) -> Question:
    return Question(
        number=row["number"], question_id=row["question_id"], kind=row["kind"], title=row["title"],
        prompt=row["prompt"] or "", options=list(row["options"] or []), correct=row["correct"],
        debrief=row["debrief"] or "", minimum=row["minimum"], maximum=row["maximum"],
        labels=dict(row["labels"] or {}), state=row["state"],
        revealed=bool(row["revealed"]), round=row["round"],
    )
