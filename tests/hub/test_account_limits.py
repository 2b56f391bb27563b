"""Per-account limits with real control groups: a process joined to an account's cgroup is held to its memory and
CPU limits, which come from the cohort file. Needs root and a writable cgroup hierarchy (v1 or v2); where the
machine has one, a failure to use it fails the test (on a machine without one, the hub test checks the fallback).
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys

import pytest
from hub_support import cgroups_expected

from frontline.hub.limits import CPU_PERIOD, AccountCgroup, CgroupV1, find_tree, own_cgroups
from frontline.hub.settings import load_settings

# Fill 256 MiB page by page, so the memory is really used, not only reserved.
ALLOCATE = ("block = bytearray(256 * 1024 * 1024)\n"
            "for i in range(0, len(block), 4096):\n"
            "    block[i] = 1\n"
            "print('allocated')\n")
# Two seconds of wall-clock time spent computing; prints the CPU time it got.
SPIN = ("import resource, time\n"
        "start = time.monotonic()\n"
        "while time.monotonic() - start < 2:\n"
        "    pass\n"
        "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(usage.ru_utime + usage.ru_stime)\n")


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

    # And the kernel holds the account to it: two seconds of computing get about half a second of CPU.
    spent = float(_run(SPIN, cgroup).stdout)
    assert spent < 0.25 * 2 + 0.3, spent
    throttled = dict(line.split() for line in (processor / "cpu.stat").read_text().splitlines())
    assert int(throttled["nr_throttled"]) > 0, throttled
