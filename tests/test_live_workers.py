"""Several server processes on one PostgreSQL database, as a large event runs: answers, limits and the room
view's pushed updates hold across them (the database is the only thing they share)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from live_support import LiveServer, database_url

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    db = database_url("postgresql")
    # the first is itself two worker processes sharing one port (--workers), the others separate servers
    first = LiveServer(tmp_path_factory.mktemp("w0"), "--code", "MANY42", "--joins-per-minute", "4", "--workers", "2",
                       db=db).start()
    # the others find the session the first one created (same code, same facilitator link), with the same limits
    others = [LiveServer(tmp_path_factory.mktemp(f"w{n}"), "--joins-per-minute", "4", db=db).start() for n in (1, 2)]
    yield [first, *others]
    for server in (first, *others):
        server.stop()


def test_every_process_serves_the_same_session(workers):
    assert {(w.code, w.token) for w in workers} == {(workers[0].code, workers[0].token)}


def test_answers_posted_to_one_process_reach_the_room_view_of_another(workers):
    a, b, c = workers
    with a.facilitator() as fac:
        number = fac.post("/api/facilitator/questions", json={"question_id": "poll/spread", "kind": "choice",
                                                              "title": "Spread?", "options": ["Yes", "No"]}).json()
        fac.post(f"/api/facilitator/questions/{number['number']}/open")
    joined = httpx.post(f"{b.url}/api/join", json={"code": "MANY42"}).json()
    with c.facilitator() as events, events.stream("GET", "/api/facilitator/events") as stream:
        lines = stream.iter_lines()

        def responses():
            state = json.loads(next(line for line in lines if line.startswith("data: ")).removeprefix("data: "))
            return next(q for q in state["questions"] if q["question_id"] == "poll/spread")["distribution"]

        assert responses()["responses"] == 0
        # the trainee's token, given by process b, works on process a too
        sent = httpx.post(f"{a.url}/api/answers", headers={"Authorization": f"Bearer {joined['participant_token']}"},
                          json={"question_id": "poll/spread", "kind": "choice", "answer": "Yes",
                                "idempotency_key": uuid.uuid4().hex})
        assert sent.status_code == 201
        # pushed to the room view on c by PostgreSQL's NOTIFY, with no request from the view
        for _ in range(10):
            seen = responses()
            if seen["responses"] == 1:
                break
        assert {bar["label"]: bar["count"] for bar in seen["bars"]} == {"Yes": 1, "No": 0}


def test_a_resend_to_another_process_is_stored_once(workers):
    token = httpx.post(f"{workers[2].url}/api/join", json={"code": "MANY42"}).json()["participant_token"]
    body = {"question_id": "poll/spread", "kind": "choice", "answer": "No", "idempotency_key": uuid.uuid4().hex}
    replies = [httpx.post(f"{w.url}/api/answers", headers={"Authorization": f"Bearer {token}"}, json=body)
               for w in workers]
    assert [r.status_code for r in replies] == [201, 200, 200]
    assert len({r.json()["answer_number"] for r in replies}) == 1


def test_limits_are_counted_across_processes(workers):
    with workers[0].facilitator() as fac:
        fac.post("/api/facilitator/questions", json={"question_id": "poll/busy", "kind": "text", "title": "Busy"})
        number = next(q["number"] for q in fac.get("/api/facilitator/state").json()["questions"]
                      if q["question_id"] == "poll/busy")
        fac.post(f"/api/facilitator/questions/{number}/open")
    token = httpx.post(f"{workers[1].url}/api/join", json={"code": "MANY42"}).json()["participant_token"]
    statuses = []
    for n in range(12):  # the answer limit is 10 in any 10 seconds, whichever process takes them
        server = workers[n % 3]
        statuses.append(httpx.post(f"{server.url}/api/answers", headers={"Authorization": f"Bearer {token}"},
                                   json={"question_id": "poll/busy", "kind": "text", "answer": f"word {n}",
                                         "idempotency_key": uuid.uuid4().hex}).status_code)
    assert statuses[:10] == [201] * 10 and statuses[10:] == [429, 429]
    # joins per address: four a minute in all, spread over the three processes
    joins = [httpx.post(f"{workers[n % 3].url}/api/join", json={"code": "MANY42"}).status_code for n in range(4)]
    assert joins == [201, 429, 429, 429]  # three joined before this one
    # wrong codes too: thirty a minute from one address, wherever they land
    wrong = [httpx.post(f"{workers[n % 3].url}/api/join", json={"code": "NOPE99"}).status_code for n in range(32)]
    assert wrong[:30] == [403] * 30 and wrong[30:] == [429, 429]


def test_export_reads_the_postgresql_session_without_writing(workers, tmp_path):
    import csv
    import subprocess
    import sys

    out = tmp_path / "export"
    done = subprocess.run([sys.executable, "-m", "frontline.live", "export", "--db", workers[0].db_url,
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader((out / "answers.csv").open(encoding="utf-8")))
    assert {r["question_id"] for r in rows} >= {"poll/spread", "poll/busy"}
    # the export's connections are read-only in the database itself
    from frontline.live.store import SessionStore, StoreError

    store = SessionStore(workers[0].db_url, read_only=True)
    with pytest.raises(StoreError, match="opened read-only"):
        store.set_setting("title", "changed")
    store.close()
