"""People an outside login vouches for (hub users) keep their participant across restarts, with no name stored,
and with the key of their links in a file of its own, never in the room's database."""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import stat
from pathlib import Path

import pytest
from live_support import BACKENDS, database_url, room_distribution, store_answer

from frontline.live.identity_key import (
    LEGACY_KEY_SETTING,
    IdentityKeyError,
    KeyFromEnvironment,
    key_source,
    open_identity_key,
)
from frontline.live.plan import QuestionSpec
from frontline.live.server import ServeOptions, prepare
from frontline.live.store import SCRUB_PENDING_SETTING, SessionStore, StoreError, sqlite_url

NAMES = ("hub:annabel-quinn", "hub:bartholomew-zed")


def _url(backend: str, tmp_path: Path) -> str:
    return database_url(backend) or sqlite_url(tmp_path / "room")


def _database_text(store: SessionStore) -> str:
    """Everything the database holds, as text (every table, every row)."""
    from frontline.live.store import metadata

    with store.engine.connect() as conn:
        return repr([conn.execute(table.select()).all() for table in metadata.sorted_tables])


def _held_by(store: SessionStore, secret: str) -> bool:
    """Whether the database holds ``secret``: in any row, or (SQLite) anywhere in its files, free space included."""
    if secret in _database_text(store):
        return True
    if store.path is None:
        return False
    return any(secret.encode() in f.read_bytes() for f in store.path.parent.iterdir() if f.is_file())


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_identity_keeps_its_participant_across_a_restart(backend, tmp_path):
    url, key_file = _url(backend, tmp_path), tmp_path / "identity.key"
    store = SessionStore(url)
    store.ensure_secrets()
    key = open_identity_key(key_file, store)
    info = key_file.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid) == (0o600, os.getuid())  # made on first start, private
    assert key_file.read_text().strip().encode() == key
    ann, ann_token, created = store.participant_for_identity(NAMES[0], key)
    assert created and ann.startswith("p-") and store.participant_for_token(ann_token) == ann
    question = store.add_question(QuestionSpec(question_id="poll", kind="choice", title="Which first?",
                                               options=["Listen", "Quote the policy"]))
    question = store.set_question_state(question.number, state="open")
    assert store_answer(store, ann, question, "Quote the policy").status == "stored"
    store.close()

    again = SessionStore(url)  # the live room restarted, with the same key file
    assert open_identity_key(key_file, again) == key
    same, fresh_token, created = again.participant_for_identity(NAMES[0], key)
    assert (same, created) == (ann, False)
    assert fresh_token != ann_token
    assert again.participant_for_token(fresh_token) == ann  # the new token works...
    assert again.participant_for_token(ann_token) == ann  # ...and so does the one from before the restart
    bob, bob_token, created = again.participant_for_identity(NAMES[1], key)
    assert created and bob != ann and again.participant_for_token(bob_token) == bob

    # Her answer from before the restart is still hers: a new one replaces it in the room, not adds to it.
    assert store_answer(again, same, question, "Listen").status == "stored"
    shown = room_distribution(again, again.question(question.number))
    assert shown["responses"] == 1, shown
    assert again.room_size() == 2
    assert [a.participant_id for a in again.answers()] == [ann, ann]

    # Anonymous even to someone reading the database: no name, and not the key that would let them test names.
    held = _database_text(again)
    for name in NAMES:
        assert name not in held and name.split(":")[1] not in held
    assert not _held_by(again, key.decode())
    assert again.get_setting(LEGACY_KEY_SETTING) is None
    again.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_missing_wrong_or_malformed_key_is_refused_naming_it(backend, tmp_path):
    url, key_file = _url(backend, tmp_path), tmp_path / "identity.key"
    store = SessionStore(url)
    key = open_identity_key(key_file, store)
    ann, _token, _ = store.participant_for_identity(NAMES[0], key)
    store.close()
    kept = key_file.read_bytes()

    def refused(expected: str, source=key_file) -> str:
        room = SessionStore(url)
        try:
            with pytest.raises(IdentityKeyError) as error:
                open_identity_key(source, room)
        finally:
            room.close()
        message = str(error.value)
        assert message.startswith(f"{source}: ") and expected in message, message
        return message

    key_file.unlink()
    assert "restore the file from the backup" in refused("the live room's identity key file is missing")
    assert not key_file.exists()  # no new key was made for a room that has links
    key_file.write_text(secrets.token_hex(32) + "\n")
    key_file.chmod(0o600)
    refused("not the identity key this room's links were made with")
    for text in ("not a key\n", key.decode()[:40], key.decode().upper(), ""):
        key_file.write_text(text)
        refused("not a live room identity key (one line of 64 hexadecimal digits")
    key_file.write_bytes(kept)
    key_file.chmod(0o644)
    refused("may be read by others (mode 0644); make it the owner's only: chmod 600")
    key_file.unlink()
    key_file.mkdir()
    refused("must be a file")
    key_file.rmdir()
    elsewhere = tmp_path / "elsewhere.key"
    elsewhere.write_bytes(kept)
    elsewhere.chmod(0o600)
    key_file.symlink_to(elsewhere)
    refused("is a link")
    refused("not a live room identity key", KeyFromEnvironment("secret"))
    refused("not the identity key", KeyFromEnvironment(secrets.token_hex(32)))

    # Through the server's start, as the hub's live room starts it: the same refusal, and no room opened.
    with pytest.raises(IdentityKeyError, match=f"^{key_file}: the live room's identity key file is a link"):
        prepare(ServeOptions(db_url=url, identity_key=key_file))

    # The right key, from its file or from the environment, still finds her participant.
    key_file.unlink()
    elsewhere.rename(key_file)
    room = SessionStore(url)
    assert room.participant_for_identity(NAMES[0], open_identity_key(key_file, room))[0] == ann
    from_environment = key_source(tmp_path / "unused.key", {"FRONTLINE_LIVE_IDENTITY_KEY": kept.decode()})
    assert room.participant_for_identity(NAMES[0], open_identity_key(from_environment, room))[0] == ann
    assert not (tmp_path / "unused.key").exists()
    room.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_room_that_kept_its_key_in_the_database_keeps_its_links(backend, tmp_path, caplog):
    """A trainer upgrading mid-course: the key moves from the database to its file, and nobody loses their link."""
    url, key_file = _url(backend, tmp_path), tmp_path / "live" / "identity.key"
    key_file.parent.mkdir()
    old = SessionStore(url)  # a room as the kit kept it before: the key in its settings, the links under it
    legacy = secrets.token_hex(32)
    old.set_setting(LEGACY_KEY_SETTING, legacy)
    ann, ann_token, _ = old.participant_for_identity(NAMES[0], legacy.encode())
    old.close()

    with caplog.at_level(logging.WARNING, logger="frontline.live.identity_key"):
        settings = prepare(ServeOptions(db_url=url, identity_key=key_file))  # the first start after the upgrade
    assert f"moved out of its database to {key_file}" in caplog.text
    assert key_file.read_text() == legacy + "\n" and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    store = settings.store
    assert settings.identity_key == legacy.encode()
    assert store.get_setting(LEGACY_KEY_SETTING) is None and not _held_by(store, legacy)
    same, _token, created = store.participant_for_identity(NAMES[0], settings.identity_key)
    assert (same, created) == (ann, False) and store.participant_for_token(ann_token) == ann
    store.close()

    again = SessionStore(url)  # and the start after that reads the file
    assert again.participant_for_identity(NAMES[0], open_identity_key(key_file, again))[0] == ann
    again.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_upgrade_with_another_key_file_already_there_is_refused(backend, tmp_path):
    url, key_file = _url(backend, tmp_path), tmp_path / "identity.key"
    old = SessionStore(url)
    legacy = secrets.token_hex(32)
    old.set_setting(LEGACY_KEY_SETTING, legacy)
    old.participant_for_identity(NAMES[0], legacy.encode())
    key_file.write_text(secrets.token_hex(32) + "\n")
    key_file.chmod(0o600)
    with pytest.raises(IdentityKeyError, match="holds another key than the one this room's database kept"):
        open_identity_key(key_file, old)
    assert old.get_setting(LEGACY_KEY_SETTING) == legacy  # nothing lost: the database's key stays until it moves
    old.close()


