"""The session server's FastAPI app: routers per area, the two roles as dependencies, and what guards every request.

The room view page itself holds no data; its script reads the facilitator token from the link's ``#token=``
fragment (never sent to the server in a URL, so it stays out of logs) and reads the room's state as a stream of
server-sent events. Every response carries security headers; requests for a host name the server does not answer
to are refused (a web page elsewhere cannot reach the session through DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import threading
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from frontline.live.dependencies import LiveSession
from frontline.live.models import describe_errors
from frontline.live.regrade import ScenarioGrader
from frontline.live.routes import facilitator, pages, trainees
from frontline.live.runtime import BatchWriter, ChangeFeed, StateCache, listen_postgres
from frontline.live.store import NOTIFY_CHANNEL, Limits, Question, Submission
from frontline.live.summary import question_state
from frontline.live.values import poll_answer_problem

if TYPE_CHECKING:
    from frontline.live.server import ServerSettings

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
NO_STORE = (b"cache-control", b"no-store")


class BodySizeLimit:
    """Reject request bodies over the limit, whether or not the client declared their length (chunked uploads).

    The body is read (up to the limit) before the app sees it, so an oversized upload is answered with 413 and
    never parsed; bodies here are small, so holding one in memory costs nothing.
    """

    def __init__(self, app: Any, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await _reject(send, 413, f"request body too large (limit {self.limit} bytes)")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await _reject(send, 413, f"request body too large (limit {self.limit} bytes)")
            if not message.get("more_body"):
                break
        body, replayed = b"".join(chunks), False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class AnswerFastPath:
    """``POST /api/answers`` straight to its handler, past the router and dependency injection.

    The answer route is the one a whole room hits at once; the framework's routing and dependency resolution
    cost more CPU than the handler itself. The handler is the route's own (:func:`trainees.post_answer`), so
    the answer is checked and stored exactly as it would be through the router.
    """

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/api/answers" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        request = Request(scope, receive)
        try:
            response = await trainees.post_answer(request)
        except HTTPException as e:
            response = JSONResponse({"detail": e.detail}, status_code=e.status_code, headers=e.headers)
        await response(scope, receive, send)


class SecurityHeaders:
    """Security headers on every response, ``Cache-Control: no-store`` on the API, and the Host check."""

    def __init__(self, app: Any, allowed_hosts: frozenset[str]):
        self.app, self.allowed_hosts = app, allowed_hosts
        self._seen: dict[str, bool] = {}  # Host headers already judged (a room uses one or two)

    def host_allowed(self, host: str) -> bool:
        allowed = self._seen.get(host)
        if allowed is None:
            allowed = self._judge_host(host)
            if len(self._seen) < 1000:
                self._seen[host] = allowed
        return allowed

    def _judge_host(self, host: str) -> bool:
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        name = name.strip("[]").lower()
        if name in self.allowed_hosts or "*" in self.allowed_hosts:
            return True
        try:
            ipaddress.ip_address(name)  # an address cannot be rebound to another site's name
            return True
        except ValueError:
            return False

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = next((v for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")
        if not self.host_allowed(host):
            return await _reject(send, 400, f"this server does not answer to the host name {host!r}; start it "
                                            "with --allowed-host NAME to allow it")
        extra = [*SECURITY_HEADERS, NO_STORE] if scope["path"].startswith("/api/") else SECURITY_HEADERS

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _reject(send: Any, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS, NO_STORE]})
    await send({"type": "http.response.body", "body": body})


def _judge(settings: ServerSettings, grader: ScenarioGrader):  # type: ignore[no-untyped-def]
    """The server's own judgement of an answer (see :mod:`frontline.live.regrade`)."""
    from frontline.live.values import AnswerProblem

    def judge(question: Question, item: Submission) -> tuple[bool | None, float | None]:
        if question.kind == "scenario":
            if grader.available(question.question_id):
                return grader.grade(question.question_id, item.kind, item.answer, item.persona)
            return None, None  # a scenario this kit does not have: shown as sent, not judged
        if item.kind != question.kind:
            raise AnswerProblem(f"this is a {question.kind} question; an answer of kind {item.kind!r} does not fit")
        problem = poll_answer_problem(question.kind, question.options, question.minimum, question.maximum,
                                      item.answer, settings.max_text_chars)
        if problem:
            raise AnswerProblem(problem)
        if question.kind == "choice" and question.correct is not None:
            return item.answer == question.correct, None
        return None, None

    return judge


def _state_bytes(settings: ServerSettings) -> bytes:
    room = settings.store.snapshot()
    return json.dumps({
        "title": settings.title, "join_code": settings.join_code,
        "room_size": room.room_size, "answers_received": room.answers_received,
        "max_participants": room.json("max_participants", None),
        "questions": [question_state(q, room.tallies.get(q.number, Counter())) for q in room.questions],
        "timer": room.json("timer", {}), "clock": room.json("clock", {}), "lessons": room.json("lessons", []),
    }, ensure_ascii=False, allow_nan=False).encode()


def create_app(settings: ServerSettings) -> FastAPI:
    store = settings.store
    feed = ChangeFeed()
    store.on_change(feed.bump)
    grader = ScenarioGrader(settings.kit_root)
    judge = _judge(settings, grader)

    def limits() -> Limits:
        return settings.limits(store.get_json("max_participants"))

    session = LiveSession(
        settings=settings, feed=feed, grader=grader,
        answers=BatchWriter(lambda items: store.add_answers(items, judge, settings.limits(None))),
        joins=BatchWriter(lambda items: store.join_many(items, limits())),
        state=StateCache(feed, lambda: _state_bytes(settings)),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        feed.attach(asyncio.get_running_loop())
        stop = threading.Event()
        if not store.is_sqlite:
            threading.Thread(target=listen_postgres, args=(store.url, feed, NOTIFY_CHANNEL, stop),
                             name="frontline-live-listen", daemon=True).start()
        # The scenario engine is loaded once the server answers, so a restart is not dark while it imports.
        grader.warm_in_background([q.question_id for q in store.questions() if q.kind == "scenario"])
        yield
        stop.set()

    # Telemetry off: its check costs more CPU per request than the answer route itself.
    app = FastAPI(title="Frontline live session", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan, telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.live = session

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = describe_errors(list(exc.errors()))
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    app.include_router(trainees.router)
    app.include_router(facilitator.router)
    app.include_router(pages.router)
    app.add_middleware(AnswerFastPath)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, allowed_hosts=settings.host_names())
    return app
