"""Lesson metadata, generated text (headers, key points, course map) and the lessons checker."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from frontline.cli import cli
from frontline.kit import KitPaths
from frontline.lessons import load_lessons
from frontline.lessons.check import check_lessons
from frontline.lessons.metadata import facilitator_cells, lesson_notebooks, lesson_schema, timed_sections
from frontline.lessons.render import course_map, replace_course_map, sync_all

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = lesson_notebooks(REPO / "notebooks")


def test_there_are_ten_lessons_numbered_zero_to_nine():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{n:02d}" for n in range(10)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_lesson_header_has_every_required_field(path):
    meta = json.loads(path.read_text("utf-8"))["metadata"]["frontline"]["lesson"]
    required = lesson_schema()["required"]
    assert sorted(meta) == sorted(required)
    assert meta["id"] == path.stem and meta["number"] == int(path.name[:2])
    for key in ("questions", "objectives", "key_points"):
        assert meta[key] and all(isinstance(item, str) and item.strip() for item in meta[key]), key
    assert isinstance(meta["teaching_minutes"], int) and meta["teaching_minutes"] > 0
    assert isinstance(meta["exercise_minutes"], int) and meta["exercise_minutes"] >= 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_lesson_has_timed_sections_facilitator_notes_and_a_chart(path):
    nb = nbformat.read(path, as_version=4)
    sections = timed_sections(nb)
    assert len(sections) >= 3 and all(s.minutes > 0 for s in sections)
    assert any("Facilitator" in text for text in facilitator_cells(nb))
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "chart(" in code or "plt." in code or ".plot(" in code
    # every chart is shown with its text alternative, never as a bare picture
    drawn = sum(code.count(call) for call in ("bar_chart(", "line_chart(", "pareto_chart(", "plt.subplots(", ".plot("))
    assert code.count("show_chart(") == drawn
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_facilitator_timing_matches_the_header(path):
    """The facilitator notes repeat the lesson time in words; they must agree with the metadata."""
    nb = nbformat.read(path, as_version=4)
    minutes = nb.metadata["frontline"]["lesson"]["teaching_minutes"]
    notes = "\n".join(facilitator_cells(nb))
    found = re.findall(r"\*\*Timing:\*\* (\d+) minutes", notes)
    assert found == [str(minutes)]


def test_the_kit_lessons_pass_the_checker(repo):
    assert check_lessons(KitPaths(repo)) == []


def test_readme_course_map_is_up_to_date(repo):
    """Fails when a lesson's metadata changed without `frontline lessons sync`."""
    readme = (repo / "README.md").read_text("utf-8")
    assert replace_course_map(readme, course_map(load_lessons(repo / "notebooks"))) == readme


def test_course_map_lists_every_lesson_with_minutes():
    lessons = load_lessons(REPO / "notebooks")
    text = course_map(lessons)
    for lesson in lessons:
        assert f"[{lesson.title}](notebooks/{lesson.path.name})" in text
        assert f"(notebooks/{lesson.path.name}) | {lesson.teaching_minutes} |" in text
        if lesson.front_line_exercise:
            assert f"`{lesson.front_line_exercise}` ({lesson.front_line_minutes})" in text
        if lesson.exercise:
            assert f"`{lesson.exercise}` ({lesson.exercise_minutes})" in text
    assert f"{sum(lesson.teaching_minutes for lesson in lessons)} minutes of lessons" in text


