"""The pre/post knowledge-check report, computed from a real nbgrader gradebook of a made-up cohort whose gains
are known (worked out by hand below)."""

from __future__ import annotations

import csv
import os
import shutil
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from nbgrader.api import Gradebook

from frontline.cli import cli
from frontline.grading.prepost import ALL_COHORTS, ALL_OBJECTIVES, POST, PRE, compute, read_items, write_reports
from frontline.problems import ContentError

ITEMS = Path(__file__).parent / "fixtures" / "knowledge" / "items.yaml"
CHAIN = "01_service_is_everyones_job #1"
CYCLE = "01_service_is_everyones_job #2"

# Points (of 1 per item) per trainee. "chain": pre 0,1,1,0 of 2 -> post 2,1,2,1; "cycle": pre 2,0,0,1 -> post 2,1,0,2.
SCORES = {
    "s1": {"pre": {"k01-chain-pre-1": 0, "k01-chain-pre-2": 0, "k01-cycle-pre-1": 1, "k01-cycle-pre-2": 1},
           "post": {"k01-chain-post-1": 1, "k01-chain-post-2": 1, "k01-cycle-post-1": 1, "k01-cycle-post-2": 1}},
    "s2": {"pre": {"k01-chain-pre-1": 1, "k01-chain-pre-2": 0, "k01-cycle-pre-1": 0, "k01-cycle-pre-2": 0},
           "post": {"k01-chain-post-1": 0, "k01-chain-post-2": 1, "k01-cycle-post-1": 1, "k01-cycle-post-2": 0}},
    "s3": {"pre": {"k01-chain-pre-1": 0, "k01-chain-pre-2": 1, "k01-cycle-pre-1": 0, "k01-cycle-pre-2": 0},
           "post": {"k01-chain-post-1": 1, "k01-chain-post-2": 1, "k01-cycle-post-1": 0, "k01-cycle-post-2": 0}},
    "s4": {"pre": {"k01-chain-pre-1": 0, "k01-chain-pre-2": 0, "k01-cycle-pre-1": 1, "k01-cycle-pre-2": 0},
           "post": {"k01-chain-post-1": 1, "k01-chain-post-2": 0, "k01-cycle-post-1": 1, "k01-cycle-post-2": 1}},
    "s5": {"pre": {"k01-chain-pre-1": 1, "k01-chain-pre-2": 1, "k01-cycle-pre-1": 0, "k01-cycle-pre-2": 1}},
    "s6": {"post": {"k01-chain-post-1": 1, "k01-chain-post-2": 1, "k01-cycle-post-1": 1, "k01-cycle-post-2": 1}},
    # s7 handed in both, but the post-check has not been autograded yet
    "s7": {"pre": {"k01-chain-pre-1": 0, "k01-chain-pre-2": 0, "k01-cycle-pre-1": 0, "k01-cycle-pre-2": 0},
           "post": {"k01-chain-post-1": None, "k01-chain-post-2": None, "k01-cycle-post-1": None,
                    "k01-cycle-post-2": None}},
}
COHORTS = {"s1": "March", "s2": "March", "s3": "April", "s4": "April", "s5": "March", "s6": "April", "s7": "April"}

# Worked by hand from SCORES (shares of the objective's points).
KNOWN = {
    # cohort, objective: (n, mean pre, mean post, <g> on class means, mean of individual gains, full marks before)
    (ALL_COHORTS, CHAIN): (4, 0.25, 0.75, 0.5 / 0.75, (1 + 0 + 1 + 0.5) / 4, 0),
    ("March", CHAIN): (2, 0.25, 0.75, 0.5 / 0.75, (1 + 0) / 2, 0),
    ("April", CHAIN): (2, 0.25, 0.75, 0.5 / 0.75, (1 + 0.5) / 2, 0),
    (ALL_COHORTS, CYCLE): (4, 0.375, 0.625, 0.25 / 0.625, (0.5 + 0 + 1) / 3, 1),
    (ALL_COHORTS, ALL_OBJECTIVES): (4, 0.3125, 0.6875, 0.375 / 0.6875, (1 + 1 / 3 + 1 / 3 + 2 / 3) / 4, 0),
}


def build_gradebook(path: Path, scores: dict = SCORES) -> str:
    """A real nbgrader gradebook: both assignments, their grade cells, the students, submissions and scores."""
    url = f"sqlite:///{path}"
    items = read_items(ITEMS)
    with Gradebook(url) as gb:
        for assignment, form in ((PRE, "pre"), (POST, "post")):
            gb.add_assignment(assignment)
            gb.add_notebook(assignment, assignment)
            for item in items.values():
                if item.form == form:
                    gb.add_grade_cell(item.id, assignment, assignment, max_score=1, cell_type="code")
        for student in scores:
            gb.add_student(student, first_name=student.upper(), last_name="Trainee")
        for student, forms in scores.items():
            for assignment, form in ((PRE, "pre"), (POST, "post")):
                if form not in forms:
                    continue
                gb.add_submission(assignment, student)
                for cell, score in forms[form].items():
                    grade = gb.find_grade(cell, assignment, assignment, student)
                    grade.auto_score = score
                    grade.needs_manual_grade = False
                gb.db.commit()
    return url


@pytest.fixture(scope="module", autouse=True)
def _alembic_on_path():
    """nbgrader creates a gradebook by running the `alembic` command installed beside the interpreter."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        yield


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory) -> Path:
    """Built once (creating a gradebook takes seconds); tests that change it work on a copy."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    build_gradebook(path)
    return path


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("student_id,cohort\n" + "".join(f"{s},{c}\n" for s, c in COHORTS.items()), encoding="utf-8")
    return path


