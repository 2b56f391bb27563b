"""A trainee's own workspace: what it holds, and how an update of the kit reaches it without losing their work."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from frontline.kit import KitPaths
from frontline.lessons.check import check_trainee_text, currency_as_maths
from frontline.workspace import Workspace, WorkspaceError, trainee_slug
from frontline.workspace.editions import ANSWER_KEY_MARKERS, AnswerKeyLeak, release_version
from frontline.workspace.hooks import WIDGET_VIEW, strip_widget_views

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def kit(tmp_path) -> KitPaths:
    """A private copy of the kit's lessons and exercises (the data folder holds only the dictionary)."""
    root = tmp_path / "kit"
    for folder in ("notebooks", "exercises"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (root / "data").mkdir()
    shutil.copy(REPO / "data" / "DATA_DICTIONARY.md", root / "data")
    return KitPaths(root)


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def cell_by_id(nb, cell_id: str):
    return next(c for c in nb.cells if c.get("id") == cell_id)


def test_first_sync_gives_trainee_editions_and_release_versions_and_writes_nothing_in_the_kit(kit, tmp_path):
    before = tree_digest(kit.root)
    workspace = Workspace(tmp_path / "ws", "Ana María")
    report = workspace.sync(kit)
    assert tree_digest(kit.root) == before
    lessons = sorted(p.name for p in (workspace.folder / "lessons").glob("*.ipynb"))
    assert lessons == sorted(p.name for p in kit.notebooks.glob("[0-9][0-9]_*.ipynb"))
    assert "lessons/00_welcome.ipynb" in report.added and "data-dictionary.md" in report.added
    for path in workspace.folder.rglob("*.ipynb"):
        nb = read(path)
        text = path.read_text()
        assert not any(marker in text for marker in ANSWER_KEY_MARKERS), path
        assert not any("facilitator" in c.metadata.get("tags", []) for c in nb.cells), path
        assert "Facilitator notes" not in text, path
    # the source of each exercise is in the kit; the trainee gets the release version with stubs instead
    source = (kit.exercises / "diagnosis" / "diagnosis.ipynb").read_text()
    released = (workspace.folder / "exercises" / "diagnosis" / "diagnosis.ipynb").read_text()
    assert "BEGIN SOLUTION" in source and "BEGIN HIDDEN TESTS" in source
    assert "YOUR CODE HERE" in released or "YOUR ANSWER HERE" in released
    assert (workspace.folder / "exercises" / "diagnosis" / "representative_questions.csv").is_file()
    manifest = json.loads(workspace.manifest_path.read_text())
    assert manifest["trainee"] == "Ana María" and "lessons/03_diagnosis.ipynb" in manifest["files"]
    assert workspace.sync(kit).lines() == ["Your workspace is up to date."]


def test_a_release_version_that_still_holds_an_answer_is_refused():
    unfinished = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\n42")])
    with pytest.raises(AnswerKeyLeak, match="cannot be released: no end solution"):
        release_version(unfinished)
    stray = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Intro"),
                                            nbformat.v4.new_code_cell("x = 42  # BEGIN MARK SCHEME")])
    with pytest.raises(AnswerKeyLeak, match="mark scheme"):
        release_version(stray)


