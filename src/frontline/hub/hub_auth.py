"""The live room behind the hub's login: trainees join with their hub identity, facilitators are a hub group.

Plugs into the live server through one hook, :func:`hub_router`, an ``APIRouter`` added to the live app::

    app = create_app(settings)
    app.include_router(hub_router(settings, HubOAuth(...), "facilitators"))

Routes (under the service's prefix, e.g. ``/services/live/``):

* ``GET hub/login?role=trainee|facilitator`` → the hub's OAuth authorisation page (no consent screen for this
  service) → ``GET oauth_callback`` → for a trainee, a participant of the room (no join code) and a page holding
  its token; for a member of the hub group ``facilitators``, the room view with the facilitator link. Anyone else
  asking for the room is refused.
* ``POST hub/join`` with ``Authorization: token <JupyterHub API token>`` (the one every server in the hub has as
  ``JUPYTERHUB_API_TOKEN``): the same participant, for the notebook's live client.

Anonymity stays the default: the participant is created without a name, so the room shows counts and answers,
never who gave them. One hub user keeps one participant, also after the service restarts: the room's database
knows them by a keyed hash of their hub name (:meth:`frontline.live.store.SessionStore.participant_for_identity`),
never by the name itself; the key is in a file of its own (:mod:`frontline.live.identity_key`), not in the database.
"""

from __future__ import annotations

import hmac
import html
import threading
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Cookie, Header, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

STATE_COOKIE = "frontline-live-oauth-state"
ROLES = ("trainee", "facilitator")


class HubParticipants:
    """One anonymous participant per hub user, kept in the room's database (by a keyed hash of the name).

    While the service runs, a hub user gets the same token each time they join (the joined page and the
    notebook share it); after a restart, a fresh one for the same participant.
    """

    def __init__(self, store: Any, key: bytes):
        self.store = store
        self._key = key
        self._tokens: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def for_user(self, username: str) -> tuple[str, str]:
        with self._lock:
            if username not in self._tokens:
                participant, token, _new = self.store.participant_for_identity(f"hub:{username}", self._key)
                self._tokens[username] = (participant, token)
            return self._tokens[username]


def _joined_page(title: str, token: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><main><h1>You have joined {html.escape(title)}</h1>"
            "<p>Your answers in the lessons now reach the room. You can close this page.</p>"
            f"<p hidden id='participant-token'>{html.escape(token)}</p></main></body></html>")


def hub_router(settings: Any, auth: Any, facilitators_group: str, api_url: str | None = None) -> APIRouter:
    """Routes that let the hub's login stand in for the join code and the facilitator link.

    ``settings`` is the live server's ``ServerSettings`` (its store, facilitator token and identity key, see
    ``ServeOptions.identity_key``); ``auth`` a ``jupyterhub.services.auth.HubOAuth`` configured from the
    service's environment.
    """
    if settings.identity_key is None:
        raise ValueError("the live room behind the hub needs an identity key file (ServeOptions.identity_key)")
    router = APIRouter()
    participants = HubParticipants(settings.store, settings.identity_key)
    prefix = auth.base_url if auth.base_url.endswith("/") else auth.base_url + "/"
    hub_api = (api_url or auth.api_url).rstrip("/")

    def title() -> str:
        return settings.store.get_setting("title") or "Live session"

    async def is_facilitator(username: str) -> bool:
        async with httpx.AsyncClient(timeout=10) as client:
            reply = await client.get(f"{hub_api}/groups/{facilitators_group}",
                                     headers={"Authorization": f"token {auth.api_token}"})
        if reply.status_code != 200:
            raise HTTPException(502, f"the hub did not list the group {facilitators_group!r} ({reply.status_code})")
        return username in reply.json().get("users", [])

    @router.get("/hub/login")
    def login(role: str = "trainee") -> Response:
        if role not in ROLES:
            raise HTTPException(400, f"role must be one of {', '.join(ROLES)}")
        state = auth.generate_state(next_url=role)
        response = RedirectResponse(f"{auth.login_url}&state={state}", status_code=302)
        response.set_cookie(STATE_COOKIE, state, httponly=True, samesite="lax", path=prefix, max_age=600)
        return response

    @router.get("/oauth_callback")
    async def callback(code: str, state: str,
                       saved: Annotated[str | None, Cookie(alias=STATE_COOKIE)] = None) -> Response:
        if not saved or not hmac.compare_digest(saved, state):
            raise HTTPException(403, "the login did not start here; open the room's link again")
        role = auth.get_next_url(state)
        auth.clear_oauth_state(state)
        token = await auth.token_for_code(code, sync=False)
        user = await auth.user_for_token(token, use_cache=False, sync=False)
        if not user or user.get("kind", "user") != "user":
            raise HTTPException(403, "only people with a hub account can join")
        if role == "facilitator":
            if not await is_facilitator(user["name"]):
                raise HTTPException(403, f"{user['name']} is not in the hub group {facilitators_group!r}")
            response: Response = RedirectResponse(f"{prefix}room#token={settings.facilitator_token}", 302)
        else:
            _participant, participant_token = await run_in_threadpool(participants.for_user, user["name"])
            response = HTMLResponse(_joined_page(title(), participant_token),
                                    headers={"Cache-Control": "no-store"})
        response.delete_cookie(STATE_COOKIE, path=prefix)
        return response

    @router.post("/hub/join", status_code=201)
    async def join(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "token" or not token:
            raise HTTPException(401, "send your JupyterHub API token: Authorization: token <token>")
        user = await auth.user_for_token(token, use_cache=False, sync=False)
        if not user or user.get("kind", "user") != "user":
            raise HTTPException(403, "this token does not belong to a person in the hub")
        participant_id, participant_token = await run_in_threadpool(participants.for_user, user["name"])
        return {"participant_id": participant_id, "participant_token": participant_token, "title": title()}

    return router
