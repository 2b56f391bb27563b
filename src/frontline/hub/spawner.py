"""Each person's server: their own account, their own workspace, memory and process limits, their role's config.

:class:`CohortSpawner` is JupyterHub's ``LocalProcessSpawner`` (the server runs as the person's Linux account)
plus, without needing systemd or cgroups, resource limits applied in the child before it starts (address space
and number of processes; a lower CPU priority so one busy server cannot starve the others). Where systemd is
available, ``jupyterhub-systemdspawner`` gives hard CPU and memory quotas instead (docs/hub.md).
"""

from __future__ import annotations

import os
import pwd
import resource
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer, Unicode

from frontline.hub.workspace import WELCOME, WORKSPACE_NAME, prepare_workspace

PACKAGE = Path(__file__).resolve().parents[1]
TRAINEE_CONFIG = PACKAGE / "lab" / "jupyter_config"
TRAINER_CONFIG = PACKAGE / "lab" / "jupyter_config_trainer"
NICENESS = 5


def limit_resources(memory: int, processes: int) -> None:
    """Applied in the child before it execs the server; its kernels and terminals inherit the limits."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.nice(NICENESS)


class CohortSpawner(LocalProcessSpawner):
    """A local server per person, with limits, a prepared workspace and the role's Jupyter config."""

    memory_bytes = Integer(2 * 1024**3, config=True, help="Address-space limit of each server and its kernels.")
    process_limit = Integer(256, config=True, help="Processes (and threads) one account may run.")
    role = Unicode("trainee", help="trainee, trainer or facilitator; set per user by the hub config.")
    kit_root = Unicode("", config=True, help="The kit folder (FRONTLINE_KIT) the servers read lessons from.")
    exchange_root = Unicode("", config=True, help="The shared nbgrader exchange folder.")
    course_folder_name = Unicode("course", config=True, help="The trainer's course folder inside their home.")

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        memory, processes = self.memory_bytes, self.process_limit

        def preexec():
            limit_resources(memory, processes)
            become_user()

        return preexec

    def get_env(self):
        env = super().get_env()
        config_dirs = [str(TRAINER_CONFIG if self.role == "trainer" else TRAINEE_CONFIG)]
        if self.role == "trainer":
            # the formgrader needs nbgrader's config for the course, which loads the kit's settings
            env["FRONTLINE_COURSE"] = str(Path(self.home_dir) / self.course_folder_name)
        else:
            # progress belongs to the named trainee and lives in their workspace, like `frontline lab`'s
            env["FRONTLINE_TRAINEE"] = self.user.name
            env["FRONTLINE_PROGRESS"] = str(Path(self.home_dir) / WORKSPACE_NAME / ".frontline" / "progress.json")
        env.update({
            "JUPYTER_CONFIG_PATH": os.pathsep.join(config_dirs),
            "FRONTLINE_KIT": self.kit_root,
            "FRONTLINE_EXCHANGE": self.exchange_root,
            "FRONTLINE_EXCHANGE_SHARED": "1",
            "FRONTLINE_ROLE": self.role,
            # the kit's Python for everyone: its commands (nbgrader, frontline) first on PATH
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        })
        return env

    @property
    def home_dir(self) -> str:
        return pwd.getpwnam(self.user.name).pw_dir

    async def start(self):
        folder = prepare_workspace(self.user.name, Path(self.home_dir), Path(self.kit_root), self.role)
        if folder is not None:
            self.notebook_dir = str(Path(self.home_dir))
            self.default_url = "/lab/tree/" + str(folder.relative_to(self.home_dir) / WELCOME)
        return await super().start()
