"""A real `frontline live serve` process on a free loopback port, for the live-session tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from server_support import wait_until_answering

from frontline.lab.launch import any_free_port as free_port


class PortTaken(Exception):
    pass


class LiveServer:
    def __init__(self, folder: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None,
                 db: str | None = None):
        self.folder, self.args, self.port = folder, list(args), port or free_port()
        # Where the session is kept: a PostgreSQL URL, or (by default) an SQLite file under the folder.
        self.where = ["--db", db] if db else ["--dir", str(folder / "db")]
        self.db_url = db or f"sqlite:///{folder / 'db' / 'live-session.sqlite'}"
        # A port found free can be taken by another program before the server binds it; then try another one,
        # but only before the first start (a restart must come back on the same address).
        self._may_change_port = port is None
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.code = self.token = ""
        self.log = folder / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        for _attempt in range(3):
            try:
                return self._start()
            except PortTaken:
                self.port = free_port()
        raise RuntimeError(f"no free port for the live server:\n{self.log.read_text()}")

    def _start(self) -> LiveServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "frontline.live", "serve", *self.where, "--port", str(self.port),
                 *self.args],
                stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        wait_until_answering(f"{self.url}/api/health", self.process, self.log, "live server", seconds=120,
                             on_exit=self._raise_if_port_taken)
        self._may_change_port = False
        text = self.log.read_text()
        self.code = re.findall(r"Join code for trainees:\s+(\S+)", text)[-1]
        self.token = re.findall(r"/room#token=(\S+)", text)[-1]
        return self

    def _raise_if_port_taken(self) -> None:
        if self._may_change_port and "in use" in self.log.read_text():
            raise PortTaken

    def wait_until_judging(self) -> None:
        """Wait until the scenario engine has loaded for the session's scenario questions."""
        deadline = time.monotonic() + 120
        while not httpx.get(f"{self.url}/api/health", timeout=5).json()["judging"]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the scenario engine did not load:\n{self.log.read_text()}")
            time.sleep(0.1)

    def stop(self, hard: bool = False) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            self.process.wait(timeout=15)

    def facilitator(self) -> httpx.Client:
        # a generous timeout: the first run-sheet read loads the lesson tools, slow on a busy machine
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)

    def join(self, name: str | None = None) -> httpx.Client:
        """A trainee's HTTP client carrying a fresh participant token."""
        body = httpx.post(f"{self.url}/api/join", json={"code": self.code, "name": name}, timeout=10).json()
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {body['participant_token']}"},
                            timeout=10)


PG_BIN = Path(os.environ.get("FRONTLINE_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PostgresCluster:
    """A throwaway PostgreSQL server: initdb in a temporary folder, started on a free loopback port.

    PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to the unprivileged
    ``postgres`` account (Debian's package creates it). Stopped, and its folder removed, by :meth:`stop`.
    """

    def __init__(self) -> None:
        import tempfile

        self.root = Path(tempfile.mkdtemp(prefix="frontline-pg-"))
        self.data, self.sockets = self.root / "data", self.root / "sockets"
        self.port = free_port()
        self.log = self.root / "server.log"
        self._databases = 0

    def _as_owner(self, *argv: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)

    def start(self) -> PostgresCluster:
        import shutil

        self.sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockets, "postgres")
        run = dict(check=True, capture_output=True, text=True)
        subprocess.run(self._as_owner(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                      "-E", "UTF8", "--no-sync"), **run)
        # Small and quick to start; fsync off because the cluster is thrown away (restart tests kill the *app*).
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.sockets} "
                   "-c fsync=off -c max_connections=200 -c shared_buffers=32MB")
        try:
            subprocess.run(self._as_owner(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                                          "-o", options, "-w", "-t", "60", "start"), **run)
        except subprocess.CalledProcessError as e:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {e.stderr}\n{log}") from e
        return self

    def new_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        import psycopg

        self._databases += 1
        name = f"live{self._databases}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        import shutil

        subprocess.run(self._as_owner(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
                       capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


def postgres_available() -> str | None:
    """Why a PostgreSQL cluster cannot be started here, or None."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL 15 is not installed ({PG_BIN / 'initdb'} missing; apt-get install postgresql)"
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no unprivileged 'postgres' account to own the test cluster"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the PostgreSQL driver is not installed (pip install 'psycopg[binary]')"
    return None


_cluster: PostgresCluster | None = None


def shared_postgres() -> PostgresCluster:
    """One throwaway cluster for the whole test run (each test module takes fresh databases from it)."""
    global _cluster
    if _cluster is None:
        import atexit

        why = postgres_available()
        if why:
            import pytest

            # With CI set a missing PostgreSQL is a failure: the large-event path must really be tested there.
            (pytest.fail if os.environ.get("CI") else pytest.skip)(why)
        _cluster = PostgresCluster().start()
        atexit.register(_cluster.stop)
    return _cluster


BACKENDS = ["sqlite", "postgresql"]


def database_url(backend: str) -> str | None:
    """A fresh database of the backend: None means the server's default SQLite file in its folder."""
    return shared_postgres().new_database() if backend == "postgresql" else None


def store_answer(store, participant: str, question, value, kind: str | None = None, verdict=(None, None)):
    """Store one answer straight through the store's batch path (the question must be open)."""
    import uuid

    from frontline.live.store import Limits, Submission

    submission = Submission(participant, question.question_id, uuid.uuid4().hex, kind or question.kind, value)
    return store.add_answers([submission], lambda _q, _item: verdict, Limits(answers_per_window=10**6))[0]


def room_distribution(store, question) -> dict:
    """What the room view draws for the question, from the store's running tallies."""
    from collections import Counter

    from frontline.live.tallies import distribution

    return distribution(question.kind, question.options, question.minimum, question.maximum,
                        store.tallies().get(question.number, Counter()))
