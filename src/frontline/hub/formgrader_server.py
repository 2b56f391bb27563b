"""``jupyterhub-singleuser`` serving on the listening socket :mod:`frontline.hub.formgrader_service` hands over.

Jupyter Server binds its port itself and has no setting to adopt an open TCP socket (``--sock`` is for Unix
sockets), so its two binding steps are replaced for this process only: the port is read from the inherited
socket, and the HTTP server is given that socket instead of opening a new one. Without an inherited socket it
is plain ``jupyterhub-singleuser``.
"""

from __future__ import annotations

import os
import socket
import sys

from frontline.hub.formgrader_service import LISTENER_ENV_VAR


def adopt_listener(descriptor: int) -> socket.socket:
    """Make every Jupyter server started in this process serve on the open socket ``descriptor``."""
    from jupyter_server.serverapp import ServerApp

    listener = socket.socket(fileno=descriptor)
    listener.setblocking(False)
    listener.set_inheritable(False)  # kernels and terminals do not get it

    def find_http_port(app) -> None:
        app.port = listener.getsockname()[1]

    def bind_http_server_tcp(app) -> bool:
        app.http_server.add_socket(listener)
        return True

    ServerApp._find_http_port = find_http_port
    ServerApp._bind_http_server_tcp = bind_http_server_tcp
    return listener


def main() -> None:
    descriptor = os.environ.pop(LISTENER_ENV_VAR, "")
    if descriptor:
        adopt_listener(int(descriptor))
    from jupyterhub.singleuser import main as singleuser

    sys.argv[0] = "jupyterhub-singleuser"
    sys.exit(singleuser())


if __name__ == "__main__":
    main()