def test_gains_equal_the_known_ones(gradebook, roster, repo):
    report = compute(f"sqlite:///{gradebook}", ITEMS, roster, kit_root=repo)
    for (cohort, objective), (n, pre, post, hake, individual, full) in KNOWN.items():
        row = report.row(cohort, objective)
        assert row.n_matched == n
        assert row.mean_pre == pytest.approx(pre) and row.mean_post == pytest.approx(post)
        assert row.hake_gain == pytest.approx(hake)
        assert row.mean_individual_gain == pytest.approx(individual)
        assert row.n_full_marks_before == full
        assert row.hake_gain_low <= row.hake_gain <= row.hake_gain_high
        assert row.individual_gain_low <= row.mean_individual_gain <= row.individual_gain_high
    assert report.row("March", CHAIN).objective_text.startswith("Lesson 1: Name your internal and external")


def test_unmatched_trainees_are_reported_not_dropped(gradebook, roster):
    report = compute(f"sqlite:///{gradebook}", ITEMS, roster)
    reasons = {u.student: (u.cohort, u.reason) for u in report.unmatched}
    assert reasons == {"s5": ("March", "took the pre-check only"), "s6": ("April", "took the post-check only"),
                       "s7": ("April", "a check is submitted but not graded yet")}


def test_bootstrap_interval_is_repeatable_with_its_seed(gradebook, roster):
    url = f"sqlite:///{gradebook}"
    first, again = (compute(url, ITEMS, roster, seed=7).row(ALL_COHORTS, CHAIN) for _ in range(2))
    assert (first.hake_gain_low, first.hake_gain_high) == (again.hake_gain_low, again.hake_gain_high)
    assert first.hake_gain_low < first.hake_gain_high  # the four trainees differ, so resamples differ


def test_without_a_roster_everyone_is_one_cohort(gradebook):
    report = compute(f"sqlite:///{gradebook}", ITEMS)
    assert {r.cohort for r in report.rows} == {ALL_COHORTS}
    assert report.row(ALL_COHORTS, CHAIN).hake_gain == pytest.approx(2 / 3)


def test_report_files_chart_html_and_csv(gradebook, tmp_path, roster):
    report = compute(f"sqlite:///{gradebook}", ITEMS, roster)
    files = write_reports(report, tmp_path / "out")
    assert files["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader(files["csv"].open(encoding="utf-8")))
    chain = next(r for r in rows if r["cohort"] == "March" and r["objective"] == CHAIN)
    assert float(chain["hake_gain"]) == pytest.approx(2 / 3, abs=1e-4)
    assert {r["student"] for r in csv.DictReader(files["unmatched"].open(encoding="utf-8"))} == {"s5", "s6", "s7"}
    soup = BeautifulSoup(files["html"].read_text(encoding="utf-8"), "html.parser")
    assert soup.find("img")["src"] == "prepost.png" and soup.find("img")["alt"]
    assert "took the pre-check only" in soup.get_text()
    assert len(soup.select("table")[0].select("tbody tr")) == len(report.rows)


def test_items_not_in_the_gradebook_and_bad_items_are_named(gradebook, tmp_path):
    url = f"sqlite:///{gradebook}"
    extra = tmp_path / "items.yaml"
    extra.write_text(ITEMS.read_text(encoding="utf-8") + "  - id: k01-gap-pre\n    objective: x\n    form: pre\n",
                     encoding="utf-8")
    report = compute(url, extra)
    assert any("k01-gap-pre" in w for w in report.warnings)
    extra.write_text("items:\n  - id: k1\n    objective: x\n    form: during\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"items.yaml: field 'items\[0\].form': form must be pre or post"):
        compute(url, extra)


def test_missing_assignment_is_a_clear_error(gradebook, tmp_path):
    copy = tmp_path / "gradebook.db"
    shutil.copy(gradebook, copy)
    url = f"sqlite:///{copy}"
    with Gradebook(url) as gb:
        gb.remove_assignment(PRE)
    with pytest.raises(ContentError, match="no assignment 'knowledge_pre'"):
        compute(url, ITEMS)


def test_no_gradebook_is_a_clear_error_and_creates_nothing(tmp_path):
    with pytest.raises(ContentError, match="there is no gradebook here yet"):
        compute(f"sqlite:///{tmp_path / 'gradebook.db'}", ITEMS)
    assert not (tmp_path / "gradebook.db").exists()


def test_grade_prepost_command(gradebook, tmp_path, roster):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(gradebook, course / "gradebook.db")
    result = CliRunner().invoke(cli, ["grade", "--course", str(course), "prepost", "--items", str(ITEMS),
                                      "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    assert "all: n=4, before 31%, after 69%, <g> 0.55" in result.output
    assert "s5 (March) is not in the gain: took the pre-check only" in result.output
    assert (course / "reports" / "prepost" / "prepost.html").exists()
    result = CliRunner().invoke(cli, ["grade", "--course", str(course), "prepost", "--items", str(ITEMS),
                                      "--seed", "3", "--resamples", "200", "-o", str(tmp_path / "mine")])
    assert result.exit_code == 0, result.output
    assert "200 resamples of trainees, seed 3" in (tmp_path / "mine" / "prepost.html").read_text(encoding="utf-8")