def test_an_update_keeps_the_trainees_edits_and_brings_the_kits_changes(kit, tmp_path):
    workspace = Workspace(tmp_path / "ws", "Sam")
    workspace.sync(kit)
    lesson = workspace.folder / "lessons" / "00_welcome.ipynb"
    mine = read(lesson)
    answer = next(c for c in mine.cells if c.cell_type == "code" and "answer = ..." in c.source)
    answer.source = answer.source.replace("answer = ...", "answer = 0.7  # my first try")
    my_note = nbformat.v4.new_markdown_cell("My own note: ask the team lead about first-contact targets.")
    mine.cells.insert(mine.cells.index(answer) + 1, my_note)
    nbformat.write(mine, lesson)

    source = kit.welcome_notebook
    kit_nb = read(source)
    course_cell = next(c for c in kit_nb.cells if c.source.startswith("## How a notebook works"))
    course_cell.source += "\n\nNew in this edition: **Ctrl+S** saves your work."
    nbformat.write(kit_nb, source)
    untouched = kit.notebooks / "01_service_is_everyones_job.ipynb"
    other = read(untouched)
    other.cells[1].source += "\n\nA sentence the course added."
    nbformat.write(other, untouched)

    report = workspace.sync(kit)
    merged = read(lesson)
    assert "answer = 0.7  # my first try" in cell_by_id(merged, answer.id).source
    assert [c.id for c in merged.cells].index(my_note.id) == [c.id for c in merged.cells].index(answer.id) + 1
    assert "Ctrl+S" in cell_by_id(merged, course_cell.id).source
    assert "A sentence the course added." in (workspace.folder / "lessons" / untouched.name).read_text()
    assert report.merged == ["lessons/00_welcome.ipynb"] and report.updated == [f"lessons/{untouched.name}"]
    assert any("everything you wrote is kept" in line for line in report.lines())


def test_a_cell_both_changed_keeps_the_trainees_version_and_adds_the_kits_under_a_note(kit, tmp_path):
    workspace = Workspace(tmp_path / "ws", "Sam")
    workspace.sync(kit)
    lesson = workspace.folder / "lessons" / "00_welcome.ipynb"
    mine = read(lesson)
    target = next(c for c in mine.cells if c.source.startswith("## How a notebook works"))
    target.source = "## How a notebook works\n\nMy summary: Shift+Enter runs a cell."
    nbformat.write(mine, lesson)
    kit_nb = read(kit.welcome_notebook)
    cell_by_id(kit_nb, target.id).source += "\n\nA corrected paragraph from the course."
    nbformat.write(kit_nb, kit.welcome_notebook)

    report = workspace.sync(kit)
    cells = read(lesson).cells
    at = [c.id for c in cells].index(target.id)
    assert cells[at].source.endswith("My summary: Shift+Enter runs a cell.")
    assert "The course has updated the cell above" in cells[at + 1].source
    assert cells[at + 2].source.endswith("A corrected paragraph from the course.")
    words = " ".join(report.lines())
    assert "changed 1 cell(s) you had also changed" in words and "Your version is kept" in words
    # the next update does not raise the same conflict again, and the trainee's copy stays as it is
    assert workspace.sync(kit).lines() == ["Your workspace is up to date."]


def test_deleted_files_come_back_and_dropped_ones_go_unless_edited(kit, tmp_path):
    workspace = Workspace(tmp_path / "ws", "Sam")
    workspace.sync(kit)
    (workspace.folder / "lessons" / "02_what_customers_value.ipynb").unlink()
    edited = workspace.folder / "exercises" / "diagnosis" / "representative_questions.csv"
    edited.write_text(edited.read_text() + "my,row\n")
    (kit.exercises / "diagnosis" / "representative_questions.csv").unlink()
    (kit.notebooks / "09_leading_a_service_culture.ipynb").unlink()
    report = workspace.sync(kit)
    assert report.restored == ["lessons/02_what_customers_value.ipynb"]
    assert report.removed == ["lessons/09_leading_a_service_culture.ipynb"]
    assert report.retired == ["exercises/diagnosis/representative_questions.csv"] and edited.exists()


def test_an_edited_file_that_is_not_a_notebook_is_kept_and_the_update_put_beside_it(kit, tmp_path):
    workspace = Workspace(tmp_path / "ws", "Sam")
    workspace.sync(kit)
    mine = workspace.folder / "data-dictionary.md"
    mine.write_text("my notes\n")
    (kit.data / "DATA_DICTIONARY.md").write_text("# A new dictionary\n")
    report = workspace.sync(kit)
    assert mine.read_text() == "my notes\n"
    assert (workspace.folder / "data-dictionary (course update).md").read_text() == "# A new dictionary\n"
    assert "you changed this file, so it is kept" in " ".join(report.lines())


