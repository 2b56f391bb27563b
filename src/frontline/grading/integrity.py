"""What was wrong with each submission, and what was done about it: the integrity report.

Before grading, :func:`inspect_submission` compares each submitted notebook with the released one and fixes
what can be fixed without losing anything (a corrupt file is set aside under a new name so nbgrader grades it as
missing; a misnamed notebook is copied to the expected name; a link or other special file is moved out of the
submission, because nbgrader's copy into ``autograded/`` and ``feedback/`` would follow a link to its target).
After grading, :func:`inspect_autograded` notes cells that timed out. Every finding is an :class:`Issue` naming
the file and what was wrong.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import shutil
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import nbformat

from frontline.grading.files import special_entries

CORRUPT_SUFFIX = ".corrupt"
OTHER_ASSIGNMENT_SUFFIX = ".other-assignment"
SET_ASIDE_SUFFIX = ".set-aside"  # beside the submission: <student>/.<assignment>.set-aside/
TIMEOUT_ERRORS = {"CellTimeoutError", "KeyboardInterrupt"}


@dataclass(frozen=True)
class Issue:
    assignment: str
    student: str
    file: str
    problem: str
    action: str

    def __str__(self) -> str:
        return f"{self.student}: {self.file}: {self.problem} ({self.action})"


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, "not a text file (not a notebook)"
    except OSError as e:
        return None, f"cannot be read: {e.strerror}"
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        return None, f"not valid JSON (line {e.lineno}: {e.msg}); the file is corrupt or not a notebook"
    try:
        return nbformat.reads(text, as_version=4), None
    except Exception as e:
        return None, f"JSON but not a notebook: {str(e).splitlines()[0]}"


def grade_ids_of(path: Path) -> set[str]:
    notebook, _ = _read_notebook(path)
    return {_nbgrader(c)["grade_id"] for c in notebook.cells if _nbgrader(c).get("grade_id")} if notebook else set()


def _belongs_elsewhere(path: Path, mine: set[str], others: dict[str, set[str]]) -> str | None:
    """The other assignment this notebook is from: it shares more cells with that one than with this one."""
    ids = grade_ids_of(path)
    best = max(others, key=lambda name: len(ids & others[name]), default=None)
    if best is None or len(ids & others[best]) <= len(ids & mine):
        return None
    return best


def set_aside_folder(folder: Path) -> Path:
    """Where links and special files of the submission ``folder`` are kept: beside it, where nbgrader never looks."""
    return folder.parent / f".{folder.name}{SET_ASIDE_SUFFIX}"


def _set_aside_special_entries(folder: Path, assignment: str, student: str) -> list[Issue]:
    """Move every link, pipe, socket or device out of the submission, keeping it (the link itself, not its target).

    nbgrader copies a submission's other files into ``autograded/`` and then ``feedback/`` with a copy that follows
    links (a link to the trainer's answer key would become a copy of it) and that blocks on a pipe, so such entries
    must not stay in the folder at all, whatever their name.
    """
    aside = set_aside_folder(folder)
    issues = []
    for name in special_entries(folder):
        kept = aside / name
        kept.parent.mkdir(parents=True, exist_ok=True)
        (folder / name).replace(kept)  # a rename moves the link itself and never opens what it points to
        where = f"kept in {kept.relative_to(folder.parent.parent).as_posix()}"
        graded = ("not graded: 0 points for it" if name.endswith(".ipynb") and "/" not in name
                  else "not given to the grader")
        issues.append(Issue(assignment, student, name, "a link or special file, not a regular file (a link "
                            "could reach the trainer's files)", f"{graded}; {where}"))
    earlier = {i.file for i in issues}
    for here, folders, files in os.walk(aside):  # set aside on an earlier run: report it again (links not followed)
        for entry in sorted(folders + files):
            path = Path(here) / entry
            name = path.relative_to(aside).as_posix()
            if name not in earlier and (path.is_symlink() or not path.is_dir()):
                issues.append(Issue(assignment, student, name, "a link or special file (set aside earlier)",
                                    f"not graded; kept in {path.relative_to(folder.parent.parent).as_posix()}"))
    return issues


def inspect_submission(folder: Path, assignment: str, student: str, released: dict[str, Path],
                       sources: dict[str, Path] | None = None,
                       other_assignments: dict[str, set[str]] | None = None) -> list[Issue]:
    """Check (and where safe, fix) one student's submitted folder against the released notebooks by name.

    ``sources`` (the trainer's notebooks) are accepted as unedited too: test cells there include hidden tests.
    ``other_assignments`` (assignment -> its grade ids) lets a notebook of another assignment be named as such.
    """
    sources = sources or {}
    others = other_assignments or {}
    mine = {i for path in released.values() for i in grade_ids_of(path)}
    issues: list[Issue] = []
    issues += _set_aside_special_entries(folder, assignment, student)
    found = {p.stem: p for p in folder.glob("*.ipynb")}
    for name, path in list(found.items()):
        elsewhere = _belongs_elsewhere(path, mine, others)
        if elsewhere:
            aside = path.with_name(path.name + OTHER_ASSIGNMENT_SUFFIX)
            path.replace(aside)
            del found[name]
            issues.append(Issue(assignment, student, path.name,
                                f"this is the notebook of the assignment {elsewhere}, not {assignment}",
                                f"not graded: 0 points for it; kept as {aside.name}"))
    for aside in sorted(folder.glob(f"*.ipynb{OTHER_ASSIGNMENT_SUFFIX}")):
        if not any(aside.name.startswith(i.file) for i in issues):
            issues.append(Issue(assignment, student, aside.name.removesuffix(OTHER_ASSIGNMENT_SUFFIX),
                                "the notebook of another assignment (set aside earlier)",
                                f"not graded: 0 points for it; kept as {aside.name}"))
    unexpected = sorted(set(found) - set(released))
    for name in sorted(released):
        expected = folder / f"{name}.ipynb"
        set_aside = folder / f"{name}.ipynb{CORRUPT_SUFFIX}"
        if name not in found and set_aside.exists():  # set aside on an earlier run: report it again
            _, error = _read_notebook(set_aside)
            issues.append(Issue(assignment, student, expected.name, error or "unreadable",
                                f"graded as not submitted: 0 points; kept as {set_aside.name}"))
            continue
        if name not in found and (folder / f"{name}.ipynb{OTHER_ASSIGNMENT_SUFFIX}").exists():
            continue  # already reported above
        if name not in found:
            candidates = [found[u] for u in unexpected]
            if len(candidates) == 1:
                shutil.copy2(candidates[0], expected)
                issues.append(Issue(assignment, student, candidates[0].name,
                                    f"misnamed: expected {expected.name}",
                                    f"graded as {expected.name}; the original file is kept"))
                unexpected.remove(candidates[0].stem)
            else:
                names = ", ".join(c.name for c in candidates) or "no notebook at all"
                issues.append(Issue(assignment, student, expected.name, f"missing (found: {names})",
                                    "graded as not submitted: 0 points for its cells"))
                continue
        issues += _inspect_notebook(expected, assignment, student, released[name], sources.get(name))
    for name in unexpected:
        copies = [e for e in released if (folder / f"{e}.ipynb").exists()
                  and (folder / f"{e}.ipynb").read_bytes() == found[name].read_bytes()]
        if copies:  # copied to the expected name on an earlier run
            issues.append(Issue(assignment, student, found[name].name, f"misnamed: expected {copies[0]}.ipynb",
                                f"graded as {copies[0]}.ipynb; the original file is kept"))
        else:
            issues.append(Issue(assignment, student, found[name].name, "not a notebook of this assignment",
                                "ignored (kept in the submission folder)"))
    return issues


def _inspect_notebook(path: Path, assignment: str, student: str, released_path: Path,
                      source_path: Path | None) -> list[Issue]:
    notebook, error = _read_notebook(path)
    if notebook is None:
        aside = path.with_name(path.name + CORRUPT_SUFFIX)
        path.replace(aside)
        return [Issue(assignment, student, path.name, error or "unreadable",
                      f"graded as not submitted: 0 points; kept as {aside.name}")]
    released = nbformat.read(released_path, as_version=4)
    issues = []
    submitted_cells = {}
    for cell in notebook.cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id:
            submitted_cells.setdefault(grade_id, cell)
    released_cells = [(c, _nbgrader(c)) for c in released.cells if _nbgrader(c).get("grade_id")]
    original_sources: dict[str, set[str]] = {meta["grade_id"]: {c.source} for c, meta in released_cells}
    if source_path is not None:
        for c in nbformat.read(source_path, as_version=4).cells:
            if _nbgrader(c).get("grade_id") in original_sources:
                original_sources[_nbgrader(c)["grade_id"]].add(c.source)
    if not submitted_cells and released_cells:
        same_layout = len(notebook.cells) == len(released.cells)
        issues.append(Issue(assignment, student, path.name, "all nbgrader cell metadata was stripped",
                            "metadata restored by cell position; tests restored from the gradebook" if same_layout
                            else "tests restored from the gradebook; answers could not be located: 0 points for them"))
        return issues
    for cell, meta in released_cells:
        grade_id = meta["grade_id"]
        mine = submitted_cells.get(grade_id)
        if mine is None:
            kind = "test" if meta.get("grade") and not meta.get("solution") else "answer"
            action = ("restored from the gradebook" if meta.get("grade")
                      else "not restored: its question's tests will fail")
            issues.append(Issue(assignment, student, path.name,
                                f"{kind} cell {grade_id} was deleted (or lost its metadata)", action))
            continue
        if mine.cell_type != cell.cell_type:
            issues.append(Issue(assignment, student, path.name,
                                f"cell {grade_id} was changed from {cell.cell_type} to {mine.cell_type}",
                                f"changed back to {cell.cell_type} for grading"))
        if meta.get("locked") and mine.source not in original_sources[grade_id]:
            what = "test cell" if meta.get("grade") else "read-only cell"
            issues.append(Issue(assignment, student, path.name, f"{what} {grade_id} was edited",
                                "the original was restored from the gradebook for grading"))
    return issues


def inspect_autograded(folder: Path, assignment: str, student: str) -> list[Issue]:
    """What grading noted in the autograded notebooks: cells past the time limit, a stopped kernel, tampering."""
    from frontline.grading.preprocessors import FINDING_MIME

    issues = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:
            continue
        for index, cell in enumerate(notebook.cells):
            where = _nbgrader(cell).get("grade_id") or f"cell {index + 1}"
            outputs = cell.get("outputs", [])
            errors = [o.get("ename") for o in outputs if o.get("output_type") == "error"]
            if TIMEOUT_ERRORS.intersection(errors):
                issues.append(Issue(assignment, student, path.name, f"{where} ran past the time limit",
                                    "interrupted; the rest of the notebook was graded"))
            for output in outputs:
                finding = (output.get("data") or {}).get(FINDING_MIME)
                if isinstance(finding, dict):
                    issues.append(Issue(assignment, student, path.name, str(finding.get("problem", "")),
                                        str(finding.get("action", ""))))
    return issues


def write_report(path: Path, issues: list[Issue], replace_students: set[str]) -> None:
    """Write the report, keeping earlier entries of students not graded in this run.

    Two runs may write one report at once (``frontline grade autograde`` and the formgrader's Autograde button):
    each holds a lock on a file beside it from reading to writing, and writes a new file that replaces the old in
    one step, so no run loses another's entries and no reader sees half a report.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept: list[Issue] = []
        if path.exists():
            with path.open(newline="", encoding="utf-8") as handle:
                kept = [Issue(**row) for row in csv.DictReader(handle) if row["student"] not in replace_students]
        rows = sorted([*kept, *issues], key=lambda i: (i.student, i.file, i.problem))
        written = path.with_name(f".{path.name}.{os.getpid()}.new")
        with written.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, [f.name for f in fields(Issue)], lineterminator="\n")
            writer.writeheader()
            writer.writerows(asdict(i) for i in rows)
        written.replace(path)


def read_report(path: Path) -> list[Issue]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [Issue(**row) for row in csv.DictReader(handle)]
