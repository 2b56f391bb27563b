"""The live room as a hub service: trainees join with their hub login (no join code), facilitators are a hub group."""

from __future__ import annotations

import json
import re

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
