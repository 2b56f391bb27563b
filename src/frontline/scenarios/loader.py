"""Scenario content files: finding, reading, validating (schema + graph checks) and loading them.

Files live at ``data/scenarios/<kind>/<name>.yaml`` (the scenario id is ``kind/name``) and the customer personas
at ``data/scenarios/personas.yaml``. Validation first checks each file against the JSON Schema of its kind
(``schemas/common.json`` merged with ``schemas/<kind>.json``), then checks what a schema cannot: that every id
referred to (persona, fact, policy clause, conversation node, slider) exists, that a recovery conversation has no
unreachable node and that every path through it reaches an ending, and finally the authoring lints of
:mod:`frontline.scenarios.lints` (is the item a fair test?). Every problem names the file, line and field. The kit's
settings (``data/kit.yaml``: currency, spelling) are read here and travel with each loaded scenario.

A file with ``use: graded`` is a *graded-only* scenario: it exists so that a graded exercise tests a skill on a
situation the trainee has not practised. :func:`list_scenarios` leaves such files out unless asked, and
:func:`load_practice_scenario` (what lessons, cards and live sessions open) refuses them with a plain sentence.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from frontline.kit import kit_paths
from frontline.problems import ContentError, Problem
from frontline.scenario_use import file_use, graded_only_message
from frontline.scenarios.settings import KitSettings, read_settings
from frontline.yamlsource import KeyPath, LocatedData, format_path, read_yaml

KINDS = ("diagnosis", "recovery", "empowerment", "ordering", "calculator", "choice")
SCHEMA_DIR = Path(__file__).parent / "schemas"
PERSONAS_FILE = "personas.yaml"
USE_MESSAGE = ("'use' must be 'practice' (the default: lessons, role-play cards and live sessions may open it) or "
               "'graded' (kept for graded exercises only)")


def scenarios_folder(root: Path | None = None) -> Path:
    return (root or kit_paths().root) / "data" / "scenarios"


@cache
def kind_schema(kind: str) -> dict[str, Any]:
    """The full JSON Schema of one kind: the common fields merged with the kind's own."""
    common = json.loads((SCHEMA_DIR / "common.json").read_text(encoding="utf-8"))
    own = json.loads((SCHEMA_DIR / f"{kind}.json").read_text(encoding="utf-8"))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "additionalProperties": False}
    schema["required"] = common["required"] + [r for r in own.get("required", []) if r not in common["required"]]
    schema["properties"] = {**copy.deepcopy(common["properties"]), **own.get("properties", {})}
    schema["$defs"] = {**common["$defs"], **own.get("$defs", {})}
    return schema


@cache
def personas_schema() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "personas.json").read_text(encoding="utf-8"))


def schema_problems(located: LocatedData, schema: dict[str, Any]) -> list[Problem]:
    """Every JSON Schema violation, placed on the line of the offending key."""
    problems = []
    for error in sorted(Draft202012Validator(schema).iter_errors(located.data), key=lambda e: list(map(str, e.path))):
        path: KeyPath = tuple(error.absolute_path)
        message = error.message
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else "?"
            problems.append(Problem(located.file, f"required field {missing!r} is missing",
                                    line=located.line(path), field=format_path((*path, missing))))
            continue
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for extra in sorted(k for k in error.instance if k not in allowed):
                hint = difflib.get_close_matches(extra, allowed, n=1)
                message = f"unknown field {extra!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                problems.append(located.problem((*path, extra), message))
            continue
        if error.validator == "enum" and path == ("use",):
            message = f"{USE_MESSAGE}; got {error.instance!r}"
        elif error.validator == "oneOf" and isinstance(error.instance, dict) and {"to", "branches"} <= set(
                error.instance):
            message = "give either 'to' or 'branches', not both"
        elif error.validator == "oneOf":
            message = "needs 'to' (the next node or ending) or 'branches' (mood-dependent next steps)"
        problems.append(located.problem(path, message))
    return problems


@dataclass
class ScenarioSpec:
    """A validated scenario file."""

    id: str
    kind: str
    file: Path
    data: dict[str, Any]
    personas: dict[str, dict[str, Any]] = field(default_factory=dict)  # those this scenario is played against
    settings: KitSettings = field(default_factory=KitSettings)  # the kit's currency and spelling

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def graded_only(self) -> bool:
        """Kept for graded exercises: never opened for practice, and its engine shows no hint or solution."""
        return self.data.get("use", "practice") == "graded"


def read_personas(folder: Path) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    file = folder / PERSONAS_FILE
    if not file.exists():
        return {}, [Problem(file, "the personas file is missing")]
    try:
        located = read_yaml(file)
    except ContentError as e:
        return {}, e.problems
    problems = schema_problems(located, personas_schema())
    if problems:
        return {}, problems
    personas: dict[str, dict[str, Any]] = {}
    for index, persona in enumerate(located.data["personas"]):
        if persona["id"] in personas:
            problems.append(located.problem(("personas", index, "id"), f"persona id {persona['id']!r} is used twice"))
        personas[persona["id"]] = persona
    return personas, problems


def validate_file(file: Path, personas: dict[str, dict[str, Any]],
                  settings: KitSettings | None = None) -> tuple[ScenarioSpec | None, list[Problem]]:
    """Schema, reference/graph checks and authoring lints for one scenario file; returns the spec only when there
    are no problems.

    Problems come back in line order, so an author can work down the file."""
    spec, problems = _validate_file(file, personas, settings or KitSettings())
    return spec, sorted(problems, key=lambda p: p.line or 0)


