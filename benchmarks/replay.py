"""Benchmark: the grader's own replay of graded scenarios. For each front-line exercise, the seconds one sandboxed
replay takes to mark all of its graded situations from the model answers, and the replay process's peak memory.

Autograding starts one replay per submitted notebook (before its kernel), so these seconds add to each submission's
grading time; the target is under 5 seconds a notebook on one idle core.

    .venv/bin/python benchmarks/replay.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="replays per exercise (the median is printed)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from frontline.grading.replay import replay_in_sandbox, scenario_calls_in

    print(f"{'exercise':<28} {'items':>5} {'median s':>9} {'points':>11}")
    for folder in sorted((REPO / "exercises").glob("fl_*")):
        calls = scenario_calls_in(folder / f"{folder.name}.ipynb")
        model = REPO / "grading" / "model_records" / folder.name
        if not calls or not model.is_dir():
            continue
        with tempfile.TemporaryDirectory() as scratch:  # a submission folder holding only the answer files
            answers = Path(scratch)
            shutil.copytree(model, answers / "responses")
            took = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                marked = replay_in_sandbox(calls, [answers])
                took.append(time.perf_counter() - start)
        earned, possible = sum(m.points for m in marked), sum(c.points for c in calls)
        print(f"{folder.name:<28} {len(calls):>5} {statistics.median(took):>9.2f} {earned:>5g} of {possible:<3g}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a replay process (the largest child): {peak:.0f} MB")


if __name__ == "__main__":
    main()
