"""Per-account limits with real control groups: a process joined to an account's cgroup is held to its memory and
CPU limits, which come from the cohort file. Needs root and a writable cgroup hierarchy (v1 or v2); where the
machine has one, a failure to use it fails the test (on a machine without one, the hub test checks the fallback).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest
from hub_support import cgroups_expected

from frontline.hub import spawner as spawner_module
from frontline.hub.limits import (
    CPU_PERIOD,
    AccountCgroup,
    CgroupV1,
    CgroupV2,
    LimitsUnavailable,
    find_tree,
    mounts,
    own_cgroups,
)
from frontline.hub.settings import load_settings
from frontline.hub.spawner import CohortSpawner

# Fill 256 MiB page by page, so the memory is really used, not only reserved.
ALLOCATE = ("block = bytearray(256 * 1024 * 1024)\n"
            "for i in range(0, len(block), 4096):\n"
            "    block[i] = 1\n"
            "print('allocated')\n")
# Two seconds of wall-clock time spent computing; prints the CPU time it got.
# Computes until it has had one second of processor time (at most a minute), then prints that and the time it took.
# A fixed span of computing would prove nothing on a busy machine: sharing the processors with other work, the
# process may never reach a quarter of one, so the limit would never have to act.
SPIN = ("import resource, time\n"
        "def spent():\n"
        "    usage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    return usage.ru_utime + usage.ru_stime\n"
        "start = time.monotonic()\n"
        "while spent() < 1.0 and time.monotonic() - start < 60:\n"
        "    pass\n"
        "print(spent(), time.monotonic() - start)\n")


@pytest.fixture
def tree():
    why = cgroups_expected()
    if why is None:
        pytest.skip("no writable cgroup hierarchy with memory and cpu here (or not root); "
                    "the hub test checks the per-process fallback instead")
    found = find_tree()  # expected to work here: an exception fails the test
    yield found
    for parent in found.parents.values():  # shared with a running hub's accounts, if any: only removed when empty
        with contextlib.suppress(OSError):
            parent.rmdir()


@pytest.fixture
def account(tree):
    """A made-up account name; its cgroup is removed after the test (its processes have ended by then)."""
    name = "fltest" + secrets.token_hex(3)
    yield name
    assert AccountCgroup(name, tree.folders(name)).remove(wait=10), f"{tree.folders(name)} still in use"


def _run(code: str, cgroup=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          preexec_fn=cgroup.join if cgroup else None)


def test_an_account_over_its_memory_limit_loses_the_process(tree, account):
    cgroup = tree.account(account, 64 * 1024**2, 1.0)
    inside = _run("print(open('/proc/self/cgroup').read(), end='')\n" + ALLOCATE, cgroup)
    joined = own_cgroups(inside.stdout.replace("allocated\n", ""))
    for controller in ("memory", "cpu") if tree.version == 1 else ("",):
        assert joined[controller].endswith(f"/frontline/{account}"), inside.stdout
    assert "allocated" not in inside.stdout
    # ended by the kernel (SIGKILL), or refused the memory
    assert inside.returncode == -9 or "MemoryError" in inside.stderr, (inside.returncode, inside.stderr[-500:])
    outside = _run(ALLOCATE)
    assert outside.returncode == 0 and "allocated" in outside.stdout, outside.stderr[-500:]


def test_cpu_and_memory_limits_come_from_the_cohort_file(tree, account, tmp_path):
    cohort = tmp_path / "cohort.yaml"
    cohort.write_text("cohort: limits\ntrainers: [tina]\nlimits: {memory: 96M, cpu: 0.25, processes: 64}\n")
    settings = load_settings(cohort)
    cgroup = tree.account(account, settings.memory_limit, settings.cpu_limit)
    if isinstance(tree, CgroupV1):
        memory, processor = (next(f for f in cgroup.folders if f.parent == tree.parents[c]) for c in ("memory", "cpu"))
        assert (memory / "memory.limit_in_bytes").read_text().strip() == str(96 * 1024**2)
        assert (processor / "cpu.cfs_period_us").read_text().strip() == str(CPU_PERIOD)
        assert (processor / "cpu.cfs_quota_us").read_text().strip() == str(CPU_PERIOD // 4)
    else:
        processor = memory = cgroup.folders[0]
        assert (memory / "memory.max").read_text().strip() == str(96 * 1024**2)
        assert (processor / "cpu.max").read_text().split() == [str(CPU_PERIOD // 4), str(CPU_PERIOD)]

    # And the kernel holds the account to it: a second of processor time takes at least about four seconds.
    spent, took = map(float, _run(SPIN, cgroup).stdout.split())
    assert spent >= 1.0, f"only {spent:.2f} s of processor time in {took:.0f} s: the machine is too busy to tell"
    assert spent / took < 0.25 * 1.2, (spent, took)
    throttled = dict(line.split() for line in (processor / "cpu.stat").read_text().splitlines())
    assert int(throttled["nr_throttled"]) > 0, throttled


def test_swap_counts_against_the_memory_limit_on_the_machines_hierarchy(tree, account):
    """Where the kernel accounts swap, memory plus swap gets the same limit, raised and lowered in the order the
    kernel accepts (it refuses a memory limit above the memory-plus-swap one)."""
    for memory in (96 * 1024**2, 200 * 1024**2, 64 * 1024**2):
        cgroup = tree.account(account, memory, 1.0)
        if tree.version == 1:
            folder = next(f for f in cgroup.folders if f.parent == tree.parents["memory"])
            assert (folder / "memory.limit_in_bytes").read_text().strip() == str(memory)
            both = folder / "memory.memsw.limit_in_bytes"
            assert not both.exists() or both.read_text().strip() == str(memory)
        else:
            swap = cgroup.folders[0] / "memory.swap.max"
            assert not swap.exists() or swap.read_text().strip() == "0"


UNLIMITED_V1 = str(2**63 - 4096)  # what a new v1 cgroup's limits read


def _fake_v1_tree(tmp_path, name: str, swap_accounted: bool) -> CgroupV1:
    """A v1 memory/cpu layout in plain folders, with the files a new cgroup starts with."""
    parents = {c: tmp_path / c / "frontline" for c in ("memory", "cpu")}
    memory = parents["memory"] / name
    memory.mkdir(parents=True)
    (tmp_path / "cpu" / "frontline" / name).mkdir(parents=True)
    (memory / "memory.limit_in_bytes").write_text(UNLIMITED_V1 + "\n")
    if swap_accounted:
        (memory / "memory.memsw.limit_in_bytes").write_text(UNLIMITED_V1 + "\n")
    return CgroupV1(parents)


@pytest.mark.parametrize("swap_accounted", [True, False])
def test_v1_memory_plus_swap_gets_the_memory_limit(tmp_path, swap_accounted):
    fake = _fake_v1_tree(tmp_path, "ann", swap_accounted)
    folder = fake.parents["memory"] / "ann"
    for memory in (96 * 1024**2, 300 * 1024**2, 64 * 1024**2):  # set, raised, lowered
        fake.account("ann", memory, 1.0)
        assert (folder / "memory.limit_in_bytes").read_text() == str(memory)
        if swap_accounted:
            assert (folder / "memory.memsw.limit_in_bytes").read_text() == str(memory)
    assert (folder / "memory.memsw.limit_in_bytes").exists() == swap_accounted  # never made where the kernel has none


@pytest.mark.parametrize("swap_accounted", [True, False])
def test_v2_swap_is_turned_off_for_the_account(tmp_path, swap_accounted):
    folder = tmp_path / "frontline" / "ann"
    folder.mkdir(parents=True)
    if swap_accounted:
        (folder / "memory.swap.max").write_text("max\n")
    CgroupV2({"": tmp_path / "frontline"}).account("ann", 96 * 1024**2, 1.0)
    assert (folder / "memory.max").read_text() == str(96 * 1024**2)
    if swap_accounted:
        assert (folder / "memory.swap.max").read_text() == "0"
    else:
        assert not (folder / "memory.swap.max").exists()


# /proc/self/mountinfo of machines where the hub cannot use control groups, as the kernel writes it.
READ_ONLY_V1 = """\
35 31 0:32 / /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu,cpuacct
"""
V2_WITHOUT_CONTROLLERS = "41 31 0:38 / {point} rw,relatime - cgroup2 cgroup2 rw\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="as another user the reason given is 'not root'")
def test_the_reason_is_given_when_cgroups_cannot_be_used(tmp_path):
    with pytest.raises(LimitsUnavailable, match="/sys/fs/cgroup/memory is mounted read-only"):
        find_tree(READ_ONLY_V1, "4:memory:/\n1:cpu,cpuacct:/\n")
    (tmp_path / "cgroup.controllers").write_text("io pids\n")
    with pytest.raises(LimitsUnavailable, match="no cgroup hierarchy here offers the memory and cpu controllers"):
        find_tree(V2_WITHOUT_CONTROLLERS.format(point=tmp_path), "0::/\n")


def test_the_hub_finds_its_own_cgroup_in_each_hierarchy():
    mounted = mounts("39 31 0:36 /docker/abc /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
                     "41 31 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n")
    assert [(m.kind, m.root, str(m.point), m.writable) for m in mounted] == [
        ("cgroup", "/docker/abc", "/sys/fs/cgroup/memory", True), ("cgroup2", "/", "/sys/fs/cgroup", True)]
    assert "memory" in mounted[0].options
    own = own_cgroups("4:memory:/docker/abc/x\n1:cpu,cpuacct:/\n0::/user.slice/hub.service\n")
    assert own == {"memory": "/docker/abc/x", "cpu": "/", "cpuacct": "/", "": "/user.slice/hub.service"}


def test_a_hub_that_is_process_1_recognises_itself_and_its_children(monkeypatch):
    from frontline.hub import limits

    real = os.getpid()
    assert not limits._descends_from_us(1) or real == 1  # the machine's first process is not ours
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert limits._descends_from_us(child.pid)
        monkeypatch.setattr(limits.os, "getpid", lambda: 1)  # the hub as a container's first process
        assert limits._descends_from_us(1)
        assert limits._descends_from_us(real) and limits._descends_from_us(child.pid)
    finally:
        child.kill()
        child.wait()


# A server that leaves a process behind: it is no longer the test's child (as after a hub restart, when the hub
# knows it only by its id), and it starts a process in a session of its own, which a stop of the server misses.
SERVER_WITH_LEFTOVER = ("import os, subprocess, sys, time\n"
                        "if os.fork():\n"
                        "    os._exit(0)\n"
                        "leftover = subprocess.Popen(['sleep', '600'], start_new_session=True, "
                        "stdout=subprocess.DEVNULL)\n"
                        "print(os.getpid(), leftover.pid, flush=True)\n"
                        "sys.stdout.close()\n"
                        "time.sleep(600)\n")


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def linux_account(reachable_python):
    """A real Linux account (no home) that can run the test's Python; removed with its processes afterwards."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the test runs processes as a Linux account it creates: run the hub tests as root")
        pytest.skip("the test runs processes as a Linux account it creates: run as root")
    name = "fltest" + secrets.token_hex(3)
    subprocess.run(["useradd", "--no-create-home", name], check=True, capture_output=True)
    account = pwd.getpwnam(name)
    yield account
    for process in psutil.process_iter(["uids"]):
        if process.info["uids"] and process.info["uids"].real == account.pw_uid:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
    subprocess.run(["userdel", name], capture_output=True)


