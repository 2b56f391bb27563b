"""Memory and CPU limits of the servers the hub starts: per account with Linux control groups (cgroup v2, or v1)
where the machine allows it, and per process always (:func:`limit_resources`).

Each account gets one cgroup, named after it, inside a ``frontline`` cgroup. That parent is placed below the
hub's own cgroup when possible, so whatever limits the machine or container puts on the hub still hold for
everyone's servers; otherwise (cgroup v2 where the hub's own cgroup cannot have children with controllers, or
either version where the hub's own cgroup is not in the mounted hierarchy) at the top of the hierarchy, where a
limit on the hub's own cgroup does not cover them. A server joins its account's cgroup before it drops to the
account, so its kernels and terminals are counted with it: ``memory`` is the most the whole account may use
(the kernel ends a process of the account when it is exceeded), ``cpu`` the share of one CPU's time it may take
(1.5: one and a half CPUs).

* cgroup v2 (``cgroup2`` mounted, usually at ``/sys/fs/cgroup``): ``memory.max``, ``memory.swap.max`` (0, where
  the kernel accounts swap) and ``cpu.max`` of ``…/frontline/NAME``, with ``+cpu +memory`` enabled in the
  ``cgroup.subtree_control`` of the parents.
* cgroup v1 (one hierarchy per controller, ``/sys/fs/cgroup/memory`` and ``/sys/fs/cgroup/cpu``):
  ``memory.limit_in_bytes`` and ``memory.memsw.limit_in_bytes`` (the same figure: memory plus swap, where the
  kernel accounts swap), ``cpu.cfs_period_us`` and ``cpu.cfs_quota_us`` of ``…/frontline/NAME`` in each.

Swap does not count against ``memory`` otherwise, so without these an account could use its memory limit and as
much swap again.

:func:`find_tree` says why when neither can be used (not root, read-only, no controllers); the caller then keeps
the per-process limits alone and says so.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import signal
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import psutil

PARENT = "frontline"
CPU_PERIOD = 100_000  # microseconds; the quota is the CPU time allowed in each period
CONTROLLERS = ("memory", "cpu")
HUB_LEAF = "hub"  # cgroup v2: where the hub's own processes move so that its cgroup may have children
NICENESS = 5


def limit_resources(memory: int, processes: int) -> None:
    """Per-process limits that a server's kernels and terminals inherit, applied in the child before it starts:
    address space, the account's processes, no core files, and a lower CPU priority so one cannot starve others.

    Used for each person's server (:class:`frontline.hub.spawner.CohortSpawner`) and the formgrader service
    (:mod:`frontline.hub.formgrader_service`); the second line where control groups work, the only one elsewhere.
    """
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.nice(NICENESS)


class LimitsUnavailable(RuntimeError):
    """Control groups cannot be used here; the message says why."""


@dataclass(frozen=True)
class Mount:
    kind: str  # "cgroup" (v1) or "cgroup2"
    root: str  # the part of the hierarchy the mount shows
    point: Path
    writable: bool
    options: frozenset[str]  # v1: the controllers of the hierarchy


def mounts(mountinfo: str | None = None) -> list[Mount]:
    """The cgroup file systems mounted here, from ``/proc/self/mountinfo``."""
    text = Path("/proc/self/mountinfo").read_text() if mountinfo is None else mountinfo
    found = []
    for line in text.splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 6 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        point = Path(fields[4].replace("\\040", " "))
        found.append(Mount(tail[0], fields[3], point, "rw" in fields[5].split(","), frozenset(tail[2].split(","))))
    return found


def process_cgroups(pid: int) -> dict[str, str]:
    """The cgroup path per v1 controller, and under ``""`` the v2 path, of the process ``pid``."""
    return own_cgroups(Path(f"/proc/{pid}/cgroup").read_text())


def own_cgroups(text: str | None = None) -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under ``""`` its v2 path (``/proc/self/cgroup``)."""
    text = Path("/proc/self/cgroup").read_text() if text is None else text
    paths = {}
    for line in text.splitlines():
        _hierarchy, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _folder(mount: Mount, path: str) -> Path:
    """Where the cgroup ``path`` (as /proc shows it) is in the mounted hierarchy; the mount's top if not there."""
    relative = path
    if mount.root != "/" and (path == mount.root or path.startswith(mount.root + "/")):
        relative = path[len(mount.root):]
    folder = mount.point / relative.lstrip("/")
    return folder if folder.is_dir() else mount.point


def _write(path: Path, value: str) -> None:
    with open(path, "w") as file:
        file.write(value)


def _read(path: Path) -> str:
    return path.read_text().strip()


