"""A real cohort on this machine: Linux accounts, the shared exchange and a running JupyterHub (run as root).

The accounts get random names and are removed afterwards with their homes; the kit is a copy in a
world-readable temporary folder (the hub makes its answer keys trainer-only); the hub runs from the test's own
Python, which every account must be able to run (see ``reachable_python``).
"""

from __future__ import annotations

import contextlib
import grp
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hub_support import HubUser
from server_support import wait_until_answering

from frontline.hub.limits import AccountCgroup, LimitsUnavailable, find_tree
from frontline.hub.setup import TRAINERS_LINUX_GROUP
from frontline.lab.launch import any_free_port

REPO = Path(__file__).resolve().parents[2]
FRONTLINE = str(Path(sys.executable).parent / "frontline")


def _require(condition: bool, message: str) -> None:
    """Fail in CI, skip on a developer's machine that cannot run a hub."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def reachable_python():
    """Every account runs the kit's Python: give other accounts traverse (x, not read) on its parent folders.

    Production installs live under /opt/frontline (docs/hub.md); a CI clone may sit under /root (0700).
    The modes changed here are put back afterwards.
    """
    changed = []
    roots = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), REPO]
    for folder in dict.fromkeys([*roots, *(parent for root in roots for parent in root.parents)]):
        mode = stat.S_IMODE(folder.stat().st_mode)
        if not mode & stat.S_IXOTH:
            os.chmod(folder, mode | stat.S_IXOTH)
            changed.append((folder, mode))
    yield
    for folder, mode in changed:
        os.chmod(folder, mode)


@pytest.fixture(scope="session")
def accounts(reachable_python, tmp_path_factory):
    """A prepared cohort without a hub: accounts, a kit copy and `frontline hub setup` done; removed afterwards."""
    _require(sys.platform == "linux" and os.geteuid() == 0, "the hub tests create Linux accounts: run them as root")
    _require(shutil.which("useradd") is not None, "useradd is missing")
    tag = "fl" + secrets.token_hex(2)
    people = {"trainer": f"{tag}tina", "facilitator": f"{tag}fay", "ann": f"{tag}ann", "bob": f"{tag}bob",
              "grader": f"{tag}grader"}  # the course's account, which runs the formgrader service
    group_existed = True
    try:
        grp.getgrnam(TRAINERS_LINUX_GROUP)
    except KeyError:
        group_existed = False
    base = Path(tempfile.mkdtemp(prefix="frontline-hub-", dir="/tmp"))
    os.chmod(base, 0o755)
    kit = base / "kit"
    for folder in ("data", "notebooks", "exercises", "grading", "tests", "scripts"):
        shutil.copytree(REPO / folder, kit / folder, ignore=shutil.ignore_patterns(
            ".ipynb_checkpoints", ".frontline", "__pycache__", ".axe", "node_modules"))
    subprocess.run(["git", "init", "-q", str(kit)], check=True)  # a clone's history holds every answer key too
    settings = {
        "cohort": "test-cohort",
        "trainers": [people["trainer"]],
        "facilitators": [people["facilitator"]],
        "trainees": [people["ann"], people["bob"]],
        "port": any_free_port(),
        "ip": "127.0.0.1",
        "state_dir": str(base / "state"),
        "limits": {"memory": "4G", "cpu": 1.5, "processes": 512},
        "live_port": any_free_port(),
        "grader": people["grader"],
        "formgrader_port": any_free_port(),
    }
    cohort_file = base / "cohort.yaml"
    cohort_file.write_text(yaml.safe_dump(settings), encoding="utf-8")
    home = tmp_path_factory.mktemp("hub-home")
    env = dict(os.environ, FRONTLINE_KIT=str(kit), HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "jupyter"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    try:
        subprocess.run([FRONTLINE, "hub", "setup", str(cohort_file)], env=env, check=True, capture_output=True,
                       text=True)
        yield {"people": people, "kit": kit, "base": base, "settings": settings, "cohort_file": cohort_file,
               "env": env, "home": home}
    finally:
        for name in people.values():
            # servers or kernels a crashed hub left behind run as the test's own accounts: end them by id
            listed = subprocess.run(["ps", "-o", "pid=", "-u", name], capture_output=True, text=True).stdout
            for pid in listed.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        _remove_account_cgroups(people.values())
        if not group_existed:
            subprocess.run(["groupdel", TRAINERS_LINUX_GROUP], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _remove_account_cgroups(names) -> None:
    """The hub's servers joined a cgroup per account under the hub's (so this process's) own: remove them."""
    try:
        tree = find_tree()
    except LimitsUnavailable:
        return
    for name in names:
        AccountCgroup(name, tree.folders(name)).remove(wait=10)
    for parent in tree.parents.values():  # only when no other hub's accounts are in it
        with contextlib.suppress(OSError):
            parent.rmdir()


def _stop_group(process: subprocess.Popen) -> None:
    """Stop the hub and everything in its process group (proxy, services), even when the hub itself has exited."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(30)
    time.sleep(1)  # the hub stops its proxy and services as it exits; whatever is left goes now
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def cohort(accounts):
    """The prepared cohort with `frontline hub serve` running; stopped by its process group afterwards."""
    _require(shutil.which("configurable-http-proxy") is not None,
             "configurable-http-proxy is missing: npm install -g configurable-http-proxy")
    env = dict(accounts["env"], FRONTLINE_HUB_PORT=str(any_free_port()),
               FRONTLINE_HUB_PROXY_API_PORT=str(any_free_port()))
    log = accounts["base"] / "hub.log"
    hub = None
    try:
        with open(log, "w") as out:
            hub = subprocess.Popen([FRONTLINE, "hub", "serve", str(accounts["cohort_file"])], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{accounts['settings']['port']}"
        wait_until_answering(f"{url}/hub/api/", hub, log, "the hub", seconds=90, pause=0.5, request_timeout=2)
        yield dict(accounts, url=url, log=log)
    finally:
        if hub is not None:
            _stop_group(hub)
        if log.exists():  # kept for reading after a failure (pytest keeps its last few temporary folders)
            shutil.copy(log, accounts["home"] / "hub.log")


@pytest.fixture(scope="session")
def people(cohort):
    """The trainer and two trainees logged in through the hub's login page, each with their server started."""
    users = {}
    for role in ("trainer", "ann", "bob"):
        user = HubUser(cohort["url"], cohort["people"][role])
        reply = user.login()
        assert reply.status_code == 302 and "login" not in reply.headers["location"], reply.text[-500:]
        user.request_token()
        users[role] = user
    for user in users.values():
        user.start_server()
    return users
