"""A real `frontline live serve` process on a free loopback port, for the live-session tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from frontline.lab.launch import any_free_port as free_port


class PortTaken(Exception):
    pass


class LiveServer:
    def __init__(self, folder: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None):
        self.folder, self.args, self.port = folder, list(args), port or free_port()
        # A port found free can be taken by another program before the server binds it; then try another one,
        # but only before the first start (a restart must come back on the same address).
        self._may_change_port = port is None
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.code = self.token = ""
        self.log = folder / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        for _attempt in range(3):
            try:
                return self._start()
            except PortTaken:
                self.port = free_port()
        raise RuntimeError(f"no free port for the live server:\n{self.log.read_text()}")

    def _start(self) -> LiveServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "frontline", "live", "serve", "--dir", str(self.folder / "db"),
                 "--port", str(self.port), *self.args],
                stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None and self._may_change_port and "in use" in self.log.read_text():
                raise PortTaken
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"live server did not start:\n{self.log.read_text()}")
            time.sleep(0.1)
        self._may_change_port = False
        text = self.log.read_text()
        self.code = re.findall(r"Join code for trainees:\s+(\S+)", text)[-1]
        self.token = re.findall(r"/room#token=(\S+)", text)[-1]
        return self

    def stop(self, hard: bool = False) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            self.process.wait(timeout=15)

    def facilitator(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10)

    def join(self, name: str | None = None) -> httpx.Client:
        """A trainee's HTTP client carrying a fresh participant token."""
        body = httpx.post(f"{self.url}/api/join", json={"code": self.code, "name": name}, timeout=10).json()
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {body['participant_token']}"},
                            timeout=10)
