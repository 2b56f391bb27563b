"""How well the scenario library resists test-wise guessing: figures for authors and reviewers.

Run: .venv/bin/python benchmarks/scenario_library.py
Prints, for the whole library (the same measures the authoring lints of `frontline check` use):
- single-answer items (choice options, diagnosis issues, the best reply at each recovery node): how often the
  right option is strictly the longest, and the mean length ratio (right option ÷ mean distractor, in words);
- diagnosis: the best score reachable without asking (the engine refuses a named issue before a question), and the
  best score reachable by any interview that uncovers no key fact (guessing after small talk);
- empowerment: the distribution of best decisions (act alone, escalate, refuse) and the reasons behind the
  escalations and refusals that do not depend on money.
Every figure is computed by driving the scenarios through their public verbs, as a trainee would.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from pathlib import Path
from statistics import mean

from frontline.option_form import length_ratios
from frontline.scenarios import SCENARIO_CLASSES, ProgressStore, ScenarioError, list_scenarios, load_scenario
from frontline.scenarios.lints import single_answer_items


def engine(scenario_id: str, store: ProgressStore):
    """Any scenario of the library, graded-only ones included (the practice call refuses those)."""
    spec = load_scenario(scenario_id)
    return SCENARIO_CLASSES[spec.kind](spec, store=store)


def length_figures() -> dict[str, tuple[int, int, float]]:
    """Per kind: (items, items whose right option is strictly the longest, mean right ÷ mean-distractor ratio)."""
    measured: dict[str, dict[tuple, tuple[float, float]]] = {}
    for sid in list_scenarios(include_graded=True):
        spec = load_scenario(sid)
        for path, right, distractors, _who in single_answer_items(spec.kind, spec.data):
            measured.setdefault(spec.kind, {})[sid, path] = length_ratios(right, distractors)
    return {kind: (len(items), sum(longest > 1 for _, longest in items.values()),
                   mean(to_mean for to_mean, _ in items.values())) for kind, items in measured.items()}


def diagnosis_figures(store: ProgressStore) -> list[tuple[str, str, float, float]]:
    """Per interview: (id, score without asking, best score without uncovering a key fact, taught-path score)."""
    rows = []
    for sid in (s for s in list_scenarios(include_graded=True) if s.startswith("diagnosis/")):
        s = engine(sid, store)
        right = next(i["id"] for i in s.data["issues"] if i.get("correct"))
        try:
            s.name_issue(right)
            s.submit()
            without = f"{s.feedback.score:.0%}"
        except ScenarioError:
            without = "cannot name the issue"
        key = {f["id"] for f in s.data["facts"] if f.get("key")}
        blind = [q["id"] for q in s.data["questions"] if not key & set(q.get("reveals", []))]
        best_blind = 0.0
        for size in range(1, s.budget + 1):
            for order in itertools.permutations(blind, size):
                s.retry()
                for qid in order:
                    s.ask(qid)
                s.name_issue(right)
                best_blind = max(best_blind, s.submit().score)
        rows.append((sid, without, best_blind, taught_path_score(s, right)))
    return rows


def taught_path_score(s, right: str) -> float:
    from frontline.scenarios.lints import taught_path_length

    questions = s.data["questions"]
    key = {f["id"] for f in s.data["facts"] if f.get("key")}
    size = taught_path_length(s.data)
    for first, summary in itertools.product([q for q in questions if q["type"] == "open"],
                                            [q for q in questions if q["type"] == "summarising"]):
        middle = [q for q in questions if q is not first and q["type"] != "summarising"]
        for combo in itertools.combinations(middle, size - 2):
            heard = {f for q in (first, *combo) for f in q.get("reveals", [])}
            if key | set(summary["confirms"]) <= heard:
                s.retry()
                for q in (first, *combo, summary):
                    s.ask(q["id"])
                s.name_issue(right)
                return s.submit().score
    return 0.0


def empowerment_figures(store: ProgressStore) -> tuple[Counter, list[tuple[str, str, str]]]:
    best: Counter = Counter()
    reasons = []
    for sid in (s for s in list_scenarios(include_graded=True) if s.startswith("empowerment/")):
        s = engine(sid, store)
        action = s.best()["action"]
        best[action] += 1
        rule = s.data.get("must_escalate") or s.data.get("must_refuse")
        reasons.append((sid, action, rule["reason"] if rule else "money and authority limits"))
    return best, reasons


def main() -> None:
    store = ProgressStore(Path(tempfile.mkdtemp()) / "progress.json")
    print("Right option vs distractors (words), single-answer items")
    total = longest = 0
    ratios = []
    for kind, (items, is_longest, ratio) in sorted(length_figures().items()):
        print(f"  {kind:<10} {items:3d} items   right option longest in {is_longest:2d} ({is_longest / items:4.0%})   "
              f"mean length ratio {ratio:.2f}")
        total, longest = total + items, longest + is_longest
        ratios += [ratio] * items
    print(f"  {'library':<10} {total:3d} items   right option longest in {longest:2d} ({longest / total:4.0%})   "
          f"mean length ratio {mean(ratios):.2f}")
    print("\nDiagnosis: best score by guessing")
    for sid, without, blind, taught in diagnosis_figures(store):
        print(f"  {sid:<38} without asking: {without:<22} no key fact uncovered: {blind:4.0%}   "
              f"taught path: {taught:4.0%}")
    best, reasons = empowerment_figures(store)
    print("\nEmpowerment: best decision across cases")
    for action in ("alone", "escalate", "refuse"):
        print(f"  {action:<9} {best[action]:2d}")
    for sid, action, reason in reasons:
        print(f"    {sid:<38} {action:<9} ({reason})")


if __name__ == "__main__":
    main()
