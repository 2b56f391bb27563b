"""Benchmark: seconds per submission to autograde a class, with --jobs 1 and --jobs 2, against the floor.

The class is made-up (mostly correct submissions, some untouched, some crashing) for one assignment, in a
temporary course folder and exchange. The floor is the same submitted notebooks executed with nbclient alone,
one after another: what running the code costs without nbgrader's bookkeeping.

    .venv/bin/python benchmarks/grading.py [--students 30] [--assignment problem_solving]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_class(course, assignment: str, students: int) -> None:
    from frontline.grading.samples import make_submission

    source = course.kit.exercises / assignment / f"{assignment}.ipynb"
    release = course.root / "release" / assignment / f"{assignment}.ipynb"
    for n in range(students):
        kind = "untouched" if n % 10 == 3 else "crash" if n % 10 == 7 else "full"
        make_submission(kind, source, release, course.folder("submitted", f"s{n:03d}", assignment))


def floor_seconds(course, assignment: str) -> float:
    import nbformat
    from nbclient import NotebookClient

    paths = sorted((course.root / "submitted").glob(f"*/{assignment}/{assignment}.ipynb"))
    start = time.perf_counter()
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=60, allow_errors=True,
                       resources={"metadata": {"path": str(course.kit.exercises / assignment)}}).execute()
    return (time.perf_counter() - start) / len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--assignment", default="problem_solving")
    args = parser.parse_args()

    from frontline.grading.autograde import autograde, generate
    from frontline.grading.course import Course
    from frontline.kit import KitPaths

    scratch = Path(tempfile.mkdtemp(prefix="frontline-bench-"))
    os.environ.update({"FRONTLINE_KIT": str(REPO), "FRONTLINE_EXCHANGE": str(scratch / "exchange")})
    try:
        print(f"Autograding {args.students} made-up submissions of {args.assignment} "
              f"({os.cpu_count()} CPUs reported)", flush=True)
        for jobs in (1, 2):
            os.environ["FRONTLINE_COURSE"] = str(scratch / f"course-{jobs}")
            course = Course.open(KitPaths(REPO))
            generate(course, args.assignment)
            make_class(course, args.assignment, args.students)
            start = time.perf_counter()
            results = autograde(course, args.assignment, jobs=jobs)
            seconds = (time.perf_counter() - start) / len(results)
            graded = sum(r.success for r in results)
            print(f"  --jobs {jobs}: {seconds:.2f} s per submission ({graded}/{len(results)} graded)", flush=True)
        print(f"  floor (nbclient only, one at a time): {floor_seconds(course, args.assignment):.2f} s per submission")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
