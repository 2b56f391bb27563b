"""Take submissions in: from the nbgrader exchange, or from a folder or zip downloaded from an LMS.

An LMS download is read losslessly: every file is keyed by the LMS's own student id, never by a guess from a name.

* Canvas: ``lastfirst[_LATE]_<user id>_<submission id>_<file name>`` (the LATE flag is kept);
* Moodle: ``<Full Name>_<participant id>_assignsubmission_file_/<file name>`` (folders) or the same prefix on
  the file name (flat download);
* any other layout: one folder per student, named by the student id.

Without a roster the student id is the LMS id. With a roster (CSV with ``student_id`` and optional ``lms_id``,
``email``, ``name`` columns) the LMS id is looked up in ``lms_id``; failing that, the name must equal one roster
name as whole words in any order ("Smith Jane" is "Jane Smith"; Canvas's "smithjane" is either order run
together). A file that matches nobody, or more than one roster row, or whose student is claimed by two LMS ids,
is refused and listed, never guessed. Nothing already in ``submitted/`` is replaced. Each submission gets
nbgrader's ``timestamp.txt`` (the file's time in the download), so nbgrader's late penalty applies against the
due date in the gradebook; the LMS's LATE flag, id and name go to ``reports/<assignment>/lms_import.csv``, the
gradebook's student record (``lms_user_id``, name) and the export.
"""

from __future__ import annotations

import csv
import filecmp
import itertools
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from frontline.grading.course import Course
from frontline.grading.files import special_entries
from frontline.grading.integrity import Issue, write_report
from frontline.responses import RESPONSES_FOLDER

SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store"}
CANVAS = re.compile(r"^(?P<name>[a-z0-9-]+?)(?P<late>_LATE)?_(?P<id>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>[^/]+?)_(?P<id>\d+)_assignsubmission_[a-z]+_(?:/(?P<file>.+)|(?P<flat>[^/]+))$")
LMS_FIELDS = ["student", "lms", "lms_id", "lms_name", "late", "timestamp", "files"]
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


class CollectError(RuntimeError):
    pass


@dataclass
class Collection:
    students: dict[str, list[str]] = field(default_factory=dict)  # student -> files saved (or to save)
    issues: list[Issue] = field(default_factory=list)
    mapping: list[dict[str, str]] = field(default_factory=list)  # one row per student imported (LMS_FIELDS)


@dataclass
class Entry:
    """One file of the download and whose it is, as the LMS says."""

    path: Path
    relative: str
    lms: str  # canvas, moodle or folder
    lms_id: str
    name: str
    file: str
    late: bool
    time: datetime


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9@.]", "", _fold(text))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", _fold(name)) if w]


