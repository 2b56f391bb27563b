"""The judge's pieces and the smaller grading rules, without starting a kernel: sealed tests, the comparison guard,
feedback that agrees with the grade, capped outputs, another assignment's notebook, and `--student` checks."""

from __future__ import annotations

import ast
import builtins
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbgrader import utils

from frontline.cli import cli
from frontline.grading import judge
from frontline.grading.integrity import inspect_submission
from frontline.grading.preprocessors import HIDDEN_REMOVED, HideTestSource, IsolatedExecute, hidden_lines

REPO = Path(__file__).resolve().parents[1]


def test_sealed_tests_need_the_secret():
    key, other = os.urandom(32), os.urandom(32)
    source = "_expected = 42\nassert answer == _expected, 'off'\n"
    sealed = judge.seal(key, "t1", source)
    assert b"_expected" not in bytes.fromhex(sealed) and b"42" not in bytes.fromhex(sealed)
    assert judge._unseal(key, "t1", sealed) == source
    with pytest.raises(UnicodeDecodeError):
        judge._unseal(other, "t1", sealed)
    harness = judge.harness_source(key, "t1", source)
    assert "_expected" not in harness and harness.startswith("__import__('frontline.grading.judge'")


def test_a_verdict_signature_covers_every_field():
    key = os.urandom(32)
    signed = judge.signature(key, "t1", True, "", [], [])
    assert signed != judge.signature(key, "t1", False, "", [], [])
    assert signed != judge.signature(key, "t2", True, "", [], [])
    assert signed != judge.signature(key, "t1", True, "", [], [[3, "started another program"]])
    assert signed != judge.signature(os.urandom(32), "t1", True, "", [], [])


def _run_guarded(source: str, namespace: dict) -> None:
    guard = judge._make_guard(frozenset(v for v in vars(builtins).values() if isinstance(v, type)))
    tree = ast.fix_missing_locations(judge._RewriteComparisons().visit(ast.parse(source)))
    exec(compile(tree, "tests", "exec"), {**namespace, judge.COMPARE_NAME: guard})


class Anything(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def test_the_guard_refuses_objects_made_to_equal_anything():
    Anything.__module__ = "__main__"  # as when defined in a notebook cell
    with pytest.raises(judge.Untrusted):
        _run_guarded("assert answer == 3.5", {"answer": Anything(0)})
    with pytest.raises(judge.Untrusted):
        _run_guarded("assert answer == [1, 2]", {"answer": [1, Anything(0)]})
    with pytest.raises(judge.Untrusted):
        _run_guarded("assert all(v < 2 for v in answer.values())", {"answer": {"a": Anything(0)}})


def test_the_guard_lets_plain_values_and_pandas_through():
    import pandas as pd

    _run_guarded("assert answer == {'a': [1, 2.5, 'x']}\nassert 1 <= len(answer) < 3 != 4",
                 {"answer": {"a": [1, 2.5, "x"]}})
    _run_guarded("assert all(series > 0)\nassert list(series.index) == ['a', 'b']\nassert series is not None",
                 {"series": pd.Series([1.0, 2.0], index=["a", "b"])})
    from frontline.problems import Problem  # a dataclass of the package: its generated __eq__ is trusted

    _run_guarded("assert answer == expected", {"answer": Problem("a.yaml", "x"), "expected": Problem("a.yaml", "x")})
    with pytest.raises(AssertionError):
        _run_guarded("assert answer == 3", {"answer": 4})


def _test_cell(outputs) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("assert answer() == 1\n### BEGIN HIDDEN TESTS\nassert answer() != 2\n"
                                     "### END HIDDEN TESTS\n")
    cell.metadata = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t1", "points": 2, "locked": True}}
    cell.outputs = outputs
    return cell


def test_what_trainee_code_printed_during_failed_tests_stays_out_of_the_feedback():
    """A trainee's function called by the tests can print what it finds in the tests' frames (an expected value):
    a failed test's printed text reaches the feedback only from the kit's own marking, which prints the debrief."""
    leaked = _test_cell([nbformat.v4.new_output("stream", name="stdout", text="expected: 42\n"),
                         nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])])
    out, _ = HideTestSource().preprocess(nbformat.v4.new_notebook(cells=[leaked]), {})
    assert "expected: 42" not in nbformat.writes(out) and "✘ Not passed." in nbformat.writes(out)
    marked = _test_cell([nbformat.v4.new_output("stream", name="stdout", text="Your path: asked, then blamed\n")])
    marked.source = 'graded.mark_scenario("s1", "recovery/x", 2)'
    marked.outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": "0.5"}, execution_count=1))
    out, _ = HideTestSource().preprocess(nbformat.v4.new_notebook(cells=[marked]), {})
    assert "Your path: asked, then blamed" in nbformat.writes(out)


