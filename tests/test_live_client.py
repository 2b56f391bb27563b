"""The notebook side and the server together over real HTTP: join, poll widgets, scenario events, outbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from live_support import LiveServer

import frontline
import frontline.live as live
from frontline.answers import AnswerEvent, publish
from frontline.live.client import KEPT, REJECTED, SENT, LiveSessionError, PendingAnswer
from frontline.scenarios import ProgressStore

RIGHT_DIAGNOSIS = {"asked": ["tell-me-about-it", "tracking-exactly", "read-the-address", "summarise-back"],
                   "issue": "needs-it-by-a-date"}
WRONG_DIAGNOSIS = {"asked": ["want-refund"], "issue": "wants-refund"}


@pytest.fixture(scope="module")
def session_server(tmp_path_factory):
    kit = Path(__file__).resolve().parents[1]
    server = LiveServer(tmp_path_factory.mktemp("live"), "--code", "JOINME", env={"FRONTLINE_KIT": str(kit)}).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def each_test_is_a_new_trainee(tmp_path, monkeypatch):
    """A fresh place for kept participant tokens (beside the progress file), so each test joins as someone new."""
    monkeypatch.setenv("FRONTLINE_PROGRESS", str(tmp_path / "progress" / "progress.json"))
    yield
    live.leave()


def add_open_question(fac, server, **body):
    number = fac.post("/api/facilitator/questions", json=body).json()["number"]
    fac.post(f"/api/facilitator/questions/{number}/open")
    server.wait_until_judging()  # a scenario question loads the scenario engine (once, in the background)
    return number


def stored_answers(fac, client):
    """What the server holds from this trainee (the server is shared by the tests in this module)."""
    return [a for a in fac.get("/api/facilitator/answers").json() if a["participant_id"] == client.participant_id]


@pytest.mark.slow
def test_trainee_answers_reach_the_room_and_survive_an_outage(session_server, capsys):
    fac = session_server.facilitator()
    add_open_question(fac, session_server, question_id="poll/first-move", kind="choice", title="First move?",
                      options=["Refund", "Ask first"])
    add_open_question(fac, session_server, scenario="diagnosis/late-delivery")

    client = live.join(session_server.url, "joinme")
    assert "Joined the live session" in capsys.readouterr().out and client.participant_id

    first_move = live.poll("poll/first-move", "What do you do first?", options=["Refund", "Ask first"])
    first_move.submit_button.click()
    assert first_move.feedback.value.count("Choose one of the options first") == 1  # nothing was sent
    first_move.control.value = "Ask first"
    first_move.submit_button.click()
    assert "✔ Sent to the session." in first_move.feedback.value

    publish(AnswerEvent("diagnosis/late-delivery", "diagnosis", RIGHT_DIAGNOSIS, correct=False, score=0.0))
    assert [(a["question_id"], a["answer"]) for a in stored_answers(fac, client)] == [
        ("poll/first-move", "Ask first"), ("diagnosis/late-delivery", RIGHT_DIAGNOSIS)]
    # the server judged the diagnosis itself, as the scenario does: the notebook's claim is not what counts
    assert stored_answers(fac, client)[1]["correct"] is True

    session_server.stop(hard=True)
    first_move.control.value = "Refund"
    first_move.submit_button.click()
    assert "⚠ Not sent yet: the session server could not be reached" in first_move.feedback.value
    assert "frontline.live.flush()" in first_move.feedback.value
    publish(AnswerEvent("diagnosis/late-delivery", "diagnosis", WRONG_DIAGNOSIS, correct=True, score=1.0))
    assert len(client.outbox) == 2
    assert "⚠" in client.status_widget.value and "2 answer(s) waiting to be sent" in client.status_widget.value
    assert live.flush()[0].status == KEPT and len(client.outbox) == 2  # still down: kept, not lost

    session_server.start()
    session_server.wait_until_judging()  # (a scenario answer waits for the engine, which loads after a start)
    results = live.flush()
    assert [r.status for r in results] == [SENT, SENT] and client.outbox == []
    assert "✔ Sent to the session." in first_move.feedback.value  # the widget learns its answer arrived
    assert "✔" in client.status_widget.value and "4 answer(s) sent" in client.status_widget.value
    answers = [(a["question_id"], a["answer"]) for a in stored_answers(fac, client)]
    assert answers[2:] == [("poll/first-move", "Refund"), ("diagnosis/late-delivery", WRONG_DIAGNOSIS)]

    # An answer that did arrive but whose reply was lost is resent with the same key and not counted twice.
    delivered_key = next(iter(client.results))
    delivered = stored_answers(fac, client)[0]
    client.outbox.append(PendingAnswer(delivered_key, {
        "question_id": delivered["question_id"], "idempotency_key": delivered_key, "kind": delivered["kind"],
        "answer": delivered["answer"], "correct": None, "score": None}))
    assert [r.status for r in client.flush()] == [SENT]
    assert len(stored_answers(fac, client)) == 4
    fac.close()


@pytest.mark.slow
def test_a_real_scenario_widget_reaches_the_room_with_the_scenarios_own_words(session_server, tmp_path):
    fac = session_server.facilitator()
    number = add_open_question(fac, session_server, scenario="choice/four-levels")
    client = live.join(session_server.url, session_server.code)
    for option in ("ease", "functional"):
        scenario = frontline.scenario("choice/four-levels", store=ProgressStore(tmp_path / f"{option}.json"))
        ui = scenario.widget and scenario.ui  # building the widget creates its controls
        ui.choices.value = option
        ui.submit.click()
    assert [(a["answer"], a["correct"]) for a in stored_answers(fac, client)] == [("ease", True),
                                                                                  ("functional", False)]
    fac.post(f"/api/facilitator/questions/{number}/reveal")
    room = next(q for q in fac.get("/api/facilitator/state").json()["questions"] if q["number"] == number)
    assert room["title"] == "Which level of service failed?"
    bars = {b["label"]: b["count"] for b in room["distribution"]["bars"]}
    # one trainee per answer: the second answer replaced the first, as a changed mind does
    assert bars == {"Level 1: functional delivery": 1, "Level 2: ease of access and communication": 0,
                    "Level 3: how people treated the customer": 0,
                    "Level 4: how the service made the customer feel": 0}
    assert room["correct"] == "Level 2: ease of access and communication"
    assert room["debrief"].startswith("Level 2, ease of access and communication.")
    assert [b["count"] for b in room["distribution"]["judged_bars"]] == [0, 0, 1]
    fac.close()


@pytest.mark.slow
def test_refused_answers_say_why_and_are_not_kept(session_server):
    fac = session_server.facilitator()
    number = add_open_question(fac, session_server, question_id="poll/how-sure", kind="confidence", title="How sure?")
    client = live.join(session_server.url, session_server.code, name="Robin")
    sure = live.poll("poll/how-sure", "How sure are you?", kind="confidence")
    fac.post(f"/api/facilitator/questions/{number}/lock")
    sure.control.value = 4
    sure.submit_button.click()
    assert "✘ Not accepted by the session" in sure.feedback.value and "locked" in sure.feedback.value
    assert sure.last_result.status == REJECTED and client.outbox == []

    publish(AnswerEvent("poll/not-in-this-session", "text", "hello"))  # e.g. a scenario the room is not doing
    assert client.outbox == [] and list(client.results.values())[-1].status == REJECTED
    assert stored_answers(fac, client) == []
    fac.close()


@pytest.mark.slow
def test_joining_with_a_wrong_code_or_address_is_a_clear_error(session_server, tmp_path):
    with pytest.raises(LiveSessionError, match="wrong join code"):
        live.join(session_server.url, "NOPE99")
    with pytest.raises(LiveSessionError, match="could not reach the session server"):
        live.join("http://127.0.0.1:9", "JOINME")


def test_polls_work_without_a_session_and_label_every_control():
    live.leave()
    kinds = {
        "choice": live.poll("poll/a", "Pick one", options=["Yes", "No"]),
        "text": live.poll("poll/b", "In a word?", kind="text"),
        "number": live.poll("poll/c", "How many?", kind="number", minimum=0, maximum=10),
        "confidence": live.poll("poll/d", "How sure?", kind="confidence"),
    }
    for poll in kinds.values():
        assert poll.control.description and poll.submit_button.description == "Send answer"
        assert poll.submit_button.tooltip
    assert next(label for label, _ in kinds["confidence"].control.options) == "1 · not at all sure"

    seen = []
    from frontline.answers import subscribe

    unsubscribe = subscribe(seen.append)
    kinds["text"].control.value = "   "
    kinds["text"].submit_button.click()
    assert "Type a few words first" in kinds["text"].feedback.value
    kinds["text"].control.value = "x" * 501
    kinds["text"].submit_button.click()
    assert "shorten your answer to 500" in kinds["text"].feedback.value
    kinds["text"].control.value = "listen"
    kinds["text"].submit_button.click()
    kinds["number"].control.value = 3.0
    kinds["number"].submit_button.click()
    unsubscribe()
    assert [(e.question_id, e.kind, e.answer) for e in seen] == [("poll/b", "text", "listen"), ("poll/c", "number", 3)]
    assert all(len(e.details["answer_id"]) == 32 for e in seen)
    assert "Not in a live session" in kinds["number"].feedback.value


def test_bad_poll_definitions_are_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        live.poll("poll/x", "?", kind="essay")
    with pytest.raises(ValueError, match="at least two options"):
        live.poll("poll/x", "?", options=["only one"])


@pytest.mark.slow
def test_joining_again_keeps_the_trainees_identity_and_their_token_private(session_server, tmp_path):
    fac = session_server.facilitator()
    number = add_open_question(fac, session_server, question_id="poll/comeback", kind="confidence", title="Sure?")
    first = live.join(session_server.url, session_server.code, name="Kim")
    assert not first.resumed
    sure = live.poll("poll/comeback", "How sure?", kind="confidence")
    sure.control.value = 2
    sure.submit_button.click()
    live.leave()  # as a restarted kernel: nothing kept in memory, only the private file

    kept = tmp_path / "progress" / "live-sessions.json"
    assert kept.stat().st_mode & 0o077 == 0
    again = live.join(session_server.url, session_server.code, name="Kim")
    assert again.resumed and again.participant_id == first.participant_id
    sure = live.poll("poll/comeback", "How sure?", kind="confidence")
    sure.control.value = 5
    sure.submit_button.click()
    room = next(q for q in fac.get("/api/facilitator/state").json()["questions"] if q["number"] == number)
    assert room["distribution"]["responses"] == 1  # one person who changed their mind, not two voters
    assert [b["count"] for b in room["distribution"]["bars"]] == [0, 0, 0, 0, 1]
    fac.close()