def read_roster(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "student_id" not in reader.fieldnames:
                raise CollectError(f"{path}: line 1: the roster needs a 'student_id' column "
                                   f"(found: {', '.join(reader.fieldnames or []) or 'nothing'})")
            rows, seen = [], {}
            for line, row in enumerate(reader, start=2):
                if not (row.get("student_id") or "").strip():
                    raise CollectError(f"{path}: line {line}: field 'student_id' is empty")
                clean = {k: (v or "").strip() for k, v in row.items() if k}
                for key in ("student_id", "lms_id"):
                    value = clean.get(key)
                    if value and (key, value) in seen:
                        raise CollectError(f"{path}: line {line}: {key} {value!r} is already on line "
                                           f"{seen[key, value]}")
                    seen[key, value] = line
                rows.append(clean)
            return rows
    except OSError as e:
        raise CollectError(f"{path}: cannot read the roster: {e.strerror}") from e


def _unpack(source: Path, scratch: Path) -> tuple[Path, dict[str, datetime]]:
    """The folder to read and, for a zip, each member's time as stored in the zip."""
    if source.is_dir():
        return source, {}
    if not source.exists():
        raise CollectError(f"{source}: no such file or folder")
    times = {}
    try:
        with zipfile.ZipFile(source) as archive:
            for member in archive.infolist():
                target = (scratch / member.filename).resolve()
                if not str(target).startswith(str(scratch.resolve())):
                    continue  # a path that would escape the folder: never extract it
                archive.extract(member, scratch)
                times[PurePosixPath(member.filename).as_posix()] = datetime(*member.date_time, tzinfo=UTC)
    except zipfile.BadZipFile as e:
        raise CollectError(f"{source}: not a zip file or a folder ({e})") from e
    return scratch, times


def _files_in(root: Path) -> list[Path]:
    """Every file below ``root``, links and special files included (they are refused later), links not followed."""
    found = []
    for here, folders, files in os.walk(root):  # never descends into a linked folder
        found += [Path(here) / name for name in files]
        found += [Path(here) / name for name in folders if (Path(here) / name).is_symlink()]
    return found


def _entry(path: Path, relative: str, time: datetime) -> Entry | None:
    parts = PurePosixPath(relative).parts
    canvas = CANVAS.match(relative) if len(parts) == 1 else None
    if canvas:
        return Entry(path, relative, "canvas", canvas["id"], canvas["name"], canvas["file"], bool(canvas["late"]),
                     time)
    moodle = MOODLE.match(relative)
    if moodle:
        return Entry(path, relative, "moodle", moodle["id"], moodle["name"], moodle["file"] or moodle["flat"],
                     False, time)
    if len(parts) > 1:
        return Entry(path, relative, "folder", parts[0], parts[0], PurePosixPath(*parts[1:]).as_posix(), False,
                     time)
    return None


def _name_matches(entry: Entry, row: dict[str, str]) -> bool:
    roster_words = _words(row.get("name", ""))
    if not roster_words:
        return False
    if entry.lms == "canvas":  # "lastfirst": the roster's words run together, in some order
        squashed = re.sub(r"[^a-z0-9]", "", entry.name)
        return len(roster_words) <= 5 and any("".join(p) == squashed for p in itertools.permutations(roster_words))
    return sorted(_words(entry.name)) == sorted(roster_words)


def _candidates(entry: Entry, roster: list[dict[str, str]]) -> list[dict[str, str]]:
    by_id = [r for r in roster if r.get("lms_id") and r["lms_id"] == entry.lms_id]
    if by_id:
        return by_id
    if entry.lms == "folder":
        exact = [r for r in roster if entry.lms_id in (r["student_id"], r.get("email", ""))]
        if exact:
            return exact
    return [r for r in roster if _name_matches(entry, r)]


def _same_files(folder: Path, files: dict[str, Path]) -> bool:
    return all((folder / name).is_file() and filecmp.cmp(folder / name, path, shallow=False)
               for name, path in files.items())


def import_lms(course: Course, assignment: str, source: Path, roster_path: Path | None = None,
               dry_run: bool = False) -> Collection:
    """Copy an LMS download into ``submitted/<student>/<assignment>/``; report (and skip) what does not fit.

    With ``dry_run`` nothing is written: the collection holds the mapping and the issues it would report.
    """
    roster = read_roster(roster_path) if roster_path else None
    expected = course.notebook_names(assignment)
    # graded situations whose answer is a record file (responses/<item>.json): an LMS that keeps no folders hands
    # those files over beside the notebook, where the marking would not find them
    record_ids = record_items(course.kit.exercises / assignment, expected)
    collection = Collection()
    with tempfile.TemporaryDirectory(prefix="frontline-lms-") as scratch:
        root, times = _unpack(source, Path(scratch))
        files = sorted(p for p in _files_in(root) if not (SKIP_PARTS & set(p.parts)) and not p.name.startswith("."))
        by_key: dict[tuple[str, str], list[Entry]] = {}
        for path in files:
            relative = path.relative_to(root).as_posix()
            time = times.get(relative) or datetime.fromtimestamp(path.lstat().st_mtime, tz=UTC)
            entry = _entry(path, relative, time)
            if entry is None:
                collection.issues.append(Issue(assignment, "", relative, "cannot tell whose file this is (not in "
                                               "a Canvas, Moodle or one-folder-per-student layout)",
                                               "not imported; put it in a folder named after the student"))
                continue
            by_key.setdefault((entry.lms, entry.lms_id), []).append(entry)
        owners: dict[str, list[tuple[str, str]]] = {}
        for key, entries in sorted(by_key.items()):
            first = entries[0]
            if roster is None:
                owners.setdefault(first.lms_id, []).append(key)
                continue
            rows = _candidates(first, roster)
            if len(rows) == 1:
                owners.setdefault(rows[0]["student_id"], []).append(key)
                continue
            problem = ("matches no student on the roster" if not rows else
                       f"matches {len(rows)} students on the roster ({', '.join(r['student_id'] for r in rows)})")
            for entry in entries:
                collection.issues.append(Issue(assignment, "", entry.relative, f"{problem} by LMS id "
                                               f"{entry.lms_id} or name {entry.name!r}",
                                               "not imported; add the LMS id (lms_id) to the roster"))
        for student, keys in sorted(owners.items()):
            entries = [e for key in keys for e in by_key[key]]
            if len(keys) > 1:
                for entry in entries:
                    collection.issues.append(Issue(
                        assignment, student, entry.relative,
                        f"{len(keys)} LMS accounts ({', '.join(k[1] for k in keys)}) match this student",
                        "none imported; add the LMS id (lms_id) to the roster"))
                continue
            _take(course, assignment, student, entries, expected, collection, dry_run, record_ids)
    if roster is not None:
        for row in roster:
            if row["student_id"] not in collection.students and not any(
                    i.student == row["student_id"] for i in collection.issues):
                collection.issues.append(Issue(assignment, row["student_id"], "(nothing)", "no submission found",
                                               "listed in the export with 0 points"))
    if not dry_run:
        write_report(course.reports / assignment / "collection.csv", collection.issues,
                     {*collection.students, "", *(r["student_id"] for r in roster or [])})
        _write_mapping(course, assignment, collection.mapping)
    return collection


def record_items(exercise: Path, notebooks: list[str]) -> set[str]:
    """The items of an exercise whose answers are record files: those its hidden tests mark by replay."""
    from frontline.grading.replay import scenario_calls_in

    return {call.item_id for name in notebooks for call in scenario_calls_in(exercise / f"{name}.ipynb")}


def _take(course: Course, assignment: str, student: str, entries: list[Entry], expected: list[str],
          collection: Collection, dry_run: bool, record_ids: frozenset[str] | set[str] = frozenset()) -> None:
    """Choose the files of one student's submission and save them, unless that would replace anything."""
    chosen: dict[str, Path] = {}
    issues: list[Issue] = []
    special = [e for e in entries if not stat.S_ISREG(e.path.lstat().st_mode)]
    if special:  # a link would copy whatever it names (the trainer's files) into the submission
        for entry in special:
            collection.issues.append(Issue(assignment, student, entry.relative, "a link or special file, not a "
                                           "regular file", "the student's submission was not imported"))
        return
    notebooks = [e for e in entries if e.file.endswith(".ipynb")]
    graded: list[PurePosixPath] = []
    for name in expected:
        exact = [e for e in notebooks if PurePosixPath(e.file).name == f"{name}.ipynb"]
        related = exact or [e for e in notebooks if _normal(name) in _normal(PurePosixPath(e.file).stem)] or notebooks
        if len(related) != 1:
            what = "no notebook" if not related else f"{len(related)} notebooks, none named {name}.ipynb"
            issues.append(Issue(assignment, student, f"{name}.ipynb", f"missing ({what})",
                                "graded as not submitted unless fixed by hand"))
            continue
        if not exact:
            issues.append(Issue(assignment, student, related[0].relative, f"misnamed: expected {name}.ipynb",
                                f"saved as {name}.ipynb"))
        chosen[f"{name}.ipynb"] = related[0].path
        notebooks.remove(related[0])
        graded.append(PurePosixPath(related[0].file).parent)
    # the other files keep their place relative to the graded notebook (its responses/ folder, data it reads)
    base = graded[0] if graded else PurePosixPath(".")
    saved_from: dict[str, Entry] = {}
    for entry in [e for e in entries if not e.file.endswith(".ipynb")] + notebooks:
        place = PurePosixPath(entry.file)
        place = place.relative_to(base) if place.is_relative_to(base) else place
        if place.is_absolute() or any(part in ("", ".", "..") for part in place.parts):
            issues.append(Issue(assignment, student, entry.relative, "a file name that leads out of the "
                                "submission folder", "not imported"))
            continue
        if len(place.parts) == 1 and place.suffix == ".json" and place.stem in record_ids:
            place = PurePosixPath(RESPONSES_FOLDER, place.name)
            issues.append(Issue(assignment, student, entry.relative, "a graded answer's record outside its "
                                f"{RESPONSES_FOLDER} folder (the upload kept no folders)", f"saved as {place}"))
        name = place.as_posix()
        if name in chosen:
            first = saved_from[name].relative if name in saved_from else f"the graded notebook {name}"
            issues.append(Issue(assignment, student, entry.relative, f"would be saved as {name}, like {first}",
                                f"not imported; {first} was kept"))
            continue
        chosen[name], saved_from[name] = entry.path, entry
        if entry in notebooks:  # further notebooks are kept beside the graded one, and reported
            issues.append(Issue(assignment, student, entry.relative, "an extra notebook", "kept, not graded"))
    target = course.folder("submitted", student, assignment)
    if target.exists() and not _same_files(target, chosen):
        collection.issues.append(Issue(assignment, student, target.relative_to(course.root).as_posix(),
                                       "already holds a different submission",
                                       "not imported: nothing was replaced; move the folder away to import again"))
        return
    collection.issues += issues
    time = max(e.time for e in entries)
    late = any(e.late for e in entries)
    collection.students[student] = sorted(chosen)
    first = entries[0]
    collection.mapping.append({"student": student, "lms": first.lms, "lms_id": first.lms_id,
                               "lms_name": first.name, "late": "yes" if late else "no",
                               "timestamp": time.strftime(TIMESTAMP_FORMAT), "files": "; ".join(
                                   e.relative for e in entries)})
    if dry_run or target.exists():
        return
    target.mkdir(parents=True)
    for name, path in chosen.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / name)
    (target / "timestamp.txt").write_text(time.strftime(TIMESTAMP_FORMAT), encoding="utf-8")
    _record_student(course, student, first)


