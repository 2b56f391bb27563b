"""A made-up class of honest trainees and attackers graded through `frontline grade all`, in the sandbox.

Each attacker hands in the notebook of an honest "twin" plus one attack; the twin is graded in the same class.
The tests show: honest work keeps its grade, no attacker scores more than their twin, every attack leaves an
integrity entry naming the student and the cell, nothing outside the throwaway folder changes, no process
survives the batch, and no hidden test text reaches an autograded output or a feedback page.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import os
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from frontline.cli import cli
from frontline.grading.course import Course
from frontline.grading.preprocessors import hidden_lines
from frontline.kit import KitPaths

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Object of type <\\w+> not in session")]

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "problem_solving"
LINGER_SECONDS = "3617"  # a marker for the process an attacker leaves behind


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _answer_index(notebook, grade_id: str) -> int:
    return next(i for i, c in enumerate(notebook.cells) if _meta(c).get("grade_id") == grade_id)


def _with_cell(notebook, after: str, source: str):
    """``notebook`` with a new, ungraded code cell right after the answer ``after``."""
    changed = copy.deepcopy(notebook)
    changed.cells.insert(_answer_index(changed, after) + 1, nbformat.v4.new_code_cell(source))
    return changed


def _with_answer(notebook, grade_id: str, source: str):
    changed = copy.deepcopy(notebook)
    changed.cells[_answer_index(changed, grade_id)].source = source
    return changed


def _attacks(course: Course, full) -> dict[str, tuple[str, object]]:
    """student -> (twin, notebook). A twin is the same work without the attack."""
    kit, root = REPO, course.root
    wrong_median = 'median_handle = {"first_contact": 0.0, "repeat": 0.0}'
    twin_wrong = _with_answer(full, "median_handle", wrong_median)
    reader = f'''
import glob, os
found = []
for pattern in ["{kit}/exercises/*/*.ipynb", "{root}/source/*/*.ipynb", "{root}/autograded/*/*/*.ipynb",
                "/work/**/*.ipynb", "/root/**/*.ipynb", "/tmp/**/*.ipynb"]:
    found += glob.glob(pattern, recursive=True)
for path in found + ["{kit}/exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", "{root}/gradebook.db"]:
    try:
        print(open(path, encoding="utf-8", errors="replace").read())
    except OSError as error:
        print("no luck:", type(error).__name__)
'''
    planter = f'''
import sqlite3
for path in ["{kit}/exercises/{ASSIGNMENT}/planted.py", "{kit}/grading/planted.py",
             "{root}/submitted/honest_full/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"]:
    try:
        with open(path, "w") as handle:
            handle.write("planted")
    except OSError as error:
        print("no luck:", type(error).__name__)
try:
    db = sqlite3.connect("{root}/gradebook.db")
    db.execute("update grade set auto_score = 99")
    db.commit()
except Exception as error:
    print("no luck:", type(error).__name__)
'''
    lingerer = f'''
import subprocess
try:
    subprocess.Popen(["sleep", "{LINGER_SECONDS}"], start_new_session=True)
except OSError as error:
    print("no luck:", type(error).__name__)
'''
    transformer = '''
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
'''
    anything = '''
class Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    def __sub__(self, other): return Anything(0)
    def __rsub__(self, other): return Anything(0)
    def __abs__(self): return Anything(0)
    __hash__ = float.__hash__
median_handle = {"first_contact": Anything(0), "repeat": Anything(0)}
'''
    patch_abs = 'import builtins\nbuiltins.abs = lambda x: 0\n'
    peeker = '''
print(globals().get("_ref"), globals().get("_expected"))
print(_ref)
'''
    return {
        "reader": ("honest_full", _with_cell(full, "pareto", reader)),
        "planter": ("honest_full", _with_cell(full, "pareto", planter)),
        "lingerer": ("honest_full", _with_cell(full, "pareto", lingerer)),
        "transformer": ("honest_wrong", _with_cell(twin_wrong, "repeat_rate", transformer)),
        "anything": ("honest_wrong", _with_answer(full, "median_handle", anything)),
        "abs_patch": ("honest_wrong", _with_cell(twin_wrong, "repeat_rate", patch_abs)),
        "peeker": ("honest_full", _with_cell(full, "vital_few", peeker)),
    }


def _tree_digest(*folders: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def _lingering() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and LINGER_SECONDS in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(entry.name)
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("isolation")
    env = {"FRONTLINE_COURSE": str(base / "course"), "FRONTLINE_EXCHANGE": str(base / "exchange"),
           "FRONTLINE_KIT": str(REPO), "FRONTLINE_CELL_TIMEOUT": "10"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        course = Course.open(KitPaths(REPO))
        runner = CliRunner()
        result = runner.invoke(cli, ["grade", "generate", ASSIGNMENT])
        assert result.exit_code == 0, result.output
        source = nbformat.read(REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        release = nbformat.read(course.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        answers = {_meta(c)["grade_id"]: c.source for c in source.cells if _meta(c).get("solution")}
        full = copy.deepcopy(release)
        for cell in full.cells:
            if _meta(cell).get("solution"):
                cell.source = answers[_meta(cell)["grade_id"]]
        attacks = _attacks(course, full)
        notebooks = {"honest_full": full,
                     "honest_wrong": _with_answer(full, "median_handle",
                                                  'median_handle = {"first_contact": 0.0, "repeat": 0.0}')}
        notebooks.update({student: notebook for student, (_, notebook) in attacks.items()})
        for student, notebook in notebooks.items():
            folder = course.folder("submitted", student, ASSIGNMENT)
            folder.mkdir(parents=True)
            nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
        protected = [REPO / "exercises", REPO / "grading", course.root / "submitted", course.root / "release"]
        before = _tree_digest(*protected)
        result = runner.invoke(cli, ["grade", "all", ASSIGNMENT, "--no-collect", "--jobs", "2"])
        assert result.exit_code == 0, result.output
        yield {"course": course, "output": result.output, "twins": {s: t for s, (t, _) in attacks.items()},
               "before": before, "after": _tree_digest(*protected), "hidden": hidden_lines(source)}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _scores(course: Course, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        return {g.name: float(g.score or 0) for nb in submission.notebooks for g in nb.grades}


def _issues(course: Course, student: str) -> list[dict[str, str]]:
    with (course.reports / ASSIGNMENT / "integrity.csv").open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["student"] == student]


AUTOGRADED = {"test_pareto": 2, "test_vital_few": 1, "test_repeat_rate": 2, "test_median_handle": 1}


def test_honest_students_keep_their_grades(graded):
    course = graded["course"]
    full = _scores(course, "honest_full")
    assert {k: full[k] for k in AUTOGRADED} == AUTOGRADED
    wrong = _scores(course, "honest_wrong")
    assert {k: wrong[k] for k in AUTOGRADED} == {**AUTOGRADED, "test_median_handle": 0}
    assert not _issues(course, "honest_full") and not _issues(course, "honest_wrong")


@pytest.mark.parametrize("student", ["reader", "planter", "lingerer", "transformer", "anything", "abs_patch",
                                     "peeker"])
def test_an_attacker_gets_no_more_than_their_honest_work_and_an_entry(graded, student):
    course = graded["course"]
    mine, twin = _scores(course, student), _scores(course, graded["twins"][student])
    assert all(mine[k] <= twin[k] for k in AUTOGRADED), (mine, twin)
    issues = _issues(course, student)
    assert issues, f"no integrity entry for {student}"
    cells = ("pareto", "vital_few", "repeat_rate", "median_handle", "test_", "cell ")
    assert all(any(name in row["problem"] for name in cells) for row in issues), issues


def test_the_entries_say_what_was_tried(graded):
    course = graded["course"]
    problems = {s: " ".join(r["problem"] for r in _issues(course, s))
                for s in ("reader", "planter", "lingerer", "transformer", "anything", "abs_patch", "peeker")}
    assert "tried to read" in problems["reader"] and "exercises" in problems["reader"]
    assert "tried to write" in problems["planter"] and "opened a database" in problems["planter"]
    assert "started another program" in problems["lingerer"]
    assert "did not run: the notebook changed how cells run" in problems["transformer"]
    assert "object made to pass any comparison" in problems["anything"]
    assert "the built-in abs" in problems["abs_patch"]
    assert "a value of the tests" in problems["peeker"]


def test_nothing_outside_the_throwaway_folder_changed(graded):
    assert graded["after"] == graded["before"]
    assert not list(REPO.rglob("planted.py"))
    from nbgrader.api import Gradebook

    with Gradebook(graded["course"].db_url) as gb:
        assert all(g.auto_score is None or g.auto_score <= g.max_score
                   for s in gb.find_assignment(ASSIGNMENT).submissions for nb in s.notebooks for g in nb.grades)


def test_no_process_outlives_the_batch(graded):
    assert not _lingering()


def test_no_hidden_test_text_in_any_output(graded):
    course, hidden = graded["course"], graded["hidden"]
    assert len(hidden) > 5
    texts = [graded["output"], (course.reports / ASSIGNMENT / "integrity.csv").read_text(encoding="utf-8")]
    for path in (course.root / "autograded").rglob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        texts += [str(cell.get("outputs", [])) for cell in notebook.cells]
    feedback = list((course.root / "feedback").rglob("*.html"))
    assert len(feedback) == 9
    texts += [path.read_text(encoding="utf-8") for path in feedback]
    import html

    leaks = [line for text in texts for line in hidden if line in text or html.escape(line) in text]
    assert not leaks, leaks[:3]


def test_the_reader_saw_no_solutions(graded):
    course = graded["course"]
    notebook = nbformat.read(course.folder("autograded", "reader", ASSIGNMENT) / f"{ASSIGNMENT}.ipynb",
                             as_version=4)
    printed = "".join(str(cell.get("outputs", [])) for cell in notebook.cells)
    assert "BEGIN SOLUTION" not in printed and "BEGIN HIDDEN" not in printed
