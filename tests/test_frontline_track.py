"""Graded scenarios and knowledge items: clicks are recorded to the assignment folder and marked by replay.

The widgets are driven through their own callbacks (buttons clicked, radio values set), exactly as a trainee does.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

from frontline.knowledge import knowledge_question, load_items, load_key, mark_knowledge
from frontline.responses import Record, RecordError, Step, read_record, record_path, write_record
from frontline.scenarios import AnswerTypeError
from frontline.scenarios.graded import graded_scenario, mark_scenario

REPO = Path(__file__).resolve().parents[1]


def saved(folder: Path, item_id: str) -> dict:
    return json.loads((folder / "responses" / f"{item_id}.json").read_text(encoding="utf-8"))


def test_clicking_a_diagnosis_records_each_verb_and_shows_no_score(tmp_path):
    played = graded_scenario("late", "diagnosis/late-delivery", folder=tmp_path)
    played.widget  # noqa: B018 - builds the widget as displaying it does
    ui = played.engine.ui
    assert ui.buttons.layout.display == "none" and ui.feedback.layout.display == "none"
    assert "Nothing saved yet" in played._status.value
    ui.question_buttons["tell-me-about-it"].click()
    ui.question_buttons["read-the-address"].click()
    ui.issue.value = "needs-it-by-a-date"
    record = saved(tmp_path, "late")
    assert record == {"format": 1, "item": "diagnosis/late-delivery",
                      "steps": [{"verb": "ask", "args": ["tell-me-about-it"]},
                                {"verb": "ask", "args": ["read-the-address"]},
                                {"verb": "name_issue", "args": ["needs-it-by-a-date"]}]}
    assert "Saved automatically (3 steps)" in played._status.value
    assert played.engine.feedback is None, "playing never submits: no score is shown before marking"
    assert list((tmp_path / "responses").iterdir()) == [tmp_path / "responses" / "late.json"], "no temporary files"


def test_a_reopened_notebook_continues_from_the_saved_clicks(tmp_path):
    first = graded_scenario("late", "diagnosis/late-delivery", folder=tmp_path)
    first.engine.ask("tell-me-about-it")
    again = graded_scenario("late", "diagnosis/late-delivery", folder=tmp_path)
    assert again.restored == 1 and again.engine.asked == ["tell-me-about-it"]
    again.engine.ask("read-the-address")
    assert [s["args"][0] for s in saved(tmp_path, "late")["steps"]] == ["tell-me-about-it", "read-the-address"]


def test_showing_a_restored_answer_adds_no_steps(tmp_path):
    first = graded_scenario("late", "diagnosis/late-delivery", folder=tmp_path)
    first.engine.ask("tell-me-about-it")
    first.engine.name_issue("needs-it-by-a-date")
    before = saved(tmp_path, "late")
    again = graded_scenario("late", "diagnosis/late-delivery", folder=tmp_path)
    again.widget  # noqa: B018 - the issue's radio buttons are set to the restored answer as the widget is built
    assert again.engine.ui.issue.value == "needs-it-by-a-date"
    assert saved(tmp_path, "late") == before
    again.engine.ui.issue.value = "wants-refund"
    assert saved(tmp_path, "late")["steps"][-1] == {"verb": "name_issue", "args": ["wants-refund"]}


def test_a_verb_that_calls_another_is_recorded_once(tmp_path):
    played = graded_scenario("kettle", "empowerment/return-without-receipt", folder=tmp_path)
    played.engine.decide("alone", 65)
    assert saved(tmp_path, "kettle")["steps"] == [{"verb": "decide", "args": ["alone", 65]}]


def test_choices_in_the_widget_are_recorded_as_clicked(tmp_path):
    played = graded_scenario("who", "choice/internal-or-external", folder=tmp_path)
    played.widget  # noqa: B018
    boxes = played.engine.ui.checkboxes
    boxes["sales-rep"].value = True
    boxes["cfo"].value = True
    assert saved(tmp_path, "who")["steps"][-1] == {"verb": "choose", "args": ["sales-rep", "cfo"]}


def test_a_refused_click_is_not_recorded(tmp_path):
    played = graded_scenario("late", "diagnosis/late-delivery", folder=tmp_path)
    with pytest.raises(AnswerTypeError):
        played.engine.ask("no-such-question")
    assert not record_path("late", tmp_path).exists()


def test_marking_replays_the_record_and_prints_the_path_in_words(tmp_path, capsys):
    played = graded_scenario("late", "diagnosis/late-delivery", folder=tmp_path)
    for question in ("tell-me-about-it", "tracking-exactly", "read-the-address", "summarise-back"):
        played.engine.ask(question)
    played.engine.name_issue("needs-it-by-a-date")
    assert mark_scenario("late", "diagnosis/late-delivery", 3, folder=tmp_path) == 3
    out = capsys.readouterr()
    assert out.err == ""
    assert "The path you took:" in out.out and "Points: 3 of 3" in out.out
    assert "Asked: “" in out.out and "tell-me-about-it" not in out.out, "steps are told in the scenario's words"
    assert "→ Customer:" in out.out, "what the customer answered is part of the path"


def test_a_partly_right_record_earns_part_of_the_points(tmp_path, capsys):
    write_record(record_path("late", tmp_path), Record("diagnosis/late-delivery", (
        Step("ask", ("tell-me-about-it",)), Step("name_issue", ("needs-it-by-a-date",)))))
    earned = mark_scenario("late", "diagnosis/late-delivery", 3, folder=tmp_path)
    assert 0 < earned < 3
    assert f"Points: {earned:g} of 3" in capsys.readouterr().out


@pytest.mark.parametrize("content, words", [
    (None, "no saved answer was found"),
    ("{not json", "the saved answer is damaged"),
    ('["a", "list"]', "the saved answer is damaged"),
    ('{"format": 2, "item": "diagnosis/late-delivery", "steps": []}', "unknown format"),
    ('{"format": 1, "item": "choice/four-levels", "steps": [{"verb": "choose", "args": ["ease"]}]}',
     "belongs to another question"),
    ('{"format": 1, "item": "diagnosis/late-delivery"}', "list of steps is missing"),
    ('{"format": 1, "item": "diagnosis/late-delivery", "steps": [{"args": []}]}', "step 1 names no action"),
    ('{"format": 1, "item": "diagnosis/late-delivery", "steps": [{"verb": "ask", "args": [{"x": 1}]}]}',
     "values no click can give"),
    ("\udcff", "could not be read"),
])
def test_unusable_records_earn_zero_with_a_message_in_words(tmp_path, capsys, content, words):
    path = record_path("late", tmp_path)
    if content is not None:
        path.parent.mkdir()
        path.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert mark_scenario("late", "diagnosis/late-delivery", 3, folder=tmp_path) == 0
    out = capsys.readouterr()
    assert words in out.out and "Points: 0 of 3" in out.out and out.err == ""


def test_editing_a_record_can_only_do_what_clicking_could(tmp_path, capsys):
    steps = [{"verb": "_grade", "args": []}, {"verb": "submit", "args": []}, {"verb": "solution", "args": []},
             {"verb": "retry", "args": []}, {"verb": "ask", "args": ["no-such-question"]},
             {"verb": "ask", "args": [12]}, {"verb": "ask", "args": ["tell-me-about-it", "extra"]},
             {"verb": "ask", "args": [], "kwargs": {"question_id": "tell-me-about-it", "force": True}},
             *({"verb": "ask", "args": [q]} for q in ("want-refund", "standard-delivery", "summarise-back",
                                                       "tell-me-about-it", "read-the-address")),
             {"verb": "name_issue", "args": ["needs-it-by-a-date"]}]
    path = record_path("late", tmp_path)
    path.parent.mkdir()
    path.write_text(json.dumps({"format": 1, "item": "diagnosis/late-delivery", "score": 1, "steps": steps}))
    earned = mark_scenario("late", "diagnosis/late-delivery", 3, folder=tmp_path)
    out = capsys.readouterr().out
    for verb in ("_grade", "submit", "solution", "retry"):
        assert f"“{verb}” is not something a trainee can do here" in out
    refused = [f"Step {n} was ignored: that click was not possible" for n in (5, 6, 7, 8, 13)]
    assert all(line in out for line in refused), out
    assert "Step 12 was ignored" not in out and earned < 3, "a fifth question cannot be asked by editing the file"


def test_an_oversized_record_is_not_read(tmp_path):
    path = record_path("late", tmp_path)
    path.parent.mkdir()
    path.write_text(" " * 300_000)
    with pytest.raises(RecordError, match="far larger"):
        read_record(path, "diagnosis/late-delivery")


def test_a_failed_write_keeps_the_previous_record(tmp_path, monkeypatch):
    path = record_path("x", tmp_path)
    write_record(path, Record("choice/four-levels", (Step("choose", ("ease",)),)))

    def broken(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_record(path, Record("choice/four-levels", (Step("choose", ("functional",)),)))
    assert read_record(path, "choice/four-levels").steps == (Step("choose", ("ease",)),)
    assert [p.name for p in path.parent.iterdir()] == ["x.json"]


def test_marking_keeps_warnings_off_the_error_stream(tmp_path, capsys):
    record = Record("diagnosis/late-delivery", (Step("name_issue", ("wants-refund",)),))
    write_record(record_path("late", tmp_path), record)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mark_scenario("late", "diagnosis/late-delivery", 3, folder=tmp_path) == 0
    assert capsys.readouterr().err == ""


def test_a_knowledge_item_is_answered_by_clicking_and_marked_with_its_why(tmp_path, capsys):
    item = next(i for i in load_items(REPO) if i.form == "pre")
    key = load_key(REPO)[item.id]
    box = knowledge_question(item.id, folder=tmp_path)
    radio = box.children[1]
    assert radio.description == "Your answer" and radio.value is None
    wrong = next(o for o in item.option_ids if o != key.answer)
    radio.value = wrong
    assert "Your answer is saved" in box.children[2].value
    assert mark_knowledge(item.id, answer=key.answer, why=key.why, folder=tmp_path) == 0
    out = capsys.readouterr().out
    assert key.why[wrong] in out and "The best answer is" in out and key.why[key.answer] in out
    radio.value = key.answer
    assert mark_knowledge(item.id, answer=key.answer, why=key.why, folder=tmp_path) == 1
    assert knowledge_question(item.id, folder=tmp_path).children[1].value == key.answer, "restored"
    # The answer comes from the hidden test alone: the same click marked against another key earns nothing.
    assert mark_knowledge(item.id, answer=wrong, why=key.why, folder=tmp_path) == 0


def test_a_knowledge_item_whose_key_no_longer_fits_its_options_scores_zero_and_says_why(tmp_path, capsys):
    item = next(i for i in load_items(REPO) if i.form == "post")
    knowledge_question(item.id, folder=tmp_path).children[1].value = item.option_ids[0]
    assert mark_knowledge(item.id, answer="e", folder=tmp_path) == 0
    out = capsys.readouterr()
    assert "could not be marked" in out.out and "Points: 0 of 1" in out.out and out.err == ""


# ----- the track as a whole: lessons, points, and `frontline check` ---------------------------------------------

def _graded_points(notebook_path: Path) -> list[tuple[str, float, bool]]:
    """(grade id, points, is a test of typed code) of every graded cell."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    code_answers = any(c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
                       for c in notebook.cells)
    cells = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            typed = code_answers and cell.cell_type == "code" and not meta.get("solution")
            cells.append((meta["grade_id"], float(meta["points"]), typed))
    return cells