def _record_student(course: Course, student: str, entry: Entry) -> None:
    from nbgrader.api import Gradebook

    words = entry.name.split() if entry.lms != "canvas" else []
    with Gradebook(course.db_url) as gb:
        gb.update_or_create_student(student, lms_user_id=f"{entry.lms}:{entry.lms_id}" if entry.lms != "folder"
                                    else None, first_name=" ".join(words[:-1]) or None,
                                    last_name=words[-1] if words else None)


def _write_mapping(course: Course, assignment: str, rows: list[dict[str, str]]) -> None:
    """Keep earlier imports' rows for other students: the file is the record of where each submission came from."""
    path = course.reports / assignment / "lms_import.csv"
    kept = read_mapping(course, assignment)
    mine = {r["student"] for r in rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, LMS_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted([*(r for r in kept if r["student"] not in mine), *rows], key=lambda r: r["student"]))


def read_mapping(course: Course, assignment: str) -> list[dict[str, str]]:
    path = course.reports / assignment / "lms_import.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def set_due_date(course: Course, assignment: str, due: datetime) -> None:
    """The due date nbgrader's late penalty is measured from (stored in the gradebook)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        gb.update_or_create_assignment(assignment, duedate=due.astimezone(UTC).replace(tzinfo=None))


def collect_exchange(course: Course, assignment: str) -> Collection:
    """nbgrader's collect from the exchange; the students collected are those now in ``submitted/``."""
    result = course.api().collect(assignment, update=True)
    if not result["success"]:
        raise CollectError(f"collecting {assignment} from the exchange {course.exchange} failed:\n"
                           + "\n".join((result.get("error") or result.get("log") or "").strip().splitlines()[-5:]))
    collection = Collection(issues=refused_in_exchange(course, assignment))
    submitted = course.root / "submitted"
    for folder in sorted(submitted.glob(f"*/{assignment}")) if submitted.is_dir() else []:
        collection.students[folder.parent.name] = sorted(p.name for p in folder.iterdir())
    write_report(course.reports / assignment / "collection.csv", collection.issues,
                 {*collection.students, *(issue.student for issue in collection.issues)})
    return collection


