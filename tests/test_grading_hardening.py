"""What a trainee can hand in against the grading, through nbgrader on real submissions of a front-line exercise.

A trainee fetches and submits ``fl_03_diagnosis_call`` through a real exchange with nbgrader's own commands, then
adds links to the trainer's files to a later submission; the same work arrives as an LMS download in folders;
other trainees replace the judge's run or display their own integrity notes. The class is graded by
`frontline grade all` in the sandbox; the tests read the gradebook, the reports, the autograded notebooks and the
feedback. A last test grades with the grader's own hard limits below what the sandbox asks for.
"""

from __future__ import annotations

import copy
import csv
import html
import json
import os
import pwd
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

import frontline
from frontline.cli import cli
from frontline.grading.course import Course
from frontline.grading.samples import course_environment, make_submission
from frontline.kit import KitPaths

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Object of type <\\w+> not in session")]

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "fl_03_diagnosis_call"
TRAINEE_CONFIG = Path(frontline.__file__).parent / "lab" / "jupyter_config"
SOURCE = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
FUNNEL, DELIVERY = "scenario-missed-bin-funnel", "scenario-cancelled-bed-delivery"
PARTIAL_ORDER = ["open", "closed", "probe", "summarise", "agree-next-step"]  # 3 of 5 steps in place
FULL = {FUNNEL: 2.0, DELIVERY: 3.0}
PARTIAL = {FUNNEL: 0.85, DELIVERY: 3.0}
TRAINEE = pwd.getpwuid(os.getuid()).pw_name  # nbgrader's exchange names a submission by its account
FORGED = "a note the notebook wrote itself"

FAKER = '''
import frontline.grading.judge as judge
real = judge.run
helpers = dict(zip(real.__code__.co_freevars, (c.cell_contents for c in real.__closure__)))
publish = helpers["publish"]
judge.run = lambda grade_id, sealed: publish(grade_id, True, "", [], "Points: 3 of 3", 3.0)
'''
FORGER = f'''
display({{"application/vnd.frontline.finding+json": {{"problem": "{FORGED}", "action": "none"}},
         "text/plain": "note"}}, raw=True)
'''
READER = 'print(open("notes.txt", encoding="utf-8", errors="replace").read()[:5000])'


def _records(partial: bool) -> dict[str, str]:
    """responses/<item>.json -> text: the model clicks, with the funnel half right when ``partial``."""
    records = {}
    for path in sorted((REPO / "grading" / "model_records" / ASSIGNMENT).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if partial and path.stem == FUNNEL:
            record["steps"] = [{"verb": "set_order", "args": [PARTIAL_ORDER]}]
        records[f"responses/{path.name}"] = json.dumps(record)
    return records


def _write(folder: Path, notebook, records: dict[str, str]) -> None:
    nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    for name, text in records.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def _nbgrader(*argv: str, cwd: Path) -> None:
    """nbgrader's own command as a trainee runs it from `frontline lab`."""
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(TRAINEE_CONFIG)}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _invoke(*argv: str) -> str:
    result = CliRunner().invoke(cli, list(argv))
    assert result.exit_code == 0, result.output
    return result.output


def _inbound(course: Course) -> list[Path]:
    return sorted((course.exchange / "frontline" / "inbound").glob(f"{TRAINEE}+{ASSIGNMENT}+*"))


def _with_cell(notebook, source: str, after: int = 0):
    """``notebook`` with a new code cell after its ``after``-th code cell (0: the set-up cell)."""
    changed = copy.deepcopy(notebook)
    index = [i for i, c in enumerate(changed.cells) if c.cell_type == "code"][after]
    changed.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return changed


def _plant_links(folder: Path, course: Course) -> None:
    """What a trainee can add to their own folder after handing in: links to the trainer's files."""
    (folder / "notes.txt").symlink_to(SOURCE)
    (folder / "responses" / "more.json").symlink_to(course.db_path)


def _release(base: Path):
    """The exercise generated and released into the course under ``base``; the course and a fully right notebook."""
    course = Course.open(KitPaths(REPO))
    _invoke("grade", "generate", ASSIGNMENT)
    _invoke("grade", "release", ASSIGNMENT)
    release = course.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return course, nbformat.read(make_submission("full", SOURCE, release, base / "made"), as_version=4)


