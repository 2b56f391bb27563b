"""The learner API: question files validated with file, line and field; check, hint and solution for every kind
of question; hints staged and the solution gated; no expected value in sight; every lesson's self-check passes with
its model answer and fails with the common mistakes, run in its own lesson."""

from __future__ import annotations

import ast
import contextlib
import io
import re
import shutil
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner

from frontline.answers import subscribe
from frontline.cli import cli
from frontline.kit import KitPaths
from frontline.learn import Question, Reveal, check_folder, question
from frontline.learn.content import question_files, read_question_file
from frontline.learn.registry import COMPUTATIONS, PROPERTIES

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "questions"
LESSON_FILES = [f for f in question_files(REPO / "data" / "questions") if f.stem[:2].isdigit()]
CODE_SPEAK = ("`", "()", "hint(", "solution(", "check(", ".py", "frontline.")


@pytest.fixture
def small_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the kit's lessons, scenarios and question files (no exercises); a test may put a fixture in the
    place of lesson 3's questions."""
    root = tmp_path / "kit"
    shutil.copytree(REPO / "data" / "questions", root / "data" / "questions")
    shutil.copytree(REPO / "data" / "scenarios", root / "data" / "scenarios")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    for table in ("tickets", "customers", "surveys"):
        shutil.copy(REPO / "data" / f"{table}.csv", root / "data")
    shutil.copy(REPO / "data" / "manifest.json", root / "data")
    monkeypatch.setenv("FRONTLINE_KIT", str(root))
    return root


def use_fixture(kit: Path, name: str) -> Path:
    target = kit / "data" / "questions" / "03_diagnosis.yaml"
    shutil.copy(FIXTURES / name, target)
    return target


# --- validation ---------------------------------------------------------------------------------------------------


