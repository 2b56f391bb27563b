"""People an outside login vouches for (hub users) keep their participant across restarts, with no name stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from live_support import BACKENDS, database_url, room_distribution, store_answer

from frontline.live.plan import QuestionSpec
from frontline.live.store import IDENTITY_SECRET, SessionStore, sqlite_url

NAMES = ("hub:annabel-quinn", "hub:bartholomew-zed")


def _url(backend: str, tmp_path: Path) -> str:
    return database_url(backend) or sqlite_url(tmp_path)


def _database_text(store: SessionStore) -> str:
    """Everything the database holds, as text (every table, every row)."""
    from frontline.live.store import metadata

    with store.engine.connect() as conn:
        return repr([conn.execute(table.select()).all() for table in metadata.sorted_tables])


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_identity_keeps_its_participant_across_a_restart(backend, tmp_path):
    url = _url(backend, tmp_path)
    store = SessionStore(url)
    store.ensure_secrets()
    ann, ann_token, created = store.participant_for_identity(NAMES[0])
    assert created and ann.startswith("p-") and store.participant_for_token(ann_token) == ann
    question = store.add_question(QuestionSpec(question_id="poll", kind="choice", title="Which first?",
                                               options=["Listen", "Quote the policy"]))
    question = store.set_question_state(question.number, state="open")
    assert store_answer(store, ann, question, "Quote the policy").status == "stored"
    store.close()

    again = SessionStore(url)  # the live room restarted
    same, fresh_token, created = again.participant_for_identity(NAMES[0])
    assert (same, created) == (ann, False)
    assert fresh_token != ann_token
    assert again.participant_for_token(fresh_token) == ann  # the new token works...
    assert again.participant_for_token(ann_token) == ann  # ...and so does the one from before the restart
    bob, bob_token, created = again.participant_for_identity(NAMES[1])
    assert created and bob != ann and again.participant_for_token(bob_token) == bob

    # Her answer from before the restart is still hers: a new one replaces it in the room, not adds to it.
    assert store_answer(again, same, question, "Listen").status == "stored"
    shown = room_distribution(again, again.question(question.number))
    assert shown["responses"] == 1, shown
    assert again.room_size() == 2
    assert [a.participant_id for a in again.answers()] == [ann, ann]

    # Anonymous even to someone reading the database: no name, only keyed hashes under the session's secret.
    held = _database_text(again)
    for name in NAMES:
        assert name not in held and name.split(":")[1] not in held
    assert again.get_setting(IDENTITY_SECRET) is not None
    again.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_name_in_another_session_is_not_linkable(backend, tmp_path):
    """Each session has its own secret: the same hub user's key differs from room to room."""
    from frontline.live.store import identities_table

    keys = []
    for folder in ("one", "two"):
        store = SessionStore(_url(backend, tmp_path / folder))
        store.participant_for_identity(NAMES[0])
        with store.engine.connect() as conn:
            keys += conn.execute(identities_table.select()).all()
        store.close()
    assert len(keys) == 2 and keys[0].identity_hash != keys[1].identity_hash


def test_a_code_join_can_resume_with_a_token_issued_after_a_restart(tmp_path):
    from frontline.live.store import JoinRequest, Limits

    store = SessionStore(sqlite_url(tmp_path))
    ann, _first, _ = store.participant_for_identity(NAMES[0])
    _same, second, _ = store.participant_for_identity(NAMES[0])
    outcome = store.join_many([JoinRequest(None, "127.0.0.1", True, resume=second)], Limits())[0]
    assert outcome.extra == {"participant_id": ann, "participant_token": second, "resumed": True}
    store.close()
