"""The cohort file: who is in the cohort, where its shared folders live, and the limits of each server.

A small YAML file the person who runs the server edits (see docs/hub.md)::

    cohort: spring-intake
    trainers: [tina]
    facilitators: [fay]
    trainees: [ann, bob]
    port: 8000
    state_dir: /srv/frontline
    limits: {memory: 2G, cpu: 1.0, processes: 256}
    idle_timeout: 3600
    grader: grader-spring      # optional: the account that owns the course (default grader-<cohort>)
    live_identity_key: /etc/frontline/spring-live.key   # optional (default state_dir/live/identity.key)

``limits.memory`` and ``limits.cpu`` (CPUs' worth of time, e.g. 0.5 or 2) bound each account as a whole when
the machine allows control groups (:mod:`frontline.hub.limits`); ``memory`` also bounds each process's address
space, and ``processes`` the processes of each account.

Every error names the file and the field.
"""

from __future__ import annotations

import os
import pwd
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SETTINGS_ENV_VAR = "FRONTLINE_HUB_CONFIG"
TRAINERS_GROUP = "trainers"
FACILITATORS_GROUP = "facilitators"
TRAINEES_GROUP = "trainees"
# Linux and JupyterHub both accept these; anything else is refused before a useradd can misread it.
_USERNAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
GRADER_PREFIX = "grader-"
_SIZE = re.compile(r"^(\d+)([KMGT]?)$")
MAX_CPUS = 1024
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
AUTHENTICATORS = {
    # workshop default: each person chooses their password at first login (names must be on the cohort list)
    "first-use": "firstuseauthenticator.FirstUseAuthenticator",
    # the machine's own accounts and passwords
    "pam": "jupyterhub.auth.PAMAuthenticator",
}


LOGIN_DEFS = Path("/etc/login.defs")
DEFAULT_UID_MIN = 1000  # Debian's UID_MIN
# The account that owns nothing (unprivileged services, NFS's squashed root): 65534, and -2 as unsigned.
NOBODY_NAME, NOBODY_UIDS = "nobody", (65534, 4294967294)
# systemd's DynamicUser= services get uids from this range while they run (systemd's uid ranges, UIDS-GIDS.md)
DYNAMIC_SERVICE_UIDS = range(61184, 65519 + 1)


class HubSettingsError(ValueError):
    """The cohort file is wrong; the message names the file and field."""


def people_uid_min(login_defs: Path = LOGIN_DEFS) -> int:
    """The lowest uid of people's accounts: ``UID_MIN`` of ``/etc/login.defs`` (Debian's when unset).

    There is no upper bound: ``UID_MAX`` only caps the uids ``useradd`` hands out, and accounts from a directory
    service (LDAP, Active Directory through SSSD) have uids far above it. Above it only systemd's services'
    range (:data:`DYNAMIC_SERVICE_UIDS`) and ``nobody`` are refused (:func:`refuse_system_account`).
    """
    found = DEFAULT_UID_MIN
    try:
        lines = login_defs.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        words = line.split()
        if len(words) >= 2 and words[0] == "UID_MIN" and words[1].isdigit():
            found = int(words[1])
    return found


def refuse_system_account(name: str, where: str, key: str, login_defs: Path = LOGIN_DEFS) -> None:
    """Refuse ``name`` when it is an existing account of the machine itself (root, daemon, www-data, nobody):
    setup would give it the course or the trainers' group, and the hub would run a server as it."""
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return  # setup creates it, in people's range
    low = people_uid_min(login_defs)
    if uid == 0:
        why = "the administrator"
    elif name == NOBODY_NAME or uid in NOBODY_UIDS:
        why = "the account that owns nothing, for services without rights"
    elif uid < low:
        why = f"below UID_MIN {low} in {login_defs}, the uids the system's own services use"
    elif uid in DYNAMIC_SERVICE_UIDS:
        why = (f"from {DYNAMIC_SERVICE_UIDS.start} to {DYNAMIC_SERVICE_UIDS.stop - 1}, the uids systemd gives a "
               "service of its own while it runs")
    else:
        return
    raise HubSettingsError(f"{where}: field '{key}': {name!r} is a system account of this machine (uid {uid}, "
                           f"{why}); use the name of a person's account (uid {low} or above) or a name no account "
                           "has yet")


