"""The session server: a FastAPI app over a :class:`~frontline.live.store.SessionStore`.

Two roles, two secrets. The short join code lets a trainee join (and get a participant token); the participant
token lets them post answers and nothing else. The facilitator token (in the facilitator link) is needed for
everything else: creating, opening, locking, revealing and resetting questions, reading individual answers, the
timer and run sheets, and the exports. The room view page itself holds no data; its script reads the token from
the link's ``#token=`` fragment (never sent to the server in the URL, so it stays out of logs) and polls the API.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from frontline.live.plan import QUESTION_ID_PATTERN, QuestionSpec, question_from_scenario
from frontline.live.runsheet import run_sheets
from frontline.live.store import DuplicateQuestion, Question, SessionStore
from frontline.live.summary import answers_csv, room_state, summary_html, summary_markdown

STATIC = Path(__file__).parent / "static"
QuestionId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=QUESTION_ID_PATTERN)]


@dataclass
class ServerSettings:
    store: SessionStore
    join_code: str
    facilitator_token: str
    notebooks: Path | None = None
    max_body_bytes: int = 16 * 1024
    # A trainee may send a burst of `rate_burst` answers, then one every 60/`rate_per_minute` seconds.
    rate_per_minute: float = 60.0
    rate_burst: int = 10
    max_text_chars: int = 500
    failed_join_limit: int = 30  # wrong join codes per client address per minute before it is told to wait


# -- request bodies ---------------------------------------------------------------------------------------------
class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JoinIn(Strict):
    code: Annotated[str, StringConstraints(min_length=4, max_length=12, strip_whitespace=True)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True)] | None = None


class AnswerIn(Strict):
    question_id: QuestionId
    idempotency_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{8,80}$")]
    kind: Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[a-z_]+$")]
    answer: Any
    correct: bool | None = None
    score: Annotated[float, Field(ge=0, le=1)] | None = None

    @field_validator("answer")
    @classmethod
    def answer_is_given(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("is missing (null); send text, a number, true/false, a list or an object")
        return value


class QuestionIn(Strict):
    scenario: QuestionId | None = None
    question_id: QuestionId | None = None
    kind: Literal["choice", "text", "number", "confidence", "scenario"] | None = None
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    prompt: Annotated[str, StringConstraints(max_length=4000)] = ""
    options: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
                       Field(max_length=12)] = []
    answer: Any = None
    debrief: Annotated[str, StringConstraints(max_length=8000)] = ""
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def one_form(self) -> QuestionIn:
        if self.scenario is None and (self.question_id is None or self.kind is None or self.title is None):
            raise ValueError("give either `scenario` (a scenario id) or `question_id`, `kind` and `title`")
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError("a choice question needs at least two `options`")
        return self


class TimerIn(Strict):
    action: Literal["start", "pause", "resume", "reset"]
    seconds: Annotated[int, Field(ge=1, le=4 * 3600)] | None = None


class ClockIn(Strict):
    lesson_id: Annotated[str, StringConstraints(max_length=80)] | None = None


# -- helpers ---------------------------------------------------------------------------------------------------
class BodySizeLimit:
    """Reject request bodies over the limit, whether or not the client declared their length (chunked uploads).

    The body is read (up to the limit) before the app sees it, so an oversized upload is answered with 413 and
    never parsed; bodies here are small, so holding one in memory costs nothing.
    """

    def __init__(self, app: Any, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._reject(send)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await self._reject(send)
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

    async def _reject(self, send: Any) -> None:
        response = JSONResponse({"detail": f"request body too large (limit {self.limit} bytes)"}, status_code=413)
        await response({"type": "http"}, None, send)


class RateLimiter:
    """A token bucket per key (participant id or client address), kept in memory."""

    def __init__(self, per_minute: float, burst: int):
        self.rate, self.burst = per_minute / 60.0, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token; returns 0 if allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate if self.rate else 60.0


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "token") and value.strip() else None


def _question_json(q: Question) -> dict[str, Any]:
    return {"number": q.number, "question_id": q.question_id, "kind": q.kind, "title": q.title, "prompt": q.prompt,
            "options": q.options, "state": q.state, "revealed": q.revealed, "round": q.round}


def _check_answer_value(question: Question, body: AnswerIn, max_text: int) -> str | None:
    """Why an answer does not fit its question, or None."""
    value = body.answer
    if question.kind == "choice":
        if not isinstance(value, str) or value not in question.options:
            return f"must be one of the options {question.options}, got {value!r}"
    elif question.kind == "text":
        if not isinstance(value, str) or not value.strip():
            return "must be non-empty text"
        if len(value) > max_text:
            return f"is {len(value)} characters long; the limit is {max_text}"
    elif question.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"must be a number, got {value!r}"
        if question.minimum is not None and value < question.minimum:
            return f"must be at least {question.minimum:g}, got {value:g}"
        if question.maximum is not None and value > question.maximum:
            return f"must be at most {question.maximum:g}, got {value:g}"
    elif question.kind == "confidence" and (isinstance(value, bool) or value not in (1, 2, 3, 4, 5)):
        return f"must be a whole number from 1 (not at all sure) to 5 (certain), got {value!r}"
    return None


def _elapsed(timer: dict[str, Any], now: float) -> float:
    return timer.get("elapsed_before", 0.0) + (now - timer["started_at"] if timer.get("started_at") else 0.0)


# -- the app -----------------------------------------------------------------------------------------------------
def create_app(settings: ServerSettings) -> FastAPI:
    store = settings.store
    app = FastAPI(title="Frontline live session", docs_url=None, redoc_url=None, openapi_url=None)
    answer_limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
    join_limiter = RateLimiter(settings.failed_join_limit, settings.failed_join_limit)
    participant_cache: dict[str, str] = {}

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            location = [str(p) for p in error.get("loc", ()) if p != "body"]
            errors.append({"field": ".".join(location) or "(body)", "message": error.get("msg", "invalid")})
        detail = "; ".join(f"field '{e['field']}': {e['message']}" for e in errors)
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    # The two role checks are `async` on purpose: they are cheap (a token lookup, usually from the cache), and
    # running them on the event loop saves a thread hop per request, which matters when a whole room answers at once.
    async def facilitator(authorization: Annotated[str | None, Header()] = None) -> None:
        token = _bearer(authorization)
        if token is None:
            raise HTTPException(401, "facilitator token required (Authorization: Bearer <token>)",
                                headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(token.encode(), settings.facilitator_token.encode()):
            raise HTTPException(403, "this token may not do that: only the facilitator token can")

    async def participant(authorization: Annotated[str | None, Header()] = None) -> str:
        token = _bearer(authorization)
        if token is None:
            raise HTTPException(401, "join the session first: participant token required",
                                headers={"WWW-Authenticate": "Bearer"})
        participant_id = participant_cache.get(token) or store.participant_for_token(token)
        if participant_id is None:
            raise HTTPException(403, "unknown participant token; join the session again with the join code")
        participant_cache[token] = participant_id
        return participant_id

    Facilitator = Depends(facilitator)

    # -- public ------------------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return (STATIC / "index.html").read_text(encoding="utf-8")

    @app.get("/room", response_class=HTMLResponse)
    def room() -> str:
        return (STATIC / "room.html").read_text(encoding="utf-8")

    @app.get("/static/{name}")
    def static(name: str) -> FileResponse:
        path = STATIC / name
        if name not in {"room.js", "room.css"} or not path.is_file():
            raise HTTPException(404, "not found")
        return FileResponse(path)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/api/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    # -- trainees ----------------------------------------------------------------------------------------------
    @app.post("/api/join", status_code=201)
    def join(body: JoinIn, request: Request) -> dict[str, Any]:
        if not hmac.compare_digest(body.code.upper().encode(), settings.join_code.encode()):
            address = request.client.host if request.client else "?"
            wait = join_limiter.take(address)
            if wait:
                raise HTTPException(429, f"too many wrong join codes; wait {math.ceil(wait)} s",
                                    headers={"Retry-After": str(math.ceil(wait))})
            raise HTTPException(403, "wrong join code: check the code the facilitator shows")
        participant_id, token = store.add_participant(body.name)
        return {"participant_id": participant_id, "participant_token": token,
                "title": store.get_setting("title") or "Live session"}

    @app.post("/api/answers")
    def post_answer(body: AnswerIn, response: Response, participant_id: str = Depends(participant)) -> dict[str, Any]:
        wait = answer_limiter.take(participant_id)
        if wait:
            raise HTTPException(429, f"too many answers too quickly; try again in {math.ceil(wait)} s",
                                headers={"Retry-After": str(math.ceil(wait))})
        question = store.question_by_id(body.question_id)
        if question is None:
            raise HTTPException(404, f"question {body.question_id!r} is not part of this session")
        if question.state == "draft":
            raise HTTPException(409, f"question {body.question_id!r} is not open yet; wait for the facilitator")
        if question.state == "locked":
            raise HTTPException(409, f"question {body.question_id!r} is locked; answers are no longer accepted")
        problem = _check_answer_value(question, body, settings.max_text_chars)
        if problem:
            raise HTTPException(422, f"field 'answer': {problem}")
        number, created = store.add_answer(participant_id, question, body.idempotency_key, body.kind, body.answer,
                                           body.correct, body.score)
        response.status_code = 201 if created else 200
        return {"answer_number": number, "stored": created, "duplicate": not created}

    # -- facilitator -------------------------------------------------------------------------------------------
    @app.get("/api/facilitator/state", dependencies=[Facilitator])
    def state() -> dict[str, Any]:
        return {
            "title": store.get_setting("title") or "Live session", "join_code": settings.join_code,
            "room_size": store.room_size(), "answers_received": store.answer_count(), "now": time.time(),
            "questions": room_state(store), "timer": store.get_json("timer", {}),
            "clock": store.get_json("clock", {}), "lessons": store.get_json("lessons", []),
        }

    @app.post("/api/facilitator/questions", status_code=201, dependencies=[Facilitator])
    def create_question(body: QuestionIn) -> dict[str, Any]:
        if body.scenario:
            base = question_from_scenario(body.scenario, settings.notebooks.parent if settings.notebooks else None)
            spec = QuestionSpec(base.question_id, "scenario", body.title or base.title, body.prompt or base.prompt,
                                base.options, body.answer if body.answer is not None else base.correct,
                                body.debrief or base.debrief, labels=base.labels)
        else:
            assert body.question_id and body.kind and body.title
            if body.kind == "choice" and body.answer is not None and body.answer not in body.options:
                raise HTTPException(422, f"field 'answer': {body.answer!r} is not one of the options")
            spec = QuestionSpec(body.question_id, body.kind, body.title, body.prompt, body.options, body.answer,
                                body.debrief, body.min, body.max)
        try:
            question = store.add_question(spec.question_id, spec.kind, spec.title, spec.prompt, spec.options,
                                          spec.correct, spec.debrief, spec.minimum, spec.maximum, spec.labels)
        except DuplicateQuestion as e:
            raise HTTPException(409, str(e)) from e
        return _question_json(question)

    @app.post("/api/facilitator/questions/{number}/{action}", dependencies=[Facilitator])
    def question_action(number: int, action: Literal["open", "lock", "reveal", "reset"]) -> dict[str, Any]:
        if store.question(number) is None:
            raise HTTPException(404, f"there is no question number {number}")
        if action == "open":
            question = store.set_question_state(number, state="open")
        elif action == "lock":
            question = store.set_question_state(number, state="locked")
        elif action == "reveal":  # showing the answer ends the voting: a late answer would be a copied one
            question = store.set_question_state(number, state="locked", revealed=True)
        else:
            question = store.reset_question(number)
        assert question is not None
        return _question_json(question)

    @app.get("/api/facilitator/answers", dependencies=[Facilitator])
    def individual_answers(question_id: str | None = None) -> list[dict[str, Any]]:
        rows = store.answers()
        return [a.__dict__ for a in rows if question_id is None or a.question_id == question_id]

    @app.post("/api/facilitator/timer", dependencies=[Facilitator])
    def timer(body: TimerIn) -> dict[str, Any]:
        now = time.time()
        current = store.get_json("timer", {})
        if body.action == "start":
            current = {"duration": body.seconds or current.get("duration") or 300, "started_at": now,
                       "elapsed_before": 0.0}
        elif body.action == "pause" and current.get("started_at"):
            current = {**current, "elapsed_before": _elapsed(current, now), "started_at": None}
        elif body.action == "resume" and current and not current.get("started_at"):
            current = {**current, "started_at": now}
        elif body.action == "reset":
            current = {"duration": body.seconds or current.get("duration") or 300, "started_at": None,
                       "elapsed_before": 0.0}
        store.set_json("timer", current)
        return {"timer": current, "now": now}

    @app.post("/api/facilitator/clock", dependencies=[Facilitator])
    def clock(body: ClockIn) -> dict[str, Any]:
        value = {"lesson_id": body.lesson_id, "started_at": time.time()} if body.lesson_id else {}
        store.set_json("clock", value)
        return {"clock": value}

    @app.get("/api/facilitator/runsheets", dependencies=[Facilitator])
    def runsheets() -> list[dict[str, Any]]:
        if settings.notebooks is None or not settings.notebooks.is_dir():
            return []
        return [sheet.to_dict() for sheet in run_sheets(settings.notebooks)]

    @app.get("/api/facilitator/export/answers.csv", dependencies=[Facilitator])
    def export_csv() -> Response:
        return Response(answers_csv(store), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="answers.csv"'})

    @app.get("/api/facilitator/export/summary.md", dependencies=[Facilitator])
    def export_summary_md() -> PlainTextResponse:
        return PlainTextResponse(summary_markdown(store), media_type="text/markdown; charset=utf-8")

    @app.get("/api/facilitator/export/summary.html", dependencies=[Facilitator])
    def export_summary_html() -> HTMLResponse:
        return HTMLResponse(summary_html(store))

    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    return app


@dataclass
class ServeOptions:
    db_url: str
    title: str | None = None
    join_code: str | None = None
    plan: Path | None = None
    notebooks: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def prepare(options: ServeOptions) -> ServerSettings:
    """Open the store, create secrets on first start and the plan's questions that are not there yet."""
    from frontline.live.plan import load_plan

    plan = load_plan(options.plan, options.notebooks.parent if options.notebooks else None) if options.plan else None
    store = SessionStore(options.db_url)  # only once the plan is known to be good, so a typo creates no database
    code, token = store.ensure_secrets(options.join_code, options.title or (plan.title if plan else None))
    if plan:
        store.set_json("lessons", plan.lessons)
        for spec in plan.questions:
            if store.question_by_id(spec.question_id) is None:
                store.add_question(spec.question_id, spec.kind, spec.title, spec.prompt, spec.options, spec.correct,
                                   spec.debrief, spec.minimum, spec.maximum, spec.labels)
    return ServerSettings(store=store, join_code=code, facilitator_token=token, notebooks=options.notebooks,
                          **options.extra)