def _legacy_room(tmp_path: Path) -> tuple[str, str, str]:
    """A SQLite room as the kit kept it before (the key in its settings, a link under it): (url, key, participant)."""
    url = sqlite_url(tmp_path / "room")
    old = SessionStore(url)
    legacy = secrets.token_hex(32)
    old.set_setting(LEGACY_KEY_SETTING, legacy)
    ann, _token, _ = old.participant_for_identity(NAMES[0], legacy.encode())
    old.close()
    return url, legacy, ann


@pytest.mark.parametrize("hold", ["reading", "writing"])
def test_a_move_another_connection_keeps_from_finishing_is_refused_and_finished_later(tmp_path, monkeypatch, hold):
    """Another program with the database open (a read in progress keeps the WAL checkpoint busy, a write keeps
    VACUUM locked out): the room refuses to start naming the database, the key is safe in its file, and the next
    start finishes clearing the database's copy."""
    url, legacy, ann = _legacy_room(tmp_path)
    key_file = tmp_path / "identity.key"
    store = SessionStore(url)
    other = sqlite3.connect(store.path, isolation_level=None)
    real_scrub = SessionStore.scrub_settings

    def scrub_while_held(self):  # the other program starts as the key has left the settings
        if hold == "reading":
            other.execute("BEGIN")
            other.execute("SELECT count(*) FROM settings").fetchone()  # holds its snapshot of the database
        else:
            other.execute("BEGIN IMMEDIATE")
        real_scrub(self)

    monkeypatch.setattr(SessionStore, "scrub_settings", scrub_while_held)
    expected = "cannot empty the write-ahead log of" if hold == "reading" else "cannot rewrite the database"
    with pytest.raises(StoreError, match=f"{expected} {store.path}") as refused:
        open_identity_key(key_file, store)
    assert "another program has the database" in str(refused.value)
    assert key_file.read_text() == legacy + "\n"  # nothing lost: the key is in its file
    monkeypatch.undo()
    other.rollback()
    other.close()
    store.close()

    again = SessionStore(url)
    assert open_identity_key(key_file, again) == legacy.encode()
    assert again.participant_for_identity(NAMES[0], legacy.encode())[0] == ann
    assert again.get_setting(SCRUB_PENDING_SETTING) is None
    assert not _held_by(again, legacy)
    again.close()


