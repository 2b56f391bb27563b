"""Question files: ``data/questions/<lesson id or exercise name>.yaml``, read with line numbers and validated.

A file holds the self-check questions of one lesson (``lesson: 03_diagnosis``) or of one graded exercise
(``exercise: diagnosis``). Validation is the JSON schema ``questions.schema.json`` plus what a schema cannot see:
that the lesson or exercise exists, each objective is one of the lesson's, each named computation or property test
is registered and given the parameters it takes, tables are the kit's or handed over by the lesson, a choice has
exactly one right option, and each exercise self-check has a stored digest. Every problem names file, line, field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from frontline.kit import KitPaths, kit_paths
from frontline.learn import computations as _computations  # noqa: F401  (registers the computations)
from frontline.learn import properties as _properties  # noqa: F401  (registers the property tests)
from frontline.learn.computations import KIT_TABLES
from frontline.learn.registry import COMPUTATIONS, PROPERTIES
from frontline.problems import ContentError, Problem
from frontline.scenarios.loader import schema_problems
from frontline.yamlsource import KeyPath, LocatedData, read_yaml

SCHEMA_FILE = Path(__file__).with_name("questions.schema.json")
LESSON_TYPES = ("number", "text", "choice", "series")
EXERCISE_ONLY = ("answer_name", "properties", "digest", "call_with")
LESSON_ONLY = ("task", "answer", "given", "tolerance", "accept", "options", "solution")
MISTAKE_SOURCES = ("computation", "scale", "round", "value")


@dataclass(frozen=True)
class QuestionFile:
    """A validated question file: ``owner`` is the lesson id or exercise name, ``kind`` "lesson" or "exercise"."""

    file: Path
    kind: str
    owner: str
    questions: tuple[dict[str, Any], ...]

    def question(self, question_id: str) -> dict[str, Any]:
        for question in self.questions:
            if question["id"] == question_id:
                return question
        raise KeyError(f"{self.file.name} has no question {question_id!r}; it has "
                       f"{', '.join(q['id'] for q in self.questions)}")


@cache
def question_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def questions_folder(paths: KitPaths | None = None) -> Path:
    return (paths or kit_paths()).data / "questions"


def lesson_objectives(notebooks: Path) -> dict[str, list[str]]:
    """Each lesson's objectives by its two-digit number, read from the notebooks' metadata."""
    objectives: dict[str, list[str]] = {}
    for notebook in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        try:
            lesson = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["frontline"]["lesson"]
            objectives[notebook.name[:2]] = list(lesson["objectives"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # the lessons checker reports broken lesson metadata
    return objectives


def read_question_file(file: Path, paths: KitPaths | None = None) -> tuple[QuestionFile | None, list[Problem]]:
    """The file's questions, or None and every problem found."""
    paths = paths or kit_paths()
    try:
        located = read_yaml(file)
    except ContentError as e:
        return None, e.problems
    problems = schema_problems(located, question_schema())
    if problems:
        return None, problems
    if ("lesson" in located.data) == ("exercise" in located.data):
        return None, [Problem(located.file, "give either 'lesson' (a lesson notebook's id) or 'exercise' (a graded "
                                            "exercise's name), exactly one of them", line=1)]
    problems = _reference_problems(located, paths)
    if problems:
        return None, problems
    data = located.data
    kind = "lesson" if "lesson" in data else "exercise"
    return QuestionFile(Path(file), kind, data[kind], tuple(data["questions"])), []


def _reference_problems(located: LocatedData, paths: KitPaths) -> list[Problem]:
    data, file = located.data, located.file
    problems: list[Problem] = []
    kind = "lesson" if "lesson" in data else "exercise"
    owner = data[kind]
    if owner != file.stem:
        problems.append(located.problem((kind,), f"{owner!r} does not match the file name {file.stem!r}"))
    if kind == "lesson" and not (paths.notebooks / f"{owner}.ipynb").is_file():
        problems.append(located.problem((kind,), f"there is no lesson notebook notebooks/{owner}.ipynb"))
    # a kit without exercises (a lessons-only copy) keeps its exercises' question files for later
    if kind == "exercise" and paths.exercises.is_dir() and not (paths.exercises / owner / f"{owner}.ipynb").is_file():
        problems.append(located.problem((kind,), f"there is no exercise exercises/{owner}/{owner}.ipynb"))
    objectives = lesson_objectives(paths.notebooks)
    seen: dict[str, int] = {}
    for index, question in enumerate(data["questions"]):
        where: KeyPath = ("questions", index)
        if question["id"] in seen:
            problems.append(located.problem((*where, "id"), f"question id {question['id']!r} is used twice (first "
                                                             f"as questions[{seen[question['id']]}])"))
        seen.setdefault(question["id"], index)
        problems += _objective_problems(located, where, question, owner if kind == "lesson" else None, objectives)
        if kind == "lesson":
            problems += _lesson_question_problems(located, where, question)
        else:
            problems += _exercise_question_problems(located, where, question, owner)
    return problems