def test_every_question_file_of_the_kit_is_valid():
    assert check_folder(KitPaths(REPO)) == []
    owners = {f.stem for f in question_files(REPO / "data" / "questions")}
    assert {p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")} <= owners
    # every exercise with typed self-checks has its file (the front-line exercises are answered by clicks and
    # written replies, with no self-check to define)
    with_self_checks = {p.parent.name for p in (REPO / "exercises").glob("*/*.ipynb")
                        if "selfcheck.exercise(" in p.read_text(encoding="utf-8")}
    assert with_self_checks and with_self_checks <= owners


def test_a_broken_file_is_reported_with_file_line_and_field(small_kit):
    use_fixture(small_kit, "broken.yaml")
    found = {str(p) for p in check_folder(KitPaths(small_kit))}
    where = "03_diagnosis.yaml"
    expected = [
        f"{where}:4: field 'questions[0].objective': lesson 03 has 4 objectives",
        f"{where}:8: field 'questions[0].answer.computation': no computation 'mean_gapp'",
        f"{where}:15: field 'questions[1].tolerance': 'tolerance' does not apply to a text question",
        f"{where}:18: field 'questions[1].answer.params.colour': 'share' has no parameter 'colour'",
        f"{where}:18: field 'questions[1].answer.params.table': table 'phone_calls' is neither one of the kit's",
        f"{where}:25: field 'questions[2].options': exactly one option must have 'correct: true'",
    ]
    for start in expected:
        assert any(start in p for p in found), (start, found)
    assert len(found) == len(expected)


def test_schema_errors_name_the_field_and_suggest_a_spelling(small_kit):
    target = use_fixture(small_kit, "practice.yaml")
    text = target.read_text().replace("    hints: [Count them.]", "    hintz: [Count them.]")
    target.write_text(text.replace("type: series", "type: table"))
    problems = [str(p) for p in read_question_file(target, KitPaths(small_kit))[1]]
    assert any("questions[3].type" in p and "'table' is not one of" in p for p in problems), problems
    assert any("questions[4].hintz" in p and "did you mean 'hints'?" in p for p in problems), problems
    assert any("required field 'hints' is missing" in p for p in problems), problems


def test_an_answer_or_mistake_gives_exactly_one_source(small_kit):
    target = use_fixture(small_kit, "practice.yaml")
    text = target.read_text()
    text = text.replace("    answer: {value: 4}", "    answer: {value: 4, params: {top: 3}}")
    text = text.replace("      - scale: 100\n", "      - scale: 100\n        value: 60\n")
    target.write_text(text)
    problems = [str(p) for p in read_question_file(target, KitPaths(small_kit))[1]]
    assert any("field 'questions[4].answer.params': 'params' go with a 'computation'" in p for p in problems)
    assert any("field 'questions[0].mistakes[0]': give exactly one of 'computation', 'scale', 'round', 'value', "
               "not 'scale' and 'value'" in p for p in problems), problems
    target.write_text((FIXTURES / "practice.yaml").read_text().replace("lesson: 03_diagnosis\n",
                                                                       "lesson: 03_diagnosis\nexercise: diagnosis\n"))
    problems = [str(p) for p in read_question_file(target, KitPaths(small_kit))[1]]
    assert problems == [f"{target}:1: give either 'lesson' (a lesson notebook's id) or 'exercise' (a graded "
                        f"exercise's name), exactly one of them"]


def test_a_notebook_asking_for_an_unknown_question_is_reported(small_kit):
    notebook = small_kit / "notebooks" / "03_diagnosis.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    (cell,) = [c for c in nb.cells if 'question("03.churn_gap")' in c.source]
    cell.source = cell.source.replace("03.churn_gap", "03.churn_gapp")
    nbformat.write(nb, notebook)
    problems = [str(p) for p in check_folder(KitPaths(small_kit))]
    assert problems == [f"{notebook}: field 'cell {cell.id}': asks for the self-check '03.churn_gapp', which no "
                        f"file in data/questions defines"]


def test_frontline_check_runs_the_questions_checker(small_kit):
    use_fixture(small_kit, "broken.yaml")
    result = CliRunner().invoke(cli, ["check", "--only", "questions"])
    assert result.exit_code == 1
    assert "data/questions/03_diagnosis.yaml:8: field 'questions[0].answer.computation'" in result.output


def test_the_author_guide_lists_every_computation_and_property_test():
    guide = (REPO / "docs" / "lessons.md").read_text(encoding="utf-8")
    for entry in COMPUTATIONS.entries() + PROPERTIES.entries():
        assert entry.description, f"{entry.name!r} needs a docstring"
        assert f"`{entry.name}`" in guide, f"docs/lessons.md does not mention {entry.name!r}"


# --- computations and property tests ------------------------------------------------------------------------------

SURVEY = pd.DataFrame({"shop": ["a", "a", "b", "b", "b"], "nps": [10, 9, 3, 7, None], "answered": [True] * 4 + [False]})


@pytest.mark.parametrize(("name", "params", "expected"), [
    ("share", {"table": "t", "condition": [{"column": "nps", "at_least": 9}]}, 0.4),
    ("share", {"table": "t", "where": [{"column": "answered", "equals": True}],
               "condition": [{"column": "nps", "below": 9}]}, 0.5),
    ("count", {"table": "t", "where": [{"column": "shop", "one_of": ["b"]}, {"column": "nps", "above": 3}]}, 1),
    ("count", {"table": "t", "where": [{"column": "nps", "at_most": 7}]}, 2),
    ("nps", {"table": "t", "where": [{"column": "answered", "equals": True}]}, 25.0),
    ("top_share", {"table": "t", "column": "shop", "top": 1}, 0.6),
    ("most_common", {"table": "t", "column": "shop"}, "b"),
    ("highest_mean", {"table": "t", "column": "nps", "by": "shop"}, "a"),
    ("mean_gap", {"table": "t", "column": "nps", "by": "shop", "first": "a", "second": "b", "scale": 1}, 4.5),
])
def test_each_computation_on_a_small_table(name, params, expected):
    from frontline.learn.computations import Tables

    assert COMPUTATIONS.get(name).function(Tables({"t": SURVEY}), **params) == pytest.approx(expected)


def test_share_by_group_and_an_unknown_table():
    from frontline.learn.computations import Tables

    by_shop = COMPUTATIONS.get("share_by_group").function(
        Tables({"t": SURVEY}), table="t", by="shop", condition=[{"column": "nps", "at_least": 9}])
    assert by_shop.to_dict() == {"a": 1.0, "b": 0.0}
    with pytest.raises(KeyError, match="neither one of the kit's"):
        Tables()["phone_calls"]


@pytest.mark.parametrize(("name", "params", "good", "bad"), [
    ("callable", {}, len, 3),
    ("mapping", {}, {"a": 1}, [("a", 1)]),
    ("number", {}, 3.5, True),
    ("keys_within", {"keys": ["open", "closed"]}, {"open": 1}, {"open": 1, "other": 2}),
    ("keys_equal", {"keys": [1, 2]}, pd.Series([0.1, 0.2], index=[1.0, 2.0]), {"1": 0.1}),
    ("values_sum_to", {"total": 3}, {"a": 1, "b": 2}, {"a": 1}),
    ("columns_equal", {"columns": ["a", "b"]}, pd.DataFrame(columns=["a", "b"]), pd.DataFrame(columns=["b", "a"])),
    ("sorted_descending", {}, pd.Series([3, 2, 2]), pd.Series([1, 2])),
    ("last_equals", {"column": "c", "value": 1}, pd.DataFrame({"c": [0.5, 1.0]}), pd.DataFrame({"c": [1.0, 0.9]})),
    ("fractions", {}, [0, 0.5, 1], [0.5, 50]),
    ("between", {"low": -100, "high": 100}, 12, 120),
    ("length", {"items": 2}, (1, 2), [1]),
    ("list_of_text", {}, ["a", "b"], ("a", "b")),
    ("increasing_pair", {}, (1, 2), (2, 1)),
])
def test_each_property_test_tells_good_from_bad(name, params, good, bad):
    test = PROPERTIES.get(name).function
    assert test(good, **params) is True
    assert test(bad, **params) is False


# --- one behaviour for every kind of question ---------------------------------------------------------------------

ORDERS = pd.DataFrame({"shop": ["high_street", "high_street", "high_street", "station", "station"],
                       "late": [True, False, False, True, True]})


@pytest.fixture
def practice(small_kit):
    use_fixture(small_kit, "practice.yaml")
    return lambda name, **tables: question(f"03.{name}", **tables)


def said(capsys, action) -> str:
    action()
    return capsys.readouterr().out.strip()


def test_number_question(practice, capsys):
    q = practice("share_late", orders=ORDERS)
    assert said(capsys, lambda: q.check(...)).startswith("✘ not answered yet: What share of orders were late?")
    assert said(capsys, lambda: q.check(60)) == "✘ not quite: 60. That looks like a percentage; give a fraction."
    assert "should be a number" in said(capsys, lambda: q.check("sixty"))
    assert said(capsys, lambda: q.check(0.6001)) == "✔ correct."
    assert said(capsys, lambda: practice("fixed_number").check(4)) == "✔ correct."
    assert said(capsys, lambda: practice("fixed_number").check(True)).startswith("✘")


def test_text_question_ignores_case_spaces_and_underscores(practice, capsys):
    q = practice("busiest_shop", orders=ORDERS)
    for right in ("high_street", " High Street ", "the high street shop"):
        assert said(capsys, lambda right=right: q.check(right)) == "✔ correct."
    assert said(capsys, lambda: q.check("station")).startswith("✘ not quite: 'station' is not what the data give")


def test_choice_question_explains_every_option(practice, capsys):
    q = practice("first_step")
    assert q.task.endswith("A. A closed question\nB. An open question\nC. A summary")
    assert said(capsys, lambda: q.check("A")) == "✘ not quite. Closed questions test a guess before you have facts."
    assert said(capsys, lambda: q.check("c")) == "✘ not quite. You can only summarise what you have heard."
    assert said(capsys, lambda: q.check("an open question")) == (
        "✔ correct. Open questions let the customer tell the story first.")
    assert "answer with one of the letters A, B, C" in said(capsys, lambda: q.check("D"))


def test_series_question_accepts_a_series_or_a_mapping(practice, capsys):
    q = practice("late_by_shop", orders=ORDERS)
    assert said(capsys, lambda: q.check(pd.Series({"station": 1.0, "high_street": 1 / 3}))) == "✔ correct."
    assert said(capsys, lambda: q.check({"high street": 0.3333, "station": 1})) == "✔ correct."
    assert said(capsys, lambda: q.check({"station": 1.0})).startswith("✘ not quite")
    assert said(capsys, lambda: q.check(0.5)).startswith("✘ not quite")


def test_recognisable_slips_get_their_own_feedback(practice, capsys):
    share = practice("repeat_share")
    for percent in (25.37, 25, 25.4):  # typed as a percentage, rounded or not
        assert said(capsys, lambda p=percent: share.check(p)) == (
            f"✘ not quite: {percent}. That looks like a percentage; give a fraction.")
    assert said(capsys, lambda: share.check(0.25)) == "✔ correct."  # a whole percent is close enough
    assert said(capsys, lambda: share.check(30)).startswith("✘ not quite: 30 is not what the data give")
    gap = practice("gap_points")
    assert said(capsys, lambda: gap.check(-12.34)).endswith("That is the gap the wrong way round.")
    assert said(capsys, lambda: gap.check(12)) == (
        "✘ not quite: 12. That is rounded to a whole number of points; give one decimal place.")
    assert said(capsys, lambda: gap.check(12.3)) == "✔ correct."
    by_shop = practice("late_by_shop_with_slips", orders=ORDERS)
    assert said(capsys, lambda: by_shop.check({"high_street": 33, "station": 100})).endswith(
        "Those look like percentages; give fractions.")
    assert said(capsys, lambda: by_shop.check(ORDERS.groupby("shop")["late"].sum())).endswith(
        "Those are numbers of late orders; give each shop's share.")


def test_a_wrong_answer_is_shown_as_plain_numbers(practice, capsys):
    import numpy as np

    shown = said(capsys, lambda: practice("repeat_share").check(np.float64(0.75)))
    assert shown.startswith("✘ not quite: 0.75 is not") and "np." not in shown and "float" not in shown


def test_round_and_scale_fit_only_their_kinds_and_tests_only_exercises(small_kit):
    target = use_fixture(small_kit, "practice.yaml")
    text = target.read_text().replace("      - round: 0\n", "      - round: 0\n        test: between\n")
    text = text.replace("    accept: [the high street shop]\n", "    accept: [the high street shop]\n    mistakes:\n"
                        "      - {round: 1, feedback: Rounded.}\n")
    target.write_text(text)
    problems = [str(p) for p in read_question_file(target, KitPaths(small_kit))[1]]
    assert any("field 'questions[1].mistakes[0].round': 'round' applies to number questions only" in p
               for p in problems), problems
    assert any("field 'questions[6].mistakes[1].test': 'test' belongs to exercise self-checks' mistakes" in p
               for p in problems), problems


def test_an_exercise_mistake_needs_a_known_test(small_kit):
    target = small_kit / "data" / "questions" / "retention_measurement.yaml"
    text = target.read_text()
    text = text.replace("      - test: call_gives\n        params: {args: [120.0", "      - test: call_givs\n"
                        "        params: {args: [120.0", 1)
    text = text.replace("      - test: call_gives\n        params: {args: [10], value: [260, 260]}",
                        "      - scale: 100", 1)
    target.write_text(text)
    problems = [str(p) for p in read_question_file(target, KitPaths(small_kit))[1]]
    assert any("field 'questions[0].mistakes[0].test': no property test 'call_givs'" in p for p in problems), problems
    assert any("field 'questions[2].mistakes[0].scale': 'scale' belongs to lesson questions" in p for p in problems)
    assert any("field 'questions[2].mistakes[0]': an exercise's mistake needs a 'test'" in p for p in problems)


def test_a_question_needs_exactly_the_tables_it_names(practice):
    with pytest.raises(TypeError, match=r"needs the table\(s\) \['orders'\]"):
        practice("share_late")
    with pytest.raises(KeyError, match="has no question 'nope'"):
        practice("nope")
    with pytest.raises(KeyError, match="no self-check 'xx'"):
        question("xx")


def test_hints_are_staged_and_the_solution_waits_for_an_attempt(practice, capsys):
    q = practice("share_late", orders=ORDERS)
    assert said(capsys, q.solution).startswith("The solution opens after your first attempt")
    assert said(capsys, q.hint) == "Hint 1 of 2: Look at the late column."
    assert said(capsys, q.hint) == "Hint 2 of 2: Take its mean."
    assert said(capsys, q.hint) == ("No more hints: you have seen all 2. The worked solution opens once you have "
                                    "tried an answer.")
    assert said(capsys, lambda: q.check(...)).startswith("✘ not answered yet")  # not an attempt
    assert said(capsys, q.solution).startswith("The solution opens after your first attempt")
    q.check(0.1)
    capsys.readouterr()
    shown = said(capsys, q.solution)
    assert shown.startswith("Solution: The mean of a True/False column") and "answer = orders['late'].mean()" in shown


def test_checks_are_published_as_answer_events(practice, capsys):
    events = []
    unsubscribe = subscribe(events.append)
    try:
        q = practice("late_by_shop", orders=ORDERS)
        q.check(...)
        q.check({"station": 1.0, "high_street": 0.5})
        q.check(pd.Series({"station": 1.0, "high_street": 1 / 3}))
    finally:
        unsubscribe()
    assert [(e.question_id, e.kind, e.correct) for e in events] == [("03.late_by_shop", "self-check", False),
                                                                   ("03.late_by_shop", "self-check", True)]
    assert events[0].answer == {"station": 1.0, "high street": 0.5}


def test_reveal_is_the_one_gate_scenarios_use_too(practice):
    import frontline
    from frontline.learn import Practice, exercise

    scenario = frontline.scenario("choice/welcome-practice")
    for item in (scenario, practice("first_step"), exercise("capstone").baseline):
        assert isinstance(item, Practice), item
    gate = Reveal(scenario.data["hints"])
    assert scenario.solution() == gate.solution("unused")
    assert scenario.hint() == gate.next_hint()
    scenario.choose(scenario.data["options"][0]["id"])
    scenario.submit()
    assert scenario.solution().startswith("Solution: ")


def test_no_message_speaks_code(practice, capsys):
    q = practice("first_step")
    from frontline.learn import SelfCheck
    from frontline.learn.content import load_question_file

    check = SelfCheck("capstone", load_question_file("capstone", REPO).questions[0])
    messages = [said(capsys, action) for action in (q.hint, q.hint, q.hint, q.solution, lambda: q.check(...),
                                                     lambda: q.check("D"), check.hint, check.hint, check.solution,
                                                     lambda: check.check({}))]
    gate = Reveal(["one"])
    messages += [gate.solution("x"), gate.next_hint(), gate.next_hint()]
    for message in messages:
        assert not any(token in message for token in CODE_SPEAK), message


# --- the expected answer stays out of sight -----------------------------------------------------------------------


def renderings(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, pd.Series):
        return set().union(*(renderings(float(v)) for v in value))
    value = float(value)
    if value.is_integer():
        return {f"{int(value)}", f"{value:.1f}"}
    return {f"{value:.3f}", f"{value:.1%}", f"{value:.0%}", f"{value * 100:.1f}", repr(value)}


def public_text(q) -> str:
    parts = [repr(q), str(q)]
    for name in dir(q):
        if not name.startswith("_"):
            value = getattr(q, name)
            if not callable(value):
                parts.append(repr(value))
    return "\n".join(parts)


# --- every lesson's self-checks, run in their own lesson ----------------------------------------------------------


def run_cell(source: str, namespace: dict) -> str:
    """Run a cell as Jupyter would and return what it shows as text: printed output, the value of a last
    expression, and the text drawn on any chart (titles, labels, value annotations)."""
    import matplotlib.pyplot as plt

    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, "<cell>", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
            if value is not None:
                print(repr(value))
    # a picture's encoded bytes are not something the trainee reads (its alt text and table are, and stay)
    shown = [re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:", out.getvalue())]
    for number in plt.get_fignums():
        figure = plt.figure(number)
        shown += [text.get_text() for text in figure.findobj(matplotlib.text.Text)]
        plt.close(figure)
    return "\n".join(shown)


def lesson_up_to_question(question_id: str) -> tuple[dict, str]:
    """The lesson's namespace when the self-check opens, and everything shown on the way."""
    matplotlib.use("Agg")
    (path,) = (REPO / "notebooks").glob(f"{question_id[:2]}_*.ipynb")
    namespace: dict = {}
    shown: list[str] = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        if f'question("{question_id}"' in cell.source:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(cell.source, namespace)
            return namespace, "\n".join(shown)
        shown.append(run_cell(cell.source, namespace))
    raise AssertionError(f"{path.name} never opens self-check {question_id}")


def lesson_question_ids() -> list[str]:
    ids = []
    for file in LESSON_FILES:
        loaded, problems = read_question_file(file, KitPaths(REPO))
        assert loaded is not None, problems
        ids += [f"{file.stem[:2]}.{spec['id']}" for spec in loaded.questions]
    return ids


@pytest.mark.parametrize("question_id", lesson_question_ids())
def test_lesson_self_check_in_its_lesson(question_id, capsys):
    namespace, shown_above = lesson_up_to_question(question_id)
    q: Question = namespace["q"]
    expected = q._expected_value()

    # the model answer passes, in the lesson, with the lesson's own variables
    solution = q._spec["solution"]
    if "code" in solution:
        exec(solution["code"], namespace)
        assert said(capsys, lambda: q.check(namespace["answer"])) == "✔ correct."
    # each common mistake is a different answer, and is told apart
    for mistake in q._spec.get("mistakes", []):
        wrong = q._mistaken_value(mistake)
        assert not q.evaluate(wrong).passed, f"mistake {mistake['feedback']!r} gives the right answer"
        assert said(capsys, lambda wrong=wrong: q.check(wrong)).endswith(mistake["feedback"])
    assert said(capsys, lambda: q.check("certainly not this")).startswith("✘ not quite")
    # the answer is in none of the question's public attributes or its repr
    leaked = {r for r in renderings(expected) if r in public_text(q)}
    assert not leaked, f"{question_id} shows its answer: {leaked}"
    # and the lesson has not already shown it (a name is listed with every row of a table, so only numbers count)
    if q.kind in ("number", "series"):
        seen = {r for r in renderings(expected) if r in shown_above}
        assert not seen, f"{question_id}: the cells above already show {seen}"
