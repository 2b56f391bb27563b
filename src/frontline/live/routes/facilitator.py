"""The facilitator: the room's state (pushed as server-sent events, or read once), questions and their life
cycle, individual answers, the timer and module clock, run sheets, the room's size and the exports.

Every route here needs the facilitator token (:data:`frontline.live.dependencies.Facilitator`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from frontline.live.dependencies import Facilitator, Session
from frontline.live.models import ClockIn, QuestionIn, RoomIn, TimerIn
from frontline.live.plan import QuestionSpec, question_from_scenario
from frontline.live.store import DuplicateQuestion, Question
from frontline.live.summary import answers_csv, summary_html, summary_markdown
from frontline.live.values import showable
from frontline.problems import ContentError

router = APIRouter(prefix="/api/facilitator", dependencies=[Facilitator])

KEEP_ALIVE_SECONDS = 15.0  # a comment line this often keeps proxies from closing a quiet event stream
PUSH_INTERVAL = 0.25  # at most four pushes a second, however fast answers arrive


def question_json(q: Question) -> dict[str, Any]:
    return {"number": q.number, "question_id": q.question_id, "kind": q.kind, "title": q.title, "prompt": q.prompt,
            "options": q.options, "state": q.state, "revealed": q.revealed, "round": q.round}


def _with_now(state: bytes) -> bytes:
    """The cached state with the server's clock at sending time (the room view's timer is set by it)."""
    return b'{"now": %r, ' % time.time() + state[1:]


@router.get("/state")
async def state(session: Session) -> Response:
    return Response(_with_now(await session.state.get()), media_type="application/json")


@router.get("/events")
async def events(session: Session) -> StreamingResponse:
    """The room's state now and after every change, as server-sent events (``event: state``)."""

    async def stream() -> AsyncIterator[bytes]:
        seen = -1
        while True:
            version = await session.feed.wait(seen, KEEP_ALIVE_SECONDS)
            if version == seen:
                yield b": keep-alive\n\n"
                continue
            seen = version
            yield b"event: state\ndata: " + _with_now(await session.state.get()) + b"\n\n"
            await asyncio.sleep(PUSH_INTERVAL)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.post("/questions", status_code=201)
def create_question(body: QuestionIn, session: Session) -> dict[str, Any]:
    settings = session.settings
    if body.scenario:
        try:
            base = question_from_scenario(body.scenario, settings.kit_root)
        except ContentError as e:  # the facilitator sees what is wrong with the file; nothing is posed
            raise HTTPException(422, f"the scenario file cannot be used: {e}") from e
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
        question = settings.store.add_question(spec)
    except DuplicateQuestion as e:
        raise HTTPException(409, str(e)) from e
    if question.kind == "scenario":
        session.grader.warm_in_background([question.question_id])
    return question_json(question)


@router.post("/questions/{number}/{action}")
def question_action(number: int, action: Literal["open", "lock", "reveal", "reset"],
                    session: Session) -> dict[str, Any]:
    store = session.settings.store
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
    return question_json(question)


@router.get("/answers")
def individual_answers(session: Session, question_id: str | None = None) -> Response:
    rows = session.settings.store.answers(question_id)
    return _json([{**a.__dict__, "answer": showable(a.answer)} for a in rows])


def _json(value: Any) -> Response:
    return Response(json.dumps(value, ensure_ascii=False, allow_nan=False), media_type="application/json")


def _elapsed(timer: dict[str, Any], now: float) -> float:
    return timer.get("elapsed_before", 0.0) + (now - timer["started_at"] if timer.get("started_at") else 0.0)


@router.post("/timer")
def timer(body: TimerIn, session: Session) -> dict[str, Any]:
    store = session.settings.store
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


@router.post("/clock")
def clock(body: ClockIn, session: Session) -> dict[str, Any]:
    value = {"lesson_id": body.lesson_id, "started_at": time.time()} if body.lesson_id else {}
    session.settings.store.set_json("clock", value)
    return {"clock": value}


@router.post("/room")
def room(body: RoomIn, session: Session) -> dict[str, Any]:
    """Set (or lift, with null) the most participants the room lets in; those already in stay."""
    store = session.settings.store
    store.set_json("max_participants", body.max_participants)
    return {"max_participants": body.max_participants, "room_size": store.room_size()}


@router.get("/runsheets")
def runsheets(session: Session) -> list[dict[str, Any]]:
    from frontline.live.runsheet import run_sheets

    notebooks = session.settings.notebooks
    if notebooks is None or not notebooks.is_dir():
        return []
    return [sheet.to_dict() for sheet in run_sheets(notebooks)]


@router.get("/export/answers.csv")
async def export_csv(session: Session) -> Response:
    return Response(await run_in_threadpool(answers_csv, session.settings.store),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="answers.csv"'})


@router.get("/export/summary.md")
async def export_summary_md(session: Session) -> PlainTextResponse:
    return PlainTextResponse(await run_in_threadpool(summary_markdown, session.settings.store),
                             media_type="text/markdown; charset=utf-8")


@router.get("/export/summary.html")
async def export_summary_html(session: Session) -> HTMLResponse:
    return HTMLResponse(await run_in_threadpool(summary_html, session.settings.store))
