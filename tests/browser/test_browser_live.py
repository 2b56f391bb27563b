"""Facilitator: the projected room view follows trainees' answers as they arrive, and lock and reveal work."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

QUESTION_ID = "warm-up/first-move"
QUESTION_TITLE = 'A customer says "my order never arrived". What do you do first?'
ANSWER = "Ask what they expected and when"
WRONG = "Offer a refund straight away"


class Trainee:
    """A second client: a trainee's laptop posting answers to the session over HTTP."""

    def __init__(self, session, name: str):
        joined = httpx.post(f"{session.base}/api/join", json={"code": session.join_code, "name": name}, timeout=10)
        assert joined.status_code == 201, joined.text
        self.client = httpx.Client(base_url=session.base, timeout=10,
                                   headers={"Authorization": f"Bearer {joined.json()['participant_token']}"})

    def answer(self, question_id: str, value) -> httpx.Response:
        return self.client.post("/api/answers", json={"question_id": question_id, "kind": "choice", "answer": value,
                                                      "idempotency_key": uuid.uuid4().hex})


@pytest.fixture
def room(live_session, page):
    page.goto(live_session.room_url)
    expect(page.locator("#connection")).to_have_text("✔ live")
    expect(page.locator("#join-code")).to_have_text(live_session.join_code)
    return page


def test_room_view_updates_as_answers_arrive_and_lock_and_reveal_work(live_session, room):
    card = room.locator("article.question", has_text=QUESTION_TITLE)
    expect(card.locator(".state")).to_have_text("Not open yet")
    alice, bilal = Trainee(live_session, "Alice"), Trainee(live_session, "Bilal")
    closed = alice.answer(QUESTION_ID, ANSWER)
    assert closed.status_code == 409 and "not open yet" in closed.json()["detail"]

    card.get_by_role("button", name="Open question").click()
    expect(card.locator(".state")).to_have_text("● Open: answers accepted")
    assert alice.answer(QUESTION_ID, ANSWER).status_code == 201
    # the projected page picks the answer up by itself, with no reload
    expect(card.locator(".meta")).to_contain_text("1 of 2 answered")
    expect(card.locator(".bars li", has_text=ANSWER).locator(".bar-count")).to_have_text("1 (100%)")
    assert bilal.answer(QUESTION_ID, WRONG).status_code == 201
    expect(card.locator(".meta")).to_contain_text("2 of 2 answered")
    expect(card.locator(".bars li", has_text=WRONG).locator(".bar-count")).to_have_text("1 (50%)")
    expect(room.locator("#answer-count")).to_have_text("2")
    # before the reveal the room is not told which answer is right
    expect(card.locator(".reveal")).to_have_count(0)
    expect(card.locator(".bars li.answer")).to_have_count(0)

    card.get_by_role("button", name="Lock question").click()
    expect(card.locator(".state")).to_have_text("🔒 Locked")
    late = Trainee(live_session, "Chen").answer(QUESTION_ID, ANSWER)
    assert late.status_code == 409 and "locked" in late.json()["detail"]
    expect(card.locator(".meta")).to_contain_text("2 of 3 answered")

    card.get_by_role("button", name="Reveal answer").click()
    expect(card.locator(".state")).to_have_text("✔ Answer revealed")
    reveal = card.get_by_role("region", name="Answer and debrief")
    expect(reveal).to_contain_text(f"Answer: {ANSWER}")
    expect(reveal).to_contain_text("Diagnosis comes before the remedy")
    # the right answer is marked in words, not only by colour
    expect(card.locator(".bars li.answer")).to_contain_text(f"✔ {ANSWER} (answer)")
    expect(card.get_by_role("button", name="Reveal answer")).to_be_disabled()


def test_room_view_without_the_facilitator_token_shows_nothing(live_session, page):
    page.goto(f"{live_session.base}/room")
    expect(page.get_by_role("alert")).to_contain_text("needs the facilitator link")
    expect(page.locator("#connection")).to_have_text("✘ lost")
    expect(page.locator("article.question")).to_have_count(0)
