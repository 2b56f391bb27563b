"""The front-line exercises and the knowledge checks through nbgrader's real pipeline (`frontline grade ...`).

A made-up class hands in each assignment: model answers (model written replies and the model click records from
``grading/model_records/``), the untouched release, records edited by hand, records of another question, damaged
records. Each is graded by nbgrader in a temporary course folder; the tests read the gradebook, the autograded
notebooks and the feedback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from test_grading_pipeline import grades_of, issues_of  # the same reading of nbgrader's gradebook and report

from frontline.cli import cli
from frontline.grading.course import Course
from frontline.grading.samples import make_submission
from frontline.kit import KitPaths

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:Object of type <\\w+> not in session")]  # nbgrader's own queries

REPO = Path(__file__).resolve().parents[1]
FRONT_LINE = sorted(p.name for p in (REPO / "exercises").glob("fl_*") if p.is_dir())
KNOWLEDGE = ["knowledge_pre", "knowledge_post"]
ASSIGNMENTS = FRONT_LINE + KNOWLEDGE
KINDS = ["model", "untouched", "tampered", "foreign", "damaged"]
# Edited, foreign and damaged records go through one marking function whatever the exercise: they are handed in
# for the exercises that between them use every scenario kind (and a knowledge check), which keeps CI quick.
EDITED_ON = ["fl_03_diagnosis_call", "fl_05_scope_of_authority", "fl_06_recovery_reply", "fl_07_keeping_customers",
             "fl_02_customer_value", "knowledge_pre"]


def model_records(assignment: str) -> dict[str, dict]:
    """item id -> the model record of every graded click question of ``assignment``."""
    if assignment in KNOWLEDGE:
        from frontline.knowledge import load_items, load_key

        form = assignment.removeprefix("knowledge_")
        keys = load_key(REPO)  # the trainer's answer key, which the released check does not hold
        return {i.id: {"format": 1, "item": i.record_item, "steps": [{"verb": "choose", "args": [keys[i.id].answer]}]}
                for i in load_items(REPO) if i.form == form}
    folder = REPO / "grading" / "model_records" / assignment
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def mixed(records: dict[str, dict]) -> tuple[dict[str, dict], dict[str, float]]:
    """A knowledge check answered right on every other item and wrong on the rest, with the score each should get."""
    from frontline.knowledge import find_item

    answered, expected = {}, {}
    for index, (item_id, record) in enumerate(records.items()):
        right = record["steps"][0]["args"][0]
        choice = right if index % 2 == 0 else next(o for o in find_item(item_id, REPO).option_ids if o != right)
        answered[item_id] = {**record, "steps": [{"verb": "choose", "args": [choice]}]}
        expected[item_id] = 1.0 if choice == right else 0.0
    return answered, expected


def tampered(record: dict) -> dict:
    """What a trainee might type into a record: a score, internal methods, values no click gives."""
    first = record["steps"][0]
    return {"format": 1, "item": record["item"], "score": 1.0, "correct": True,
            "steps": [{"verb": "_grade", "args": []}, {"verb": "submit", "args": []},
                      {"verb": "solution", "args": []}, {"verb": "__class__", "args": []},
                      {"verb": first["verb"], "args": ["not-an-option-here"]}]}


def hand_in(kind: str, assignment: str, folder: Path) -> None:
    records = model_records(assignment)
    responses = folder / "responses"
    responses.mkdir(parents=True, exist_ok=True)
    if kind == "untouched":
        shutil.rmtree(responses)
        return
    foreign_pool = [r for a in FRONT_LINE for r in model_records(a).values()]
    for index, (item_id, record) in enumerate(records.items()):
        path = responses / f"{item_id}.json"
        if kind == "model":
            path.write_text(json.dumps(record), encoding="utf-8")
        elif kind == "mixed":
            path.write_text(json.dumps(mixed(records)[0][item_id]), encoding="utf-8")
        elif kind == "tampered":
            path.write_text(json.dumps(tampered(record)), encoding="utf-8")
        elif kind == "foreign":  # another question's genuine record, copied under this question's name
            other = next(r for r in foreign_pool[index:] + foreign_pool if r["item"] != record["item"])
            path.write_text(json.dumps(other), encoding="utf-8")
        elif kind == "damaged":
            path.write_text('{"format": 1, "item": "' + record["item"] + '", "steps": [{"verb": ', encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("track")
    env = {"FRONTLINE_COURSE": str(base / "course"), "FRONTLINE_EXCHANGE": str(base / "exchange"),
           "FRONTLINE_KIT": str(REPO), "FRONTLINE_CELL_TIMEOUT": "30"}
    with pytest.MonkeyPatch.context() as environment:
        for key, value in env.items():
            environment.setenv(key, value)
        course = Course.open(KitPaths(REPO))
        runner = CliRunner()
        for assignment in ASSIGNMENTS:
            result = runner.invoke(cli, ["grade", "generate", assignment])
            assert result.exit_code == 0, result.output
            source = REPO / "exercises" / assignment / f"{assignment}.ipynb"
            release = course.root / "release" / assignment / f"{assignment}.ipynb"
            kinds = KINDS if assignment in EDITED_ON else KINDS[:2]
            for kind in kinds + (["mixed"] if assignment in KNOWLEDGE else []):
                folder = course.folder("submitted", kind, assignment)
                make_submission("untouched" if kind == "untouched" else "full", source, release, folder)
                hand_in(kind, assignment, folder)
            result = runner.invoke(cli, ["grade", "all", assignment, "--no-collect", "--jobs", "2"])
            assert result.exit_code == 0, result.output
        yield course


def test_outputs(course: Course, assignment: str, student: str) -> dict[str, str]:
    """grade_id -> the text a graded test cell printed in the autograded notebook."""
    notebook = nbformat.read(course.folder("autograded", student, assignment) / f"{assignment}.ipynb", as_version=4)
    texts = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            texts[meta["grade_id"]] = "".join(o.get("text", "") for o in cell.get("outputs", [])
                                              if o.get("output_type") == "stream")
    return texts


test_outputs.__test__ = False  # a helper, not a test


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_model_answers_score_full_marks_and_replies_wait_for_a_grader(graded, assignment):
    grades = grades_of(graded, assignment, "model")
    auto = {k: v for k, v in grades.items() if v[2]}
    assert set(auto) == set(model_records(assignment)), "every click question is an autograded cell"
    assert all(score == maximum for score, maximum, _, _ in auto.values()), auto
    manual = {k: v for k, v in grades.items() if not v[2]}
    if assignment in FRONT_LINE:
        assert manual and all(k.startswith("reply-") for k in manual)
        assert all(needs for _, _, _, needs in manual.values()), "written replies wait for the grader"
    else:
        assert not manual, "the knowledge checks are all clicks"
    # the grader's own replay of each scenario agrees with the kernel's, path and debrief included
    assert not [row for row in issues_of(graded, assignment, "model") if "replay" in row["problem"]]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_recorded_path_is_shown_in_words(graded, assignment):
    outputs = test_outputs(graded, assignment, "model")
    for item_id, record in model_records(assignment).items():
        text = outputs[item_id]
        assert "The path you took:" in text and "Points:" in text, text
        assert f"1. {record['steps'][0]['verb']}" not in text, "steps are told in words, not as method names"
        for arg in (a for s in record["steps"] for a in s["args"] if isinstance(a, str)):
            assert f"“{arg}”" not in text, f"the id {arg!r} is shown instead of its text"
    feedback = (graded.root / "feedback" / "model" / assignment / f"{assignment}.html").read_text(encoding="utf-8")
    assert "The path you took:" in feedback and "mark_scenario" not in feedback and "mark_knowledge" not in feedback


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero_with_a_message(graded, assignment):
    grades = grades_of(graded, assignment, "untouched")
    assert all(score == 0 for score, _, _, _ in grades.values()), grades
    assert not any(needs for _, _, auto, needs in grades.values() if not auto), "unanswered text needs no grading"
    assert all("no saved answer was found" in text for text in test_outputs(graded, assignment, "untouched").values())


@pytest.mark.parametrize("assignment", EDITED_ON)
@pytest.mark.parametrize("kind, message", [("tampered", "was ignored"),
                                           ("foreign", "belongs to another question"),
                                           ("damaged", "the saved answer is damaged")])
def test_edited_foreign_or_damaged_records_earn_nothing_and_say_why(graded, assignment, kind, message):
    grades = grades_of(graded, assignment, kind)
    auto = {k: v for k, v in grades.items() if v[2]}
    assert auto and all(score == 0 for score, _, _, _ in auto.values()), auto
    outputs = test_outputs(graded, assignment, kind)
    assert all(message in outputs[item] for item in auto), outputs
    if kind == "tampered":
        assert all("“_grade” is not something a trainee can do here" in outputs[item] for item in auto)
    manual = [v for v in grades.values() if not v[2]]
    assert all(needs for _, _, _, needs in manual), "the written replies are still waiting for the grader"


@pytest.mark.parametrize("assignment", KNOWLEDGE)
def test_a_knowledge_check_with_known_answers_gets_the_score_its_key_gives(graded, assignment):
    """Right on every other item, wrong on the rest: nbgrader's grades follow the key carried by the hidden tests."""
    _, expected = mixed(model_records(assignment))
    grades = grades_of(graded, assignment, "mixed")
    assert {item: score for item, (score, _, _, _) in grades.items()} == expected
    assert 0 < sum(expected.values()) < len(expected)
    outputs = test_outputs(graded, assignment, "mixed")
    assert all(("✔ You chose" if expected[item] else "The best answer is") in outputs[item] for item in expected)
    from frontline.knowledge import load_key

    keys = load_key(REPO)  # after grading, the trainee reads why the right option is right, word for word
    assert all(keys[item].why[keys[item].answer] in outputs[item] for item in expected), outputs


@pytest.mark.parametrize("assignment", KNOWLEDGE)
def test_the_released_knowledge_check_holds_no_answer_key(graded, assignment):
    from test_knowledge_key import key_leaks, notebook_text

    from frontline.knowledge import load_items, load_key

    release = nbformat.read(graded.root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    assert key_leaks(notebook_text(release), load_items(REPO), load_key(REPO)) == []
    assert not list((graded.root / "release" / assignment).glob("**/*.yaml")), "no key file travels with it"
