"""The server's own judgement of a scenario answer: the trainee's claimed ``correct``/``score`` are never trusted.

A scenario answer is replayed through the scenario engine itself (the same verbs the widget calls: choose, ask,
reply, decide, set_order, answer), so an id the scenario does not have is refused with the engine's own message,
and the score is the one the trainee's notebook showed them. The engine (ipywidgets, matplotlib, jsonschema) is
imported in the background once a session has a scenario question (:meth:`ScenarioGrader.warm_in_background`),
never on the server's start-up path; a session of polls never loads it.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path
from typing import Any

from frontline.live.values import AnswerProblem
from frontline.scenario_use import file_use

log = logging.getLogger(__name__)


class ScenarioUnloadable(Exception):
    """A scenario file that failed to load, as it was when it failed (the first failure's message)."""


class ScenarioGrader:
    """Judges answers to the scenarios of one kit folder; scenario files are loaded once.

    A file that fails to load is not read again for every answer: the failure is kept with the file's
    modification time and reported once; a file changed since (fixed) is loaded again.
    """

    def __init__(self, kit_root: Path | None):
        self.kit_root = kit_root
        self._specs: dict[str, Any] = {}
        self._failures: dict[str, tuple[int | None, str]] = {}  # id → (the file's mtime_ns, why it failed)
        self._available: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._progress = Path(tempfile.gettempdir()) / "frontline-live-unused-progress.json"  # never written
        self.ready = threading.Event()  # set while nothing is loading
        self.ready.set()

    def _file(self, scenario_id: str) -> Path | None:
        return self.kit_root / "data" / "scenarios" / f"{scenario_id}.yaml" if self.kit_root else None

    def available(self, scenario_id: str) -> bool:
        """A practice scenario of the kit (a graded-only one is never judged, nor its debrief shown, in a room)."""
        if scenario_id not in self._available:
            file = self._file(scenario_id)
            self._available[scenario_id] = file is not None and file.is_file() and file_use(file) != "graded"
        return self._available[scenario_id]

    def _modified(self, scenario_id: str) -> int | None:
        file = self._file(scenario_id)
        try:
            return file.stat().st_mtime_ns if file is not None else None
        except OSError:
            return None

    def _spec(self, scenario_id: str) -> Any:
        """The scenario, loaded once; :class:`ScenarioUnloadable` while its file is as it was when it failed."""
        with self._lock:
            if scenario_id not in self._specs:
                modified = self._modified(scenario_id)
                failed = self._failures.get(scenario_id)
                if failed is not None and failed[0] == modified:
                    raise ScenarioUnloadable(failed[1])
                try:
                    from frontline.scenarios import load_practice_scenario

                    self._specs[scenario_id] = load_practice_scenario(scenario_id, self.kit_root)
                except Exception as e:
                    self._failures[scenario_id] = (modified, str(e))
                    log.warning("scenario %s cannot be loaded, so its answers are kept unjudged until its file "
                                "changes: %s", scenario_id, e)
                    raise ScenarioUnloadable(str(e)) from e
                self._failures.pop(scenario_id, None)
            return self._specs[scenario_id]

    def warm_in_background(self, scenario_ids: list[str]) -> None:
        """Load the engine and these scenarios in a thread, unless they are loaded already."""
        wanted = [i for i in scenario_ids if self.available(i) and i not in self._specs]
        if not wanted:
            return
        self.ready.clear()
        threading.Thread(target=self._warm, args=(wanted,), name="frontline-live-scenarios", daemon=True).start()

    def _warm(self, scenario_ids: list[str]) -> None:
        try:
            for scenario_id in scenario_ids:
                self._spec(scenario_id)
        except ScenarioUnloadable:  # reported (logged) once; its answers are kept unjudged
            pass
        finally:
            self.ready.set()

    def grade(self, scenario_id: str, answer_kind: str, value: Any,
              persona: str | None) -> tuple[bool | None, float | None]:
        """``(correct, score)`` of an answer, or :class:`AnswerProblem` saying why it does not fit the scenario."""
        kind = scenario_id.split("/")[0]
        if answer_kind != kind:
            raise AnswerProblem(f"this is a {kind} scenario; an answer of kind {answer_kind!r} does not fit it")
        from frontline.scenarios import SCENARIO_CLASSES, ProgressStore
        from frontline.scenarios.feedback import ScenarioError

        try:
            spec = self._spec(scenario_id)
        except ScenarioUnloadable:  # logged when it failed
            return None, None
        try:
            scenario = SCENARIO_CLASSES[kind](spec, persona=persona or None, store=ProgressStore(self._progress))
            _replay(scenario, kind, value)
            # Why the private methods: submit() would also write a progress file and publish the answer again.
            missing = scenario._missing()
            if missing:
                raise AnswerProblem(f"is not a finished answer: {missing}")
            feedback = scenario._grade()
        except AnswerProblem:
            raise
        except (ScenarioError, TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
            raise AnswerProblem(f"does not fit this scenario: {e}") from e
        return feedback.correct, round(float(feedback.score), 6)


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AnswerProblem(f"{what} must be a list of ids")
    return value


def _replay(scenario: Any, kind: str, value: Any) -> None:
    """Do what the trainee did, through the engine's own verbs (each checks its ids)."""
    if kind == "choice":
        scenario.choose(*(_strings(value, "the options chosen") if isinstance(value, list) else [value]))
    elif kind == "ordering":
        scenario.set_order(_strings(value, "the order"))
    elif kind == "calculator":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AnswerProblem("must be a number")
        scenario.answer(value)
    elif not isinstance(value, dict):
        raise AnswerProblem(f"a {kind} answer is an object, got {type(value).__name__}")
    elif kind == "diagnosis":
        for question_id in _strings(value.get("asked", []), "asked"):
            scenario.ask(question_id)
        scenario.name_issue(value.get("issue"))
    elif kind == "recovery":
        for reply_id in _strings(value.get("path", []), "path"):
            scenario.reply(reply_id)
        if scenario.ending != value.get("ending"):
            raise AnswerProblem(f"those replies end at {scenario.ending!r}, not {value.get('ending')!r}")
    elif kind == "empowerment":
        amount = value.get("amount") or 0
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            raise AnswerProblem("the amount must be a number")
        scenario.decide(value.get("action"), amount)
    else:
        raise AnswerProblem(f"unknown scenario kind {kind!r}")
