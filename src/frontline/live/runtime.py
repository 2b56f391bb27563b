"""What one server process keeps while it runs: batched writes, the change feed and the room-state cache.

* :class:`BatchWriter` groups the writes that arrive while the previous batch commits into one transaction (group
  commit): under a burst, hundreds of answers share one commit, and each request still waits for its own.
* :class:`ChangeFeed` is a number that goes up after every committed change; the room view's event stream waits
  on it. With PostgreSQL, :func:`listen_postgres` turns the database's ``NOTIFY`` (sent by every server process
  on commit) into the same signal, so a room view follows answers stored by any process.
* :class:`StateCache` computes the room's state once per change, however many room views are open.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class BatchWriter(Generic[Item, Result]):
    """Runs ``run_batch(items)`` in a worker thread, one batch at a time, for items submitted from the event loop."""

    def __init__(self, run_batch: Callable[[list[Item]], list[Result]], max_batch: int = 500):
        self.run_batch, self.max_batch = run_batch, max_batch
        self._queue: list[tuple[Item, asyncio.Future]] = []
        self._draining = False

    async def submit(self, item: Item) -> Result:
        future = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch:]
                results = await asyncio.to_thread(self._run, [item for item, _ in batch])
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue  # the client went away
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._draining = False

    def _run(self, items: list[Item]) -> list[Any]:
        try:
            return self.run_batch(items)
        except Exception as e:
            if len(items) == 1:
                return [e]
        # One bad item must not fail the others: run each on its own; only its own request sees its error.
        results: list[Any] = []
        for item in items:
            try:
                results += self.run_batch([item])
            except Exception as e:
                results.append(e)
        return results


class ChangeFeed:
    """A version number raised (from any thread) after each change; coroutines wait for it to move."""

    def __init__(self) -> None:
        self.version = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Future] = set()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def bump(self) -> None:
        with self._lock:
            self.version += 1
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self, seen: int, timeout: float) -> int:
        """The version once it differs from ``seen``, or the same version after ``timeout`` seconds."""
        if self.version != seen:
            return self.version
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)
        return self.version


class StateCache:
    """The room's state as JSON bytes, computed at most once per version of the feed."""

    def __init__(self, feed: ChangeFeed, compute: Callable[[], bytes]):
        self.feed, self.compute = feed, compute
        self._version = -1
        self._value = b""
        self._pending: Awaitable[bytes] | None = None

    async def get(self) -> bytes:
        version = self.feed.version
        if version == self._version:
            return self._value
        if self._pending is None:
            self._pending = asyncio.ensure_future(asyncio.to_thread(self.compute))
        pending = self._pending
        try:
            value = await pending
        finally:
            if self._pending is pending:
                self._pending = None
        self._version, self._value = version, value
        return value


def listen_postgres(url: str, feed: ChangeFeed, channel: str, stop: threading.Event) -> None:
    """Raise ``feed`` on every ``NOTIFY channel`` of the database (run in a thread until ``stop`` is set)."""
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f"LISTEN {channel}")
                feed.bump()  # anything missed while not listening is picked up now
                while not stop.is_set():
                    for _notice in conn.notifies(timeout=1.0):
                        feed.bump()
        except Exception:  # the database restarted or is unreachable: try again shortly
            stop.wait(1.0)
