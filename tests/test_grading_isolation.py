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
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from grading_support import grade_generated

from frontline.cli import cli
from frontline.grading.course import Course
from frontline.grading.preprocessors import hidden_lines
from frontline.grading.samples import answered, course_environment
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


def _grade_class(assignment: str, make) -> dict:
    """Generate ``assignment`` in a throwaway course, write the submissions ``make(course, full)`` returns
    (student -> notebook, or a path to copy), grade them all through the steps of `frontline grade all` and return
    the facts."""
    course = Course.open(KitPaths(REPO))
    runner = CliRunner()
    result = runner.invoke(cli, ["grade", "generate", assignment])
    assert result.exit_code == 0, result.output
    full = answered(REPO / "exercises" / assignment / f"{assignment}.ipynb",
                    course.root / "release" / assignment / f"{assignment}.ipynb")
    for student, notebook in make(course, full).items():
        folder = course.folder("submitted", student, assignment)
        folder.mkdir(parents=True)
        if isinstance(notebook, Path):
            shutil.copy(notebook, folder / f"{assignment}.ipynb")
        else:
            nbformat.write(notebook, folder / f"{assignment}.ipynb")
    protected = [REPO / "exercises", REPO / "grading", course.root / "submitted", course.root / "release"]
    before = _tree_digest(*protected)
    output = grade_generated(assignment)
    return {"course": course, "output": output, "before": before, "after": _tree_digest(*protected)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("isolation")
    twins = {}

    def make(course, full):
        attacks = _attacks(course, full)
        twins.update({student: twin for student, (twin, _) in attacks.items()})
        return {"honest_full": full,
                "honest_wrong": _with_answer(full, "median_handle",
                                             'median_handle = {"first_contact": 0.0, "repeat": 0.0}'),
                **{student: notebook for student, (_, notebook) in attacks.items()}}

    with course_environment(base, REPO, cell_timeout=10):
        facts = _grade_class(ASSIGNMENT, make)
        source = nbformat.read(REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        yield {**facts, "twins": twins, "hidden": hidden_lines(source)}


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
    # which of the reader's attempts is noted depends on where the kit lies (a kit under /tmp is simply absent in
    # the sandbox's own /tmp); some attempt to reach outside the sandbox always is
    assert "tried to read" in problems["reader"] or "tried to list" in problems["reader"]
    assert "opened a database" in problems["planter"]  # its writes into a kit under /tmp go to the sandbox's own
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
    assert not any("Grading note" in path.read_text(encoding="utf-8") for path in feedback), \
        "the integrity notes (with the trainer's paths) stay out of the trainees' feedback"


def test_the_reader_saw_no_solutions(graded):
    course = graded["course"]
    notebook = nbformat.read(course.folder("autograded", "reader", ASSIGNMENT) / f"{ASSIGNMENT}.ipynb",
                             as_version=4)
    printed = "".join(str(cell.get("outputs", [])) for cell in notebook.cells)
    assert "BEGIN SOLUTION" not in printed and "BEGIN HIDDEN" not in printed


# ---- one cell's trouble costs that cell: warnings, uninterruptible loops, huge allocations and outputs ----------

SECOND = "diagnosis"
DIAGNOSIS_TESTS = {"test_classify_question": 2, "test_funnel_counts": 1, "test_fcr_by_summary": 2}


@pytest.fixture(scope="module")
def troubled(tmp_path_factory):
    base = tmp_path_factory.mktemp("troubled")

    def make(course, full):
        source = full.cells[_answer_index(full, "classify_question")].source
        warning = source.replace('    """Classify', '    import warnings\n    warnings.warn("still learning")\n'
                                 '    """Classify', 1)
        return {
            "warns": _with_answer(full, "classify_question", warning),
            "deaf": _with_answer(full, "fcr_by_summary", "import signal\nsignal.signal(signal.SIGINT, "
                                 "signal.SIG_IGN)\nwhile True:\n    pass"),
            "hog": _with_cell(full, "classify_question", "hoard = bytearray(64 * 2**30)"),
            "flood": _with_cell(full, "classify_question", "print('x' * 50_000_000)"),
            "lost": REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        }

    with course_environment(base, REPO, cell_timeout=8):
        facts = _grade_class(SECOND, make)
        yield facts["course"], facts["output"]


def _second_scores(course: Course, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        submission = gb.find_submission(SECOND, student)
        return {g.name: float(g.score or 0) for nb in submission.notebooks for g in nb.grades
                if g.name in DIAGNOSIS_TESTS}


def _feedback(course: Course, student: str) -> str:
    import html

    return html.unescape((course.root / "feedback" / student / SECOND / f"{SECOND}.html").read_text())


def test_a_warning_in_a_correct_answer_keeps_the_marks_and_the_feedback_agrees(troubled):
    course, _ = troubled
    assert _second_scores(course, "warns") == DIAGNOSIS_TESTS
    feedback = _feedback(course, "warns")
    assert feedback.count("✔ All tests passed.") == 3 and "✘" not in feedback


def test_code_that_ignores_the_interrupt_costs_its_cell_only(troubled):
    course, _ = troubled
    assert _second_scores(course, "deaf") == {**DIAGNOSIS_TESTS, "test_fcr_by_summary": 0}
    problems = [row["problem"] for row in _issues_second(course, "deaf")]
    assert "fcr_by_summary could not be interrupted" in problems, problems
    assert "✘ Not passed." in _feedback(course, "deaf")


def test_a_huge_allocation_costs_its_cell_only(troubled):
    course, _ = troubled
    assert _second_scores(course, "hog") == DIAGNOSIS_TESTS
    notebook = nbformat.read(course.folder("autograded", "hog", SECOND) / f"{SECOND}.ipynb", as_version=4)
    assert any(o.get("ename") == "MemoryError" for c in notebook.cells for o in c.get("outputs", []))


def test_a_huge_output_is_cut_in_the_graded_notebook_and_the_feedback(troubled):
    course, _ = troubled
    assert _second_scores(course, "flood") == DIAGNOSIS_TESTS
    path = course.folder("autograded", "flood", SECOND) / f"{SECOND}.ipynb"
    assert path.stat().st_size < 1_000_000
    assert "output cut" in path.read_text()
    assert len(_feedback(course, "flood")) < 1_000_000


def test_another_assignments_notebook_is_named_as_such(troubled):
    course, output = troubled
    assert "KeyError" not in output
    problems = [row["problem"] for row in _issues_second(course, "lost")]
    assert problems == [f"this is the notebook of the assignment {ASSIGNMENT}, not {SECOND}"]
    assert set(_second_scores(course, "lost").values()) == {0}


def _issues_second(course: Course, student: str) -> list[dict[str, str]]:
    with (course.reports / SECOND / "integrity.csv").open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["student"] == student]