def _objective_problems(located: LocatedData, where: KeyPath, question: dict[str, Any], lesson: str | None,
                        objectives: dict[str, list[str]]) -> list[Problem]:
    number, _, position = question["objective"].partition(".")
    if lesson is not None and number != lesson[:2]:
        return [located.problem((*where, "objective"), f"objective {question['objective']} is not one of this "
                                                      f"lesson's (they start with {lesson[:2]}.)")]
    listed = objectives.get(number)
    if listed is None:
        return [located.problem((*where, "objective"), f"there is no lesson {number}")]
    if int(position) > len(listed):
        numbered = "; ".join(f"{number}.{i} {text}" for i, text in enumerate(listed, 1))
        return [located.problem((*where, "objective"), f"lesson {number} has {len(listed)} objectives: {numbered}")]
    return []


def _not_allowed(located: LocatedData, where: KeyPath, question: dict[str, Any], fields: tuple[str, ...],
                 reason: str) -> list[Problem]:
    return [located.problem((*where, name), f"{name!r} {reason}") for name in fields if name in question]


def _one_source_problems(located: LocatedData, where: KeyPath, source: dict[str, Any],
                         sources: tuple[str, ...]) -> list[Problem]:
    """An answer or mistake gives exactly one of ``sources``; parameters only go with a computation."""
    given = [name for name in sources if name in source]
    if len(given) != 1:
        return [located.problem(where, f"give exactly one of {', '.join(map(repr, sources))}"
                                       + (f", not {' and '.join(map(repr, given))}" if given else ""))]
    if "params" in source and "computation" not in source:
        return [located.problem((*where, "params"), "'params' go with a 'computation'")]
    return []


def _computation_problems(located: LocatedData, where: KeyPath, name: str, params: dict[str, Any],
                          given: list[str]) -> list[Problem]:
    if name not in COMPUTATIONS:
        return [located.problem((*where, "computation"), f"no computation {name!r}; known: "
                                                         f"{', '.join(COMPUTATIONS.names())}")]
    problems = [located.problem((*where, "params", param) if param else (*where, "params"), message)
                for param, message in COMPUTATIONS.get(name).parameter_problems(params)]
    table = params.get("table")
    if isinstance(table, str) and table not in KIT_TABLES and table not in given:
        problems.append(located.problem((*where, "params", "table"), f"table {table!r} is neither one of the "
                                        f"kit's ({', '.join(KIT_TABLES)}) nor listed under 'given'"))
    return problems


def _lesson_question_problems(located: LocatedData, where: KeyPath, question: dict[str, Any]) -> list[Problem]:
    kind = question["type"]
    problems = _not_allowed(located, where, question, EXERCISE_ONLY, "belongs to exercise self-checks")
    if kind not in LESSON_TYPES:
        problems.append(located.problem((*where, "type"), f"a lesson question is one of {', '.join(LESSON_TYPES)}"))
        return problems
    for required in ("task", "solution"):
        if required not in question:
            problems.append(Problem(located.file, f"required field {required!r} is missing",
                                    line=located.line(where), field=f"questions[{where[1]}].{required}"))
    given = question.get("given", [])
    if kind == "choice":
        problems += _not_allowed(located, where, question, ("answer", "tolerance", "accept"),
                                 "does not apply to a choice: mark the right option with 'correct: true'")
        options = question.get("options")
        if not options:
            problems.append(located.problem(where, "a choice question needs 'options'"))
        elif sum(bool(o.get("correct")) for o in options) != 1:
            problems.append(located.problem((*where, "options"), "exactly one option must have 'correct: true'"))
    else:
        problems += _not_allowed(located, where, question, ("options",), f"does not apply to a {kind} question")
        if kind != "text":
            problems += _not_allowed(located, where, question, ("accept",), f"does not apply to a {kind} question")
        if kind == "text":
            problems += _not_allowed(located, where, question, ("tolerance",), "does not apply to a text question")
        if "answer" not in question:
            problems.append(located.problem(where, f"a {kind} question needs an 'answer' (a value or a "
                                                   f"computation)"))
        else:
            answer = question["answer"]
            found = _one_source_problems(located, (*where, "answer"), answer, ("computation", "value"))
            problems += found
            if not found and "computation" in answer:
                problems += _computation_problems(located, (*where, "answer"), answer["computation"],
                                                  answer.get("params", {}), given)
    for mi, mistake in enumerate(question.get("mistakes", [])):
        problems += _not_allowed(located, (*where, "mistakes", mi), mistake, ("test",),
                                 "belongs to exercise self-checks' mistakes")
        found = _one_source_problems(located, (*where, "mistakes", mi), mistake, MISTAKE_SOURCES)
        problems += found
        if not found and "computation" in mistake:
            problems += _computation_problems(located, (*where, "mistakes", mi), mistake["computation"],
                                              mistake.get("params", {}), given)
        if "scale" in mistake and kind not in ("number", "series"):
            problems.append(located.problem((*where, "mistakes", mi, "scale"), "'scale' applies to number and "
                                                                               "series questions only"))
        if "round" in mistake and kind != "number":
            problems.append(located.problem((*where, "mistakes", mi, "round"), "'round' applies to number "
                                                                               "questions only"))
    return problems


