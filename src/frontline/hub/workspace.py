"""Each person's own workspace of the lessons in their home, kept in step with the kit by the workspace library.

The hub runs as root; the workspace is created and merged by ``python -m frontline.workspace`` started as the
trainee's own account, so the hub never writes into a folder a trainee controls (no link they plant can redirect
it). Lessons are the trainee edition; exercises' sources are readable by trainers only on a hub, so trainees get
graded work from the exchange and the workspace holds no exercise at all.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

WORKSPACE_NAME = "frontline"
WELCOME = "lessons/00_welcome.ipynb"


class WorkspacePreparationError(RuntimeError):
    """The workspace sync failed; the message carries what it said."""


def prepare_workspace(username: str, home: Path, kit: Path) -> Path:
    """Create or update ``~/frontline`` for ``username`` (anyone in the cohort); returns it."""
    account = pwd.getpwnam(username)
    folder = home / WORKSPACE_NAME
    env = {"HOME": str(home), "USER": username, "LOGNAME": username, "FRONTLINE_KIT": str(kit),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]), "LANG": "C.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-m", "frontline.workspace", "--folder", str(folder), "--trainee", username],
        user=account.pw_uid, group=account.pw_gid, extra_groups=[], env=env, cwd=home,
        capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise WorkspacePreparationError(f"preparing {folder} for {username} failed: {done.stderr.strip()}")
    return folder
