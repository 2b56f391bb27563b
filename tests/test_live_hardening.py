"""The session server against a hostile network and a careless disk: limits that forged headers cannot dodge, a
room cap, security headers, private files, read-only export, and one clear line for a database it cannot use."""

from __future__ import annotations

import hashlib
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from live_support import LiveServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("guarded"), "--code", "GATE42", "--joins-per-minute", "5").start()
    yield server
    server.stop()


def join(server, code=None, headers=None, **body):
    return httpx.post(f"{server.url}/api/join", json={"code": code or server.code, **body}, headers=headers or {},
                      timeout=10)


def test_wrong_codes_are_limited_per_real_address_whatever_x_forwarded_for_says(tmp_path):
    guarded = LiveServer(tmp_path, "--code", "GATE42").start()
    try:
        wrong_codes_are_limited(guarded)
    finally:
        guarded.stop()


def wrong_codes_are_limited(guarded):
    statuses = [join(guarded, "WRONG9", headers={"X-Forwarded-For": f"10.0.{n // 250}.{n % 250}"}).status_code
                for n in range(40)]
    assert statuses[:30] == [403] * 30  # wrong code
    assert set(statuses[30:]) == {429}  # the forged addresses changed nothing: the 31st try is told to wait
    limited = join(guarded, "WRONG9")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert join(guarded).status_code == 429  # not even the right code is tried while the address waits


def test_joins_per_address_and_the_room_size_are_limited(tmp_path):
    # Behind a proxy the facilitator names (here: loopback), X-Forwarded-For is the client's address.
    server = LiveServer(tmp_path, "--joins-per-minute", "3", "--trust-proxy", "127.0.0.1").start()

    def from_address(address, **body):
        return join(server, headers={"X-Forwarded-For": address}, **body)

    try:
        first = from_address("198.51.100.1")
        assert [from_address("198.51.100.1").status_code for _ in range(2)] == [201, 201]
        too_many = from_address("198.51.100.1")
        assert too_many.status_code == 429 and "too many joins from this address" in too_many.json()["detail"]
        assert from_address("198.51.100.2").status_code == 201  # someone else at another address
        # someone already in comes back with their token: not a new participant, so not limited
        again = from_address("198.51.100.1", resume=first.json()["participant_token"])
        assert again.status_code == 201 and again.json()["participant_id"] == first.json()["participant_id"]
        assert again.json()["resumed"] is True

        with server.facilitator() as fac:
            assert fac.post("/api/facilitator/room", json={"max_participants": 5}).json()["room_size"] == 4
            assert fac.get("/api/facilitator/state").json()["max_participants"] == 5
            assert from_address("198.51.100.3").status_code == 201
            full = from_address("198.51.100.4")
            assert full.status_code == 403 and "the room is full (5 participants)" in full.json()["detail"]
            assert fac.get("/api/facilitator/state").json()["room_size"] == 5
        assert from_address("198.51.100.4", resume=first.json()["participant_token"]).status_code == 201
    finally:
        server.stop()


def test_every_response_carries_security_headers_and_answers_are_not_cached(guarded):
    page = httpx.get(f"{guarded.url}/room")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    with guarded.facilitator() as fac:
        q = fac.post("/api/facilitator/questions", json={"question_id": "poll/h", "kind": "text", "title": "t"}).json()
        fac.post(f"/api/facilitator/questions/{q['number']}/open")
        assert fac.get("/api/facilitator/answers").headers["cache-control"] == "no-store"
    with guarded.join() as trainee:
        sent = trainee.post("/api/answers", json={"question_id": "poll/h", "kind": "text", "answer": "hello",
                                                  "idempotency_key": uuid.uuid4().hex})
    assert sent.status_code == 201 and sent.headers["cache-control"] == "no-store"


def test_requests_for_another_host_name_are_refused(guarded):
    rebound = httpx.get(f"{guarded.url}/api/health", headers={"Host": "attacker.example:80"})
    assert rebound.status_code == 400 and "does not answer to the host name" in rebound.json()["detail"]
    for host in (f"127.0.0.1:{guarded.port}", f"localhost:{guarded.port}", f"[::1]:{guarded.port}"):
        assert httpx.get(f"{guarded.url}/api/health", headers={"Host": host}).status_code == 200


def test_a_trainee_name_that_is_not_text_is_refused(guarded):
    broken = httpx.post(f"{guarded.url}/api/join", content=b'{"code": "GATE42", "name": "a\\ud800"}',
                        headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and "field 'name'" in broken.json()["detail"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_file_the_server_and_the_export_create_is_private(tmp_path):
    server = LiveServer(tmp_path / "run").start()
    folder = tmp_path / "run" / "db"
    try:
        with server.join("Sam"):
            pass
        created = sorted(p.name for p in folder.iterdir())
        assert created == ["live-session.sqlite", "live-session.sqlite-shm", "live-session.sqlite-wal"]
        assert mode(folder) == 0o700
        assert {p.name: mode(p) for p in folder.iterdir()} == {name: 0o600 for name in created}
        # exported while the server runs, from the session opened read-only
        database = folder / "live-session.sqlite"
        before = hashlib.sha256(database.read_bytes()).hexdigest()
        out = tmp_path / "export"
        done = subprocess.run([sys.executable, "-m", "frontline.live", "export", "--dir", str(folder),
                               "--out", str(out)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert mode(out) == 0o700 and {p.name: mode(p) for p in out.iterdir()} == {
            "answers.csv": 0o600, "summary.md": 0o600, "summary.html": 0o600}
        assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    finally:
        server.stop()
    # and from a stopped session without touching it: no lock files appear, the file is unchanged
    listing = sorted(p.name for p in folder.iterdir())
    before = hashlib.sha256((folder / "live-session.sqlite").read_bytes()).hexdigest()
    done = subprocess.run([sys.executable, "-m", "frontline.live", "export", "--dir", str(folder), "--out",
                           str(tmp_path / "again")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == listing
    assert hashlib.sha256((folder / "live-session.sqlite").read_bytes()).hexdigest() == before


def serve_fails(*args: str, cwd: Path) -> str:
    """Start `frontline live serve` expecting it to refuse; returns what it printed."""
    done = subprocess.run([sys.executable, "-m", "frontline.live", "serve", "--port", "9", *args],
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_database_the_server_cannot_use_is_one_line_naming_it(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "live-session.sqlite").write_bytes(b"")
    message = serve_fails("--dir", str(empty), cwd=tmp_path)
    assert f"{empty / 'live-session.sqlite'} is empty (0 bytes)" in message
    assert (empty / "live-session.sqlite").stat().st_size == 0  # not silently turned into a new session

    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "live-session.sqlite").write_bytes(b"this is a spreadsheet, not a session " * 200)
    message = serve_fails("--dir", str(corrupt), cwd=tmp_path)
    assert f"{corrupt / 'live-session.sqlite'} is not a readable live session database" in message

    unreachable = "postgresql+psycopg://trainer:s3cret@127.0.0.1:9/frontline"
    message = serve_fails("--db", unreachable, cwd=tmp_path)
    assert "cannot use the database postgresql+psycopg://trainer:***@127.0.0.1:9/frontline" in message
    assert "s3cret" not in message
