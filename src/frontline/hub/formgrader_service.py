"""nbgrader's formgrader for the cohort's course, run by the hub as a service (the way nbgrader documents it).

The hub (root) starts ``python -m frontline.hub.formgrader_service`` as the course's grader account, in the
course folder, with the service's environment (:func:`frontline.hub.config.formgrader_service`). This module
applies the same limits as each person's server (:func:`frontline.hub.limits.limit_resources`) and then becomes
``jupyterhub-singleuser``: JupyterLab with the trainer's Jupyter config, so the formgrader and the course's
``nbgrader_config.py`` load. The hub lets members of the group ``trainers`` in (``access:services``); files,
submissions and the gradebook stay the grader account's, ``0700``.

The hub gives a managed service about ten seconds to answer on its port and stops altogether when it does not;
a Jupyter server can take longer on a busy machine. So the port is opened here first, the hub's first check is
answered, and only then is the port handed to the server (the proxy has no route to the service before that
check, so no one else is turned away).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from urllib.parse import urlparse

from frontline.hub.limits import limit_resources

STARTING = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 29\r\n"
            b"Connection: close\r\n\r\nThe formgrader is starting.\r\n")


def answer_first_check(host: str, port: int, wait: float) -> bool:
    """Open ``host:port`` and answer the first request (the hub's check); False when none came within ``wait``."""
    with socket.create_server((host, port)) as listener:
        listener.settimeout(wait)
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            return False
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
    parser.add_argument("command", nargs="+", help="the server to become (jupyterhub-singleuser and its options)")
    options = parser.parse_args(argv)
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    answer_first_check(url.hostname or "127.0.0.1", url.port or 80, options.wait)
    limit_resources(options.memory, options.processes)
    sys.stdout.flush()
    os.execv(options.command[0], options.command)


if __name__ == "__main__":
    main()
