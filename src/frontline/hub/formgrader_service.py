"""nbgrader's formgrader for the cohort's course, run by the hub as a service (the way nbgrader documents it).

The hub (root) starts ``python -m frontline.hub.formgrader_service`` as the course's grader account, in the
course folder, with the service's environment (:func:`frontline.hub.config.formgrader_service`). This module
applies the per-process limits of each person's server (:func:`frontline.hub.limits.limit_resources`: address
space, processes, priority; the service is not in a control group) and then becomes
``python -m frontline.hub.formgrader_server``: JupyterLab with the trainer's Jupyter config, so the formgrader
and the course's ``nbgrader_config.py`` load. The hub lets in those whose hub roles give ``access:services``:
the group ``trainers`` and the hub's admins. Files, submissions and the gradebook stay the grader account's,
``0700``.

The hub gives a managed service about ten seconds to answer on its port and stops altogether when it does not;
a Jupyter server can take longer on a busy machine. So the port is opened here first and the hub's first check
answered; the listening socket itself is then handed to the server (inherited across ``exec``, its descriptor
in ``FRONTLINE_FORMGRADER_LISTENER``), so the port is never free between the two and no other account can take
it. Requests that arrive meanwhile wait in the socket's queue until the server answers them.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from urllib.parse import urlparse

from frontline.hub.limits import limit_resources

LISTENER_ENV_VAR = "FRONTLINE_FORMGRADER_LISTENER"
STARTING = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 29\r\n"
            b"Connection: close\r\n\r\nThe formgrader is starting.\r\n")


def answer_first_check(listener: socket.socket, wait: float) -> bool:
    """Answer the first request on ``listener`` (the hub's check); False when none came within ``wait``."""
    listener.settimeout(wait)
    try:
        connection, _ = listener.accept()
    except TimeoutError:
        return False
    finally:
        listener.settimeout(None)
    with connection:
        connection.settimeout(5)
        try:
            connection.recv(65536)
            connection.sendall(STARTING)
        except OSError:
            pass  # the hub asks again, and the server will be there by then
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, required=True, help="address-space limit in bytes")
    parser.add_argument("--processes", type=int, required=True, help="process limit of the grader account")
    parser.add_argument("--wait", type=float, default=20, help="seconds to wait for the hub's first check")
    parser.add_argument("command", nargs="+", help="the server to become, which adopts the listening socket")
    options = parser.parse_args(argv)
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    listener = socket.create_server((url.hostname or "127.0.0.1", url.port or 80))
    answer_first_check(listener, options.wait)
    listener.set_inheritable(True)
    os.environ[LISTENER_ENV_VAR] = str(listener.fileno())
    limit_resources(options.memory, options.processes)
    sys.stdout.flush()
    os.execv(options.command[0], options.command)


if __name__ == "__main__":
    main()
