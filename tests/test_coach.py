"""The reply coach: what it finds in real-sounding replies, how it reads the saved notebook, its widget, and the
validation of its rules file."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from click.testing import CliRunner
from nbclient import NotebookClient

import frontline
from frontline.cli import cli
from frontline.coach import check_reply, check_rules_file, load_rules
from frontline.coach.widget import BLANK_PASTED, BLANK_SAVED, NOT_FOUND, ReplyCoach

FIXTURES = Path(__file__).parent / "fixtures" / "coach" / "replies.yaml"
CASES = yaml.safe_load(FIXTURES.read_text(encoding="utf-8"))["replies"]
RULES = load_rules()
ELEMENT_IDS = {e.id for e in RULES.elements}


def test_fixtures_name_only_real_elements():
    for case in CASES:
        named = {*case.get("seen", []), *case.get("partly", []), *case.get("not_seen", []),
                 *case.get("quotes", {}), *case.get("asides", {})}
        assert named <= ELEMENT_IDS, (case["id"], named - ELEMENT_IDS)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_coach_finds_what_it_must_and_nothing_it_must_not(case):
    checklist = check_reply(case["reply"], RULES)
    status = {r.element.id: r.status for r in checklist.results}
    for element in case.get("seen", []):
        assert status[element] == "seen", element
    for element in case.get("partly", []):
        assert status[element] == "partly seen", element
    for element in case.get("not_seen", []):
        assert status[element] == "not seen", element
    for element, words in case.get("quotes", {}).items():
        quoted = [w for q in checklist.result(element).quotes for w in q.words]
        assert any(words in found for found in quoted), (element, quoted)
        # quotes are the trainee's own words, taken from the reply as written
        as_written = " ".join(case["reply"].split())
        assert all(found in as_written or "words in one sentence" in found for found in quoted)
    for element, words in case.get("asides", {}).items():
        assert words in [a.words for a in checklist.result(element).asides], element


def test_tricky_phrases_are_named_with_the_reason():
    checklist = check_reply("I'm sorry you feel that way. We'll get back to you soon.", RULES)
    apology = checklist.result("specific-apology")
    assert apology.status == "not seen"
    assert "feelings" in apology.asides[0].why
    step = checklist.result("next-step-with-time")
    assert step.status == "partly seen" and step.missing == ["a time"]
    assert step.quotes[0].sentence == "We'll get back to you soon."


def _notebook_with_reply(folder: Path, text: str, grade_id: str = "reply-parcel", name: str = "exercise.ipynb",
                         extra_code: str | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_markdown_cell(text)
    answer.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": 6, "solution": True,
                                   "locked": False, "schema_version": 3}
    nb.cells = [nbformat.v4.new_markdown_cell("Write your reply to Ms Patel."), answer]
    if extra_code:
        nb.cells.append(nbformat.v4.new_code_cell(extra_code))
    path = folder / name
    nbformat.write(nb, path)
    return path


GOOD = next(c for c in CASES if c["id"] == "parcel-model-answer")["reply"]


def test_widget_reads_the_saved_reply_by_grade_id(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _notebook_with_reply(tmp_path, "YOUR ANSWER HERE")
    _notebook_with_reply(tmp_path, "A reply to another task.", grade_id="reply-other", name="other.ipynb")
    coach = ReplyCoach("reply-parcel", RULES, tmp_path)
    assert coach.notebook_found and not coach.paste_box_shown

    coach.check_saved_button.click()
    assert coach.checklist is None and coach.message == BLANK_SAVED
    assert 'role="status"' in coach.output.value

    _notebook_with_reply(tmp_path, GOOD)  # the trainee writes and saves
    coach.check_saved_button.click()
    assert coach.checklist is not None and "specific-apology" in coach.checklist.seen
    shown = coach.output.value
    assert "checklist, not a grade" in shown
    assert "✔ Seen:</strong> A specific apology" in shown
    assert "<mark>I&#x27;m sorry your</mark>" in shown and "“by 10am tomorrow”" in shown
    assert "✔ None seen:</strong> No blame or deflection" in shown


def test_widget_prefers_the_kernels_own_notebook(tmp_path, monkeypatch):
    own = _notebook_with_reply(tmp_path, GOOD, name="mine.ipynb")
    _notebook_with_reply(tmp_path, "Not my department.", name="zz-newer-copy.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(own))
    checklist = ReplyCoach("reply-parcel", RULES, tmp_path).check_saved()
    assert checklist is not None and "no-blame" not in checklist.seen


def test_widget_falls_back_to_a_text_box(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    coach = ReplyCoach("reply-parcel", RULES, tmp_path)  # no notebook in the folder
    assert not coach.notebook_found and coach.paste_box_shown
    assert "Paste your reply into the box below" in coach.intro.value
    assert coach.text_box.description == "Your reply:"
    coach.check_saved_button.click()  # still nothing saved: the coach says so and keeps the box
    assert coach.message == NOT_FOUND and coach.paste_box_shown
    coach.check_text_button.click()
    assert coach.message == BLANK_PASTED
    coach.text_box.value = "<script>alert(1)</script> It's not my department."
    coach.check_text_button.click()
    assert "no-blame" in coach.checklist.seen
    assert "<script>" not in coach.output.value and "&lt;script&gt;" in coach.output.value
    assert "⚠ Check this:</strong> No blame or deflection" in coach.output.value


def test_paste_button_shows_the_text_box(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _notebook_with_reply(tmp_path, GOOD)
    coach = ReplyCoach("reply-parcel", RULES, tmp_path)
    coach.paste_button.click()
    assert coach.paste_box_shown
    # The text reaches the kernel as a whole when the box loses focus, so "Check this text" pressed straight after
    # typing checks every word typed (per-key updates could still be queued behind the button press).
    assert coach.text_box.continuous_update is False


def test_every_control_is_labelled(tmp_path):
    _notebook_with_reply(tmp_path, GOOD)
    coach = ReplyCoach("reply-parcel", RULES, tmp_path)
    for button in (coach.check_saved_button, coach.paste_button, coach.check_text_button):
        assert button.description and button.tooltip
    assert coach.text_box.description


@pytest.mark.slow
def test_coach_in_a_real_kernel_reads_the_notebook_it_runs_in(tmp_path):
    path = _notebook_with_reply(tmp_path, GOOD, extra_code=(
        "import frontline\ncoach = frontline.reply_coach('reply-parcel')\ncoach.check_saved()\n"
        "print(sorted(coach.checklist.seen))\ncoach"))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[2].outputs
    printed = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
    assert "'specific-apology'" in printed and "'next-step-with-time'" in printed
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


BROKEN_RULES = """\
version: 1
elements:
  - id: apology
    label: An apology
    meaning: Says sorry.
    expect: present
    parts:
      - name: sorry
        patterns:
          - '(sorry'
    tip: Say sorry.
  - id: apology
    label: Again
    meaning: Twice.
    expect: present
    long_sentences: 20
    colour: red
    parts:
      - name: anything
        patterns: ['x?']
    tip: t