def _start_server_with_leftover(account, cgroup: AccountCgroup | None) -> tuple[int, int]:
    def become_account():
        if cgroup is not None:
            cgroup.join()
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)

    launcher = subprocess.Popen([sys.executable, "-c", SERVER_WITH_LEFTOVER], stdout=subprocess.PIPE, text=True,
                                preexec_fn=become_account, cwd="/")
    server, leftover = map(int, launcher.stdout.readline().split())
    launcher.stdout.close()
    launcher.wait(30)
    assert _running(server) and _running(leftover)
    return server, leftover


@pytest.mark.parametrize("with_cgroups", [True, False], ids=["cgroup", "uid"])
def test_what_an_account_left_running_ends_when_its_server_stops(linux_account, monkeypatch, with_cgroups):
    """A server the hub restored after a restart (only its id known, no cgroup in hand) is stopped: the process
    it left running in a session of its own ends too, and its cgroup goes; nobody else's process is touched."""
    if with_cgroups:
        if cgroups_expected() is None:
            pytest.skip("no writable cgroup hierarchy with memory and cpu here (or not root)")
        tree = find_tree()
        monkeypatch.setattr(spawner_module, "_tree", tree)
        cgroup = tree.account(linux_account.pw_name, 256 * 1024**2, 1.0)
    else:
        monkeypatch.setattr(spawner_module, "_tree", LimitsUnavailable("the test's machine without cgroups"))
        cgroup = None
    bystander = subprocess.Popen(["sleep", "600"])  # root's, like the hub's own processes
    try:
        server, leftover = _start_server_with_leftover(linux_account, cgroup)
        restored = CohortSpawner(user=SimpleNamespace(name=linux_account.pw_name))
        restored.load_state({"pid": server})
        asyncio.run(restored.stop())
        assert not _running(server), "the server itself"
        assert not _running(leftover), "the process the server left running"
        assert bystander.poll() is None, "another account's process was ended"
        if cgroup is not None:
            assert not any(folder.exists() for folder in cgroup.folders)
    finally:
        bystander.kill()
        bystander.wait()
        if cgroup is not None:  # whatever a failure left behind
            cgroup.kill(wait=10)
            cgroup.remove(wait=10)


