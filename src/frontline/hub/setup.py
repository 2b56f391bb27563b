"""Accounts and folders for a cohort (run as root): ``frontline hub setup``.

Creates each listed person's Linux account if missing, and the course's grader account: the account nbgrader's
JupyterHub guide calls ``grader-<course>``, nobody logs in as it; the hub runs the formgrader as it for the
trainers (:mod:`frontline.hub.formgrader_service`). Then the hub's state folder (``0700``, root), the course
folder ``state_dir/course`` (the grader's, ``0700``: no trainee can read sources, submissions or the gradebook),
and the shared exchange with the course's folder owned by the grader (:mod:`frontline.hub.exchange`).
"""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
from pathlib import Path
from typing import NamedTuple

from frontline.grading.course import COURSE_ID, prepare_course_folder
from frontline.hub.exchange import give_tree, prepare_shared_exchange
from frontline.hub.settings import HubSettings, refuse_system_account

TRAINERS_LINUX_GROUP = "frontline-trainers"
# What only trainers may read: source exercises (solutions, hidden tests), mark schemes and knowledge keys, the
# tests and scripts that hold model answers, and the repository's history (every earlier answer key is in it).
TRAINER_ONLY = ("exercises", "grading", "tests", "scripts", ".git")


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


class Prepared(NamedTuple):
    created: list[str]  # accounts setup created
    removed_trainers: list[str]  # accounts taken out of the trainers' Linux group (no longer trainers)
    not_given: list[str]  # files in the course folder with other names (hard links): their owner is kept


def prepare_cohort(settings: HubSettings, kit: Path, create_accounts: bool = True) -> Prepared:
    """Everything the hub needs on disk; says which accounts it created and whom it took out of the trainers."""
    refuse_system_accounts(settings)
    if os.geteuid() != 0:
        raise PermissionError("frontline hub setup creates accounts and shared folders: run it as root")
    grader = settings.grader_account
    accounts = (*settings.everyone, grader)
    created = [name for name in accounts if create_accounts and ensure_account(name)]
    refuse_system_accounts(settings)  # as the accounts are now, whoever made them
    missing = []
    for name in accounts:
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
    prepare_shared_exchange(settings.exchange, COURSE_ID, grader, earlier_owners=settings.trainers)
    removed = secure_kit(kit, (grader, *settings.trainers))
    account = pwd.getpwnam(grader)
    course = settings.course
    if course.is_symlink():
        raise PermissionError(f"{course} is a link; the course folder must be a real folder")
    prepare_course_folder(course, kit)  # writes no file through a link the grader could plant
    not_given = give_tree(course, account.pw_uid, account.pw_gid)
    os.chmod(course, 0o700)
    return Prepared(created, removed, not_given)


def refuse_system_accounts(settings: HubSettings) -> None:
    """The cohort file was checked when read, but an account may have been created since: check again."""
    where = str(settings.source or "the cohort settings")
    for key in ("trainers", "facilitators", "trainees", "admins"):
        for name in getattr(settings, key):
            refuse_system_account(name, where, key)
    refuse_system_account(settings.grader_account, where, "grader")


def secure_kit(kit: Path, trainers: tuple[str, ...]) -> list[str]:
    """Make the kit's answer keys readable by the trainers' Linux group only; lessons and data stay readable.

    ``trainers`` are the grader account (the course's ``source`` links to the kit's exercises) and the trainers
    (who may read the exercises and answer keys from a terminal: the group is given read access to these
    folders, not write; the files keep the owner that installed the kit).
    Returns the accounts taken out of the group because they are no longer among them.
    """
    removed = sync_group_members(TRAINERS_LINUX_GROUP, trainers)
    gid = grp.getgrnam(TRAINERS_LINUX_GROUP).gr_gid
    for name in TRAINER_ONLY:
        folder = kit / name
        if folder.is_dir():
            os.chown(folder, -1, gid)
            os.chmod(folder, 0o750)
    return removed


def sync_group_members(group: str, members: tuple[str, ...]) -> list[str]:
    """Make ``members`` exactly the listed members of the Linux ``group`` (created if missing): add who is missing,
    take out who is no longer listed (a trainer removed from the cohort keeps no answer keys); returns those."""
    subprocess.run(["groupadd", "--force", group], check=True, capture_output=True)
    for member in members:
        subprocess.run(["usermod", "--append", "--groups", group, member], check=True, capture_output=True)
    removed = [name for name in grp.getgrnam(group).gr_mem if name not in members]
    for name in removed:
        subprocess.run(["gpasswd", "--delete", name, group], check=True, capture_output=True)
    return removed