"""


def test_broken_rules_are_reported_with_line_and_field(tmp_path):
    file = tmp_path / "rules.yaml"
    file.write_text(BROKEN_RULES, encoding="utf-8")
    problems = check_rules_file(file)
    text = "\n".join(map(str, problems))
    assert "unknown field 'colour'" in text and ":17:" in text
    file.write_text(BROKEN_RULES.replace("    colour: red\n", ""), encoding="utf-8")
    text = "\n".join(map(str, check_rules_file(file)))
    assert ":10: field 'elements[0].parts[0].patterns[0]': the pattern '(sorry' is not a valid" in text
    assert "element id 'apology' is used twice" in text
    assert "long_sentences only makes sense" in text
    assert "matches an empty reply" in text


def test_frontline_check_reports_broken_rules_and_the_coach_degrades(kit_copy, monkeypatch, tmp_path):
    rules = kit_copy / "data" / "coach" / "rules.yaml"
    rules.write_text(BROKEN_RULES, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--only", "reply coach"])
    assert result.exit_code == 1
    assert "data/coach/rules.yaml:17" in result.output and "unknown field 'colour'" in result.output
    widget = frontline.reply_coach("reply-parcel", folder=tmp_path)
    assert "not available" in widget.value and "role=\"alert\"" in widget.value
    shutil.rmtree(kit_copy / "data" / "coach")
    assert "rules file is missing" in CliRunner().invoke(cli, ["check", "--only", "reply coach"]).output


def test_coach_without_a_kit_says_so_plainly(monkeypatch, tmp_path):
    monkeypatch.setenv("FRONTLINE_KIT", str(tmp_path / "nowhere"))
    widget = frontline.reply_coach("reply-parcel", folder=tmp_path)
    assert "not available" in widget.value


def test_kit_rules_are_valid(repo):
    assert check_rules_file(repo / "data" / "coach" / "rules.yaml") == []