def _cgroup2_with_kill() -> Path | None:
    for mount in mounts():
        if mount.kind == "cgroup2" and mount.writable and (mount.point / "cgroup.procs").exists():
            probe = mount.point / ("fltest" + secrets.token_hex(3))
            try:
                probe.mkdir()
            except OSError:
                continue
            has_kill = (probe / "cgroup.kill").exists()
            probe.rmdir()
            if has_kill:
                return mount.point
    return None


def test_cgroup_kill_ends_a_v2_cgroup_at_once_detached_processes_included():
    if os.geteuid() != 0:
        pytest.skip("creating a cgroup needs root")
    top = _cgroup2_with_kill()
    if top is None:
        pytest.skip("no writable cgroup v2 hierarchy with cgroup.kill here")
    cgroup = AccountCgroup("fltest", (top / ("fltest" + secrets.token_hex(3)),))
    cgroup.folders[0].mkdir()
    try:
        launcher = subprocess.Popen([sys.executable, "-c", SERVER_WITH_LEFTOVER], stdout=subprocess.PIPE, text=True,
                                    preexec_fn=cgroup.join)
        server, leftover = map(int, launcher.stdout.readline().split())
        launcher.stdout.close()
        launcher.wait(30)
        assert cgroup.kill(wait=10)
        assert not _running(server) and not _running(leftover)
    finally:
        for pid in (cgroup.folders[0] / "cgroup.procs").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        assert cgroup.remove(wait=10)


