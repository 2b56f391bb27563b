"""Load benchmark for the live session server: many trainees answering at once on loopback.

Starts a real `frontline live serve` on a free 127.0.0.1 port with a fresh SQLite file, lets every trainee join,
then has all of them answer several open questions at the same moment (asyncio + httpx), with a share of the
answers sent twice, as a trainee's outbox would after a lost reply. Prints requests per second, p50 and p99
latency, and answers stored vs sent; exits 1 if they differ. Bounded in count (--trainees, --answers) and in
time (--timeout).

    .venv/bin/python benchmarks/live_load.py --trainees 200 --answers 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

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


def start_server(folder: Path, port: int, db: str | None) -> tuple[subprocess.Popen, str, str]:
    log = folder / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "frontline", "live", "serve", "--dir", str(folder), "--port", str(port),
         "--title", "Load benchmark", *(["--db", db] if db else [])],
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start:\n{log.read_text()}")
        time.sleep(0.1)
    text = log.read_text()
    return process, re.search(r"Join code for trainees:\s+(\S+)", text)[1], re.search(r"#token=(\S+)", text)[1]


async def run(base: str, code: str, token: str, trainees: int, answers: int, resend_fraction: float,
              seed: int) -> dict:
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=trainees, max_keepalive_connections=trainees)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        fac = {"Authorization": f"Bearer {token}"}
        for question in QUESTIONS[:answers]:
            number = (await http.post("/api/facilitator/questions", json=question, headers=fac)).json()["number"]
            await http.post(f"/api/facilitator/questions/{number}/open", headers=fac)

        joins = await asyncio.gather(*(http.post("/api/join", json={"code": code}) for _ in range(trainees)))
        tokens = [r.json()["participant_token"] for r in joins]

        plans = []  # (participant token, body) in the order each trainee sends them
        for participant in tokens:
            mine = []
            for question in QUESTIONS[:answers]:
                body = {"question_id": question["question_id"], "kind": question["kind"],
                        "answer": answer_for(question, rng), "idempotency_key": uuid.uuid4().hex}
                mine.append(body)
                if rng.random() < resend_fraction:
                    mine.append(body)  # the same answer again, same key
            plans.append((participant, mine))

        latencies: list[float] = []
        statuses: dict[int, int] = {}
        start_gate = asyncio.Event()

        async def trainee(participant: str, bodies: list[dict]) -> None:
            await start_gate.wait()
            for body in bodies:
                began = time.perf_counter()
                response = await http.post("/api/answers", json=body,
                                           headers={"Authorization": f"Bearer {participant}"})
                latencies.append(time.perf_counter() - began)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        tasks = [asyncio.create_task(trainee(p, b)) for p, b in plans]
        began = time.perf_counter()
        start_gate.set()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - began

        stored = await http.get("/api/facilitator/answers", headers=fac)
        unique_sent = len({(p, b["idempotency_key"]) for p, bodies in plans for b in bodies})
        return {"requests": len(latencies), "elapsed": elapsed, "latencies": sorted(latencies),
                "statuses": statuses, "unique_sent": unique_sent, "stored": len(stored.json())}


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, max(0, round(share * len(values)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=200, help="simulated trainees (default 200)")
    parser.add_argument("--answers", type=int, default=3, choices=range(1, len(QUESTIONS) + 1),
                        help="questions each trainee answers (default 3)")
    parser.add_argument("--resend-fraction", type=float, default=0.1, help="share of answers sent twice")
    parser.add_argument("--timeout", type=float, default=120, help="give up after this many seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default=None, help="a scratch database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    if not 1 <= args.trainees <= 2000:
        parser.error("--trainees must be between 1 and 2000")

    with tempfile.TemporaryDirectory(prefix="frontline-live-load-") as folder:
        port = free_port()
        process, code, token = start_server(Path(folder), port, args.db)
        try:
            result = asyncio.run(asyncio.wait_for(
                run(f"http://127.0.0.1:{port}", code, token, args.trainees, args.answers, args.resend_fraction,
                    args.seed), args.timeout))
        except TimeoutError:
            print(f"gave up after {args.timeout:g} s", file=sys.stderr)
            return 1
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)

    lat = result["latencies"]
    print(f"trainees:            {args.trainees} answering {args.answers} question(s) each at once")
    print(f"requests:            {result['requests']} in {result['elapsed']:.2f} s "
          f"({result['requests'] / result['elapsed']:.0f} requests/second)")
    print(f"latency:             p50 {1000 * percentile(lat, 0.5):.1f} ms, p99 {1000 * percentile(lat, 0.99):.1f} ms, "
          f"max {1000 * lat[-1]:.1f} ms, mean {1000 * statistics.fmean(lat):.1f} ms")
    print(f"responses:           {dict(sorted(result['statuses'].items()))} (201 stored, 200 resend recognised)")
    print(f"answers sent:        {result['unique_sent']} distinct (plus {result['requests'] - result['unique_sent']}"
          " resends)")
    print(f"answers stored:      {result['stored']}")
    same = result["stored"] == result["unique_sent"]
    print("stored == sent:      " + ("yes ✔" if same else "NO ✘"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
