"""The live room as a hub service: trainees join with their hub login (no join code), facilitators are a hub group."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest
from hub_support import HubUser

pytestmark = pytest.mark.slow

LIVE = "/services/live/"


def test_trainee_joins_with_hub_login_and_answer_reaches_facilitator(cohort, people):
    facilitator = HubUser(cohort["url"], cohort["people"]["facilitator"])
    assert facilitator.login().status_code == 302
    arrived = facilitator.follow(f"{LIVE}hub/login?role=facilitator")
    assert arrived.status_code == 302, arrived.text
    room_link = arrived.headers["location"]
    assert room_link.startswith(f"{LIVE}room#token=")
    token = room_link.split("#token=", 1)[1]
    room = httpx_client(cohort["url"], token)

    # The room view is served under the service's prefix, its script calling the API there.
    page = facilitator.browser.get(f"{LIVE}room")
    assert page.status_code == 200 and f'"{LIVE}static/room.css"' in page.text
    script = facilitator.browser.get(f"{LIVE}static/room.js").text
    assert "fetch(FRONTLINE_ROOT + path," in script and "/services/live" in script

    question = room.post(f"{LIVE}api/facilitator/questions", json={
        "question_id": "hub-poll", "kind": "choice", "title": "Which reply first?",
        "options": ["Acknowledge the delay", "Quote the policy"]})
    assert question.status_code == 201, question.text
    number = question.json()["number"]
    assert room.post(f"{LIVE}api/facilitator/questions/{number}/open").status_code == 200

    # A trainee logs in to the hub and opens the room's link: no join code, a participant of their own.
    ann = people["ann"]
    joined = ann.follow(f"{LIVE}hub/login?role=trainee")
    assert joined.status_code == 200, joined.text
    participant_token = re.search(r"id='participant-token'>([^<]+)<", joined.text).group(1)
    answer = ann.browser.post(f"{LIVE}api/answers", headers={"Authorization": f"Bearer {participant_token}"},
                              json={"question_id": "hub-poll", "idempotency_key": "hub-answer-0001",
                                    "kind": "choice", "answer": "Acknowledge the delay"})
    assert answer.status_code == 201, answer.text

    # The facilitator's view counts it, and shows no hub name.
    state = room.get(f"{LIVE}api/facilitator/state").json()
    assert "Acknowledge the delay" in json.dumps(state)
    assert ann.name not in json.dumps(state)
    answers = room.get(f"{LIVE}api/facilitator/answers").json()
    assert len(answers) == 1 and ann.name not in json.dumps(answers)

    # From her notebook, with her server's own hub token: the same participant, not a second one.
    out = ann.run(
        "import os, httpx\n"
        "r = httpx.post(os.environ['FRONTLINE_LIVE_URL'] + 'hub/join',\n"
        "               headers={'Authorization': 'token ' + os.environ['JUPYTERHUB_API_TOKEN']})\n"
        "print(r.status_code, r.json()['participant_token'])\n"
    )
    status, again = out.split()[-2:]
    assert status == "201" and again == participant_token

    # A trainee is not a facilitator, and a forged state is refused.
    refused = people["bob"].follow(f"{LIVE}hub/login?role=facilitator")
    assert refused.status_code == 403
    assert ann.browser.get(f"{LIVE}oauth_callback?code=x&state=forged").status_code == 403


def httpx_client(base_url: str, token: str):
    import httpx

    return httpx.Client(base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"})


def _join(client, user: HubUser, path: str = "/hub/join") -> dict:
    reply = client.post(path, headers={"Authorization": f"token {user.token}"})
    assert reply.status_code == 201, reply.text
    return reply.json()


def _holds_no_name(folder: Path, *names: str) -> None:
    """Neither the names nor (when given) the identity key are anywhere in the room's database files."""
    held = b"".join(f.read_bytes() for f in folder.iterdir() if f.is_file() and f.name != "identity.key")
    assert held  # the room's database (and its write-ahead log) is there
    for name in names:
        assert name.encode() not in held


