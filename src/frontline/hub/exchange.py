"""A shared nbgrader exchange for separate accounts that keeps trainees apart.

nbgrader's own exchange is close, but with separate accounts it leaves three gaps this module closes:

* the exchange root must be writable by everyone (nbgrader checks it), so without the sticky bit a trainee could
  rename the course folder away and plant their own; :func:`prepare_shared_exchange` makes the root ``1777`` and
  creates the course folder owned by the course's grader account before anyone else can;
* the inbound folder is ``2733`` (anyone may create, nobody may list); :class:`SharedReleaseAssignment` adds
  the sticky bit (``1733``), so no trainee can rename or delete an entry they do not own;
* nbgrader's collect only *warns* when a submission's owner is not the student its name claims;
  :class:`OwnerCheckedCollect` refuses it, so nobody can submit as someone else.

Collection, here and on a single account (:class:`LinkRefusingCollect`), refuses a submission holding a symbolic
link or any other file that is not a regular file: nbgrader's copy, run as the trainer, would follow a trainee's
link to the trainer's own files (see :mod:`frontline.grading.files`).

Feedback stays as nbgrader makes it: a ``0711`` folder of files named by a hash of a secret that only the
submitter's own copy holds, so a trainee can fetch their feedback and cannot find anyone else's.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import stat
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.exchange import ignore_patterns
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment

from frontline.grading.files import copy_regular_tree, special_entries

SHARED_ENV_VAR = "FRONTLINE_EXCHANGE_SHARED"
# Where accounts are not in this machine's user database (each person's own pod on Kubernetes), a file of
# "uid name" lines, written by the hub as it starts each server, names the owner of a submission.
OWNERS_ENV_VAR = "FRONTLINE_EXCHANGE_OWNERS"
ROOT_MODE = 0o1777
COURSE_MODE = 0o755
INBOUND_MODE = 0o1733
FEEDBACK_MODE = 0o711


def shared_exchange_enabled() -> bool:
    return os.environ.get(SHARED_ENV_VAR, "") not in ("", "0", "false", "no")


def exchange_config(c) -> None:
    """Point nbgrader at the hardened classes (called from the kit's nbgrader config in shared mode)."""
    c.ExchangeFactory.release_assignment = f"{__name__}.SharedReleaseAssignment"
    c.ExchangeFactory.collect = f"{__name__}.OwnerCheckedCollect"
    c.ExchangeCollect.check_owner = True


class SharedReleaseAssignment(ExchangeReleaseAssignment):
    """nbgrader's release, then the sticky bit on inbound so entries can only be removed by their owner.

    The feedback folder is created now too (``0711``, as nbgrader's feedback release makes it), so no trainee can
    create it first and own it.
    """

    def copy_files(self):
        super().copy_files()
        os.chmod(os.path.join(self.course_path, "inbound"), INBOUND_MODE)
        feedback = os.path.join(self.course_path, "feedback")
        os.makedirs(feedback, exist_ok=True)
        os.chmod(feedback, FEEDBACK_MODE)


class LinkRefusingCollect(ExchangeCollect):
    """nbgrader's collect, refusing any submission that holds a link or another non-regular file.

    The refusal happens before nbgrader picks each student's latest submission (so the student's latest clean one
    is collected instead, and nothing collected earlier is removed), and the copy itself never follows a link, so
    one added after the check is left out and logged.
    """

    def _acceptable(self, record: dict) -> bool:
        special = special_entries(Path(self.inbound_path, record["filename"]))
        if special:
            self.log.error("Refused the submission %s of %s: it holds %s, which is not a regular file (a link "
                           "could reach the trainer's files)", record["filename"], record["username"],
                           ", ".join(special))
        return not special

    def _sort_by_timestamp(self, records):
        kept = [record for record in records if self._acceptable(record)]
        # nbgrader takes the first record of each student; a student with only refused ones gets a marker
        return super()._sort_by_timestamp(kept or [{**records[0], "refused": True}])

    def init_src(self):
        super().init_src()
        self.src_records = [record for record in self.src_records if not record.get("refused")]

    def do_copy(self, src, dest, log=None):
        """nbgrader's copy (size limit, include and ignore patterns) with regular files only, links never followed."""
        if self.get_size(src) > 1000 * self.coursedir.max_dir_size:
            self.log.error("Directory size is too big")
            raise RuntimeError(f"Directory size is too big: {src}")
        skipped = copy_regular_tree(Path(src), Path(dest), ignore_patterns(
            exclude=self.coursedir.ignore, include=self.coursedir.include,
            max_file_size=self.coursedir.max_file_size, log=self.log))
        if skipped:
            self.log.error("Left out of %s, not regular files: %s", src, ", ".join(skipped))


class OwnerCheckedCollect(LinkRefusingCollect):
    """That collect, also refusing any submission whose folder is not owned by the student it names.

    The refusal happens before nbgrader picks each student's latest submission, so a forged later one cannot
    hide the student's own.
    """

    def _acceptable(self, record: dict) -> bool:
        return self._owned_by_student(record) and super()._acceptable(record)

    def _owned_by_student(self, record: dict) -> bool:
        path = os.path.join(self.inbound_path, record["filename"])
        try:
            owner = owner_name(os.lstat(path).st_uid)
        except OSError:
            owner = None
        if owner != record["username"]:
            self.log.error("Refused %s: it claims to be from %s but was made by %s",
                           record["filename"], record["username"], owner or "an unknown account")
            return False
        return True


def owner_name(uid: int) -> str | None:
    """The account name of ``uid``: this machine's user database, else the owners file (``uid name`` lines)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        pass
    owners = os.environ.get(OWNERS_ENV_VAR)
    if owners and os.path.isfile(owners):
        with open(owners, encoding="utf-8") as lines:
            for line in lines:
                number, _, name = line.strip().partition(" ")
                if number == str(uid) and name:
                    return name
    return None


def prepare_shared_exchange(root: Path, course_id: str, owner: str, earlier_owners: tuple[str, ...] = ()) -> Path:
    """Create the exchange root (``1777``, root-owned) and the course folder owned by ``owner`` (``0755``).

    Run as root, once per cohort, before the first release. A course folder that one of ``earlier_owners`` owns
    (a trainer, before the course had a grader account) is handed over with what that account made in it;
    hand-ins stay their senders', which is how collection tells who made them. Returns the course folder.
    """
    root.mkdir(parents=True, exist_ok=True)
    os.chown(root, 0, 0)
    os.chmod(root, ROOT_MODE)
    course = root / course_id
    account = pwd.getpwnam(owner)
    allowed = {account.pw_uid} | {pwd.getpwnam(name).pw_uid for name in earlier_owners}
    if course.exists() and (course.is_symlink() or course.stat().st_uid not in allowed):
        raise PermissionError(f"{course} exists and is not owned by {owner}; "
                              "move it aside (someone may have created it first) and run this again")
    course.mkdir(exist_ok=True)
    previous = course.stat().st_uid
    if previous != account.pw_uid:
        give_tree(course, account.pw_uid, account.pw_gid, only_from=previous)
    os.chown(course, account.pw_uid, account.pw_gid, follow_symlinks=False)
    os.chmod(course, COURSE_MODE)
    return course


def give_tree(top: Path, uid: int, gid: int, only_from: int | None = None) -> list[str]:
    """Give ``top`` and everything in it (only what ``only_from`` owns, when given) to ``uid``, never following a
    link, even one another account swaps in during the walk: ``os.fwalk`` opens each folder relative to its
    parent's descriptor and checks it is the folder it listed, and each entry is changed through that descriptor.
    A file with more than one name (a hard link) is left as it is: its other name may be anywhere on the same file
    system (``/etc/shadow`` linked in by an account that could write to the folder), and changing the owner of one
    name changes it for all. Returns the paths left so, relative to ``top``.
    """
    if only_from is None or os.lstat(top).st_uid == only_from:
        os.chown(top, uid, gid, follow_symlinks=False)
    linked = []
    for folder, subfolders, files, descriptor in os.fwalk(top, follow_symlinks=False):
        for name in (*subfolders, *files):
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile
                found = os.stat(name, dir_fd=descriptor, follow_symlinks=False)
                if only_from is not None and found.st_uid != only_from:
                    continue
                if not stat.S_ISDIR(found.st_mode) and found.st_nlink > 1 and found.st_uid != uid:
                    linked.append(os.path.relpath(os.path.join(folder, name), top))
                    continue
                os.chown(name, uid, gid, dir_fd=descriptor, follow_symlinks=False)
    return sorted(linked)


def describe_modes(root: Path, course_id: str) -> dict[str, str]:
    """The modes of the exchange's folders, for ``frontline hub check`` and the guide."""
    modes = {}
    for relative in ("", course_id, f"{course_id}/outbound", f"{course_id}/inbound", f"{course_id}/feedback"):
        path = root / relative
        if path.exists():
            modes[relative or "."] = oct(stat.S_IMODE(path.stat().st_mode))
    return modes
