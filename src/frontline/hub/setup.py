"""Accounts and folders for a cohort (run as root): ``frontline hub setup``.

Creates each listed person's Linux account if missing, the hub's state folder (``0700``, root), the shared
exchange with the course folder owned by the first trainer (:mod:`frontline.hub.exchange`), and each trainer's
course folder (``0700`` in their home, so no trainee can read sources, submissions or the gradebook).
"""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
from pathlib import Path

from frontline.grading.course import COURSE_ID, prepare_course_folder
from frontline.hub.exchange import prepare_shared_exchange
from frontline.hub.settings import HubSettings

COURSE_FOLDER = "course"
TRAINERS_LINUX_GROUP = "frontline-trainers"
# What only trainers may read: source exercises (solutions, hidden tests) and mark schemes.
TRAINER_ONLY = ("exercises", "grading")


def ensure_account(name: str) -> bool:
    """Create a Linux account with a home folder; True when it was created."""
    try:
        pwd.getpwnam(name)
        return False
    except KeyError:
        pass
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True, capture_output=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    os.chmod(home, 0o700)  # Debian's default home is world-readable
    return True


def prepare_cohort(settings: HubSettings, kit: Path, create_accounts: bool = True) -> list[str]:
    """Everything the hub needs on disk; returns the accounts it created."""
    if os.geteuid() != 0:
        raise PermissionError("frontline hub setup creates accounts and shared folders: run it as root")
    created = [name for name in settings.everyone if create_accounts and ensure_account(name)]
    missing = []
    for name in settings.everyone:
        try:
            pwd.getpwnam(name)
        except KeyError:
            missing.append(name)
    if missing:
        raise PermissionError(f"no Linux account for {', '.join(missing)} (run setup without --no-accounts)")
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.state_dir, 0o755)
    private = settings.state_dir / "hub"
    private.mkdir(exist_ok=True)
    os.chmod(private, 0o700)
    prepare_shared_exchange(settings.exchange, COURSE_ID, settings.trainers[0])
    secure_kit(kit, settings.trainers)
    for trainer in settings.trainers:
        account = pwd.getpwnam(trainer)
        course = Path(account.pw_dir) / COURSE_FOLDER
        prepare_course_folder(course, kit)
        for path in (course, *course.rglob("*")):
            os.lchown(path, account.pw_uid, account.pw_gid)
        os.chmod(course, 0o700)
    return created


def secure_kit(kit: Path, trainers: tuple[str, ...]) -> None:
    """Make the kit's answer keys readable by the trainers' Linux group only; lessons and data stay readable."""
    subprocess.run(["groupadd", "--force", TRAINERS_LINUX_GROUP], check=True, capture_output=True)
    for trainer in trainers:
        subprocess.run(["usermod", "--append", "--groups", TRAINERS_LINUX_GROUP, trainer],
                       check=True, capture_output=True)
    gid = grp.getgrnam(TRAINERS_LINUX_GROUP).gr_gid
    for name in TRAINER_ONLY:
        folder = kit / name
        if folder.is_dir():
            os.chown(folder, -1, gid)
            os.chmod(folder, 0o750)
