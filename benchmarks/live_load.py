"""Load benchmark for the live session server: a whole room joining and answering at the same moment.

Starts a real `frontline live serve` on a free 127.0.0.1 port (a fresh SQLite file, or --db a scratch PostgreSQL
database), then: every trainee joins at once; every trainee answers every open question at once, a share of the
answers sent twice with the same key (as a notebook's outbox does after a lost reply). Each trainee keeps one
HTTP/1.1 keep-alive connection; the client is plain asyncio streams (no HTTP library), so it costs far less CPU
than the server it measures.

Prints: start-up time, requests per second, p50/p99 latency, the server's CPU per request (read from the server
process itself, /proc through psutil), the client's CPU, the cost of one room-state read when the session is empty
and when it is full, and acknowledged vs stored answers; exits 1 on any error or if they differ.

    .venv/bin/python benchmarks/live_load.py --trainees 1000 --answers 3
    .venv/bin/python benchmarks/live_load.py --trainees 1000 --db postgresql+psycopg://user@host/scratch
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil

from frontline.lab.launch import any_free_port as free_port

QUESTIONS = [
    {"question_id": "load/first-move", "kind": "choice", "title": "First move?",
     "options": ["Refund", "Ask what they expected", "Escalate"]},
    {"question_id": "load/how-sure", "kind": "confidence", "title": "How sure are you?"},
    {"question_id": "load/repeat-calls", "kind": "number", "title": "How many call again?", "min": 0, "max": 10},
    {"question_id": "load/one-word", "kind": "text", "title": "One word for good service?"},
]


def answer_for(question: dict, rng: random.Random) -> object:
    kind = question["kind"]
    if kind == "choice":
        return rng.choice(question["options"])
    if kind == "confidence":
        return rng.randint(1, 5)
    if kind == "number":
        return rng.randint(0, 10)
    return rng.choice(["listen", "ownership", "speed", "honesty", "follow-up"])


class Connection:
    """One keep-alive HTTP/1.1 connection; a dropped connection is reopened and the request sent once more."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: object = None, token: str | None = None) -> tuple[int,
                                                                                                           bytes]:
        payload = b"" if body is None else json.dumps(body).encode()
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n" + (f"Authorization: Bearer {token}\r\n" if token else "")
                + "\r\n").encode()
        for attempt in (1, 2):
            try:
                if self.writer is None:
                    await self._open()
                assert self.reader is not None and self.writer is not None
                self.writer.write(head + payload)
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed by the server")
                status = int(status_line.split()[1])
                length = 0
                while (line := await self.reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                return status, await self.reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                self.close()
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def health(port: int) -> dict | None:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
    except OSError:
        return None
    head, _, body = reply.partition(b"\r\n\r\n")
    return json.loads(body) if head.startswith(b"HTTP/1.1 200") else None


def start_server(folder: Path, port: int, db: str | None) -> tuple[subprocess.Popen, str, str, float, float]:
    log = folder / "server.log"
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "frontline.live", "serve", "--dir", str(folder / "db"), "--port", str(port),
         "--title", "Load benchmark", "--joins-per-minute", "0", "--rate", "600", *(["--db", db] if db else [])],
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    started = None
    while True:
        status = health(port)
        if status and started is None:
            started = time.perf_counter() - began
        # measured once the scenario engine has loaded in the background, so its import is not counted
        if status and status["judging"]:
            break
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start:\n{log.read_text()}")
        time.sleep(0.05)
    judging = time.perf_counter() - began
    text = log.read_text()
    return process, re.search(r"Join code for trainees:\s+(\S+)", text)[1], re.search(r"#token=(\S+)", text)[1], \
        started, judging


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, max(0, round(share * len(values)) - 1))]


def server_cpu(server: psutil.Process) -> float:
    times = server.cpu_times()
    return times.user + times.system


async def state_read_cost(conn: Connection, token: str, server: psutil.Process, reads: int) -> float:
    """Server CPU seconds per room-state read (the read the room view's event stream makes after each change)."""
    before = server_cpu(server)
    for _ in range(reads):
        status, _ = await conn.request("GET", "/api/facilitator/state", token=token)
        assert status == 200
    return (server_cpu(server) - before) / reads