def test_the_hub_router_keeps_each_users_participant_over_a_restart(cohort, people, tmp_path):
    """The room's routes built twice over one database, with the real hub vouching for each user's token; the
    database comes from a kit that kept the identity key in it, as a trainer upgrading mid-course has."""
    import asyncio

    import httpx
    from fastapi import FastAPI
    from jupyterhub.services.auth import HubOAuth

    from frontline.hub.hub_auth import hub_router
    from frontline.live.identity_key import LEGACY_KEY_SETTING
    from frontline.live.server import ServeOptions, prepare
    from frontline.live.store import SessionStore, sqlite_url

    ann, bob = people["ann"], people["bob"]
    folder, key_file = tmp_path / "room", tmp_path / "keys" / "identity.key"
    key_file.parent.mkdir(mode=0o700)
    old = SessionStore(sqlite_url(folder))  # the key in the database's settings, Ann's link made under it
    legacy = secrets.token_hex(32)
    old.set_setting(LEGACY_KEY_SETTING, legacy)
    linked_before, _token, _ = old.participant_for_identity(f"hub:{ann.name}", legacy.encode())
    old.close()

    async def run_room(*users: HubUser) -> list[dict]:
        """Start the room's routes on the database, join as each user in turn, stop; what each join returned."""
        settings = prepare(ServeOptions(db_url=sqlite_url(folder), identity_key=key_file))
        app = FastAPI()
        auth = HubOAuth(api_token="not-needed-to-check-a-user-token", api_url=f"{cohort['url']}/hub/api")
        app.include_router(hub_router(settings, auth, "facilitators"))
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://room") as client:
                joined = []
                for user in users:
                    reply = await client.post("/hub/join", headers={"Authorization": f"token {user.token}"})
                    assert reply.status_code == 201, reply.text
                    joined.append(reply.json())
            joined.append({"valid": [settings.store.participant_for_token(j["participant_token"]) for j in joined]})
            return joined
        finally:
            settings.store.close()

    first, same, _ = asyncio.run(run_room(ann, ann))  # the first start after the upgrade moves the key out
    assert first["participant_id"] == linked_before
    assert key_file.read_text() == legacy + "\n"
    assert same == first  # while the room runs: one participant, one token
    again, other, checked = asyncio.run(run_room(ann, bob))  # the room restarted, with its key file
    assert again["participant_id"] == first["participant_id"]
    assert other["participant_id"] != first["participant_id"]
    assert again["participant_token"] != first["participant_token"]
    assert checked["valid"] == [first["participant_id"], other["participant_id"]]
    _holds_no_name(folder, ann.name, bob.name, legacy)


def _live_service_pids(port: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(a.endswith(b"live_service.py") for a in argv) and str(port).encode() in argv:
                found.append(int(entry.name))
    return found


def test_a_trainee_keeps_their_participant_when_the_live_room_restarts(cohort, people):
    ann, bob = people["ann"], people["bob"]
    with ann.api as api:
        before = _join(api, ann, f"{LIVE}hub/join")
    [service] = _live_service_pids(cohort["settings"]["live_port"])
    os.kill(service, signal.SIGKILL)  # the hub started it; it starts it again when it notices (within 30 s)

    deadline = time.monotonic() + 120
    while True:
        with ann.api as api:
            reply = api.post(f"{LIVE}hub/join", headers={"Authorization": f"token {ann.token}"})
        if reply.status_code == 201 and service not in _live_service_pids(cohort["settings"]["live_port"]):
            break
        assert time.monotonic() < deadline, f"the live room did not come back: {reply.status_code} {reply.text}"
        time.sleep(1)
    after = reply.json()
    assert after["participant_id"] == before["participant_id"]
    with bob.api as api:
        assert _join(api, bob, f"{LIVE}hub/join")["participant_id"] != before["participant_id"]
    # the token from before the restart is still hers: the room takes her answers with it (a made-up one it refuses)
    def send(token: str):
        return ann.browser.post(f"{LIVE}api/answers", headers={"Authorization": f"Bearer {token}"},
                                json={"question_id": "hub-poll", "idempotency_key": "hub-answer-after-restart",
                                      "kind": "choice", "answer": "Acknowledge the delay"})

    assert send("made-up-token-" + "x" * 20).status_code == 403
    assert send(before["participant_token"]).status_code not in (401, 403)
    _holds_no_name(Path(cohort["settings"]["state_dir"]) / "live", ann.name, bob.name)
    live = Path(cohort["settings"]["state_dir"]) / "live"
    key_file = live / "identity.key"  # made by the room on its first start, the service account's alone
    info = key_file.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid) == (0o600, os.getuid())  # the hub runs the room as root
    _holds_no_name(live, ann.name, bob.name, key_file.read_text().strip())


def test_the_live_service_refuses_a_missing_or_wrong_key_file_by_name(cohort, people, tmp_path):
    """The room's service, started with the command the hub uses, on a copy of the cohort's room: it stops and
    names the key file, rather than giving every returning trainee a new participant."""
    from frontline.hub.config import live_service
    from frontline.hub.settings import load_settings
    from frontline.lab.launch import any_free_port
    from frontline.live.store import DB_FILE_NAME

    with people["ann"].api as api:
        _join(api, people["ann"], f"{LIVE}hub/join")  # the room has a link to keep
    live = Path(cohort["settings"]["state_dir"]) / "live"
    room = tmp_path / "room"
    room.mkdir(mode=0o700)
    with sqlite3.connect(live / DB_FILE_NAME) as source, sqlite3.connect(room / DB_FILE_NAME) as copy:
        source.backup(copy)  # a consistent copy while the room runs
    command = live_service(load_settings(cohort["cohort_file"]), cohort["kit"])["command"]
    key_file = tmp_path / "identity.key"
    command[command.index("--dir") + 1] = str(room)
    command[command.index("--identity-key") + 1] = str(key_file)
    command[command.index("--port") + 1] = str(any_free_port())
    env = dict(cohort["env"], JUPYTERHUB_API_TOKEN="unused", JUPYTERHUB_SERVICE_PREFIX=LIVE)

    def refusal() -> str:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stdout + done.stderr
        return done.stderr

    assert f"the live room could not start: {key_file}: the live room's identity key file is missing" in refusal()
    assert not key_file.exists()
    key_file.write_text(secrets.token_hex(32) + "\n")
    key_file.chmod(0o600)
    assert f"{key_file}: not the identity key this room's links were made with" in refusal()