def _validate_file(file: Path, personas: dict[str, dict[str, Any]],
                   settings: KitSettings) -> tuple[ScenarioSpec | None, list[Problem]]:
    file = Path(file)
    kind = file.parent.name
    if kind not in KINDS:
        return None, [Problem(file, f"is in folder {kind!r}, which is not a scenario kind (one of {', '.join(KINDS)})")]
    try:
        located = read_yaml(file)
    except ContentError as e:
        return None, e.problems
    if not isinstance(located.data, dict):
        return None, [Problem(file, "must be a mapping of fields (title:, intro:, ...)", line=1)]
    problems = schema_problems(located, kind_schema(kind))
    if located.data.get("kind") not in (None, kind):
        problems.append(located.problem(("kind",), f"says kind {located.data['kind']!r} but the file is in the "
                                                   f"{kind!r} folder"))
    from frontline.scenarios.checks import KIND_CHECKS, check_personas_exist

    if problems:
        # Still report broken references where the file's shape allows, so one run lists every mistake; the
        # reference checks assume a schema-valid file, so a crash here only means "fix the schema errors first".
        with contextlib.suppress(KeyError, TypeError, AttributeError, ValueError, IndexError):
            problems += check_personas_exist(located, personas) + KIND_CHECKS[kind](located, personas)
        return None, problems
    problems += check_personas_exist(located, personas)
    problems += KIND_CHECKS[kind](located, personas)
    if problems:
        return None, problems
    from frontline.scenarios.lints import lint_scenario

    problems = lint_scenario(kind, located, settings)
    if problems:
        return None, problems
    used = {p: personas[p] for p in located.data.get("personas", [])}
    return ScenarioSpec(f"{kind}/{file.stem}", kind, file, settings.localise(located.data), used, settings), []


def scenario_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*/*.yaml") if p.parent.name != "__pycache__")


def is_graded_only(scenario_id: str, root: Path | None = None) -> bool:
    """Whether the scenario ``kind/name`` exists and is kept for graded exercises only."""
    if not isinstance(scenario_id, str) or scenario_id.count("/") != 1:
        return False
    file = scenarios_folder(root) / f"{scenario_id}.yaml"
    return file.is_file() and file_use(file) == "graded"


def list_scenarios(root: Path | None = None, *, include_graded: bool = False) -> list[str]:
    """Ids of the kit's practice scenarios (with ``include_graded``, every scenario), sorted by kind then name."""
    folder = scenarios_folder(root)
    files = [p for p in scenario_files(folder) if p.parent.name in KINDS]
    if not include_graded:
        files = [p for p in files if file_use(p) != "graded"]
    return sorted((f"{p.parent.name}/{p.stem}" for p in files),
                  key=lambda sid: (KINDS.index(sid.split("/")[0]), sid))


class UnknownScenarioError(LookupError):
    """No scenario file has this id."""

    def __str__(self) -> str:  # LookupError would wrap the message in quotes
        return str(self.args[0])


class GradedOnlyScenarioError(UnknownScenarioError):
    """A graded-only scenario was asked for where trainees practise (lesson, role-play card, live session)."""


def load_scenario(scenario_id: str, root: Path | None = None) -> ScenarioSpec:
    """Load and validate one scenario; raise :class:`ContentError` (file, line, field) if it is malformed."""
    if not isinstance(scenario_id, str) or scenario_id.count("/") != 1:
        raise UnknownScenarioError(f"a scenario id looks like 'kind/name', e.g. 'diagnosis/late-delivery'; "
                                   f"got {scenario_id!r}")
    folder = scenarios_folder(root)
    kind, name = scenario_id.split("/")
    file = folder / kind / f"{name}.yaml"
    if not file.exists():
        known = list_scenarios(root)
        close = difflib.get_close_matches(scenario_id, known, n=3)
        raise UnknownScenarioError(f"there is no scenario {scenario_id!r} (no file {file})."
                                   + (f" Did you mean {', '.join(map(repr, close))}?" if close else "")
                                   + " frontline.list_scenarios() lists them all.")
    personas, persona_problems = read_personas(folder)
    settings, settings_problems = read_settings(folder.parent)
    if persona_problems or settings_problems:
        raise ContentError(persona_problems + settings_problems)
    spec, problems = validate_file(file, personas, settings)
    if problems:
        raise ContentError(problems)
    assert spec is not None
    return spec


def _title_of(file: Path) -> str:
    try:
        return str(read_yaml(file).data.get("title") or "This scenario")
    except (ContentError, AttributeError):
        return "This scenario"


def load_practice_scenario(scenario_id: str, root: Path | None = None) -> ScenarioSpec:
    """:func:`load_scenario` for anything a trainee practises on; a graded-only scenario is refused in words."""
    if is_graded_only(scenario_id, root):
        file = scenarios_folder(root) / f"{scenario_id}.yaml"
        raise GradedOnlyScenarioError(graded_only_message(_title_of(file)))
    return load_scenario(scenario_id, root)


def check_folder(folder: Path) -> list[Problem]:
    """Every problem in every scenario file, the personas file and the kit settings (used by ``frontline check``)."""
    personas, problems = read_personas(folder)
    settings, settings_problems = read_settings(folder.parent)
    problems += settings_problems
    from frontline.scenarios.lints import lint_absolute_words, single_answer_items

    answer_sets: dict[str, list[tuple[str, list[str]]]] = {"graded-only": [], "practice": []}
    for file in scenario_files(folder):
        spec, found = validate_file(file, personas, settings)
        problems += found
        if spec is not None:
            answer_sets["graded-only" if spec.graded_only else "practice"] += [
                (right, distractors) for _, right, distractors, _ in single_answer_items(spec.kind, spec.data)]
    problems += lint_absolute_words(folder, answer_sets)
    for stray in sorted(folder.glob("*/*")):
        if stray.is_file() and stray.suffix in (".yml", ".json"):
            problems.append(Problem(stray, "scenario files must end in .yaml to be found"))
    return problems
