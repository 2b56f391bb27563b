"""Practice scenarios: interactive customer situations with instant feedback, driven by content files.

In a notebook::

    import frontline
    s = frontline.scenario("diagnosis/late-delivery")   # displays as a widget
    s.ask("tell-me-about-it"); s.name_issue("needs-it-by-a-date"); s.submit()   # or drive it from code
    s.hint(); s.solution(); s.retry(); s.feedback
    frontline.progress()                                   # your progress summary

Content lives in ``data/scenarios/<kind>/<name>.yaml`` (see ``docs/scenario-authoring.md``).
"""

from __future__ import annotations

from pathlib import Path

from frontline.scenarios.base import Scenario
from frontline.scenarios.calculator import CalculatorScenario
from frontline.scenarios.choice import ChoiceScenario
from frontline.scenarios.diagnosis import DiagnosisScenario
from frontline.scenarios.empowerment import EmpowermentScenario
from frontline.scenarios.feedback import AnswerTypeError, Feedback, Message, ScenarioError
from frontline.scenarios.loader import (
    KINDS,
    GradedOnlyScenarioError,
    UnknownScenarioError,
    check_folder,
    list_scenarios,
    load_practice_scenario,
    load_scenario,
)
from frontline.scenarios.ordering import OrderingScenario
from frontline.scenarios.progress import ProgressStore, ProgressSummary, current_trainee
from frontline.scenarios.recovery import RecoveryScenario

SCENARIO_CLASSES: dict[str, type[Scenario]] = {
    cls.kind: cls
    for cls in (DiagnosisScenario, RecoveryScenario, EmpowermentScenario, OrderingScenario, CalculatorScenario,
                ChoiceScenario)
}
assert set(SCENARIO_CLASSES) == set(KINDS)


def scenario(scenario_id: str, persona: str | None = None, *, store: ProgressStore | None = None,
             root: Path | None = None) -> Scenario:
    """The scenario ``kind/name`` as an object that displays as a widget and can be driven from code.

    ``persona`` picks the customer persona (for scenarios played against several); ``store`` and ``root`` are for
    tests and tools (another progress file, another kit folder). This is the practice path: a graded-only scenario
    is refused with :class:`GradedOnlyScenarioError` (graded exercises open theirs through
    :func:`frontline.scenarios.graded.graded_scenario`).
    """
    spec = load_practice_scenario(scenario_id, root)
    return SCENARIO_CLASSES[spec.kind](spec, persona=persona, store=store)


def progress(store: ProgressStore | None = None, root: Path | None = None) -> ProgressSummary:
    """Your progress on every scenario (attempted, solved, hints used, best score), shown as a table."""
    ids = list_scenarios(root)
    titles = {}
    for sid in ids:
        try:
            titles[sid] = load_scenario(sid, root).data["title"]
        except Exception:
            continue
    return ProgressSummary(store or ProgressStore(), ids, titles, trainee=current_trainee())


__all__ = [
    "KINDS",
    "SCENARIO_CLASSES",
    "AnswerTypeError",
    "Feedback",
    "GradedOnlyScenarioError",
    "Message",
    "ProgressStore",
    "Scenario",
    "ScenarioError",
    "UnknownScenarioError",
    "check_folder",
    "list_scenarios",
    "load_scenario",
    "progress",
    "scenario",
]