def test_lessons_1_to_9_name_a_front_line_exercise_shown_in_the_course_map():
    from frontline.lessons.metadata import load_lessons

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for lesson in load_lessons(REPO / "notebooks"):
        if lesson.number == 0:
            continue
        assert lesson.front_line_exercise and lesson.front_line_minutes > 0, lesson.id
        assert (REPO / "exercises" / lesson.front_line_exercise).is_dir()
        row = next(line for line in readme.splitlines() if line.startswith(f"| {lesson.number} | ["))
        assert f"`{lesson.front_line_exercise}` ({lesson.front_line_minutes})" in row
        if lesson.exercise:
            assert f"`{lesson.exercise}` ({lesson.exercise_minutes})" in row
    assert "The front-line track (lessons and front-line exercises) takes" in readme


def test_typed_code_points_are_a_minority_of_the_graded_points():
    cells = [c for path in sorted(REPO.glob("exercises/*/*.ipynb")) for c in _graded_points(path)]
    typed = sum(points for _, points, is_typed in cells if is_typed)
    total = sum(points for _, points, _ in cells)
    assert 0 < typed < total / 2, (typed, total)
    for path in sorted(REPO.glob("exercises/fl_*/*.ipynb")):
        assert not any(is_typed for _, _, is_typed in _graded_points(path)), f"{path.name} asks for code"


