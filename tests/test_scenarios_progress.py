"""The progress file: survives a restart, atomic writes, corrupt files kept aside, and the summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

import frontline
from frontline.scenarios import ProgressStore
from frontline.scenarios.progress import CorruptProgressWarning, default_progress_path


def test_progress_survives_a_kernel_restart(tmp_path):
    path = tmp_path / "progress.json"
    code = (
        "import frontline\n"
        "s = frontline.scenario('choice/welcome-practice')\n"
        "s.hint(); s.choose('policy'); s.submit(); s.choose('open-question'); s.submit()\n"
    )
    env = {**os.environ, "FRONTLINE_PROGRESS": str(path)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    entry = ProgressStore(path).get("choice/welcome-practice")
    assert (entry.attempts, entry.solved, entry.hints_used, entry.best_score, entry.last_score) == (2, True, 1, 1, 1)
    # a new session (a fresh scenario object) sees the earlier attempts: the solution is open at once
    again = frontline.scenario("choice/welcome-practice", store=ProgressStore(path))
    assert "Your record here: 2 attempt(s), best score 100%, ✔ solved" in (again.widget and again.ui).record.value
    assert again.solution().startswith("Solution:")


def test_location_from_the_environment_or_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("FRONTLINE_PROGRESS", str(tmp_path / "mine.json"))
    assert default_progress_path() == tmp_path / "mine.json"
    monkeypatch.delenv("FRONTLINE_PROGRESS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_progress_path() == tmp_path / "data" / "frontline" / "progress.json"


def test_writes_are_whole_files_with_no_temporary_left_behind(tmp_path):
    store = ProgressStore(tmp_path / "deep" / "progress.json")
    store.record_attempt("ordering/last-recovery", 0.5, False)
    store.record_attempt("ordering/last-recovery", 0.25, False)
    store.record_hints("ordering/last-recovery", 2)
    data = json.loads(store.path.read_text())
    assert data["scenarios"]["ordering/last-recovery"] == {"attempts": 2, "solved": False, "hints_used": 2,
                                                           "best_score": 0.5, "last_score": 0.25}
    assert sorted(p.name for p in store.path.parent.iterdir()) == [".progress.json.lock", "progress.json"]


def test_concurrent_sessions_do_not_lose_each_others_attempts(tmp_path):
    # separate stores on separate threads open separate lock descriptors, just as two kernels would
    path = tmp_path / "progress.json"

    def work(scenario_id):
        store = ProgressStore(path)
        for _ in range(25):
            store.record_attempt(scenario_id, 0.5, False)

    threads = [threading.Thread(target=work, args=(sid,))
               for sid in ("choice/four-levels", "choice/four-levels", "ordering/last-recovery")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    records = ProgressStore(path).all()
    assert records["choice/four-levels"].attempts == 50 and records["ordering/last-recovery"].attempts == 25


def test_a_corrupt_file_is_kept_aside_and_reported(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text('{"scenarios": {"choice/welcome-practice": {"attempts": 3')  # cut off mid-write by hand
    store = ProgressStore(path)
    with pytest.warns(CorruptProgressWarning, match=r"progress file .*progress.json could not be read.*kept as "
                                                    r".*progress.corrupt-1.json"):
        store.record_attempt("choice/four-levels", 1, True)
    assert (tmp_path / "progress.corrupt-1.json").read_text().endswith('"attempts": 3')
    assert store.get("choice/four-levels").solved
    path.write_text("[]")
    with pytest.warns(CorruptProgressWarning):
        store.all()
    assert (tmp_path / "progress.corrupt-2.json").read_text() == "[]"


def test_the_summary_lists_every_scenario_as_a_table_and_a_widget(tmp_path):
    store = ProgressStore(tmp_path / "progress.json")
    s = frontline.scenario("choice/four-levels", store=store)
    s.choose("emotional")
    s.submit()
    s.choose("ease")
    s.submit()
    ordering = frontline.scenario("ordering/last-recovery", store=store)
    ordering.set_order(["listen", "apologize", "thank", "solve"])
    ordering.submit()
    summary = frontline.progress(store=store)
    frame = summary.frame.set_index("id")
    assert len(frame) == len(frontline.list_scenarios())
    assert frame.loc["choice/four-levels", "status"] == "✔ solved" and frame.loc["choice/four-levels", "attempts"] == 2
    assert frame.loc["ordering/last-recovery", "status"] == "◐ attempted"
    assert frame.loc["diagnosis/late-delivery", "status"] == "· not started"
    assert summary.headline.startswith(f"Solved 1 of {len(frame)} scenarios; attempted 2")
    bundle = summary._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "Solved 1 of" in bundle["text/plain"]
    table = summary.widget.children[1].value
    assert "<caption>Your scenario progress</caption>" in table and '<th scope="col">Status</th>' in table
    # trainees read titles, never ids or file paths
    assert "Which level of service failed?" in table and "choice/four-levels" not in table
    assert str(store.path) not in summary.headline and frame.loc["choice/four-levels", "scenario"] == \
        "Which level of service failed?"


def test_an_unwritable_progress_location_does_not_lose_the_feedback(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the progress folder should be")
    store = ProgressStore(blocker / "progress.json")
    s = frontline.scenario("choice/four-levels", store=store)
    s.choose("ease")
    with pytest.warns(RuntimeWarning, match="could not save progress to .*not-a-folder"):
        assert s.submit().correct
    assert s.feedback.correct
