"""Each trainee's own copy of the lessons in their home folder.

Until the kit's per-trainee workspace library is available here, this copies the trainee edition of the lessons
(``notebooks/*.ipynb``) into ``~/frontline`` the first time, and afterwards adds only lessons the trainee does
not have, so their edits are never overwritten. Exercises are not copied: trainees fetch the released versions
through the exchange, and the source versions (solutions, hidden tests) never reach their home.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

WORKSPACE_NAME = "frontline"


def prepare_workspace(username: str, home: Path, kit: Path, role: str) -> Path | None:
    """Create or top up ``~/frontline`` for ``username``; returns it (None for a trainer, who works in the course)."""
    if role == "trainer":
        return None
    account = pwd.getpwnam(username)
    folder = home / WORKSPACE_NAME
    # The hub runs as root inside a folder the trainee owns: never follow a link they may have planted.
    try:
        os.mkdir(folder, 0o755)
        os.chown(folder, account.pw_uid, account.pw_gid)
    except FileExistsError:
        pass
    folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        for lesson in sorted((kit / "notebooks").glob("*.ipynb")):
            try:  # O_EXCL: an existing file (the trainee's copy, with their edits) or link is left alone
                fd = os.open(lesson.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644,
                             dir_fd=folder_fd)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as target:
                target.write(lesson.read_bytes())
                os.fchown(target.fileno(), account.pw_uid, account.pw_gid)
    finally:
        os.close(folder_fd)
    return folder
