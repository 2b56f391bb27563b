"""A trainee's files, read without ever following a link.

A trainee owns their submission folder in the exchange and can add to it after handing in; a symbolic link
there (``notes.txt -> the trainer's gradebook``) would make anything that follows links copy the trainer's file
into the trainee's submission or sandbox. Collection refuses a submission holding anything but regular files and
folders (:func:`special_entries`), and copies are made with :func:`copy_regular_tree`, which opens every file and
folder without following links (``O_NOFOLLOW`` on each name, relative to its already-open folder), so a link
added between the check and the copy is skipped, never followed.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def special_entries(folder: Path) -> list[str]:
    """Paths (relative to ``folder``) of its links, devices, pipes and sockets: everything but files and folders."""
    found = []
    for here, folders, files in os.walk(folder):  # os.walk never descends into a linked folder
        for name in sorted(folders + files):
            path = Path(here) / name
            mode = path.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found.append(path.relative_to(folder).as_posix())
    return sorted(found)


def copy_regular_tree(source: Path, target: Path,
                      ignore: Callable[[str, list[str]], set[str]] | None = None) -> list[str]:
    """Copy the regular files and folders of ``source`` into ``target`` (merged with what is there).

    Never follows a link. Returns what was left out because it was not a regular file or folder (relative paths);
    ``ignore`` is :func:`shutil.copytree`'s (``folder, names -> names to leave out``).
    """
    skipped: list[str] = []
    root = os.open(source, _FLAGS | os.O_DIRECTORY)
    try:
        _copy_folder(root, str(source), target, "", ignore, skipped)
    finally:
        os.close(root)
    return skipped


def _copy_folder(folder_fd: int, folder: str, target: Path, relative: str,
                 ignore: Callable[[str, list[str]], set[str]] | None, skipped: list[str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    names = sorted(os.listdir(folder_fd))
    left_out = set(ignore(folder, names)) if ignore else set()
    for name in names:
        if name in left_out:
            continue
        where = f"{relative}{name}"
        try:
            fd = os.open(name, _FLAGS, dir_fd=folder_fd)
        except OSError:  # a link (ELOOP), or gone since it was listed
            skipped.append(where)
            continue
        try:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                _copy_folder(fd, os.path.join(folder, name), target / name, f"{where}/", ignore, skipped)
            elif stat.S_ISREG(mode):
                with os.fdopen(os.dup(fd), "rb") as reading, (target / name).open("wb") as writing:
                    shutil.copyfileobj(reading, writing)
                os.utime(target / name, ns=(os.fstat(fd).st_atime_ns, os.fstat(fd).st_mtime_ns))
            else:
                skipped.append(where)
        finally:
            os.close(fd)
