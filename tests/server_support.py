"""Waiting for a server the tests started, shared by the live-session and the hub tests."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, name: str, *, seconds: float,
                         pause: float = 0.1, request_timeout: float = 1,
                         on_exit: Callable[[], None] = lambda: None) -> None:
    """Return once `url` answers 200 OK.

    If the process exits first, `on_exit` may raise its own error (a taken port, say); otherwise, and when
    `seconds` pass, a RuntimeError names the server and quotes the end of its log.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=request_timeout).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            on_exit()
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start:\n{log.read_text()[-4000:]}")
        time.sleep(pause)
