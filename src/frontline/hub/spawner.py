"""Each person's server: their own account, their own workspace of the lessons, memory and process limits.

:class:`CohortSpawner` is JupyterHub's ``LocalProcessSpawner`` (the server runs as the person's Linux account)
plus, without needing systemd or cgroups, resource limits applied in the child before it starts (address space
and number of processes; a lower CPU priority so one busy server cannot starve the others). Where systemd is
available, ``jupyterhub-systemdspawner`` gives hard CPU and memory quotas instead (docs/hub.md).
"""

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer, Unicode

from frontline.hub.limits import limit_resources
from frontline.hub.workspace import WELCOME, WORKSPACE_NAME, prepare_workspace

PACKAGE = Path(__file__).resolve().parents[1]
TRAINEE_CONFIG = PACKAGE / "lab" / "jupyter_config"


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

    memory_bytes = Integer(2 * 1024**3, config=True, help="Address-space limit of each server and its kernels.")
    process_limit = Integer(256, config=True, help="Processes (and threads) one account may run.")
    role = Unicode("trainee", help="trainee, trainer or facilitator; set per user by the hub config.")
    kit_root = Unicode("", config=True, help="The kit folder (FRONTLINE_KIT) the servers read lessons from.")
    exchange_root = Unicode("", config=True, help="The shared nbgrader exchange folder.")

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        memory, processes = self.memory_bytes, self.process_limit

        def preexec():
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
        folder = prepare_workspace(self.user.name, Path(self.home_dir), Path(self.kit_root))
        self.notebook_dir = str(Path(self.home_dir))
        self.default_url = "/lab/tree/" + str(folder.relative_to(self.home_dir) / WELCOME)
        return await super().start()
