"""What the routes depend on: the running session, and who is asking (facilitator or participant).

Two roles, two secrets. The short join code lets a trainee join (and get a participant token); the participant
token lets them post answers and nothing else. The facilitator token (in the facilitator link) is needed for
everything else. :func:`current_participant` is the one place a participant's identity is resolved; another way
in (a login the session trusts) belongs there, and every participant route follows it.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from frontline.live.regrade import ScenarioGrader
    from frontline.live.runtime import BatchWriter, ChangeFeed, StateCache
    from frontline.live.server import ServerSettings
    from frontline.live.store import JoinRequest, Outcome, Submission


class TokenCache(OrderedDict):
    """Participant tokens already checked against the database (tokens never change, so a hit is always right)."""

    def __init__(self, size: int = 100_000):
        super().__init__()
        self.size = size

    def remember(self, token: str, participant_id: str) -> None:
        self[token] = participant_id
        if len(self) > self.size:
            self.popitem(last=False)


@dataclass
class LiveSession:
    """The running session as the routes see it (one per server process)."""

    settings: ServerSettings
    feed: ChangeFeed
    answers: BatchWriter[Submission, Outcome]
    joins: BatchWriter[JoinRequest, Outcome]
    state: StateCache
    grader: ScenarioGrader
    tokens: TokenCache = field(default_factory=TokenCache)


def live_session(request: Request) -> LiveSession:
    return request.app.state.live


Session = Annotated[LiveSession, Depends(live_session)]


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "token") and value.strip() else None


# Both role checks are `async` on purpose: they are cheap (a comparison, or a token found in the cache), and running
# them on the event loop saves a thread hop per request, which matters when a whole room answers at once.
async def require_facilitator(session: Session, authorization: Annotated[str | None, Header()] = None) -> None:
    token = bearer(authorization)
    if token is None:
        raise HTTPException(401, "facilitator token required (Authorization: Bearer <token>)",
                            headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(token.encode(), session.settings.facilitator_token.encode()):
        raise HTTPException(403, "this token may not do that: only the facilitator token can")


async def current_participant(request: Request) -> str:
    """The participant id of the person making the request, from the participant token the join gave them.

    Used as a dependency, and called directly by the answer route (which skips dependency injection to stay lean).
    """
    session: LiveSession = request.app.state.live
    token = bearer(request.headers.get("authorization"))
    if token is None:
        raise HTTPException(401, "join the session first: participant token required",
                            headers={"WWW-Authenticate": "Bearer"})
    participant_id = session.tokens.get(token)
    if participant_id is None:
        participant_id = await run_in_threadpool(session.settings.store.participant_for_token, token)
        if participant_id is None:
            raise HTTPException(403, "unknown participant token; join the session again with the join code")
        session.tokens.remember(token, participant_id)
    return participant_id


Facilitator = Depends(require_facilitator)
Participant = Annotated[str, Depends(current_participant)]
