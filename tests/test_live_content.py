"""Session plans, run sheets, distributions and the offline export, without a server."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from live_support import room_distribution, store_answer

from frontline.check import run_checks
from frontline.cli import cli
from frontline.kit import KitPaths
from frontline.live.plan import QuestionSpec, load_plan
from frontline.live.runsheet import run_sheet_for
from frontline.live.store import SessionStore, StoreError, sqlite_url
from frontline.problems import ContentError

GOOD_PLAN = """\
title: Empowerment workshop
lessons: [05_empowerment]
questions:
  - scenario: empowerment/postie-forwarding
  - id: warm-up/scope
    kind: choice
    title: Who may approve a goodwill credit?
    options: [Any agent, Team lead only]
    answer: Any agent
"""


def test_the_shipped_plans_are_valid(repo):
    results = run_checks(KitPaths(repo), only={"session plans"})
    assert results == {"session plans": []}
    plan = load_plan(repo / "data" / "sessions" / "diagnosis-workshop.yaml")
    assert {q.kind for q in plan.questions} == {"choice", "text", "number", "confidence", "scenario"}


def test_a_plan_gives_questions_in_order(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(GOOD_PLAN)
    plan = load_plan(path)
    assert [q.question_id for q in plan.questions] == ["empowerment/postie-forwarding", "warm-up/scope"]
    assert plan.questions[0].kind == "scenario" and plan.questions[1].correct == "Any agent"


@pytest.mark.parametrize(("broken", "line", "field", "says"), [
    (GOOD_PLAN.replace("kind: choice", "kind: essay"), 6, "questions[1].kind", "is not one of"),
    (GOOD_PLAN.replace("answer: Any agent", "answer: Nobody"), 9, "questions[1].answer", "not one of the options"),
    (GOOD_PLAN.replace("  - scenario: empowerment/postie-forwarding\n", "  - title: only a title\n"), 4,
     "questions[0]", "needs either `scenario"),
    (GOOD_PLAN.replace("warm-up/scope", "empowerment/postie-forwarding"), 5, "questions[1]", "used twice"),
    (GOOD_PLAN.replace("id: warm-up/scope", "id: Warm Up!"), 5, "questions[1].id", "not a valid id"),
    (GOOD_PLAN + "  - [unclosed\n", 11, None, "not valid YAML"),
])
def test_plan_problems_name_file_line_and_field(tmp_path, broken, line, field, says):
    path = tmp_path / "plan.yaml"
    path.write_text(broken)
    with pytest.raises(ContentError) as caught:
        load_plan(path)
    problem = caught.value.problems[0]
    assert (problem.line, problem.field) == (line, field) and says in problem.message
    assert str(problem).startswith(f"{path}:{line}")


def test_serve_refuses_a_broken_plan_with_the_problem(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(GOOD_PLAN.replace("kind: choice", "kind: essay"))
    result = CliRunner().invoke(cli, ["live", "serve", "--dir", str(tmp_path / "db"), "--plan", str(path)])
    assert result.exit_code == 1 and f"{path}:6: field 'questions[1].kind'" in result.output


def test_run_sheet_lists_sections_notes_and_metadata_problems(tmp_path):
    notebook = {"cells": [
        {"cell_type": "markdown", "metadata": {"frontline": {"minutes": 5}}, "source": "Intro text\n## Opening"},
        {"cell_type": "code", "metadata": {"tags": ["facilitator"]}, "source": "# ask the room first"},
        {"cell_type": "markdown", "metadata": {"frontline": {"minutes": "ten"}}, "source": "## Broken"},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "04_problem_solving.ipynb"
    path.write_text(json.dumps(notebook))
    sheet = run_sheet_for(path)
    assert [(s.title, s.minutes) for s in sheet.sections] == [("Opening", 5.0)]
    assert sheet.notes[0].section == "Opening" and sheet.notes[0].text == "# ask the room first"
    assert any("no `frontline.lesson` metadata" in p for p in sheet.problems)
    assert any("cell 3: `frontline.minutes` must be a number, got 'ten'" in p for p in sheet.problems)


def _session_with_answers(folder: Path) -> SessionStore:
    store = SessionStore(sqlite_url(folder))
    store.ensure_secrets(title="Offline export")
    question = store.add_question(QuestionSpec("warm-up/how-many", "number", "How many?", minimum=0, maximum=100))
    question = store.set_question_state(question.number, state="open")
    for value in (3, 30, 31, 95):
        participant, _ = store.add_participant(None)
        assert store_answer(store, participant, question, value).status == "stored"
    return store


def test_number_histograms_use_ten_bins_over_wide_ranges(tmp_path):
    store = _session_with_answers(tmp_path)
    question = store.questions()[0]
    dist = room_distribution(store, question)
    assert len(dist["bars"]) == 10 and [b["count"] for b in dist["bars"]][:4] == [1, 0, 0, 2]
    assert dist["bars"][-1] == {"label": "90–100", "count": 1}


def test_export_command_writes_csv_and_summaries_from_the_database(tmp_path):
    _session_with_answers(tmp_path / "db").close()
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["live", "export", "--dir", str(tmp_path / "db"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "answers.csv").open()))
    assert [r["answer"] for r in rows] == ["3", "30", "31", "95"] and rows[0]["participant_name"] == ""
    assert "## 1. How many?" in (out / "summary.md").read_text()
    assert "4 of 4 answered" in (out / "summary.html").read_text()


def test_export_from_a_folder_without_a_session_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["live", "export", "--dir", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "no live session in" in result.output
    assert not (tmp_path / "nothing").exists()


def test_the_schema_is_portable_to_postgresql():
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    from frontline.live.store import metadata

    ddl = "\n".join(str(CreateTable(table).compile(dialect=postgresql.dialect()))
                    for table in metadata.sorted_tables)
    assert "CONSTRAINT uq_answer_idempotency UNIQUE (participant_id, idempotency_key)" in ddl
    assert "answer JSON NOT NULL" in ddl


def test_a_database_url_without_its_driver_says_what_to_install():
    with pytest.raises(StoreError, match=r"pip install 'psycopg\[binary\]'") as caught:
        SessionStore("postgresql+pg8000://trainer:secret@127.0.0.1:5/frontline")  # a driver the kit does not use
    assert "secret" not in str(caught.value)


def test_serve_explains_a_database_url_it_cannot_use():
    result = CliRunner().invoke(cli, ["live", "serve", "--db", "nonsense://somewhere"])
    assert result.exit_code == 1 and "--db: not a database URL SQLAlchemy understands" in result.output


def test_typed_text_cannot_become_a_spreadsheet_formula(tmp_path):
    from frontline.live.summary import answers_csv

    store = SessionStore(sqlite_url(tmp_path))
    question = store.add_question(QuestionSpec("warm-up/word", "text", "One word?"))
    question = store.set_question_state(question.number, state="open")
    participant, _ = store.add_participant("=HYPERLINK(\"http://x\")")
    store_answer(store, participant, question, "=1+1")
    row = next(csv.DictReader(io.StringIO(answers_csv(store))))
    assert row["answer"] == "'=1+1" and row["participant_name"].startswith("'=")


def test_check_reports_plans_naming_missing_scenarios(kit_copy):
    (kit_copy / "data" / "sessions" / "mine.yaml").write_text(
        GOOD_PLAN.replace("empowerment/postie-forwarding", "empowerment/no-such-scenario"))
    problems = run_checks(KitPaths(kit_copy), only={"session plans"})["session plans"]
    assert [(p.line, p.field) for p in problems] == [(4, "questions[0].scenario")]
    assert "scenario 'empowerment/no-such-scenario' not found" in problems[0].message
    (kit_copy / "data" / "scenarios" / "empowerment" / "no-such-scenario.yaml").write_text("title: Now it exists\n")
    assert run_checks(KitPaths(kit_copy), only={"session plans"})["session plans"] == []


@pytest.mark.parametrize(("scenario_id", "kind", "answers", "expected_bars"), [
    ("diagnosis/late-delivery", "diagnosis",
     [({"asked": ["tell-me-about-it"], "issue": "wants-refund"}, 0.2),
      ({"asked": ["tell-me-about-it"], "issue": "needs-it-by-a-date"}, 1.0)],
     {"She wants her money back today, and a quick refund is the fastest way to settle it.": 1,
      "She needs the order in time for an occasion, and something fixable is holding it up.": 1}),
    ("empowerment/postie-forwarding", "empowerment",
     [({"action": "alone", "amount": 12}, 1.0), ({"action": "escalate", "amount": 12}, 0.5)],
     {"Act alone (within own authority)": 1, "Escalate for approval": 1}),
    ("ordering/last-recovery", "ordering", [(["listen", "apologize"], 1.0), (["apologize", "listen"], 0.0)], None),
])
def test_scenario_answers_are_counted_by_what_trainees_chose(repo, tmp_path, scenario_id, kind, answers,
                                                             expected_bars):
    from frontline.live.plan import question_from_scenario

    spec = question_from_scenario(scenario_id, repo)
    store = SessionStore(sqlite_url(tmp_path))
    question = store.add_question(spec)
    question = store.set_question_state(question.number, state="open")
    for value, score in answers:
        participant, _ = store.add_participant(None)
        store_answer(store, participant, question, value, kind, verdict=(score >= 1, score))
    dist = room_distribution(store, question)
    if expected_bars is None:
        assert "bars" not in dist
    else:
        assert {b["label"]: b["count"] for b in dist["bars"] if b["count"]} == expected_bars
    judged = {b["label"]: b["count"] for b in dist["judged_bars"]}
    assert judged["✔ right"] == 1 and sum(judged.values()) == 2


def test_serve_refuses_a_join_code_trainees_could_not_type():
    result = CliRunner().invoke(cli, ["live", "serve", "--code", "a b"])
    assert result.exit_code == 2 and "'a b': use 4 to 12 letters or digits" in result.output


def test_run_sheets_of_the_kits_lessons_agree_with_the_lesson_metadata(repo):
    from frontline.lessons.metadata import facilitator_cells, load_lessons, timed_sections
    from frontline.live.runsheet import run_sheets

    lessons = {lesson.id: lesson for lesson in load_lessons(repo / "notebooks")}
    sheets = run_sheets(repo / "notebooks")
    assert [s.lesson_id for s in sheets] == list(lessons)
    for sheet in sheets:
        notebook = json.loads(lessons[sheet.lesson_id].path.read_text())
        assert sheet.problems == []
        assert sheet.planned_minutes == lessons[sheet.lesson_id].total_minutes
        assert [(s.title, s.minutes) for s in sheet.sections] == [(s.title, s.minutes) for s in
                                                                  timed_sections(notebook)]
        assert [n.text for n in sheet.notes] == [text.strip() for text in facilitator_cells(notebook)]
        assert sheet.notes, f"{sheet.lesson_id} has no facilitator notes for its run sheet"