def _exercise_question_problems(located: LocatedData, where: KeyPath, question: dict[str, Any],
                                exercise: str) -> list[Problem]:
    problems = _not_allowed(located, where, question, LESSON_ONLY, "belongs to lesson questions (a graded "
                                                                   "exercise's self-check never shows its answer)")
    if question["type"] != "property":
        problems.append(located.problem((*where, "type"), "an exercise self-check has type 'property'"))
    if "answer_name" not in question:
        problems.append(Problem(located.file, "required field 'answer_name' is missing", line=located.line(where),
                                field=f"questions[{where[1]}].answer_name"))
    tests = [("properties", pi, prop) for pi, prop in enumerate(question.get("properties", []))]
    for mi, mistake in enumerate(question.get("mistakes", [])):
        problems += _not_allowed(located, (*where, "mistakes", mi), mistake, MISTAKE_SOURCES,
                                 "belongs to lesson questions (an exercise's mistake is recognised by a 'test')")
        if "test" in mistake:
            tests.append(("mistakes", mi, mistake))
        else:
            problems.append(located.problem((*where, "mistakes", mi), "an exercise's mistake needs a 'test' that "
                                                                      "recognises it"))
    for field, pi, prop in tests:
        if prop["test"] not in PROPERTIES:
            problems.append(located.problem((*where, field, pi, "test"), f"no property test {prop['test']!r};"
                                            f" known: {', '.join(PROPERTIES.names())}"))
            continue
        for param, message in PROPERTIES.get(prop["test"]).parameter_problems(prop.get("params", {})):
            problems.append(located.problem((*where, field, pi, "params", *([param] if param else [])),
                                            message))
    if question.get("digest", True):
        from frontline.selfcheck import stored_digests

        if f"{exercise}.{question['id']}" not in stored_digests():
            problems.append(located.problem((*where, "id"), f"no stored digest for {exercise}.{question['id']}: "
                                                            f"run `frontline grade digests`"))
    elif not question.get("properties"):
        problems.append(located.problem(where, "a self-check with 'digest: false' needs at least one property"))
    return problems


def question_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


def check_folder(paths: KitPaths) -> list[Problem]:
    """Every problem in every question file of the kit, and every notebook cell asking for a question that does
    not exist."""
    problems: list[Problem] = []
    defined: set[str] = set()
    for file in question_files(questions_folder(paths)):
        loaded, found = read_question_file(file, paths)
        problems += found
        if loaded is not None:
            prefix = loaded.owner[:2] if loaded.kind == "lesson" else loaded.owner
            defined |= {f"{prefix}.{q['id']}" for q in loaded.questions}
        elif found:  # its questions are unknown, so references to them are not reported twice
            defined.add(f"{file.stem[:2] if file.stem[:2].isdigit() else file.stem}.*")
    return problems + _reference_problems_in_notebooks(paths, defined)


_LESSON_CALL = re.compile(r"""question\(\s*["'](\d{2}\.[a-z0-9_]+)["']""")
_EXERCISE_CALL = re.compile(r"""\bq\.([a-z][a-z0-9_]*)\.check\(""")


def _reference_problems_in_notebooks(paths: KitPaths, defined: set[str]) -> list[Problem]:
    notebooks = [(nb, None) for nb in sorted(paths.notebooks.glob("[0-9][0-9]_*.ipynb"))]
    if paths.exercises.is_dir():
        notebooks += [(nb, nb.parent.name) for nb in sorted(paths.exercises.glob("*/*.ipynb"))]
    problems = []
    for notebook, exercise in notebooks:
        try:
            cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue  # the lessons and grading checkers report unreadable notebooks
        for index, cell in enumerate(cells):
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", []))
            wanted = _LESSON_CALL.findall(source) if exercise is None else [
                f"{exercise}.{name}" for name in _EXERCISE_CALL.findall(source)]
            for key in wanted:
                owner = key.split(".")[0]
                if key not in defined and f"{owner}.*" not in defined:
                    problems.append(Problem(notebook, f"asks for the self-check {key!r}, which no file in "
                                                      f"data/questions defines", field=f"cell {cell.get('id', index)}"))
    return problems


def load_question_file(owner: str, root: Path | None = None) -> QuestionFile:
    """The validated question file of a lesson or exercise; raises :class:`ContentError` if it has problems.

    Read again whenever the file changes, so an author sees an edit without restarting the notebook.
    """
    paths = KitPaths(Path(root)) if root else kit_paths()
    file = questions_folder(paths) / f"{owner}.yaml"
    if not file.is_file():
        known = ", ".join(p.stem for p in question_files(questions_folder(paths)))
        raise ContentError([Problem(file, f"there is no question file for {owner!r}; there are: {known}")])
    return _load_validated(file.resolve(), file.stat().st_mtime_ns, paths.root)


@cache
def _load_validated(file: Path, _modified: int, root: Path) -> QuestionFile:
    loaded, problems = read_question_file(file, KitPaths(root))
    if loaded is None:
        raise ContentError(problems)
    return loaded