# --- the checker on broken copies ------------------------------------------------------------------------------


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    root = tmp_path / "kit"
    (root / "data").mkdir(parents=True)
    shutil.copytree(REPO / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(REPO / "README.md", root / "README.md")
    if (REPO / "data" / "scenarios").is_dir():
        shutil.copytree(REPO / "data" / "scenarios", root / "data" / "scenarios")
    return root


def edit_lesson(root: Path, stem: str, change) -> Path:
    path = root / "notebooks" / f"{stem}.ipynb"
    nb = json.loads(path.read_text("utf-8"))
    change(nb)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return path


def messages(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in check_lessons(KitPaths(root))]


def test_checker_names_notebook_line_and_missing_field(kit):
    edit_lesson(kit, "03_diagnosis", lambda nb: nb["metadata"]["frontline"]["lesson"].pop("objectives"))
    (found,) = messages(kit)
    assert found.startswith("notebooks/03_diagnosis.ipynb:")
    assert "field 'frontline.lesson.objectives'" in found and "missing" in found


def test_checker_names_wrong_types_and_unknown_fields(kit):
    def change(nb):
        nb["metadata"]["frontline"]["lesson"]["teaching_minutes"] = "25"
        nb["metadata"]["frontline"]["lesson"]["objectivs"] = []

    path = edit_lesson(kit, "04_problem_solving", change)
    found = messages(kit)
    assert any("frontline.lesson.teaching_minutes" in m and "'25' is not of type 'integer'" in m for m in found)
    assert any("objectivs" in m and "unknown field" in m for m in found)
    line = int(next(m for m in found if "teaching_minutes" in m).split(":")[1])
    assert '"teaching_minutes"' in path.read_text("utf-8").splitlines()[line - 1]


def test_checker_finds_missing_prerequisite_scenario_and_exercise(kit):
    def change(nb):
        lesson = nb["metadata"]["frontline"]["lesson"]
        lesson["prerequisites"] = ["02_what_customers_want", "09_leading_a_service_culture"]
        lesson["scenarios"] = [*lesson["scenarios"], "diagnosis/no-such-case"]
        lesson["exercise"] = "diagnosys"

    edit_lesson(kit, "05_empowerment", change)
    for name in ("diagnosis", "problem_solving", "empowerment", "retention_measurement", "capstone",
                 *(p.name for p in (REPO / "exercises").glob("fl_*"))):
        (kit / "exercises" / name).mkdir(parents=True)
    found = "\n".join(messages(kit))
    assert "prerequisite '02_what_customers_want' is not a lesson" in found
    assert "prerequisite '09_leading_a_service_culture' comes after this lesson" in found
    assert "scenario 'diagnosis/no-such-case' has no file data/scenarios/diagnosis/no-such-case.yaml" in found
    assert "exercise 'diagnosys' is not an assignment in exercises/" in found
    assert all(m.startswith("notebooks/05_empowerment.ipynb") for m in messages(kit))


def test_checker_finds_an_unlisted_scenario_call_outputs_and_bad_minutes(kit):
    def change(nb):
        nb["cells"].append({"cell_type": "code", "id": "extra-call", "metadata": {}, "execution_count": 3,
                            "outputs": [], "source": 'frontline.scenario("diagnosis/late-delivery")'})
        nb["cells"][1]["metadata"]["frontline"] = {"minutes": "ten"}

    edit_lesson(kit, "02_what_customers_value", change)
    found = "\n".join(messages(kit))
    assert "opens scenario 'diagnosis/late-delivery' but does not list it" in found
    assert "stored with outputs or an execution count" in found
    assert "frontline.minutes must be a whole number above 0, not 'ten'" in found


def test_checker_requires_sections_to_add_up_to_the_teaching_minutes(kit):
    def change(nb):
        timed = [c for c in nb["cells"] if "minutes" in c["metadata"].get("frontline", {})]
        timed[0]["metadata"]["frontline"]["minutes"] += 4

    edit_lesson(kit, "03_diagnosis", change)
    (found,) = messages(kit)
    assert "field 'frontline.lesson.teaching_minutes'" in found
    assert "the timed sections add up to 39 minutes but teaching_minutes is 35" in found


def test_checker_reports_a_notebook_without_a_lesson_header(kit):
    edit_lesson(kit, "02_what_customers_value", lambda nb: nb["metadata"].pop("frontline"))
    (found,) = messages(kit)
    assert found.startswith("notebooks/02_what_customers_value.ipynb")
    assert "field 'frontline.lesson'" in found and "no lesson header" in found


def test_course_map_command_prints_the_map(kit, monkeypatch):
    monkeypatch.setenv("FRONTLINE_KIT", str(kit))
    result = CliRunner().invoke(cli, ["lessons", "course-map"])
    assert result.exit_code == 0
    assert result.output.strip() in (kit / "README.md").read_text()


def test_checker_reports_invalid_json_with_its_line(kit):
    path = kit / "notebooks" / "06_complaints_and_recovery.ipynb"
    lines = path.read_text("utf-8").splitlines()
    lines[9] += ","
    path.write_text("\n".join(lines), "utf-8")
    (found,) = messages(kit)
    assert found.startswith("notebooks/06_complaints_and_recovery.ipynb:") and "not valid JSON" in found


def test_checker_and_sync_catch_an_edited_header(kit):
    edit_lesson(kit, "07_retention_economics",
                lambda nb: nb["metadata"]["frontline"]["lesson"].update(title="Retention, in money"))
    found = "\n".join(messages(kit))
    assert "generated header cell differs from the metadata" in found
    assert "generated key points" not in found
    assert kit / "README.md" in sync_all(kit, write=False)
    sync_all(kit, write=True)
    assert messages(kit) == []
    assert "[Retention, in money](notebooks/07_retention_economics.ipynb)" in (kit / "README.md").read_text()


def test_lessons_sync_command_checks_and_writes(kit, monkeypatch):
    monkeypatch.setenv("FRONTLINE_KIT", str(kit))
    edit_lesson(kit, "08_measuring_service",
                lambda nb: nb["metadata"]["frontline"]["lesson"].update(exercise_minutes=99))
    stale = CliRunner().invoke(cli, ["lessons", "sync", "--check"])
    assert stale.exit_code == 1 and "out of date: notebooks/08_measuring_service.ipynb" in stale.output
    assert "out of date: README.md" in stale.output
    assert CliRunner().invoke(cli, ["lessons", "sync"]).exit_code == 0
    assert CliRunner().invoke(cli, ["lessons", "sync", "--check"]).exit_code == 0
    readme = (kit / "README.md").read_text()
    assert "`retention_measurement` (99) |" in readme.split("| 8 | [Measuring service]")[1].splitlines()[0]
    checked = CliRunner().invoke(cli, ["check", "--only", "lessons"])
    assert checked.exit_code == 0, checked.output


def test_check_command_reports_lesson_problems(kit, monkeypatch):
    monkeypatch.setenv("FRONTLINE_KIT", str(kit))
    edit_lesson(kit, "01_service_is_everyones_job",
                lambda nb: nb["metadata"]["frontline"]["lesson"].update(number=7))
    result = CliRunner().invoke(cli, ["check", "--only", "lessons"])
    assert result.exit_code == 1
    assert "notebooks/01_service_is_everyones_job.ipynb" in result.output
    assert "number 7 does not match the file name prefix 01" in result.output
