"""Take submissions in: from the nbgrader exchange, or from a folder or zip downloaded from an LMS.

LMS downloads name files after the student in many ways (``Ana Silva_12345_assignsubmission_file_/x.ipynb``,
``silvaana_12345_67890_diagnosis.ipynb``, ``s001/diagnosis.ipynb``). Each file is matched to a student id: with a
roster (CSV with ``student_id`` and optional ``lms_id``, ``email``, ``name`` columns) by any of those appearing in
the file's path; without one, by the top folder's name or the file name's first word. Files that match no one,
and roster students with no file, are reported; a notebook under another name is saved under the expected one.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from frontline.grading.course import Course
from frontline.grading.integrity import Issue, write_report

SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store"}


class CollectError(RuntimeError):
    pass


@dataclass
class Collection:
    students: dict[str, list[str]] = field(default_factory=dict)  # student -> files saved
    issues: list[Issue] = field(default_factory=list)


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9@.]", "", text.lower())


def _tokens(path: str) -> set[str]:
    return {t for t in re.split(r"[\s/_\-()\[\],]+", path.lower()) if t}


def read_roster(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "student_id" not in reader.fieldnames:
                raise CollectError(f"{path}: line 1: the roster needs a 'student_id' column "
                                   f"(found: {', '.join(reader.fieldnames or []) or 'nothing'})")
            rows = []
            for line, row in enumerate(reader, start=2):
                if not (row.get("student_id") or "").strip():
                    raise CollectError(f"{path}: line {line}: field 'student_id' is empty")
                rows.append({k: (v or "").strip() for k, v in row.items() if k})
            return rows
    except OSError as e:
        raise CollectError(f"{path}: cannot read the roster: {e.strerror}") from e


def _match(relative: str, roster: list[dict[str, str]] | None) -> str | None:
    if roster is None:
        parts = PurePosixPath(relative).parts
        if len(parts) > 1:
            return re.split(r"[_\s]+", parts[0])[0] or None
        first = re.split(r"[_\-\s]+", PurePosixPath(relative).stem)[0]
        return first or None
    tokens = _tokens(relative)
    squashed = _normal(relative)
    for key in ("student_id", "lms_id", "email"):
        for row in roster:
            if row.get(key) and row[key].lower() in tokens:
                return row["student_id"]
    for row in roster:
        name = _normal(row.get("name", ""))
        if name and name in squashed:
            return row["student_id"]
    return None


def _unpack(source: Path, scratch: Path) -> Path:
    if source.is_dir():
        return source
    if not source.exists():
        raise CollectError(f"{source}: no such file or folder")
    try:
        with zipfile.ZipFile(source) as archive:
            for member in archive.infolist():
                target = (scratch / member.filename).resolve()
                if not str(target).startswith(str(scratch.resolve())):
                    continue  # a path that would escape the folder: never extract it
                archive.extract(member, scratch)
    except zipfile.BadZipFile as e:
        raise CollectError(f"{source}: not a zip file or a folder ({e})") from e
    return scratch


def import_lms(course: Course, assignment: str, source: Path, roster_path: Path | None = None) -> Collection:
    """Copy an LMS download into ``submitted/<student>/<assignment>/`` and report what did not fit."""
    roster = read_roster(roster_path) if roster_path else None
    expected = course.notebook_names(assignment)
    collection = Collection()
    with tempfile.TemporaryDirectory(prefix="frontline-lms-") as scratch:
        root = _unpack(source, Path(scratch))
        files = sorted(p for p in root.rglob("*") if p.is_file() and not (SKIP_PARTS & set(p.parts))
                       and not p.name.startswith("."))
        by_student: dict[str, list[Path]] = {}
        for path in files:
            relative = path.relative_to(root).as_posix()
            student = _match(relative, roster)
            if student is None:
                collection.issues.append(Issue(assignment, "", relative, "matches no student on the roster",
                                               "not imported; rename it or add the student to the roster"))
                continue
            by_student.setdefault(student, []).append(path)
        for student, paths in sorted(by_student.items()):
            target = course.folder("submitted", student, assignment)
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            saved = []
            notebooks = [p for p in paths if p.suffix == ".ipynb"]
            for name in expected:
                exact = [p for p in notebooks if p.name == f"{name}.ipynb"]
                if exact:
                    chosen = exact[0]
                else:
                    related = [p for p in notebooks if _normal(name) in _normal(p.stem)] or notebooks
                    if len(related) != 1:
                        what = "no notebook" if not related else f"{len(related)} notebooks, none named {name}.ipynb"
                        collection.issues.append(Issue(assignment, student, f"{name}.ipynb", f"missing ({what})",
                                                       "graded as not submitted unless fixed by hand"))
                        continue
                    chosen = related[0]
                    collection.issues.append(Issue(assignment, student, chosen.relative_to(root).as_posix(),
                                                   f"misnamed: expected {name}.ipynb", f"saved as {name}.ipynb"))
                shutil.copy2(chosen, target / f"{name}.ipynb")
                saved.append(f"{name}.ipynb")
                notebooks.remove(chosen)
            for path in paths:
                if path.suffix != ".ipynb":
                    shutil.copy2(path, target / path.name)
                    saved.append(path.name)
            for path in notebooks:  # further notebooks are kept beside the graded one, and reported
                shutil.copy2(path, target / path.name)
                collection.issues.append(Issue(assignment, student, path.relative_to(root).as_posix(),
                                               "an extra notebook", "kept, not graded"))
            collection.students[student] = saved
    if roster is not None:
        for row in roster:
            if row["student_id"] not in collection.students:
                collection.issues.append(Issue(assignment, row["student_id"], "(nothing)", "no submission found",
                                               "listed in the export with 0 points"))
    write_report(course.reports / assignment / "collection.csv", collection.issues,
                 {*collection.students, "", *(r["student_id"] for r in roster or [])})
    return collection


def collect_exchange(course: Course, assignment: str) -> Collection:
    """nbgrader's collect from the exchange; the students collected are those now in ``submitted/``."""
    result = course.api().collect(assignment, update=True)
    if not result["success"]:
        raise CollectError(f"collecting {assignment} from the exchange {course.exchange} failed:\n"
                           + "\n".join((result.get("error") or result.get("log") or "").strip().splitlines()[-5:]))
    collection = Collection()
    submitted = course.root / "submitted"
    for folder in sorted(submitted.glob(f"*/{assignment}")) if submitted.is_dir() else []:
        collection.students[folder.parent.name] = sorted(p.name for p in folder.iterdir())
    return collection