def test_each_process_of_an_accounts_cgroup_is_ended(tree, account):
    """Every process in the account's cgroup ends (one by one where the kernel has no ``cgroup.kill``)."""
    cgroup = tree.account(account, 256 * 1024**2, 1.0)
    members = [subprocess.Popen(["sleep", "600"], preexec_fn=cgroup.join) for _ in range(2)]
    try:
        assert all(cgroup.holds(member.pid) for member in members)
        assert cgroup.kill(wait=10)
        assert [member.wait(10) for member in members] == [-signal.SIGKILL] * 2
    finally:
        for member in members:
            member.kill()
            member.wait()


def test_a_process_listed_for_an_account_but_in_another_cgroup_is_left_alone(tmp_path):
    """A number read from ``cgroup.procs`` may name another process by the time it is signalled (the number reused
    by root's or another person's): the process's own ``/proc`` entry decides, and one elsewhere is never ended."""
    folder = tmp_path / "frontline" / "fltestother"
    folder.mkdir(parents=True)
    stranger = subprocess.Popen(["sleep", "600"])  # this test's cgroup, not the account's
    try:
        (folder / "cgroup.procs").write_text(f"{stranger.pid}\n")
        cgroup = AccountCgroup("fltestother", (folder,))
        assert not cgroup.holds(stranger.pid)
        assert not cgroup.kill(wait=0.5)  # still listed (the list is a plain file here), so not all ended
        assert stranger.poll() is None, "a process outside the account's cgroup was ended"
    finally:
        stranger.kill()
        stranger.wait()