def refused_in_exchange(course: Course, assignment: str) -> list[Issue]:
    """The hand-ins in the exchange that collect refuses, as it refuses them (see :mod:`frontline.hub.exchange`).

    * On a shared exchange, a folder not made by the student its name claims is reported under the account that
      made it (the same owner check as :class:`~frontline.hub.exchange.OwnerCheckedCollect`), never under the
      student it names.
    * A hand-in holding a link or another non-regular file gets one entry per such file, under its student, saying
      which of that student's hand-ins was collected instead: a later clean one, an earlier one, or none.
    """
    from nbgrader.utils import parse_utc

    from frontline.grading.course import COURSE_ID
    from frontline.hub.exchange import owner_name, shared_exchange_enabled

    inbound = course.exchange / COURSE_ID / "inbound"
    shared = shared_exchange_enabled()
    handins = []  # (folder, student named, account that made it, time handed in, files that are not regular)
    for folder in sorted(inbound.glob(f"*+{assignment}+*")) if inbound.is_dir() else []:
        student, _, rest = folder.name.partition(f"+{assignment}+")
        stamp = rest.rsplit("+", 1)[0]
        try:
            uid = folder.lstat().st_uid
            special = special_entries(folder) if folder.is_dir() and not folder.is_symlink() else [folder.name]
            time = parse_utc(stamp) if stamp else None
        except (OSError, ValueError):
            continue
        maker = (owner_name(uid) or f"the account with user id {uid}") if shared else student
        handins.append((folder, student, maker, time, special))
    # what collect takes of each student: their latest own hand-in holding only regular files
    collected: dict[str, datetime | None] = {}
    for _, student, maker, time, special in sorted(handins, key=lambda h: (h[3] is not None, h[3] or 0)):
        if maker == student and not special:
            collected[student] = time
    issues = []
    for folder, student, maker, time, special in handins:
        when = f"handed in at {time:%Y-%m-%d %H:%M} UTC" if time else "handed in"
        if maker != student:
            issues.append(Issue(assignment, maker, folder.name, f"a folder {when} in the name of {student}, made "
                                f"by {maker}", f"not collected: nothing of it counts as {student}'s work"))
            continue
        if student not in collected:
            instead = "no hand-in of this student was collected"
        elif collected[student] is None or time is None:
            instead = "another hand-in of this student, without links, was collected"
        else:
            at = f"{collected[student]:%Y-%m-%d %H:%M} UTC"
            instead = (f"the later hand-in of {at}, without links, was collected" if collected[student] > time
                       else f"the earlier hand-in of {at} was collected instead")
        for name in special:
            issues.append(Issue(assignment, student, name, f"the submission {when} holds {name}, a link or "
                                "special file rather than a regular file",
                                f"that submission was not collected (a link could reach the trainer's files); "
                                f"{instead}"))
    return issues
