"""Time from a trainee's choice to its feedback, for each scenario kind, in the kernel process.

Run: .venv/bin/python benchmarks/scenarios.py
Each figure is the median of several runs of: set the control's value -> click Submit -> feedback HTML updated,
driven through the widget's own callbacks (the same path a click in JupyterLab takes, minus the browser).
Target: under 50 ms per kind; under 300 ms for a calculator slider move (the chart is redrawn).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import frontline
from frontline.scenarios import ProgressStore

RUNS = 15


def median_ms(action, setup) -> float:
    times = []
    for _ in range(RUNS):
        state = setup()
        start = time.perf_counter()
        action(state)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    store = ProgressStore(Path(tempfile.mkdtemp()) / "progress.json")

    def fresh(scenario_id, persona=None):
        def setup():
            s = frontline.scenario(scenario_id, persona=persona, store=store)
            s.widget  # noqa: B018 - build the UI before timing, as a notebook has done by the time anyone clicks
            return s
        return setup

    def choice(s):
        s.ui.choices.value = "open-question"
        s.ui.submit.click()

    def diagnosis(s):
        s.ui.question_buttons["tracking-exactly"].click()
        s.ui.issue.value = "needs-it-by-a-date"
        s.ui.submit.click()

    def recovery(s):
        for reply in ("brief-and-focused", "diagnose-and-fix", "thank-and-follow-up"):
            s.ui.reply_buttons[reply].click()
        s.ui.submit.click()

    def empowerment(s):
        s.ui.action.value = "alone"
        s.ui.amount.value = 12
        s.ui.submit.click()

    def ordering(s):
        s.ui.list.value = "listen"
        s.ui.up.click()
        s.ui.submit.click()

    def calculator_answer(s):
        s.ui.answer.value = 505
        s.ui.submit.click()

    def calculator_slider(s):
        s.ui.sliders["retention"].value = round(s.ui.sliders["retention"].value + 0.01, 2)

    rows = [
        ("choice (pick + submit)", choice, fresh("choice/welcome-practice"), 50),
        ("diagnosis (ask + name issue + submit)", diagnosis, fresh("diagnosis/late-delivery"), 50),
        ("recovery (3 replies + submit)", recovery, fresh("recovery/after-hours-voicemail", "pressed-for-time"), 50),
        ("empowerment (action + amount + submit)", empowerment, fresh("empowerment/postie-forwarding"), 50),
        ("ordering (move + submit)", ordering, fresh("ordering/last-recovery"), 50),
        ("calculator (answer + submit)", calculator_answer, fresh("calculator/lifetime-value"), 50),
        ("calculator (slider move, chart redraw)", calculator_slider, fresh("calculator/lifetime-value"), 300),
        ("calculator (staffing slider, chart redraw)",
         lambda s: setattr(s.ui.sliders["agents"], "value", s.ui.sliders["agents"].value + 1),
         fresh("calculator/staffing-wait"), 300),
    ]
    print(f"{'kind (interaction)':<46} {'median ms':>10} {'target ms':>10}  status")
    for label, action, setup, target in rows:
        ms = median_ms(action, setup)
        print(f"{label:<46} {ms:>10.1f} {target:>10}  {'ok' if ms < target else 'SLOW'}")
    print(f"({RUNS} runs each; includes writing the progress file and publishing the AnswerEvent)")


if __name__ == "__main__":
    main()
