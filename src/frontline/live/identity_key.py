"""The key of the live room's hub identities, kept in a file of its own and never in the room's database.

The room knows each hub user by an HMAC-SHA256 of ``hub:NAME`` under this key
(:meth:`frontline.live.store.SessionStore.participant_for_identity`). Whoever holds the key and the database can
test guesses of user names against the hashes, so the key lives in a file (by default ``identity.key`` in the live
room's folder) that only the account running the room may read, or, where no such file fits (a Kubernetes pod),
in the environment variable ``FRONTLINE_LIVE_IDENTITY_KEY``; a copy of the database alone gives nothing away.
The database keeps a check value (an HMAC of a fixed text under the key), so a wrong key file is refused rather
than quietly giving every returning person a new participant.

Rooms made before the key left the database hold it in their settings (``identity_secret``): on their next start
the key is written to the file and removed from the database, and every link is kept.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from frontline.live.store import SCRUB_PENDING_SETTING

if TYPE_CHECKING:
    from frontline.live.store import SessionStore

log = logging.getLogger(__name__)

KEY_FILE_NAME = "identity.key"
ENV_VAR = "FRONTLINE_LIVE_IDENTITY_KEY"  # the key itself, instead of a file
KEY_CHECK_SETTING = "identity_key_check"
LEGACY_KEY_SETTING = "identity_secret"  # where rooms kept the key before it moved to its own file
_KEY_TEXT = re.compile(r"[0-9a-f]{64}")
_CHECK_TEXT = b"frontline live room identity key check"


class IdentityKeyError(RuntimeError):
    """The identity key file cannot be used; the message names the file and what to do."""


def check_value(key: str) -> str:
    """What the database keeps to recognise the key: an HMAC of a fixed text, which reveals nothing of the key."""
    return hmac.new(key.encode(), _CHECK_TEXT, hashlib.sha256).hexdigest()


def _key_text(raw: bytes, source: str) -> str:
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        text = ""
    if not _KEY_TEXT.fullmatch(text):
        raise IdentityKeyError(f"{source}: not a live room identity key (one line of 64 hexadecimal digits, as the "
                               "room writes it); restore it from the backup made with the room's database")
    return text


def read_key_file(path: Path) -> str | None:
    """The key held in ``path``, or None when there is no such file; anything else unusable is an error."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)  # a pipe put there would block
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise IdentityKeyError(f"{path}: the live room's identity key file is a link; put the file itself "
                                   "there") from e
        raise IdentityKeyError(f"{path}: cannot read the live room's identity key file: {e.strerror}") from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise IdentityKeyError(f"{path}: the live room's identity key must be a file, not a folder or device")
        if info.st_uid != os.getuid():
            raise IdentityKeyError(f"{path}: the live room's identity key file belongs to user id {info.st_uid}, "
                                   f"not to the account that runs the live room (user id {os.getuid()})")
        if info.st_mode & 0o077:
            raise IdentityKeyError(f"{path}: the live room's identity key file may be read by others (mode "
                                   f"{stat.S_IMODE(info.st_mode):04o}); make it the owner's only: chmod 600 {path}")
        raw = os.read(fd, 1024)
    finally:
        os.close(fd)
    return _key_text(raw, str(path))


def _write_new(path: Path, key: str) -> None:
    """Write ``key`` to ``path`` (0600) unless a file is there already: another process of the room made it first."""
    spare = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    try:
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as e:
        raise IdentityKeyError(f"{path}: cannot create the live room's identity key file: {e.strerror}") from e
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(spare, path)  # never replaces a file: whoever links first wins, the others read theirs
        except FileExistsError:
            pass
        except OSError as e:
            raise IdentityKeyError(f"{path}: cannot create the live room's identity key file: {e.strerror}") from e
        _sync_folder(path.parent)  # the new name is on disk before the database's copy of the key is deleted
    finally:
        spare.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Write ``folder``'s entries to disk, so a power cut cannot undo a name just made in it."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        raise IdentityKeyError(f"{folder}: cannot write the live room's identity key file's folder to disk: "
                               f"{e.strerror}") from e


@dataclass(frozen=True)
class KeyFile:
    """The key in a file of the live room's account (mode 0600), made on the room's first start."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)

    def read(self) -> str | None:
        return read_key_file(self.path)

    def create(self, key: str) -> str:
        """Write ``key`` unless another process of the room wrote one first; the key the file holds."""
        _write_new(self.path, key)
        made = self.read()
        if made is None:
            raise IdentityKeyError(f"{self.path}: the live room's identity key file vanished as it was made")
        return made


@dataclass(frozen=True)
class KeyFromEnvironment:
    """The key given in an environment variable (e.g. from a Kubernetes secret), where no private file fits."""

    value: str
    variable: str = ENV_VAR

    def __str__(self) -> str:
        return f"the environment variable {self.variable}"

    def read(self) -> str:
        return _key_text(self.value.encode(errors="replace"), str(self))

    def create(self, key: str) -> str:  # read() always has a key or refuses
        raise AssertionError("a key from the environment is never made here")


def key_source(path: Path | None, environ: Mapping[str, str] = os.environ) -> KeyFile | KeyFromEnvironment | None:
    """Where the room's key is: the environment variable when set, else the file ``path`` (if any)."""
    if ENV_VAR in environ:
        return KeyFromEnvironment(environ[ENV_VAR])
    return KeyFile(Path(path)) if path is not None else None


def open_identity_key(source: KeyFile | KeyFromEnvironment | Path, store: SessionStore) -> bytes:
    """The room's identity key from ``source``, checked against the room's database.

    A key file is made on the room's first start. A key kept in the database of a room made before the key had
    its own place is moved out (and logged as a warning). Refused, naming the file or variable, when it is missing
    for a room that has links, unreadable, malformed, open to others, or not the key the links were made with.
    """
    if isinstance(source, Path):
        source = KeyFile(source)
    key = source.read()
    legacy = store.get_setting(LEGACY_KEY_SETTING)
    stored_check = store.get_setting(KEY_CHECK_SETTING)
    if key is None:
        if legacy is None and (stored_check is not None or store.identity_count()):
            raise IdentityKeyError(
                f"{source}: the live room's identity key file is missing, and this room's database links "
                f"{store.identity_count()} hub user(s) to their participants with it; restore the file from the "
                "backup made with the database (without it every returning person becomes a new participant)")
        key = source.create(legacy if legacy is not None else secrets.token_hex(32))
    if legacy is not None and not hmac.compare_digest(legacy, key):
        raise IdentityKeyError(
            f"{source}: holds another key than the one this room's database kept from before the key had its own "
            "place; use the database's key (the value of its setting identity_secret), or for a key file, move "
            "the file aside and the room moves the database's key there")
    stored_check = store.setting_once(KEY_CHECK_SETTING, check_value(key))
    if not hmac.compare_digest(stored_check, check_value(key)):
        raise IdentityKeyError(
            f"{source}: not the identity key this room's links were made with; restore the key backed up with "
            "this database (another key would give every returning person a new participant)")
    if legacy is None and store.get_setting(SCRUB_PENDING_SETTING) is not None:
        store.scrub_settings()  # the clean-up of an earlier start's move, which did not finish
    if legacy is not None:
        store.remove_setting(LEGACY_KEY_SETTING, scrub=True)
        log.warning("The live room's identity key moved out of its database to %s; back it up together with the "
                    "database, and keep earlier backups of the database as private as the key.", source)
    return key.encode()