@dataclass(frozen=True)
class AccountCgroup:
    """One account's cgroup: a folder per hierarchy (v2: one; v1: memory and cpu)."""

    name: str
    folders: tuple[Path, ...]

    def join(self, pid: int = 0) -> None:
        """Move ``pid`` (this process by default) into the account's cgroup; its future children follow."""
        for folder in self.folders:
            _write(folder / "cgroup.procs", str(pid or os.getpid()))

    def kill(self, wait: float = 5.0) -> bool:
        """End every process in the account's cgroup, detached ones included (``cgroup.kill`` on v2 where the kernel
        has it, else SIGKILL to each, again while any are left: one may fork meanwhile), waiting up to ``wait``
        seconds; True when none is left."""
        deadline = time.monotonic() + wait
        for folder in self.folders:
            while True:
                try:
                    members = [int(p) for p in _read(folder / "cgroup.procs").split()]
                except FileNotFoundError:
                    break  # no such cgroup: nothing to end
                members = [pid for pid in members if pid != os.getpid()]  # never the hub, should it be here
                if not members:
                    break
                if time.monotonic() > deadline:
                    return False
                if (folder / "cgroup.kill").exists():
                    _write(folder / "cgroup.kill", "1")
                else:
                    for pid in members:
                        self._kill_if_member(pid)
                time.sleep(0.05)
        return True

    def holds(self, pid: int) -> bool:
        """Whether ``/proc/PID/cgroup`` places the process in this account's cgroup (in any hierarchy)."""
        try:
            paths = process_cgroups(pid)
        except OSError:  # ended meanwhile, or not to be read: not signalled
            return False
        return any(PurePosixPath(path).parts[-2:] == (PARENT, self.name) for path in paths.values())

    def _kill_if_member(self, pid: int) -> None:
        """SIGKILL the process ``pid`` if it is still this account's. A number read from ``cgroup.procs`` may
        belong to another process by now (root's, another person's): the process is pinned with a pidfd first,
        its membership read after, and the signal goes to the pidfd, which never reaches a later process that
        reuses the number (for an ended one it fails, and nothing is sent)."""
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            return  # ended meanwhile
        try:
            if self.holds(pid):
                with contextlib.suppress(ProcessLookupError):
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
        finally:
            os.close(fd)

    def remove(self, wait: float = 5.0) -> bool:
        """Remove the cgroup once its processes have ended (waits up to ``wait`` seconds); True when gone."""
        deadline = time.monotonic() + wait
        for folder in self.folders:
            while folder.is_dir():
                try:
                    folder.rmdir()
                except OSError as e:
                    if e.errno != errno.EBUSY or time.monotonic() > deadline:
                        return False
                    time.sleep(0.1)
        return True


def kill_account_processes(uid: int, wait: float = 5.0) -> list[int]:
    """Without control groups: end every process running as ``uid`` (SIGKILL, again while any are left), never
    root's, the hub's own account's or a process that has root as any of its uids; returns the ids ended."""
    if uid == 0 or uid == os.geteuid():
        raise ValueError(f"uid {uid} is root's or the hub's own: its processes are not ended")
    deadline = time.monotonic() + wait
    ended: set[int] = set()
    while True:
        left = [process for process in psutil.process_iter(["uids", "status"])
                if process.pid != os.getpid() and process.info["status"] != psutil.STATUS_ZOMBIE
                and process.info["uids"] is not None and uid in process.info["uids"][:2]
                and 0 not in process.info["uids"]]
        if not left or time.monotonic() > deadline:
            return sorted(ended)
        for process in left:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
                ended.add(process.pid)
        psutil.wait_procs(left, timeout=0.2)


class CgroupTree:
    """The ``frontline`` cgroup(s) that hold one cgroup per account."""

    version = 0

    def __init__(self, parents: dict[str, Path]):
        self.parents = parents  # controller → the parent folder (v2: one folder, under the key "")

    def account(self, name: str, memory: int, cpu: float) -> AccountCgroup:
        """Create (or update) the account's cgroup with its limits."""
        raise NotImplementedError

    def describe(self) -> str:
        return f"cgroup v{self.version} under " + ", ".join(sorted({str(p) for p in self.parents.values()}))

    def folders(self, name: str) -> tuple[Path, ...]:
        return tuple(dict.fromkeys(parent / name for parent in self.parents.values()))


class CgroupV1(CgroupTree):
    version = 1

    def account(self, name: str, memory: int, cpu: float) -> AccountCgroup:
        memory_folder, cpu_folder = self.parents["memory"] / name, self.parents["cpu"] / name
        for folder in (memory_folder, cpu_folder):
            folder.mkdir(exist_ok=True)
        _limit_memory_v1(memory_folder, memory)
        _write(cpu_folder / "cpu.cfs_period_us", str(CPU_PERIOD))
        _write(cpu_folder / "cpu.cfs_quota_us", str(cpu_quota(cpu)))
        return AccountCgroup(name, self.folders(name))


class CgroupV2(CgroupTree):
    version = 2

    def account(self, name: str, memory: int, cpu: float) -> AccountCgroup:
        folder = self.parents[""] / name
        folder.mkdir(exist_ok=True)
        _write(folder / "memory.max", str(memory))
        swap = folder / "memory.swap.max"
        if swap.exists():  # only where the kernel accounts swap
            _write(swap, "0")
        _write(folder / "cpu.max", f"{cpu_quota(cpu)} {CPU_PERIOD}")
        return AccountCgroup(name, (folder,))


