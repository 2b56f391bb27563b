"""The notebook side of a live session: join, forward every answer, keep what could not be sent.

``join(url, code)`` subscribes to :mod:`frontline.answers`, so every scenario and poll widget's answer is also
sent to the facilitator's room. Each answer gets an idempotency key when first sent; if the server cannot be
reached (or asks the trainee to slow down) the answer stays in an outbox with the same key and is sent again
before the next answer, or by ``frontline.live.flush()``. The server stores a key once, so a resend whose first
attempt did arrive never counts twice. An answer the server refuses (question locked, not part of the session,
invalid) is not retried: the trainee is told why. A connection the server dropped at the wrong moment gets one
immediate resend with the same key.

Joining again (a restarted kernel, a restarted server) keeps the trainee's identity: the participant token from the
first join is kept, in memory and in a private file beside the scenario progress file, and sent as ``resume``.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from frontline.answers import AnswerEvent, subscribe

SENT, KEPT, REJECTED = "sent", "kept", "rejected"


class LiveSessionError(RuntimeError):
    """Joining failed: the server is unreachable or refused the code."""


@dataclass(frozen=True)
class SendResult:
    key: str
    question_id: str
    status: str  # SENT, KEPT (will be resent) or REJECTED (will not)
    message: str

    @property
    def symbol_text(self) -> str:
        symbol = {SENT: "✔", KEPT: "⚠", REJECTED: "✘"}[self.status]
        return f"{symbol} {self.message}"


@dataclass(frozen=True)
class PendingAnswer:
    key: str
    payload: dict[str, Any]


def _error_message(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail or response.text or response.reason_phrase)


# Errors after which the request may not have reached the server, or its reply was lost: resent once at once.
RESENDABLE = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.ConnectError)
# Idle connections are dropped by the client before the server would (it keeps them 75 s), never the other way.
KEEPALIVE_SECONDS = 30.0


def resume_file() -> Path:
    """Where participant tokens are kept between kernels: beside the scenario progress file (same rules)."""
    progress = os.environ.get("FRONTLINE_PROGRESS")
    if progress:
        return Path(progress).expanduser().parent / "live-sessions.json"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "frontline" / "live-sessions.json"


def _saved_tokens() -> dict[str, str]:
    try:
        saved = json.loads(resume_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in saved.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(saved,
                                                                                                      dict) else {}


def _save_token(session: str, token: str) -> None:
    """Keep the token (readable by this account only); a failure only means the next kernel joins afresh."""
    path = resume_file()
    tokens = {**_saved_tokens(), session: token}
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(tokens, file)
        os.replace(temporary, path)


class LiveClient:
    """A trainee's connection to one session server."""

    def __init__(self, url: str, code: str, name: str | None = None, timeout: float = 5.0):
        self.url = url.rstrip("/")
        self.code = code.strip().upper()
        self.name = name
        self.title = ""
        self.participant_id: str | None = None
        self.resumed = False
        self._token: str | None = None
        # A short connect timeout: an unreachable server (wifi dropped) must not freeze the notebook for long.
        self._http = httpx.Client(base_url=self.url, timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
                                  limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS))
        self._lock = threading.RLock()
        self.outbox: list[PendingAnswer] = []
        self.results: dict[str, SendResult] = {}
        self._listeners: list[Callable[[SendResult], None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self.sent_count = 0
        self._status_widget: Any = None

    # -- joining --------------------------------------------------------------------------------------------
    @property
    def session_key(self) -> str:
        return f"{self.url} {self.code}"

    def join(self) -> LiveClient:
        body: dict[str, Any] = {"code": self.code, "name": self.name}
        resume = self._token or _saved_tokens().get(self.session_key)
        if resume:
            body["resume"] = resume
        try:
            response = self._send("/api/join", body)
        except httpx.HTTPError as e:
            raise LiveSessionError(
                f"could not reach the session server at {self.url} ({type(e).__name__}). Check the address the "
                "facilitator gave and that their server is running."
            ) from e
        if response.status_code != 201:
            raise LiveSessionError(f"the session server refused to let you join: {_error_message(response)}")
        body = response.json()
        self.participant_id, self._token, self.title = body["participant_id"], body["participant_token"], body["title"]
        self.resumed = bool(body.get("resumed"))
        _save_token(self.session_key, self._token)
        if self._unsubscribe is None:
            self._unsubscribe = subscribe(self.on_answer)
        return self

    def leave(self) -> None:
        """Stop forwarding answers (answers still in the outbox stay there; ``flush()`` can still send them)."""
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    @property
    def joined(self) -> bool:
        return self._unsubscribe is not None

    def add_listener(self, listener: Callable[[SendResult], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- sending --------------------------------------------------------------------------------------------
    def on_answer(self, event: AnswerEvent) -> None:
        """The :mod:`frontline.answers` subscriber: forwards the event; never raises."""
        self.send(event)

    def send(self, event: AnswerEvent) -> SendResult:
        key = str(event.details.get("answer_id") or uuid.uuid4().hex)
        payload = {
            "question_id": event.question_id, "idempotency_key": key, "kind": event.kind,
            # Why the round trip: tuples, numpy numbers and the like become plain JSON as the server will see it.
            "answer": json.loads(json.dumps(event.answer, default=str)),
        }
        persona = event.details.get("persona")
        if isinstance(persona, str):
            payload["persona"] = persona  # the server judges the answer itself, for the persona it was played against
        with self._lock:
            self.flush()
            if self.outbox:  # the server is still unreachable: don't wait on it twice, queue behind the others
                self.outbox.append(PendingAnswer(key, payload))
                return self._record(SendResult(key, event.question_id, KEPT, self._kept_message()))
            return self._post(PendingAnswer(key, payload))

    def flush(self) -> list[SendResult]:
        """Send the answers kept while the server was unreachable, oldest first; stops at the first failure."""
        results = []
        with self._lock:
            while self.outbox:
                result = self._post(self.outbox[0], queued=True)
                results.append(result)
                if result.status == KEPT:
                    break
                self.outbox.pop(0)
            if results and self._status_widget is not None:  # the outbox has shrunk since the last line was drawn
                self._status_widget.value = self._status_html(results[-1])
        return results

    def _kept_message(self, reason: str = "the session server could not be reached") -> str:
        waiting = len(self.outbox)
        return (f"Not sent yet: {reason}. Your answer is kept ({waiting} waiting) and will be sent with your next "
                "answer, or run frontline.live.flush().")

    def _post(self, pending: PendingAnswer, queued: bool = False) -> SendResult:
        question_id = pending.payload["question_id"]
        try:
            response = self._send("/api/answers", pending.payload, {"Authorization": f"Bearer {self._token}"})
        except httpx.HTTPError:
            if not queued:
                self.outbox.append(pending)
            return self._record(SendResult(pending.key, question_id, KEPT, self._kept_message()))
        if response.status_code in (200, 201):
            self.sent_count += 1
            return self._record(SendResult(pending.key, question_id, SENT, "Sent to the session."))
        if response.status_code == 429 or response.status_code >= 500:
            if not queued:
                self.outbox.append(pending)
            reason = "sending too quickly" if response.status_code == 429 else "the session server had a problem"
            return self._record(SendResult(pending.key, question_id, KEPT, self._kept_message(reason)))
        return self._record(SendResult(pending.key, question_id, REJECTED,
                                       f"Not accepted by the session: {_error_message(response)}"))

    def _send(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        """POST, and once more at once if the connection failed under the request (same body, same key)."""
        try:
            return self._http.post(path, json=body, headers=headers)
        except RESENDABLE:
            return self._http.post(path, json=body, headers=headers)

    def _record(self, result: SendResult) -> SendResult:
        self.results[result.key] = result
        if self._status_widget is not None:
            self._status_widget.value = self._status_html(result)
        for listener in list(self._listeners):
            listener(result)
        return result

    @property
    def status_widget(self) -> Any:
        """A line of text under the join cell saying how sending goes; covers widgets that show no status of
        their own (scenario widgets)."""
        if self._status_widget is None:
            import ipywidgets

            self._status_widget = ipywidgets.HTML(self._status_html(None))
        return self._status_widget

    def _status_html(self, last: SendResult | None) -> str:
        lines = [self.status_text()]
        if last is not None and last.status == REJECTED:
            lines.append(f"Last answer ({last.question_id}): {last.symbol_text}")
        return "<br>".join(f'<span role="status">{html.escape(line)}</span>' for line in lines)

    def status_text(self) -> str:
        if self.outbox:
            return (f"⚠ Live session '{self.title}': {len(self.outbox)} answer(s) waiting to be sent (server "
                    "unreachable); run frontline.live.flush() to retry.")
        state = "joined" if self.joined else "left"
        return f"✔ Live session '{self.title}': {state}; {self.sent_count} answer(s) sent."

    def close(self) -> None:
        self.leave()
        self._http.close()


_current: LiveClient | None = None


def current() -> LiveClient | None:
    """The session this kernel has joined, if any."""
    return _current


def join(url: str, code: str, name: str | None = None) -> LiveClient:
    """Join the facilitator's session; from now on every widget's answer is also sent to the room.

    ``name`` is optional: without it you take part anonymously (the facilitator sees a random id).
    """
    global _current
    if _current is not None:
        _current.leave()
    client = LiveClient(url, code, name).join()
    _current = client
    print(f"✔ Joined the live session '{client.title}'" + (f" as {name}." if name else " anonymously.")
          + " Your answers in the scenarios and polls now also go to the room.")
    if _in_notebook():
        from IPython.display import display

        display(client.status_widget)
    return client


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def flush() -> list[SendResult]:
    """Send any answers kept while the session server was unreachable."""
    if _current is None:
        return []
    results = _current.flush()
    print(_current.status_text())
    return results


def leave() -> None:
    """Stop sending answers to the live session."""
    global _current
    if _current is not None:
        _current.close()
        _current = None
