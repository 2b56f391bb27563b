"""Each person's server: their own account, their own workspace of the lessons, memory and CPU limits.

:class:`CohortSpawner` is JupyterHub's ``LocalProcessSpawner`` (the server runs as the person's Linux account)
plus limits set in the child before it starts, which its kernels and terminals inherit:

* per account, where the machine allows control groups: the server joins its account's cgroup
  (:mod:`frontline.hub.limits`), which bounds the memory and CPU time of everything the account runs;
* per process, always (the second line, and the only one without control groups): an address-space limit, a
  limit on the account's processes, and a lower CPU priority so one busy server cannot starve the others.

Without control groups the hub says so once in its log; ``jupyterhub-systemdspawner`` or Zero to JupyterHub
give hard per-person quotas instead (docs/hub.md).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Float, Integer, Unicode

from frontline.hub.limits import (
    AccountCgroup,
    CgroupTree,
    LimitsUnavailable,
    find_tree,
    kill_account_processes,
    limit_resources,
)
from frontline.hub.workspace import WELCOME, WORKSPACE_NAME, prepare_workspace

PACKAGE = Path(__file__).resolve().parents[1]
TRAINEE_CONFIG = PACKAGE / "lab" / "jupyter_config"
# The hub's cgroup tree, looked for once per hub process (None: not looked for yet).
_tree: CgroupTree | LimitsUnavailable | None = None
LEFTOVER_WAIT = 10.0  # seconds to end what an account left running when its server stops


def kit_environment(kit: str, exchange: str) -> dict[str, str]:
    """What every server the hub starts needs: the kit, the shared exchange, the kit's Python first on PATH."""
    return {
        "FRONTLINE_KIT": kit,
        "FRONTLINE_EXCHANGE": exchange,
        "FRONTLINE_EXCHANGE_SHARED": "1",
        # the kit's Python for everyone: its commands (nbgrader, frontline) first on PATH
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
    }


class CohortSpawner(LocalProcessSpawner):
    """A local server per person, with limits, a prepared workspace and the trainee's Jupyter config.

    Trainers, facilitators and trainees get the same kind of server; grading happens in the formgrader service.
    """

    memory_bytes = Integer(2 * 1024**3, config=True,
                           help="Memory of each account (with cgroups) and address space of each process.")
    cpu_limit = Float(1.0, config=True, help="CPUs' worth of time each account may use (with cgroups).")
    process_limit = Integer(256, config=True, help="Processes (and threads) one account may run.")
    role = Unicode("trainee", help="trainee, trainer or facilitator; set per user by the hub config.")
    kit_root = Unicode("", config=True, help="The kit folder (FRONTLINE_KIT) the servers read lessons from.")
    exchange_root = Unicode("", config=True, help="The shared nbgrader exchange folder.")

    cgroup: AccountCgroup | None = None

    def cgroup_tree(self) -> CgroupTree | None:
        """The hub's cgroup tree (looked for once per hub, and logged), or None when the machine does not allow it."""
        global _tree
        if _tree is None:
            try:
                _tree = find_tree()
                self.log.info("Per-account limits with %s: memory %s bytes, %s CPU per account",
                              _tree.describe(), self.memory_bytes, self.cpu_limit)
            except LimitsUnavailable as e:
                _tree = e
                self.log.warning("Per-account memory and CPU limits are not available (%s); each server keeps "
                                 "its per-process limits (address space, processes, lower priority) only. For hard "
                                 "per-person quotas use SystemdSpawner or Zero to JupyterHub (docs/hub.md).", e)
        return None if isinstance(_tree, LimitsUnavailable) else _tree

    def account_cgroup(self) -> AccountCgroup | None:
        """The account's cgroup with the cohort's limits, or None when the machine does not allow them."""
        tree = self.cgroup_tree()
        if tree is None:
            return None
        try:
            return tree.account(self.user.name, self.memory_bytes, self.cpu_limit)
        except OSError as e:
            self.log.error("Could not set the limits of %s's cgroup (%s); their server starts with its "
                           "per-process limits only", self.user.name, e)
            return None

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        memory, processes, cgroup = self.memory_bytes, self.process_limit, self.cgroup

        def preexec():
            if cgroup is not None:  # as root, before dropping to the account
                cgroup.join()
            limit_resources(memory, processes)
            become_user()

        return preexec

    def get_env(self):
        env = super().get_env()
        env.update({
            # everyone's own server is a workspace without the formgrader: trainers grade in the hub's formgrader
            # service, which runs as the course's grader account (frontline.hub.formgrader_service)
            "JUPYTER_CONFIG_PATH": str(TRAINEE_CONFIG),
            # progress belongs to the named person and lives in their workspace, like `frontline lab`'s
            "FRONTLINE_TRAINEE": self.user.name,
            "FRONTLINE_PROGRESS": str(Path(self.home_dir) / WORKSPACE_NAME / ".frontline" / "progress.json"),
            "FRONTLINE_ROLE": self.role,
            **kit_environment(self.kit_root, self.exchange_root),
        })
        return env

    @property
    def home_dir(self) -> str:
        return pwd.getpwnam(self.user.name).pw_dir

    async def start(self):
        # the workspace sync runs as the person and can take seconds: off the hub's event loop, so one person's
        # login does not hold up everyone else's requests
        folder = await asyncio.to_thread(prepare_workspace, self.user.name, Path(self.home_dir),
                                         Path(self.kit_root))
        self.notebook_dir = str(Path(self.home_dir))
        self.default_url = "/lab/tree/" + str(folder.relative_to(self.home_dir) / WELCOME)
        self.cgroup = await asyncio.to_thread(self.account_cgroup)
        return await super().start()

    async def stop(self, now=False):
        await super().stop(now=now)
        await asyncio.to_thread(self.end_leftovers)

    def end_leftovers(self) -> None:
        """End what the account left running once its server has stopped (a background process started with
        ``setsid``, a kernel the server lost), so nothing outlives culling, and remove its cgroup.

        The cgroup is found by the account's name, not by ``self.cgroup``, which is unset for a server the hub
        restored after a restart. Without cgroups, every process of the account's uid ends (never root's or the
        hub's), which includes its logins by other means, such as ssh.
        """
        name = self.user.name
        tree = self.cgroup_tree()
        if tree is not None:
            cgroup = AccountCgroup(name, tree.folders(name))
            if not cgroup.kill(wait=LEFTOVER_WAIT) or not cgroup.remove(wait=LEFTOVER_WAIT):
                self.log.warning("%s's processes did not all end within %s seconds of their server stopping; "
                                 "their cgroup %s stays", name, LEFTOVER_WAIT, ", ".join(map(str, cgroup.folders)))
            return
        try:
            uid = pwd.getpwnam(name).pw_uid  # the account LocalProcessSpawner ran the server as
        except KeyError:
            return
        try:
            ended = kill_account_processes(uid, wait=LEFTOVER_WAIT)
        except ValueError as e:
            self.log.error("Not ending what %s left running: %s", name, e)
            return
        if ended:
            self.log.info("Ended %d process(es) %s left running after their server stopped", len(ended), name)
