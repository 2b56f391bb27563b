"""Trainees: join with the code (or come back with their token), and send answers.

The answer route is the one a whole room hits at once, so it stays lean: the body is parsed and checked by
pydantic's own JSON parser (which refuses NaN and infinities), the participant comes from the token cache, and the
answer waits for its place in the next batched commit (:class:`frontline.live.runtime.BatchWriter`).
"""

from __future__ import annotations

import hmac
import math
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from frontline.live.dependencies import LiveSession, Session, current_participant
from frontline.live.models import AnswerIn, JoinIn, describe_errors
from frontline.live.store import JoinRequest, Outcome, Submission

router = APIRouter()


def _wait(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


@router.post("/api/join", status_code=201)
async def join(body: JoinIn, request: Request, session: Session) -> dict[str, Any]:
    settings = session.settings
    address = request.client.host if request.client else "unknown"
    code_ok = hmac.compare_digest(body.code.upper().encode(), settings.join_code.encode())
    outcome = await session.joins.submit(JoinRequest(body.name, address, code_ok, body.resume))
    if outcome.status == "limited":
        raise HTTPException(429, f"{outcome.detail}; wait {math.ceil(outcome.retry_after)} s",
                            headers=_wait(outcome.retry_after))
    if outcome.status == "wrong_code":
        raise HTTPException(403, "wrong join code: check the code the facilitator shows")
    if outcome.status == "full":
        raise HTTPException(403, f"{outcome.detail}; ask the facilitator")
    assert outcome.extra is not None
    session.tokens.remember(outcome.extra["participant_token"], outcome.extra["participant_id"])
    return {**outcome.extra, "title": settings.title}


REFUSALS = {
    "unknown": (404, "question {q!r} is not part of this session"),
    "draft": (409, "question {q!r} is not open yet; wait for the facilitator"),
    "locked": (409, "question {q!r} is locked; answers are no longer accepted"),
    "invalid": (422, "field 'answer': {detail}"),
}


@router.post("/api/answers")
async def post_answer(request: Request) -> JSONResponse:
    # No dependency injection here: the route a whole room hits at once resolves its two needs itself.
    session: LiveSession = request.app.state.live
    participant_id = await current_participant(request)
    try:
        body = AnswerIn.model_validate_json(await request.body())
    except ValidationError as e:
        detail, errors = describe_errors(e.errors(include_url=False, include_input=False))
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)
    try:
        outcome: Outcome = await session.answers.submit(Submission(
            participant_id, body.question_id, body.idempotency_key, body.kind, body.answer, body.persona))
    except Exception:  # the database failed this batch; the client keeps the answer and sends it again
        return JSONResponse({"detail": "the session could not store the answer just now; send it again"},
                            status_code=503, headers={"Retry-After": "1"})
    if outcome.status in ("stored", "duplicate"):
        created = outcome.status == "stored"
        return JSONResponse({"answer_number": outcome.number, "stored": created, "duplicate": not created},
                            status_code=201 if created else 200)
    if outcome.status == "limited":
        wait = math.ceil(outcome.retry_after)
        return JSONResponse({"detail": f"too many answers too quickly; try again in {wait} s"}, status_code=429,
                            headers=_wait(outcome.retry_after))
    status, template = REFUSALS[outcome.status]
    return JSONResponse({"detail": template.format(q=body.question_id, detail=outcome.detail)}, status_code=status)
