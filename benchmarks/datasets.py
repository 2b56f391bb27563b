"""Print how long the datasets take to generate, write, load and check (no targets asserted)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from frontline.datasets import check_folder, load_surveys, load_tickets, write_all
from frontline.datasets.generate import generate_all


def timed(label: str, func, repeat: int = 3) -> None:
    best = min(_once(func) for _ in range(repeat))
    print(f"{label:<32} {best * 1000:8.1f} ms (best of {repeat})")


def _once(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        timed("generate all tables", generate_all)
        timed("generate and write all files", lambda: write_all(folder))
        timed("load_tickets (verified)", lambda: load_tickets(folder))
        timed("load_tickets (no manifest check)", lambda: load_tickets(folder, verify=False))
        timed("load_surveys (verified)", lambda: load_surveys(folder))
        timed("check_folder (all datasets)", lambda: check_folder(folder))
        path = folder / "tickets.csv"
        path.write_text(path.read_text().replace(",4,", ",5,", 1))
        timed("check_folder with a hand edit", lambda: check_folder(folder), repeat=1)


if __name__ == "__main__":
    main()