async def run(port: int, code: str, token: str, server: psutil.Process, trainees: int, answers: int,
              resend_fraction: float, seed: int) -> dict:
    rng = random.Random(seed)
    fac = Connection(port)
    for question in QUESTIONS[:answers]:
        _, body = await fac.request("POST", "/api/facilitator/questions", question, token)
        await fac.request("POST", f"/api/facilitator/questions/{json.loads(body)['number']}/open", token=token)
    empty_state_cpu = await state_read_cost(fac, token, server, 300)

    connections = [Connection(port) for _ in range(trainees)]
    errors: dict[str, int] = {}
    join_latencies: list[float] = []
    answer_latencies: list[float] = []
    cpu_before = server_cpu(server)
    began = time.perf_counter()

    async def join(conn: Connection) -> str | None:
        started = time.perf_counter()
        try:
            status, body = await conn.request("POST", "/api/join", {"code": code})
        except (OSError, asyncio.IncompleteReadError) as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
            return None
        join_latencies.append(time.perf_counter() - started)
        if status != 201:
            errors[f"join {status}"] = errors.get(f"join {status}", 0) + 1
            return None
        return json.loads(body)["participant_token"]

    tokens = await asyncio.gather(*(join(conn) for conn in connections))
    acknowledged: set[tuple[str, str]] = set()

    async def trainee(conn: Connection, participant: str) -> None:
        bodies = []
        for question in QUESTIONS[:answers]:
            body = {"question_id": question["question_id"], "kind": question["kind"],
                    "answer": answer_for(question, rng), "idempotency_key": uuid.uuid4().hex}
            bodies.append(body)
            if rng.random() < resend_fraction:
                bodies.append(body)  # the same answer again, same key
        for body in bodies:
            started = time.perf_counter()
            try:
                status, _ = await conn.request("POST", "/api/answers", body, participant)
            except (OSError, asyncio.IncompleteReadError) as e:
                errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                continue
            answer_latencies.append(time.perf_counter() - started)
            if status in (200, 201):
                acknowledged.add((participant, body["idempotency_key"]))
            else:
                errors[f"answer {status}"] = errors.get(f"answer {status}", 0) + 1

    await asyncio.gather(*(trainee(conn, t) for conn, t in zip(connections, tokens, strict=True) if t))
    elapsed = time.perf_counter() - began
    cpu = server_cpu(server) - cpu_before
    requests = len(join_latencies) + len(answer_latencies)
    for conn in connections:
        conn.close()

    _, body = await fac.request("GET", "/api/facilitator/state", token=token)
    stored = json.loads(body)["answers_received"]
    full_state_cpu = await state_read_cost(fac, token, server, 300)
    fac.close()
    return {"requests": requests, "elapsed": elapsed, "server_cpu": cpu, "errors": errors,
            "joins": sorted(join_latencies), "answers": sorted(answer_latencies), "acknowledged": len(acknowledged),
            "stored": stored, "reconnects": sum(c.reconnects for c in connections),
            "empty_state_cpu": empty_state_cpu, "full_state_cpu": full_state_cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=1000, help="simulated trainees (default 1000)")
    parser.add_argument("--answers", type=int, default=3, choices=range(1, len(QUESTIONS) + 1),
                        help="questions each trainee answers (default 3)")
    parser.add_argument("--resend-fraction", type=float, default=0.1, help="share of answers sent twice")
    parser.add_argument("--timeout", type=float, default=300, help="give up after this many seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default=None, help="a scratch database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    if not 1 <= args.trainees <= 5000:
        parser.error("--trainees must be between 1 and 5000")
    # one connection per trainee, on both sides: make room for the file descriptors (the server inherits this)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * args.trainees + 256)), hard))

    with tempfile.TemporaryDirectory(prefix="frontline-live-load-") as folder:
        port = free_port()
        process, code, token, started, judging = start_server(Path(folder), port, args.db)
        server = psutil.Process(process.pid)
        client_before = time.process_time()
        try:
            result = asyncio.run(asyncio.wait_for(
                run(port, code, token, server, args.trainees, args.answers, args.resend_fraction, args.seed),
                args.timeout))
        except TimeoutError:
            print(f"gave up after {args.timeout:g} s", file=sys.stderr)
            return 1
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        client_cpu = time.process_time() - client_before

    both = sorted(result["joins"] + result["answers"])
    answers = result["answers"]
    per_request = 1000 * result["server_cpu"] / max(1, result["requests"])
    print(f"database:            {'PostgreSQL' if args.db else 'SQLite'}")
    print(f"start-up:            {started:.2f} s until the server answered, {judging:.2f} s until it could judge "
          "scenario answers (the scenario engine loads in the background)")
    print(f"trainees:            {args.trainees} joining, then answering {args.answers} question(s) each, all at once")
    print(f"requests:            {result['requests']} in {result['elapsed']:.2f} s "
          f"({result['requests'] / result['elapsed']:.0f} requests/second)")
    print(f"latency (all):       p50 {1000 * percentile(both, 0.5):.1f} ms, p99 {1000 * percentile(both, 0.99):.1f} ms")
    print(f"latency (answers):   p50 {1000 * percentile(answers, 0.5):.1f} ms, "
          f"p99 {1000 * percentile(answers, 0.99):.1f} ms, max {1000 * answers[-1]:.1f} ms")
    print(f"server CPU:          {result['server_cpu']:.2f} s, {per_request:.2f} ms per request")
    print(f"client CPU:          {client_cpu:.2f} s (the whole benchmark process)")
    print(f"room state read:     {1000 * result['empty_state_cpu']:.2f} ms CPU with no answers, "
          f"{1000 * result['full_state_cpu']:.2f} ms with {result['stored']}")
    print(f"errors:              {result['errors'] or 0} ({result['reconnects']} connection(s) reopened and resent)")
    print(f"answers:             {result['acknowledged']} acknowledged, {result['stored']} stored")
    same = result["acknowledged"] == result["stored"] and not result["errors"]
    print("acknowledged == stored, no errors: " + ("yes ✔" if same else "NO ✘"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
