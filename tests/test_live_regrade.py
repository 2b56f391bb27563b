"""The live server's judge of scenario answers: a broken scenario file is read once per change, not per answer."""

from __future__ import annotations

import logging
import os

import frontline.scenarios
from frontline.live.regrade import ScenarioGrader

SCENARIO = "choice/welcome-practice"


def test_a_broken_scenario_is_loaded_once_until_its_file_changes(kit_copy, monkeypatch, caplog):
    loads = []
    real_load = frontline.scenarios.load_practice_scenario

    def counting_load(scenario_id, root=None):
        loads.append(scenario_id)
        return real_load(scenario_id, root)

    monkeypatch.setattr(frontline.scenarios, "load_practice_scenario", counting_load)
    file = kit_copy / "data" / "scenarios" / f"{SCENARIO}.yaml"
    good = file.read_text(encoding="utf-8")
    file.write_text(good.replace("score: 1\n", "score: half\n"), encoding="utf-8")  # fails the schema
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))  # a time of its own, older than the fix below
    grader = ScenarioGrader(kit_copy)
    answer = "open-question"

    with caplog.at_level(logging.WARNING, logger="frontline.live.regrade"):
        for _ in range(5):
            assert grader.grade(SCENARIO, "choice", answer, None) == (None, None)  # kept unjudged
    assert loads == [SCENARIO]  # read and checked once, not for every answer
    warnings = [r for r in caplog.records if "cannot be loaded" in r.getMessage()]
    assert len(warnings) == 1 and SCENARIO in warnings[0].getMessage()

    file.write_text(good, encoding="utf-8")  # fixed: a new modification time
    assert grader.grade(SCENARIO, "choice", answer, None) == (True, 1.0)  # picked up again and judged
    assert loads == [SCENARIO, SCENARIO]
    grader.grade(SCENARIO, "choice", answer, None)
    assert len(loads) == 2  # loaded for good now