def test_feedback_says_what_nbgrader_scored():
    warned = _test_cell([nbformat.v4.new_output("stream", name="stderr", text="UserWarning: careful\n")])
    assert utils.determine_grade(warned) == (0, 2)
    out, _ = HideTestSource().preprocess(nbformat.v4.new_notebook(cells=[warned]), {})
    assert "✘ Not passed." in nbformat.writes(out) and "✔" not in nbformat.writes(out)
    passed = _test_cell([])
    out, _ = HideTestSource().preprocess(nbformat.v4.new_notebook(cells=[passed]), {})
    assert "✔ All tests passed." in nbformat.writes(out)


def test_outputs_are_cut_and_hidden_test_lines_removed():
    notebook = nbformat.v4.new_notebook(cells=[_test_cell([])])
    answer = nbformat.v4.new_code_cell("print(secret)")
    answer.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 50_000_000),
                      nbformat.v4.new_output("stream", name="stdout", text="assert answer() != 2\n")]
    notebook.cells.append(answer)
    execute = IsolatedExecute()
    execute._hidden = hidden_lines(notebook, shortest=10)
    execute._test_names = set()
    execute._clean_outputs(answer)
    assert len(answer.outputs[0].text) < 10_100 and "output cut" in answer.outputs[0].text
    assert HIDDEN_REMOVED in answer.outputs[1].text and "!= 2" not in answer.outputs[1].text
    assert any("printed hidden test code" in str(o) for o in answer.outputs)
    out, _ = HideTestSource().preprocess(notebook, {})
    assert "printed hidden test code" not in nbformat.writes(out), "grading notes stay out of the feedback"


def test_another_assignments_notebook_is_named_and_set_aside(tmp_path: Path):
    folder = tmp_path / "submitted" / "ana" / "problem_solving"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "exercises" / "diagnosis" / "diagnosis.ipynb", folder / "problem_solving.ipynb")
    released = {"problem_solving": REPO / "exercises" / "problem_solving" / "problem_solving.ipynb"}
    others = {"diagnosis": {c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(
        REPO / "exercises" / "diagnosis" / "diagnosis.ipynb", as_version=4).cells if "nbgrader" in c.metadata}}
    issues = inspect_submission(folder, "problem_solving", "ana", released, None, others)
    assert next(i.problem for i in issues) == "this is the notebook of the assignment diagnosis, not problem_solving"
    assert not (folder / "problem_solving.ipynb").exists()
    assert (folder / "problem_solving.ipynb.other-assignment").exists()
    assert not any("was deleted" in i.problem for i in issues), "no misleading findings about its cells"


def test_an_unknown_student_is_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FRONTLINE_KIT", str(REPO))
    monkeypatch.setenv("FRONTLINE_COURSE", str(tmp_path / "course"))
    monkeypatch.setenv("FRONTLINE_EXCHANGE", str(tmp_path / "exchange"))
    (tmp_path / "course" / "submitted" / "ana" / "diagnosis").mkdir(parents=True)
    result = CliRunner().invoke(cli, ["grade", "autograde", "diagnosis", "--student", "anna"])
    assert result.exit_code == 2
    assert "no submission of diagnosis from 'anna'" in result.output and "submitted: ana" in result.output
    assert not (tmp_path / "course" / "submitted" / "anna").exists()


def _write_own_entry(path: str, student: str) -> None:
    from frontline.grading.integrity import Issue, write_report

    for attempt in range(25):
        write_report(Path(path), [Issue("a1", student, "a1.ipynb", f"check {attempt}", "noted")], {student})


def test_two_runs_writing_the_report_at_once_lose_no_entries(tmp_path: Path):
    """The formgrader's button and `frontline grade autograde` can each write the report while the other does."""
    import multiprocessing

    from frontline.grading.integrity import read_report

    report = tmp_path / "reports" / "a1" / "integrity.csv"
    students = [f"s{n}" for n in range(6)]
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_own_entry, args=(str(report), s)) for s in students]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    entries = read_report(report)
    assert sorted(i.student for i in entries) == students
    assert {i.problem for i in entries} == {"check 24"}