def test_the_key_files_name_is_on_disk_before_the_database_lets_go_of_the_key(tmp_path, monkeypatch):
    """A power cut between the two must not leave the key in neither: the folder is synced after the link."""
    url, legacy, _ann = _legacy_room(tmp_path)
    key_file = tmp_path / "live" / "identity.key"
    key_file.parent.mkdir()
    events: list[str] = []
    real_link, real_fsync, real_remove = os.link, os.fsync, SessionStore.remove_setting

    def link(source, target, *args, **kwargs):
        real_link(source, target, *args, **kwargs)
        events.append(f"link {target}")

    def fsync(fd):
        real_fsync(fd)
        if stat.S_ISDIR(os.fstat(fd).st_mode) and os.fstat(fd).st_ino == key_file.parent.stat().st_ino:
            events.append("sync folder")

    def remove_setting(self, key, scrub=False):
        events.append(f"remove {key}")
        real_remove(self, key, scrub)

    monkeypatch.setattr(os, "link", link)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(SessionStore, "remove_setting", remove_setting)
    store = SessionStore(url)
    assert open_identity_key(key_file, store) == legacy.encode()
    store.close()
    assert events == [f"link {key_file}", "sync folder", f"remove {LEGACY_KEY_SETTING}"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_name_in_another_session_is_not_linkable(backend, tmp_path):
    """Each session has its own key: the same hub user's hash differs from room to room."""
    from frontline.live.store import identities_table

    keys = []
    for folder in ("one", "two"):
        store = SessionStore(_url(backend, tmp_path / folder))
        store.participant_for_identity(NAMES[0], open_identity_key(tmp_path / f"{folder}.key", store))
        with store.engine.connect() as conn:
            keys += conn.execute(identities_table.select()).all()
        store.close()
    assert len(keys) == 2 and keys[0].identity_hash != keys[1].identity_hash


def test_a_code_join_can_resume_with_a_token_issued_after_a_restart(tmp_path):
    from frontline.live.store import JoinRequest, Limits

    store = SessionStore(sqlite_url(tmp_path))
    key = open_identity_key(tmp_path / "identity.key", store)
    ann, _first, _ = store.participant_for_identity(NAMES[0], key)
    _same, second, _ = store.participant_for_identity(NAMES[0], key)
    outcome = store.join_many([JoinRequest(None, "127.0.0.1", True, resume=second)], Limits())[0]
    assert outcome.extra == {"participant_id": ann, "participant_token": second, "resumed": True}
    store.close()