def _limit_memory_v1(folder: Path, memory: int) -> None:
    """``memory.limit_in_bytes``, and memory plus swap (``memory.memsw.limit_in_bytes``, where the kernel accounts
    swap) to the same figure, so the account cannot go over its memory by being swapped out.

    The kernel keeps the memory limit at or below the memory-plus-swap one at every step: when lowering (and on a
    new cgroup, where both are unlimited) the memory limit is written first, when raising the other one is.
    """
    memory_file, both_file = folder / "memory.limit_in_bytes", folder / "memory.memsw.limit_in_bytes"
    if not both_file.exists():
        _write(memory_file, str(memory))
        return
    current = int(_read(memory_file) or 0)
    order = (both_file, memory_file) if memory > current else (memory_file, both_file)
    for path in order:
        _write(path, str(memory))


def cpu_quota(cpu: float) -> int:
    """CPU time per period for ``cpu`` CPUs (the kernel takes at least 1 ms)."""
    return max(1000, round(cpu * CPU_PERIOD))


def find_tree(mountinfo: str | None = None, cgroup: str | None = None) -> CgroupTree:
    """The cgroup parent(s) for the accounts, created if missing; :class:`LimitsUnavailable` says why not."""
    if os.geteuid() != 0:
        raise LimitsUnavailable("the hub does not run as root")
    found, own = mounts(mountinfo), own_cgroups(cgroup)
    reasons = []
    v2 = [m for m in found if m.kind == "cgroup2" and set(CONTROLLERS) <= _controllers(m.point)]
    v1 = {c: next((m for m in found if m.kind == "cgroup" and c in m.options), None) for c in CONTROLLERS}
    if v2:
        try:
            return _v2_tree(v2[0], own.get("", "/"))
        except (OSError, LimitsUnavailable) as e:
            reasons.append(f"cgroup v2 at {v2[0].point}: {e}")
    if all(v1.values()):
        try:
            return _v1_tree(v1, own)
        except OSError as e:
            reasons.append(f"cgroup v1: {e}")
    if not reasons:
        reasons.append("no cgroup hierarchy here offers the memory and cpu controllers")
    raise LimitsUnavailable("; ".join(reasons))


def _controllers(folder: Path) -> set[str]:
    try:
        return set(_read(folder / "cgroup.controllers").split())
    except OSError:
        return set()


def _v1_tree(hierarchies: dict[str, Mount | None], own: dict[str, str]) -> CgroupV1:
    parents = {}
    for controller, mount in hierarchies.items():
        assert mount is not None
        if not mount.writable:
            raise OSError(errno.EROFS, f"{mount.point} is mounted read-only")
        parent = _folder(mount, own.get(controller, "/")) / PARENT
        parent.mkdir(exist_ok=True)
        parents[controller] = parent
    return CgroupV1(parents)


def _v2_tree(mount: Mount, own: str) -> CgroupV2:
    if not mount.writable:
        raise OSError(errno.EROFS, f"{mount.point} is mounted read-only")
    problems = []
    for base in dict.fromkeys((_folder(mount, own), mount.point)):
        try:
            _delegate(base)
            parent = base / PARENT
            parent.mkdir(exist_ok=True)
            _enable(parent)
            return CgroupV2({"": parent})
        except OSError as e:
            problems.append(f"{base}: {e.strerror or e}")
    raise LimitsUnavailable("; ".join(problems))


def _enable(folder: Path) -> None:
    """Let the children of ``folder`` have the memory and cpu controllers."""
    enabled = set(_read(folder / "cgroup.subtree_control").split())
    missing = [c for c in CONTROLLERS if c not in enabled]
    if missing:
        _write(folder / "cgroup.subtree_control", " ".join(f"+{c}" for c in missing))


def _delegate(base: Path) -> None:
    """Make ``base`` able to hold the accounts' cgroups with controllers.

    cgroup v2 allows controllers for children only in a cgroup without processes of its own (the machine's top
    cgroup excepted, but not a container's). When the only processes in ``base`` are the hub and what it started,
    they move into ``base/hub`` first.
    """
    try:
        _enable(base)
        return
    except OSError as e:
        if e.errno != errno.EBUSY:
            raise
    members = [int(p) for p in _read(base / "cgroup.procs").split()]
    strangers = [p for p in members if not _descends_from_us(p)]
    if strangers:
        raise OSError(errno.EBUSY, f"the hub's cgroup also holds processes it did not start ({len(strangers)})")
    leaf = base / HUB_LEAF
    leaf.mkdir(exist_ok=True)
    for pid in members:
        with contextlib.suppress(ProcessLookupError):  # ended meanwhile
            _write(leaf / "cgroup.procs", str(pid))
    _enable(base)


def _descends_from_us(pid: int) -> bool:
    ours = os.getpid()
    while True:
        # compared before the end of the chain: a hub that is process 1 (a container's first) is its own root
        if pid == ours:
            return True
        if pid <= 1:
            return False
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True  # ended: nothing left to move
        pid = int(stat.rpartition(")")[2].split()[1])
