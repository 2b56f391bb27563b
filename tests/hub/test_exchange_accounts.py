"""The shared exchange with separate Linux accounts and no hub: nbgrader's commands run as each account.

The course belongs to the grader account `frontline hub setup` made; on a machine without the hub, trainers
run `frontline grade` as that account (docs/hub.md).

These tests share the session's accounts, course and exchange with the hub's (test_hub_cohort.py) and may run
before or after them: they release, hand in and collect their own assignment, never the hub's, and put back
what they plant.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from frontline.hub.exchange import describe_modes, prepare_shared_exchange

pytestmark = pytest.mark.slow

ASSIGNMENT = "diagnosis"  # test_hub_cohort.py works on "capstone"
TRAINEE_CONFIG = Path(sys.modules["frontline"].__file__).parent / "lab" / "jupyter_config"


def run_as(accounts, name: str, *argv: str, cwd: str = "", extra: dict | None = None) -> subprocess.CompletedProcess:
    """A command as that account, with the environment a shared machine gives everyone (see docs/hub.md)."""
    home = pwd.getpwnam(name).pw_dir
    env = {
        "HOME": home, "USER": name, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "FRONTLINE_KIT": str(accounts["kit"]), "FRONTLINE_EXCHANGE": str(accounts["base"] / "state" / "exchange"),
        "FRONTLINE_EXCHANGE_SHARED": "1", **(extra or {}),
    }
    return subprocess.run(["runuser", "-u", name, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv],
                          cwd=os.path.join(home, cwd), capture_output=True, text=True, timeout=300)


def test_separate_accounts_share_one_exchange_and_stay_apart(accounts):
    grader, ann, bob = (accounts["people"][k] for k in ("grader", "ann", "bob"))
    exchange = accounts["base"] / "state" / "exchange"
    trainee = {"JUPYTER_CONFIG_PATH": str(TRAINEE_CONFIG)}
    course = {"FRONTLINE_COURSE": str(accounts["base"] / "state" / "course")}

    released = run_as(accounts, grader, "frontline", "grade", "release", ASSIGNMENT, extra=course)
    assert released.returncode == 0, released.stdout + released.stderr
    assert describe_modes(exchange, "frontline") == {
        ".": "0o1777", "frontline": "0o755", "frontline/outbound": "0o755", "frontline/inbound": "0o1733",
        "frontline/feedback": "0o711"}

    for name in (ann, bob):
        fetched = run_as(accounts, name, "nbgrader", "fetch_assignment", ASSIGNMENT, extra=trainee)
        assert fetched.returncode == 0, fetched.stderr
    submitted = run_as(accounts, ann, "nbgrader", "submit", ASSIGNMENT, extra=trainee)
    assert submitted.returncode == 0, submitted.stderr

    # Bob cannot see what is in inbound, and hands in a later "submission" in Ann's name.
    listing = run_as(accounts, bob, "ls", str(exchange / "frontline" / "inbound"))
    assert listing.returncode != 0 and "Permission denied" in listing.stderr
    forged = exchange / "frontline" / "inbound" / f"{ann}+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC+forged"
    planted = run_as(accounts, bob, sys.executable, "-c", (
        "import os, sys; p = sys.argv[1]; os.makedirs(p)\n"
        "open(p + '/timestamp.txt', 'w').write('2099-01-01 00:00:00.000000 UTC')\n"
        f"open(p + '/{ASSIGNMENT}.ipynb', 'w').write('{{\"forged\": true}}')\n"), str(forged))
    assert planted.returncode == 0, planted.stderr

    collected = run_as(accounts, grader, "frontline", "grade", "collect", ASSIGNMENT, extra=course)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    ann_copy = Path(course["FRONTLINE_COURSE"]) / "submitted" / ann / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    text = ann_copy.read_text()
    assert '"forged"' not in text and "nbgrader" in text  # Ann's own notebook, not Bob's forgery
    assert "2099" not in (ann_copy.parent / "timestamp.txt").read_text()
    assert not (ann_copy.parents[2] / bob / ASSIGNMENT).exists()  # Bob handed nothing in under his own name

    # The course (the grader's) and the kit's answer keys are closed to trainees.
    kit = accounts["kit"]
    for path in (course["FRONTLINE_COURSE"], kit / "exercises" / ASSIGNMENT, kit / "grading", kit / "tests",
                 kit / "scripts", kit / ".git"):
        attempt = run_as(accounts, bob, "ls", str(path))
        assert attempt.returncode != 0 and "Permission denied" in attempt.stderr, path


def test_setup_hands_a_trainers_course_folder_to_the_grader(accounts, tmp_path):
    """An exchange from before the grader account: the trainer's files pass to the grader, hand-ins stay theirs."""
    trainer, grader, ann = (pwd.getpwnam(accounts["people"][k]) for k in ("trainer", "grader", "ann"))
    root = tmp_path / "exchange"
    released = root / "frontline" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    handed_in = root / "frontline" / "inbound" / f"{ann.pw_name}+{ASSIGNMENT}+2025-01-01 00:00:00.000000 UTC+x"
    released.parent.mkdir(parents=True)
    released.write_text("{}")
    handed_in.mkdir(parents=True)
    for path in (root / "frontline", *(root / "frontline").rglob("*")):
        os.lchown(path, trainer.pw_uid, trainer.pw_gid)
    os.lchown(handed_in, ann.pw_uid, ann.pw_gid)

    with pytest.raises(PermissionError, match="is not owned by"):  # a trainer not named as an earlier owner
        prepare_shared_exchange(root, "frontline", grader.pw_name)
    prepare_shared_exchange(root, "frontline", grader.pw_name, earlier_owners=(trainer.pw_name,))
    assert {path.stat().st_uid for path in (root / "frontline", released, released.parent)} == {grader.pw_uid}
    assert handed_in.stat().st_uid == ann.pw_uid
    assert describe_modes(root, "frontline")["frontline"] == "0o755"


def test_setup_again_writes_nothing_through_links_the_grader_planted(accounts, tmp_path):
    """Anyone with a shell as the grader (every trainer, in the formgrader) can plant links in the course folder;
    setup, run again as root, must neither write through them nor give their targets away."""
    grader = pwd.getpwnam(accounts["people"]["grader"])
    course = accounts["base"] / "state" / "course"
    victim = tmp_path / "victim.txt"
    victim.write_text("root's own file\n")
    os.chmod(victim, 0o644)
    try:
        for link in (course / "nbgrader_config.py", course / "planted"):
            planted = run_as(accounts, grader.pw_name, "ln", "-sfn", str(victim), str(link))
            assert planted.returncode == 0 and link.is_symlink(), planted.stderr

        again = subprocess.run([sys.executable, "-m", "frontline", "hub", "setup", str(accounts["cohort_file"])],
                               env=accounts["env"], capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        assert victim.read_text() == "root's own file\n"
        assert (victim.stat().st_uid, oct(victim.stat().st_mode & 0o777)) == (0, "0o644")
        config = course / "nbgrader_config.py"
        assert not config.is_symlink() and "load_subconfig(" in config.read_text()
        assert config.stat().st_uid == grader.pw_uid
        assert (course / "planted").is_symlink() and (course / "planted").lstat().st_uid == grader.pw_uid
    finally:  # the course is the hub tests' too
        (course / "planted").unlink(missing_ok=True)
