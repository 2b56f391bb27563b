"""Print how long each lesson notebook takes to run top to bottom in a fresh kernel (target: under 20 s each).

Usage: python benchmarks/notebooks.py [NOTEBOOK ...]   (default: every lesson under notebooks/)

Scenario progress is written to a temporary file, so running the benchmark never changes a trainee's progress.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from frontline.lessons.metadata import lesson_notebooks

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 20.0


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or lesson_notebooks(ROOT / "notebooks")
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["FRONTLINE_PROGRESS"] = str(Path(scratch) / "progress.json")
        print(f"{'notebook':45} {'seconds':>8}")
        slowest = 0.0
        for path in paths:
            seconds = run(path)
            slowest = max(slowest, seconds)
            flag = "" if seconds < TARGET_SECONDS else f"  over the {TARGET_SECONDS:.0f} s target"
            print(f"{path.name:45} {seconds:8.2f}{flag}")
    print(f"slowest: {slowest:.2f} s (target {TARGET_SECONDS:.0f} s; times include starting the kernel)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