@pytest.fixture
def kit(tmp_path):
    import shutil

    root = tmp_path / "kit"
    for folder in ("data", "notebooks", "exercises", "grading"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


def track_problems(root: Path) -> list[str]:
    from frontline.kit import KitPaths
    from frontline.scenarios.track_check import check_track

    return [str(p.relative_to(root)) for p in check_track(KitPaths(root))]


def test_the_kit_passes_the_front_line_check(kit):
    assert track_problems(kit) == []


def test_the_check_finds_a_model_record_short_of_full_marks(kit):
    path = kit / "grading" / "model_records" / "fl_02_customer_value" / "scenario-level-failed-laptop.json"
    path.write_text(json.dumps({"format": 1, "item": "choice/which-level-failed-laptop",
                                "steps": [{"verb": "choose", "args": ["functional"]}]}))
    found = track_problems(kit)
    assert any(p.startswith("grading/model_records/fl_02_customer_value/scenario-level-failed-laptop.json: the "
                            "model answer of 'scenario-level-failed-laptop' does not reach full marks")
               for p in found), found


def test_the_check_finds_a_reply_without_its_coach_cell_and_a_missing_model(kit):
    import nbformat

    path = kit / "exercises" / "fl_06_recovery_reply" / "fl_06_recovery_reply.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = [c for c in notebook.cells if "reply_coach" not in c.source]
    nbformat.write(notebook, path)
    (kit / "grading" / "model_records" / "fl_06_recovery_reply" / "scenario-wrong-fabric-heard.json").unlink()
    found = "\n".join(track_problems(kit))
    assert 'reply-angry-refund must be followed by a hidden cell calling frontline.reply_coach("reply-angry-refund")' \
        in found
    assert ("scenario-wrong-fabric-heard.json: missing: the model answer of graded scenario "
            "'scenario-wrong-fabric-heard'") in found


def test_the_check_finds_an_uncovered_objective_and_names_the_line(kit):
    path = kit / "data" / "knowledge" / "items.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: k05-involvement-post")
    end = text.index("  - id: k05-limit-data-pre")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    found = "\n".join(track_problems(kit))
    assert "no post item for objective 3 of 05_empowerment" in found
    path.write_text(text, encoding="utf-8")
    key = kit / "grading" / "knowledge" / "key.yaml"
    key_text = key.read_text(encoding="utf-8")
    key.write_text(key_text.replace("    answer: b\n", "    answer: e\n", 1), encoding="utf-8")
    found = track_problems(kit)
    line = key_text[: key_text.index("    answer: b\n")].count("\n") + 1
    assert any(p.startswith(f"grading/knowledge/key.yaml:{line}: field 'key.k") and "'e' is not one of the options"
               in p for p in found), found


def test_the_check_finds_a_knowledge_check_out_of_step_with_the_items(kit):
    for path in (kit / "data" / "knowledge" / "items.yaml", kit / "grading" / "knowledge" / "key.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("k01-internal-chain-pre", "k01-internal-chain-before"), encoding="utf-8")
    found = "\n".join(track_problems(kit))
    assert "exercises/knowledge_pre/knowledge_pre.ipynb: is out of step with data/knowledge/items.yaml" in found
