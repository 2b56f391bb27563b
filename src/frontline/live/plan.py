"""Session plans: a YAML file listing the questions of a workshop, validated with precise errors.

A facilitator writes one plan per workshop (see ``data/sessions/``); ``frontline live serve --plan FILE`` creates
its questions in the order given. A question either names a scenario (its title, options, answer and debrief are
taken from ``data/scenarios/<kind>/<name>.yaml`` when that file exists) or is an ad hoc poll written in the plan.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from frontline.kit import KitPaths
from frontline.problems import ContentError, Problem
from frontline.scenario_use import file_use, graded_only_message

if TYPE_CHECKING:
    import jsonschema

QUESTION_ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]*(/[a-z0-9][a-z0-9_\-]*)?$"

QUESTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": QUESTION_ID_PATTERN, "maxLength": 200},
        "scenario": {"type": "string", "pattern": QUESTION_ID_PATTERN, "maxLength": 200},
        "kind": {"enum": ["choice", "text", "number", "confidence", "scenario"]},
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "prompt": {"type": "string", "maxLength": 4000},
        "options": {"type": "array", "minItems": 2, "maxItems": 12,
                    "items": {"type": "string", "minLength": 1, "maxLength": 200}},
        "answer": {},
        "debrief": {"type": "string", "maxLength": 8000},
        "min": {"type": "number"},
        "max": {"type": "number"},
    },
    "oneOf": [{"required": ["id", "kind", "title"]}, {"required": ["scenario"]}],
}

PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "questions"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "lessons": {"type": "array", "items": {"type": "string", "pattern": r"^\d\d_[a-z0-9_]+$"}},
        "questions": {"type": "array", "minItems": 1, "items": QUESTION_SCHEMA},
    },
}


@dataclass(frozen=True)
class QuestionSpec:
    question_id: str
    kind: str
    title: str
    prompt: str = ""
    options: list[str] = field(default_factory=list)
    correct: Any = None
    debrief: str = ""
    minimum: float | None = None
    maximum: float | None = None
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionPlan:
    title: str
    lessons: list[str]
    questions: list[QuestionSpec]
    digest: str = ""


def _line_of(node: yaml.Node | None, path: list[Any]) -> int | None:
    """The 1-based line of the value at ``path`` in a composed YAML document (or of its nearest parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            found = node.value[key]
        else:
            found = None
        if found is None:
            break
        node, line = found, found.start_mark.line + 1
    return line


def _field(path: list[Any]) -> str:
    parts = (f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))
    return "".join(parts) or "(top)"


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "oneOf" and list(error.path)[:1] == ["questions"]:
        return "a question needs either `scenario: kind/name`, or `id`, `kind` and `title` (not both forms)"
    if error.validator == "pattern":
        return f"{error.instance!r} is not a valid id (lowercase words joined by '-' or '_', optionally kind/name)"
    return error.message


def validate_plan_text(text: str, file: Path | str) -> tuple[dict[str, Any], list[Problem]]:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        return {}, [Problem(file, f"not valid YAML: {getattr(e, 'problem', e)}",
                            line=mark.line + 1 if mark else None)]
    import jsonschema  # slow to import (its format checkers load a grammar): only when a plan is checked

    problems = []
    validator = jsonschema.Draft202012Validator(PLAN_SCHEMA)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        path = list(error.path)
        problems.append(Problem(file, _message(error), line=_line_of(node, path), field=_field(path)))
    if problems:
        return {}, problems
    seen: dict[str, int] = {}
    for index, item in enumerate(data["questions"]):
        qid = item.get("id") or item.get("scenario")
        if qid in seen:
            problems.append(Problem(file, f"question id {qid!r} is used twice (first at questions[{seen[qid]}])",
                                    line=_line_of(node, ["questions", index]), field=f"questions[{index}]"))
        seen.setdefault(qid, index)
        if "scenario" in item and ("options" in item or "kind" in item):
            problems.append(Problem(file, "a scenario question takes its kind and options from the scenario file; "
                                          "remove `kind`/`options` here", line=_line_of(node, ["questions", index]),
                                    field=f"questions[{index}]"))
        if item.get("kind") == "choice" and "options" not in item:
            problems.append(Problem(file, "a choice question needs `options`",
                                    line=_line_of(node, ["questions", index]), field=f"questions[{index}].options"))
        if item.get("kind") == "choice" and "answer" in item and item["answer"] not in item.get("options", []):
            problems.append(Problem(file, f"answer {item['answer']!r} is not one of the options",
                                    line=_line_of(node, ["questions", index, "answer"]),
                                    field=f"questions[{index}].answer"))
    return data, problems


EMPOWERMENT_ACTIONS = {"alone": "Act alone (within own authority)", "escalate": "Escalate for approval",
                       "refuse": "Refuse"}