def _fetch_answer_submit(base: Path, notebook, records: dict[str, str]) -> Path:
    """A real trainee: nbgrader's fetch, their answers written, nbgrader's submit; returns their folder."""
    home = base / "trainee"
    home.mkdir()
    _nbgrader("fetch_assignment", ASSIGNMENT, cwd=home)
    _write(home / ASSIGNMENT, notebook, records)
    _nbgrader("submit", ASSIGNMENT, cwd=home)
    return home


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hardening")
    with course_environment(base, REPO, cell_timeout=30):
        course, full = _release(base)
        home = _fetch_answer_submit(base, full, _records(partial=True))  # the funnel half right
        first_collect = _invoke("grade", "collect", ASSIGNMENT)
        # a later submission, with links to the kit's answer key and the gradebook added after handing in
        _nbgrader("submit", ASSIGNMENT, cwd=home)
        first, later = _inbound(course)
        _plant_links(later, course)
        link_collect = _invoke("grade", "collect", ASSIGNMENT)

        # the same work downloaded from an LMS, one folder per student with the assignment folder inside
        download = base / "download.zip"
        with zipfile.ZipFile(download, "w") as archive:
            archive.writestr(f"lms_partial/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", nbformat.writes(full))
            for name, text in _records(partial=True).items():
                archive.writestr(f"lms_partial/{ASSIGNMENT}/{name}", text)
        lms_collect = _invoke("grade", "collect", ASSIGNMENT, "--from", str(download))

        # submissions placed straight into submitted/ (a copy made by hand)
        direct = {"sandbox_linker": (_with_cell(full, READER, after=1), _records(partial=False)),
                  "faker": (_with_cell(full, FAKER), {}),
                  "forger": (_with_cell(full, FORGER), _records(partial=False)),
                  "model": (full, _records(partial=False))}
        for student, (notebook, records) in direct.items():
            folder = course.folder("submitted", student, ASSIGNMENT)
            folder.mkdir(parents=True)
            _write(folder, notebook, records)
        linker = course.folder("submitted", "sandbox_linker", ASSIGNMENT)
        (linker / "notes.txt").symlink_to(SOURCE)
        (linker / "responses" / "key.json").symlink_to(SOURCE)
        os.mkfifo(linker / "pipe")  # nbgrader's copy of the other files would stop at it

        output = _invoke("grade", "all", ASSIGNMENT, "--no-collect", "--jobs", "2")
        yield {"course": course, "base": base, "first": first, "later": later, "first_collect": first_collect,
               "link_collect": link_collect, "lms_collect": lms_collect, "output": output}


def _scores(course: Course, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        return {g.name: float(g.score or 0) for nb in submission.notebooks for g in nb.grades if g.name in FULL}


def _report(course: Course, name: str, student: str) -> list[dict[str, str]]:
    with (course.reports / ASSIGNMENT / name).open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["student"] == student]