def parse_size(text: str | int, where: str) -> int:
    """``"2G"`` → bytes."""
    match = _SIZE.match(str(text).strip().upper())
    if not match:
        raise HubSettingsError(f"{where}: {text!r} is not a size such as 512M or 2G")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class HubSettings:
    cohort: str
    trainers: tuple[str, ...]
    trainees: tuple[str, ...]
    facilitators: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    port: int = 8000
    ip: str = ""
    state_dir: Path = Path("/srv/frontline")
    authenticator: str = "first-use"
    authenticator_config: dict = field(default_factory=dict)
    memory_limit: int = 2 * 1024**3
    cpu_limit: float = 1.0
    process_limit: int = 256
    idle_timeout: int = 3600
    live_port: int = 0
    live_identity_key: Path | None = None
    grader: str = ""
    formgrader_port: int = 0
    source: Path | None = None

    @property
    def exchange(self) -> Path:
        """The shared nbgrader exchange (sticky, world-writable root; each course folder owned by its trainer)."""
        return self.state_dir / "exchange"

    @property
    def course(self) -> Path:
        """The nbgrader course folder (sources, submissions, gradebook): the grader account's, ``0700``."""
        return self.state_dir / "course"

    @property
    def live_key_file(self) -> Path:
        """The file of the live room's identity key (kept out of the room's database): set, else beside it."""
        return self.live_identity_key or self.state_dir / "live" / "identity.key"

    @property
    def everyone(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.trainers, *self.facilitators, *self.trainees, *self.admins)))

    @property
    def authenticator_class(self) -> str:
        return AUTHENTICATORS.get(self.authenticator, self.authenticator)

    @property
    def grader_account(self) -> str:
        """The Linux account that owns the course and runs the formgrader service (nobody logs in as it)."""
        return self.grader or default_grader(self.cohort)

    def role_of(self, username: str) -> str:
        if username in self.trainers:
            return "trainer"
        if username in self.facilitators:
            return "facilitator"
        return "trainee"