def test_a_workspace_is_never_inside_the_kit_or_in_a_folder_of_other_files(kit, tmp_path):
    with pytest.raises(WorkspaceError, match="outside the kit"):
        Workspace(kit.root / "mine", "Sam").sync(kit)
    other = tmp_path / "documents"
    other.mkdir()
    (other / "tax.pdf").write_text("x")
    with pytest.raises(WorkspaceError, match="already holds other files"):
        Workspace(other, "Sam").sync(kit)


def test_trainee_names_make_safe_folder_names():
    assert trainee_slug("Ana María López") == "ana-maria-lopez"
    assert trainee_slug("../../etc") == "etc"
    with pytest.raises(WorkspaceError, match="at least one letter"):
        trainee_slug("  !!  ")


def test_progress_belongs_to_the_named_trainee(monkeypatch, tmp_path):
    from frontline.scenarios.progress import default_progress_path

    monkeypatch.delenv("FRONTLINE_PROGRESS", raising=False)
    monkeypatch.setenv("FRONTLINE_WORKSPACES", str(tmp_path))
    monkeypatch.setenv("FRONTLINE_TRAINEE", "Priya")
    assert default_progress_path() == tmp_path / "priya" / ".frontline" / "progress.json"
    monkeypatch.setenv("FRONTLINE_TRAINEE", "Jo")
    assert default_progress_path() == tmp_path / "jo" / ".frontline" / "progress.json"


def test_saving_drops_widget_views_and_keeps_everything_else():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("frontline.scenario('x')", outputs=[
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "abc", "version_major": 2},
                                                     "text/plain": "VBox(...)"}),
        nbformat.v4.new_output("stream", text="printed\n"),
    ])])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    model = {"type": "notebook", "content": json.loads(nbformat.writes(nb))}
    strip_widget_views(model=model, path="lessons/x.ipynb", contents_manager=None)
    saved = nbformat.from_dict(model["content"])
    assert [o.output_type for o in saved.cells[0].outputs] == ["stream"]
    assert "".join(saved.cells[0].outputs[0].text) == "printed\n"
    assert "".join(saved.cells[0].source) == "frontline.scenario('x')"
    assert "widgets" not in model["content"]["metadata"]


def test_currency_that_would_render_as_maths_is_found():
    assert currency_as_maths("from $100 to $5") == [(1, "from $100 to $5")]
    assert currency_as_maths("from \\$100 to \\$5, and `$1 $2` in code") == []
    assert currency_as_maths("maths: $x + y$ is fine") == []
    assert currency_as_maths("```\n$1 and $2\n```") == []


def test_lessons_have_no_unescaped_currency_and_no_untagged_facilitator_notes(tmp_path):
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        text = path.read_text()
        assert check_trainee_text(path, json.loads(text), text) == [], path
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("### Facilitator notes\n\n- Timing"),
                                         nbformat.v4.new_markdown_cell("We lost $100 and then $5.")])
    text = nbformat.writes(nb)
    problems = [p.message for p in check_trainee_text(tmp_path / "x.ipynb", json.loads(text), text)]
    assert any("two unescaped $" in m for m in problems)
    assert any("tag it `facilitator`" in m for m in problems)


def test_the_test_run_never_uses_the_real_home_folder():
    """Jupyter's and nbgrader's files (the cache a submission lands in) resolve into the run's private home."""
    import pwd

    from jupyter_core.paths import jupyter_config_dir, jupyter_data_dir, jupyter_runtime_dir

    real_home = Path(pwd.getpwuid(os.getuid()).pw_dir).resolve()
    private = Path.home().resolve()
    assert private != real_home and real_home not in private.parents
    for folder in (jupyter_data_dir(), jupyter_config_dir(), jupyter_runtime_dir()):
        assert private in Path(folder).resolve().parents
    cache = Path(jupyter_data_dir()) / "nbgrader_cache"  # nbgrader's Exchange.cache default
    assert private in cache.resolve().parents