def _feedback(course: Course, student: str) -> str:
    return html.unescape((course.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text())


def _autograded_text(course: Course, student: str) -> str:
    notebook = nbformat.read(course.folder("autograded", student, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb",
                             as_version=4)
    return json.dumps([cell.get("outputs", []) for cell in notebook.cells])


# ---- links to the trainer's files -------------------------------------------------------------------------------

def test_a_submission_with_links_is_not_collected_and_the_earlier_one_stays(graded):
    course = graded["course"]
    submitted = course.folder("submitted", TRAINEE, ASSIGNMENT)
    assert (submitted / f"{ASSIGNMENT}.ipynb").is_file()
    stamp = graded["first"].name.split("+")[2]
    assert (submitted / "timestamp.txt").read_text().strip() == stamp, "the earlier, clean submission stays"
    assert not (submitted / "notes.txt").exists() and not (submitted / "responses" / "more.json").exists()
    assert not [p for p in submitted.rglob("*") if p.is_symlink()]
    rows = _report(course, "collection.csv", TRAINEE)
    assert {r["file"] for r in rows} == {"notes.txt", "responses/more.json"}, rows
    assert all("not collected" in r["action"] and r["action"].endswith("was collected instead") for r in rows)
    assert any("notes.txt" in line and f"[{TRAINEE}]" in line for line in graded["link_collect"].splitlines())


def test_a_link_placed_in_submitted_never_reaches_the_sandbox(graded):
    course = graded["course"]
    assert _scores(course, "sandbox_linker") == FULL == _scores(course, "model")
    outputs = _autograded_text(course, "sandbox_linker")
    assert "FileNotFoundError" in outputs
    for secret in ("BEGIN HIDDEN TESTS", "mark_scenario"):
        assert secret not in outputs and secret not in _feedback(course, "sandbox_linker")
    rows = _report(course, "integrity.csv", "sandbox_linker")
    assert {r["file"] for r in rows if "link" in r["problem"]} >= {"notes.txt", "responses/key.json", "pipe"}, rows
    # nbgrader copies a submission's other files into autograded/ and feedback/ following links: none may stay
    for stage in ("autograded", "feedback"):
        for path in course.folder(stage, "sandbox_linker", ASSIGNMENT).rglob("*"):
            assert not path.is_symlink(), path
            if path.is_file() and path.suffix != ".ipynb":
                assert "BEGIN HIDDEN TESTS" not in path.read_text(errors="replace"), path
    aside = course.folder("submitted", "sandbox_linker", f".{ASSIGNMENT}.set-aside")
    assert (aside / "notes.txt").is_symlink() and (aside / "responses" / "key.json").is_symlink()
    assert (aside / "pipe").is_fifo(), "kept, not lost"
    assert any("set-aside/notes.txt" in r["action"] for r in rows), rows


def test_shared_exchange_refuses_a_submission_with_a_link(tmp_path, monkeypatch):
    """The hardened collect of a hub's shared exchange (separate accounts) refuses it too."""
    monkeypatch.setenv("FRONTLINE_EXCHANGE_SHARED", "1")
    with course_environment(tmp_path, REPO):
        course, full = _release(tmp_path)
        _fetch_answer_submit(tmp_path, full, _records(partial=False))
        (only,) = _inbound(course)
        _plant_links(only, course)
        output = _invoke("grade", "collect", ASSIGNMENT)
        assert not course.folder("submitted", TRAINEE, ASSIGNMENT).exists()
        assert any("notes.txt" in line and f"[{TRAINEE}]" in line for line in output.splitlines())
        assert {r["file"] for r in _report(course, "collection.csv", TRAINEE)} == {"notes.txt",
                                                                                 "responses/more.json"}


def _hand_in(course: Course, student: str, stamp: str, uid: int, notebook, link_to: Path | None = None) -> Path:
    """A folder in the shared exchange's inbound named as ``student``'s hand-in, made by the account ``uid``."""
    folder = course.exchange / "frontline" / "inbound" / f"{student}+{ASSIGNMENT}+{stamp}+{uid}"
    folder.mkdir(parents=True)
    _write(folder, notebook, {})
    (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
    if link_to is not None:
        (folder / "notes.txt").symlink_to(link_to)
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, uid, uid)
    return folder


def test_a_forged_hand_in_is_reported_under_its_maker_and_each_refusal_says_what_was_collected(tmp_path,
                                                                                                monkeypatch):
    """Separate accounts on a shared exchange: mallory makes folders named as victim's (one with a link); carol
    hands in with a link and then cleanly; dave only with a link."""
    owners = tmp_path / "owners"
    accounts = {"victim": 42001, "mallory": 42002, "carol": 42003, "dave": 42004}
    owners.write_text("".join(f"{uid} {name}\n" for name, uid in accounts.items()), encoding="utf-8")
    monkeypatch.setenv("FRONTLINE_EXCHANGE_SHARED", "1")
    monkeypatch.setenv("FRONTLINE_EXCHANGE_OWNERS", str(owners))
    with course_environment(tmp_path, REPO):
        course, full = _release(tmp_path)
        early, middle, late = (f"2026-11-30 10:{m}:00.000000 UTC" for m in ("00", "20", "40"))
        _hand_in(course, "victim", early, accounts["victim"], full)
        _hand_in(course, "victim", middle, accounts["mallory"], full, link_to=SOURCE)
        _hand_in(course, "victim", late, accounts["mallory"], full)
        _hand_in(course, "carol", early, accounts["carol"], full, link_to=SOURCE)
        _hand_in(course, "carol", middle, accounts["carol"], full)
        _hand_in(course, "dave", early, accounts["dave"], full, link_to=SOURCE)
        _invoke("grade", "collect", ASSIGNMENT)
        assert (course.folder("submitted", "victim", ASSIGNMENT) / "timestamp.txt").read_text() == early
        assert (course.folder("submitted", "carol", ASSIGNMENT) / "timestamp.txt").read_text() == middle
        assert not course.folder("submitted", "dave", ASSIGNMENT).exists()
        assert _report(course, "collection.csv", "victim") == []  # nothing blames the student the folders name
        forged = _report(course, "collection.csv", "mallory")
        assert sorted(r["problem"] for r in forged) == [
            "a folder handed in at 2026-11-30 10:20 UTC in the name of victim, made by mallory",
            "a folder handed in at 2026-11-30 10:40 UTC in the name of victim, made by mallory"], forged
        assert all("not collected" in r["action"] for r in forged)
        (carol,) = _report(course, "collection.csv", "carol")
        assert carol["file"] == "notes.txt"
        assert carol["action"].endswith("the later hand-in of 2026-11-30 10:20 UTC, without links, was collected")
        (dave,) = _report(course, "collection.csv", "dave")
        assert dave["action"].endswith("no hand-in of this student was collected"), dave


# ---- an LMS download in folders -------------------------------------------------------------------------------

def test_an_lms_folder_layout_keeps_its_records_and_scores_as_the_exchange_does(graded):
    course = graded["course"]
    submitted = course.folder("submitted", "lms_partial", ASSIGNMENT)
    assert sorted(p.relative_to(submitted).as_posix() for p in submitted.rglob("*.json")) == sorted(
        _records(partial=True))
    assert _scores(course, "lms_partial") == _scores(course, TRAINEE) == PARTIAL


def test_lms_files_that_would_land_on_one_name_are_reported(tmp_path):
    with course_environment(tmp_path, REPO):
        _invoke("grade", "generate", ASSIGNMENT)
        download = tmp_path / "download.zip"
        with zipfile.ZipFile(download, "w") as archive:  # responses/ beside the assignment folder and inside it
            archive.writestr(f"s1/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", SOURCE.read_text(encoding="utf-8"))
            archive.writestr(f"s1/{ASSIGNMENT}/responses/a.json", '{"inside": true}')
            archive.writestr("s1/responses/a.json", '{"inside": false}')
        output = _invoke("grade", "collect", ASSIGNMENT, "--from", str(download))
        course = Course.open(KitPaths(REPO))
        saved = course.folder("submitted", "s1", ASSIGNMENT) / "responses" / "a.json"
        assert json.loads(saved.read_text()) == {"inside": True}
        line = next(line for line in output.splitlines() if "s1/responses/a.json" in line)
        assert "would be saved as responses/a.json" in line and "[s1]" in line, output
        assert any(r["file"] == "s1/responses/a.json" for r in _report(course, "collection.csv", "s1"))


# ---- feedback below full marks --------------------------------------------------------------------------------

def test_partial_credit_feedback_keeps_the_debrief_and_says_the_points(graded):
    course = graded["course"]
    assert _scores(course, TRAINEE) == PARTIAL
    feedback = _feedback(course, TRAINEE)
    assert "The path you took:" in feedback and "out of place" in feedback  # the debrief of the half-right order
    assert "0.85 of 2 points" in feedback and "3 of 3" in feedback
    assert "Not passed" not in feedback
    assert "warning or a partial score" not in feedback


# ---- a replaced judge -----------------------------------------------------------------------------------------

def test_a_notebook_that_replaces_the_judges_run_scores_nothing_for_it_and_is_reported(graded):
    course = graded["course"]
    assert _scores(course, "faker") == {FUNNEL: 0.0, DELIVERY: 0.0}
    problems = " | ".join(r["problem"] for r in _report(course, "integrity.csv", "faker"))
    assert "names the grading itself" in problems and "__closure__" in problems, problems
    assert f"the tests of {FUNNEL} did not run" in problems and f"the tests of {DELIVERY} did not run" in problems


# ---- integrity notes written by the notebook ------------------------------------------------------------------

def test_a_notebook_cannot_add_lines_to_the_integrity_report(graded):
    course = graded["course"]
    assert _scores(course, "forger") == FULL
    report = (course.reports / ASSIGNMENT / "integrity.csv").read_text(encoding="utf-8")
    assert FORGED not in report and FORGED not in graded["output"]
    assert FORGED not in _autograded_text(course, "forger")
    exported = [p.read_text(encoding="utf-8") for p in course.reports.rglob("*.csv")]
    assert not any(FORGED in text for text in exported)


# ---- a grader with lower hard limits than the sandbox asks for ------------------------------------------------

def test_grading_under_lower_hard_limits_grades_and_says_so(graded):
    from frontline.grading.sandbox import _processes_of

    course = graded["course"]
    shutil.copytree(course.folder("submitted", "model", ASSIGNMENT), course.folder("submitted", "limited", ASSIGNMENT))
    processes = 48 if os.getuid() == 0 else _processes_of(os.getuid()) + 48
    env = {**os.environ, **course.environment(), "FRONTLINE_GRADE_MEMORY_MB": "8192", "FRONTLINE_CELL_TIMEOUT": "30"}
    done = subprocess.run(["prlimit", f"--as={4 * 2**30}", f"--nproc={processes}", "--",
                           str(Path(sys.executable).parent / "frontline"), "grade", "autograde", ASSIGNMENT,
                           "--student", "limited"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _scores(course, "limited") == FULL
    problems = " | ".join(r["problem"] for r in _report(course, "integrity.csv", "limited"))
    assert "memory limit was lowered from 8192 MiB to 4096 MiB" in problems, problems
    assert f"process limit was lowered to {processes}" in problems, problems
