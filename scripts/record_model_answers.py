"""Re-record the model answers of the front-line exercises' graded scenarios in ``grading/model_records/``.

Each model answer is the path a trainee who followed the lesson takes. It is played here through the same recording
widget a trainee clicks (``graded.graded_scenario``), then marked by replay like a submission; a path short of full
marks is refused and nothing is written for it. Run it after changing a graded scenario or the paths below:

    .venv/bin/python scripts/record_model_answers.py              # every exercise
    .venv/bin/python scripts/record_model_answers.py fl_03_diagnosis_call

``frontline check`` (front-line track) replays the written records again and fails unless each reaches full marks.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

from frontline.scenarios.graded import _graded_engine, graded_scenario, mark_record

REPO = Path(__file__).resolve().parents[1]

# assignment -> [(item id, scenario id, persona, [(verb, args, kwargs), ...])]
MODEL_ANSWERS: dict[str, list[tuple[str, str, str | None, list[tuple[str, tuple, dict]]]]] = {
    "fl_01_internal_customers": [
        ("scenario-payroll-internal-customers", "choice/payroll-internal-customers", None,
         [("choose", ("warehouse-supervisor", "store-manager", "chief-executive"), {})]),
    ],
    "fl_02_customer_value": [
        ("scenario-card-reply-reassurance", "choice/declined-card-which-reply", "needs-reassurance",
         [("choose", ("explain-together",), {})]),
        ("scenario-level-failed-laptop", "choice/which-level-failed-laptop", None,
         [("choose", ("treatment",), {})]),
    ],
    "fl_03_diagnosis_call": [
        ("scenario-missed-bin-funnel", "ordering/missed-bin-funnel", None,
         [("set_order", (["open", "probe", "closed", "summarise", "agree-next-step"],), {})]),
        ("scenario-cancelled-bed-delivery", "diagnosis/cancelled-bed-delivery", None,
         [("ask", ("tell-me-about-it",), {}), ("ask", ("message-exactly",), {}), ("ask", ("read-the-email",), {}),
          ("ask", ("summarise-back",), {}), ("name_issue", ("bed-by-a-set-day",), {})]),
    ],
    "fl_04_root_cause": [
        ("scenario-refund-delay-five-whys", "ordering/refund-delay-five-whys", None,
         [("set_order", (["symptom", "refund-after-check-in", "parcels-wait", "supplier-first", "targets",
                          "process-cause"],), {})]),
    ],
    "fl_05_scope_of_authority": [
        ("scenario-shrunk-jacket-laundry", "empowerment/shrunk-jacket-laundry", None,
         [("choose_action", ("alone",), {}), ("set_amount", (120.0,), {})]),
        ("scenario-shop-platform-outage", "empowerment/shop-platform-outage", None,
         [("choose_action", ("escalate",), {}), ("set_amount", (39.0,), {})]),
    ],
    "fl_06_recovery_reply": [
        ("scenario-wrong-fabric-heard", "ordering/wrong-fabric-heard", None,
         [("set_order", (["hear", "empathize", "apologize", "resolve", "diagnose"],), {})]),
        ("scenario-roaming-charges-bill", "recovery/roaming-charges-bill", None,
         [("reply", ("own-the-advice",), {}), ("reply", ("remove-the-swiss-charges",), {}),
          ("reply", ("thank-and-tell-the-shop",), {})]),
    ],
    "fl_07_keeping_customers": [
        ("scenario-gym-membership-value", "calculator/gym-membership-value", None,
         [("set", (), {"margin": 40, "retention": 0.95, "discount": 0.01}), ("answer", (673.33,), {})]),
    ],
    "fl_08_service_measures": [
        ("scenario-measure-for-abandoned-applications", "choice/measure-for-abandoned-applications", None,
         [("choose", ("where-and-why-they-stop",), {})]),
        ("scenario-hotel-check-in-promise", "diagnosis/hotel-check-in-promise", None,
         [("ask", ("talk-me-through",), {}), ("ask", ("how-much-speed-mattered",), {}),
          ("ask", ("check-understanding",), {}), ("name_issue", ("request-not-carried-through",), {})]),
    ],
    "fl_09_service_culture": [
        ("scenario-leadership-dilemma-front-desk", "choice/leadership-dilemma-front-desk", None,
         [("choose", ("desk-decides-within-a-limit",), {})]),
        ("scenario-emergency-line-cold-room", "recovery/emergency-line-cold-room", None,
         [("reply", ("own-both-failures",), {}), ("reply", ("switch-it-from-here",), {}),
          ("reply", ("thank-and-change-the-line",), {})]),
    ],
}


def record(assignment: str, item_id: str, scenario_id: str, persona: str | None,
           steps: list[tuple[str, tuple, dict]]) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        played = graded_scenario(item_id, scenario_id, persona=persona, folder=folder)
        for verb, args, kwargs in steps:
            getattr(played.engine, verb)(*args, **kwargs)
        out = io.StringIO()
        with redirect_stdout(out):
            earned = mark_record(item_id, scenario_id, lambda: _graded_engine(scenario_id, persona, folder), 1.0,
                                 folder)
        if earned < 1:
            raise SystemExit(f"{assignment}/{item_id}: the path does not reach full marks:\n{out.getvalue()}")
        target = REPO / "grading" / "model_records" / assignment / f"{item_id}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(played.recorder.path, target)
        return target


def main(assignments: list[str]) -> None:
    for assignment in assignments or sorted(MODEL_ANSWERS):
        if assignment not in MODEL_ANSWERS:
            raise SystemExit(f"no model answers listed for {assignment!r} (known: {', '.join(sorted(MODEL_ANSWERS))})")
        kept = set()
        for item_id, scenario_id, persona, steps in MODEL_ANSWERS[assignment]:
            kept.add(record(assignment, item_id, scenario_id, persona, steps).name)
        for stale in (REPO / "grading" / "model_records" / assignment).glob("*.json"):
            if stale.name not in kept:
                stale.unlink()
                print(f"removed {stale.relative_to(REPO)} (no longer a graded item)")
        print(f"{assignment}: {len(kept)} model answer(s) recorded")


if __name__ == "__main__":
    main(sys.argv[1:])