def default_grader(cohort: str) -> str:
    """``grader-<cohort>`` as a valid Linux name: lower case, other characters as dashes, at most 32 long."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", cohort.lower()).strip("-_")
    return (GRADER_PREFIX + slug)[:32].rstrip("-_") if slug else GRADER_PREFIX.rstrip("-")


def _grader(data: dict, where: str, cohort: str, people: tuple[str, ...]) -> str:
    value = data.get("grader")
    if value is None:
        value = default_grader(cohort)
        if value in people:
            raise HubSettingsError(f"{where}: the grader account made from the cohort name, {value!r}, is also a "
                                   "person in the cohort; set field 'grader' to another account name")
    elif not isinstance(value, str) or not _USERNAME.match(value):
        raise HubSettingsError(f"{where}: field 'grader': {value!r} is not a valid user name "
                               "(lower-case letters, digits, - and _; starts with a letter)")
    if value in people:
        raise HubSettingsError(f"{where}: field 'grader': {value!r} is also a person in the cohort; the grader is "
                               "an account of its own that owns the course (trainers reach it through the hub)")
    refuse_system_account(value, where, "grader")
    return value


def _names(data: dict, key: str, where: str, required: bool = False) -> tuple[str, ...]:
    value = data.get(key, [])
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HubSettingsError(f"{where}: field '{key}' must be a list of user names")
    for name in value:
        if not _USERNAME.match(name):
            raise HubSettingsError(f"{where}: field '{key}': {name!r} is not a valid user name "
                                   "(lower-case letters, digits, - and _; starts with a letter)")
        refuse_system_account(name, where, key)
    if required and not value:
        raise HubSettingsError(f"{where}: field '{key}' needs at least one name")
    return tuple(value)


_KNOWN = {"cohort", "trainers", "trainees", "facilitators", "admins", "port", "ip", "state_dir", "authenticator",
          "authenticator_config", "limits", "idle_timeout", "live_port", "live_identity_key", "grader",
          "formgrader_port"}


def _key_file(data: dict, where: str, state_dir: Path) -> Path | None:
    value = data.get("live_identity_key")
    if value is None:
        return None
    field_name = f"{where}: field 'live_identity_key'"
    if not isinstance(value, str) or not value.strip() or value.endswith("/"):
        raise HubSettingsError(f"{field_name} must be the path of a file, not {value!r}")
    if not Path(value).is_absolute():
        raise HubSettingsError(f"{field_name}: {value!r} must be an absolute path (the hub starts the live room "
                               "in its own folder)")
    path = Path(os.path.normpath(value))  # compared without "..": live/../exchange is the exchange
    for shared in ("exchange", "course"):  # trainees, or the grader, can read or plant files there
        if path.is_relative_to(os.path.normpath(state_dir / shared)):
            raise HubSettingsError(f"{field_name}: {value!r} is inside the shared {shared} folder; keep the key "
                                   "where only the account running the live room can read it")
    return path


def load_settings(path: Path | str | None = None) -> HubSettings:
    """Read and check the cohort file (``path`` or ``FRONTLINE_HUB_CONFIG``)."""
    if path is None:
        path = os.environ.get(SETTINGS_ENV_VAR)
        if not path:
            raise HubSettingsError(f"no cohort file: pass one or set {SETTINGS_ENV_VAR}")
    path = Path(path).resolve()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise HubSettingsError(f"{path}: cannot read the cohort file: {e.strerror}") from e
    except yaml.YAMLError as e:
        raise HubSettingsError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise HubSettingsError(f"{path}: the cohort file must be a mapping of fields")
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise HubSettingsError(f"{path}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_KNOWN))}")
    cohort = data.get("cohort")
    if not isinstance(cohort, str) or not cohort.strip():
        raise HubSettingsError(f"{path}: field 'cohort' needs a name")
    limits = data.get("limits") or {}
    if not isinstance(limits, dict) or set(limits) - {"memory", "cpu", "processes"}:
        raise HubSettingsError(f"{path}: field 'limits' takes only memory, cpu and processes")
    trainers = _names(data, "trainers", str(path), required=True)
    trainees = _names(data, "trainees", str(path))
    facilitators = _names(data, "facilitators", str(path))
    overlap = set(trainers) & set(trainees)
    if overlap:
        raise HubSettingsError(f"{path}: {', '.join(sorted(overlap))} cannot be both trainer and trainee")
    integers = {}
    for key, default in (("port", 8000), ("idle_timeout", 3600), ("live_port", 0), ("formgrader_port", 0)):
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise HubSettingsError(f"{path}: field '{key}' must be a whole number, not {value!r}")
        integers[key] = value
    processes = limits.get("processes", 256)
    if not isinstance(processes, int) or processes < 16:
        raise HubSettingsError(f"{path}: field 'limits.processes' must be a whole number of at least 16")
    cpu = limits.get("cpu", 1.0)
    if isinstance(cpu, bool) or not isinstance(cpu, int | float) or not 0.01 <= cpu <= MAX_CPUS:
        raise HubSettingsError(f"{path}: field 'limits.cpu' must be a number of CPUs from 0.01 to {MAX_CPUS}, "
                               f"such as 0.5 or 2, not {cpu!r}")
    auth_config = data.get("authenticator_config") or {}
    if not isinstance(auth_config, dict):
        raise HubSettingsError(f"{path}: field 'authenticator_config' must be a mapping of settings")
    admins = _names(data, "admins", str(path))
    grader = _grader(data, str(path), cohort.strip(), (*trainers, *trainees, *facilitators, *admins))
    state_dir = Path(str(data.get("state_dir", "/srv/frontline")))
    return HubSettings(
        cohort=cohort.strip(),
        trainers=trainers,
        trainees=trainees,
        facilitators=facilitators,
        admins=admins,
        port=integers["port"],
        ip=str(data.get("ip", "")),
        state_dir=state_dir,
        authenticator=str(data.get("authenticator", "first-use")),
        authenticator_config=auth_config,
        memory_limit=parse_size(limits.get("memory", "2G"), f"{path}: field 'limits.memory'"),
        cpu_limit=float(cpu),
        process_limit=processes,
        idle_timeout=integers["idle_timeout"],
        live_port=integers["live_port"],
        live_identity_key=_key_file(data, str(path), state_dir),
        grader=grader,
        formgrader_port=integers["formgrader_port"],
        source=path,
    )
