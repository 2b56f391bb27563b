"""Memory, process and CPU limits of a server the hub starts, applied without systemd or cgroups.

Used for each person's server (:class:`frontline.hub.spawner.CohortSpawner`, in the child before it becomes the
person) and for the formgrader service (:mod:`frontline.hub.formgrader_service`, before it becomes the server).
"""

from __future__ import annotations

import os
import resource

NICENESS = 5


def limit_resources(memory: int, processes: int) -> None:
    """Limits that the server's kernels and terminals inherit; a lower CPU priority so one cannot starve others."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.nice(NICENESS)