def _short(text: Any, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reflow(text: str) -> str:
    """Join the hard-wrapped lines of a YAML block into paragraphs, so they wrap to the room view's width."""
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


def question_from_scenario(scenario_id: str, kit_root: Path | None) -> QuestionSpec:
    """A question for a scenario, from its file in ``data/scenarios/`` when the kit has it.

    The room's bars show what trainees chose: the option (choice), the issue they named (diagnosis), the ending
    they reached (recovery) or the action they took (empowerment); ``labels`` turn those ids into their texts.
    The scenario's worked solution becomes the debrief notes shown on reveal.
    """
    content: dict[str, Any] = {}
    path = Path(kit_root or ".") / "data" / "scenarios" / f"{scenario_id}.yaml"
    if kit_root is not None and path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            raise ContentError([Problem(path, f"not valid YAML: {getattr(e, 'problem', None) or e}",
                                        line=mark.line + 1 if mark else None)]) from e
        content = loaded if isinstance(loaded, dict) else {}
        if content.get("use") == "graded":  # its debrief on the room's screen would give a graded answer away
            raise ContentError([Problem(path, graded_only_message(str(content.get("title") or scenario_id)))])

    def full_marks(item: dict[str, Any], field: str) -> bool:
        try:
            return float(item.get("score") or 0) >= 1
        except (TypeError, ValueError):
            raise ContentError([Problem(path, f"score {item.get('score')!r} is not a number", field=field)]) from None

    kind = content.get("kind")
    labels: dict[str, str] = {}
    correct: Any = None
    if kind == "choice":
        options = [o for o in content.get("options") or [] if isinstance(o, dict)]
        labels = {str(o.get("id")): _short(o.get("text", o.get("id"))) for o in options}
        best = [labels[str(o.get("id"))] for number, o in enumerate(options)
                if full_marks(o, f"options[{number}].score")]
        correct = "; ".join(best) or None
    elif kind == "diagnosis":
        issues = [i for i in content.get("issues") or [] if isinstance(i, dict)]
        labels = {str(i.get("id")): _short(i.get("text", i.get("id"))) for i in issues}
        correct = next((labels[str(i.get("id"))] for i in issues if i.get("correct")), None)
    elif kind == "recovery":
        endings = content.get("endings") or {}
        if isinstance(endings, dict):
            labels = {str(k): _short(v.get("text", k)) for k, v in endings.items() if isinstance(v, dict)}
            best = [labels[str(k)] for k, v in endings.items()
                    if isinstance(v, dict) and full_marks(v, f"endings.{k}.score")]
            correct = "; ".join(best) or None
    elif kind == "empowerment":
        labels = dict(EMPOWERMENT_ACTIONS)
    prompt = content.get("prompt") or content.get("opening") or content.get("intro") or ""
    return QuestionSpec(
        question_id=scenario_id, kind="scenario", title=str(content.get("title") or scenario_id),
        prompt=_short(prompt, 600), options=list(labels.values()), correct=correct,
        debrief=_reflow(str(content.get("solution") or content.get("debrief") or "")), labels=labels,
    )


def question_from_item(item: dict[str, Any], kit_root: Path | None) -> QuestionSpec:
    if "scenario" in item:
        base = question_from_scenario(item["scenario"], kit_root)
        return QuestionSpec(
            question_id=base.question_id, kind="scenario", title=item.get("title", base.title),
            prompt=item.get("prompt", base.prompt), options=base.options,
            correct=item.get("answer", base.correct), debrief=item.get("debrief", base.debrief), labels=base.labels,
        )
    return QuestionSpec(
        question_id=item["id"], kind=item["kind"], title=item["title"], prompt=item.get("prompt", ""),
        options=item.get("options", []), correct=item.get("answer"), debrief=item.get("debrief", ""),
        minimum=item.get("min"), maximum=item.get("max"),
    )


def load_plan(path: Path, kit_root: Path | None = None, checked_digest: str | None = None) -> SessionPlan:
    """Read and validate a plan; raises :class:`ContentError` naming file, line and field of every problem.

    A plan whose text has the SHA-256 ``checked_digest`` was validated before (by the same session) and is read
    without the schema check, so restarting a session stays quick.
    """
    text = path.read_text(encoding="utf-8")
    if checked_digest is not None and plan_digest(text) == checked_digest:
        data = yaml.safe_load(text)
    else:
        data, problems = validate_plan_text(text, path)
        if problems:
            raise ContentError(problems)
    return SessionPlan(title=data["title"], lessons=list(data.get("lessons", [])),
                       questions=[question_from_item(item, kit_root) for item in data["questions"]],
                       digest=plan_digest(text))


def plan_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_session_plans(sessions_folder: Path) -> list[Problem]:
    """Every plan in a folder."""
    problems: list[Problem] = []
    for path in sorted(sessions_folder.glob("*.yaml")):
        problems += validate_plan_text(path.read_text(encoding="utf-8"), path)[1]
    return problems


def check_kit_session_plans(paths: KitPaths) -> list[Problem]:
    """The ``frontline check`` checker: every plan under the kit's ``data/sessions/``, and (once the kit has
    scenarios) that every scenario a plan names exists."""
    sessions = paths.data / "sessions"
    problems = check_session_plans(sessions)
    scenarios = paths.data / "scenarios"
    if problems or not scenarios.is_dir():
        return problems
    for path in sorted(sessions.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        for index, item in enumerate(yaml.safe_load(text)["questions"]):
            if "scenario" not in item:
                continue
            file = scenarios / f"{item['scenario']}.yaml"
            where = {"line": _line_of(node, ["questions", index, "scenario"]), "field": f"questions[{index}].scenario"}
            if not file.is_file():
                problems.append(Problem(path, f"scenario {item['scenario']!r} not found (expected "
                                              f"data/scenarios/{item['scenario']}.yaml)", **where))
            elif file_use(file) == "graded":
                problems.append(Problem(path, f"scenario {item['scenario']!r} is graded-only (use: graded): a live "
                                              "session shows practice scenarios only", **where))
    return problems
