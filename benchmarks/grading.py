"""Benchmark: the cost of isolated grading. Seconds per submission to autograde a made-up class through
`frontline grade`'s sandbox, with --jobs 1 and --jobs 2, against the floor at the same parallelism.

The floor is the same submitted notebooks executed with nbclient alone (a plain kernel, no sandbox, no nbgrader),
one at a time for --jobs 1 and two processes at once for --jobs 2: what running the trainees' code costs. The
target is isolated grading within 1.25x of its floor.

    .venv/bin/python benchmarks/grading.py [--students 20] [--assignment problem_solving]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_class(course, assignment: str, students: int) -> None:
    from frontline.grading.samples import make_submission

    source = course.kit.exercises / assignment / f"{assignment}.ipynb"
    release = course.root / "release" / assignment / f"{assignment}.ipynb"
    for n in range(students):
        kind = "untouched" if n % 10 == 3 else "crash" if n % 10 == 7 else "full"
        make_submission(kind, source, release, course.folder("submitted", f"s{n:03d}", assignment))


def run_plain(path: str, cwd: str) -> None:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=60, allow_errors=True, resources={"metadata": {"path": cwd}}).execute()


def floor_seconds(course, assignment: str, jobs: int) -> float:
    paths = sorted((course.root / "submitted").glob(f"*/{assignment}/{assignment}.ipynb"))
    cwd = str(course.root / "release" / assignment)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        list(pool.map(run_plain, map(str, paths), [cwd] * len(paths)))
    return (time.perf_counter() - start) / len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--assignment", default="problem_solving")
    args = parser.parse_args()

    from frontline.grading.autograde import autograde, generate
    from frontline.grading.course import Course
    from frontline.kit import KitPaths

    scratch = Path(tempfile.mkdtemp(prefix="frontline-bench-"))
    os.environ.update({"FRONTLINE_KIT": str(REPO), "FRONTLINE_EXCHANGE": str(scratch / "exchange")})
    try:
        print(f"Autograding {args.students} made-up submissions of {args.assignment} in the sandbox "
              f"({os.cpu_count()} CPUs reported)", flush=True)
        for jobs in (1, 2):
            os.environ["FRONTLINE_COURSE"] = str(scratch / f"course-{jobs}")
            course = Course.open(KitPaths(REPO))
            generate(course, args.assignment)
            make_class(course, args.assignment, args.students)
            start = time.perf_counter()
            results = autograde(course, args.assignment, jobs=jobs)
            isolated = (time.perf_counter() - start) / len(results)
            graded = sum(r.success for r in results)
            floor = floor_seconds(course, args.assignment, jobs)
            print(f"  --jobs {jobs}: isolated {isolated:.2f} s per submission ({graded}/{len(results)} graded); "
                  f"nbclient floor at {jobs} at once {floor:.2f} s; ratio {isolated / floor:.2f}x (target ≤ 1.25x)",
                  flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
