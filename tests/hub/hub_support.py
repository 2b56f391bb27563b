"""Driving a real JupyterHub over HTTP as its users: log in, get a token, start a server, run code in it.

Everything goes through the hub's proxy: the login form, the hub's REST API, each user's Jupyter server API and
kernel WebSocket, and nbgrader's assignment-list endpoints of the user's lab.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import uuid
from pathlib import Path

import httpx
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

PASSWORD = "cohort-pass-123"


def cgroups_expected() -> str | None:
    """Why per-account cgroups can be expected here (root, and a writable hierarchy with the memory and cpu
    controllers, v1 or v2), or None. Read from the mount table, apart from the code under test: where this says
    yes, a hub that falls back to per-process limits is a failure, not a skip."""
    if os.geteuid() != 0:
        return None
    v1: set[str] = set()
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, tail = line.partition(" - ")
        kind, _source, options = [*tail.split(), "", "", ""][:3]
        point, writable = fields.split()[4], "rw" in fields.split()[5].split(",")
        if kind == "cgroup2" and writable:
            try:
                controllers = Path(point, "cgroup.controllers").read_text().split()
            except OSError:
                continue
            if {"memory", "cpu"} <= set(controllers):
                return f"cgroup v2 with memory and cpu at {point}"
        if kind == "cgroup" and writable:
            v1 |= {"memory", "cpu"} & set(options.split(","))
    return "cgroup v1 memory and cpu hierarchies, writable" if v1 == {"memory", "cpu"} else None


class HubUser:
    """One person logged in to the hub through its login page, with an API token of their own."""

    def __init__(self, base_url: str, name: str):
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.browser = httpx.Client(base_url=self.base_url, timeout=60, follow_redirects=False)
        self.token = ""

    def login(self, password: str = PASSWORD) -> httpx.Response:
        page = self.browser.get("/hub/login")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        return self.browser.post("/hub/login", data={"username": self.name, "password": password, "_xsrf": xsrf})

    def request_token(self) -> str:
        xsrf = self.browser.cookies.get("_xsrf", path="/hub/") or self.browser.cookies.get("_xsrf")
        reply = self.browser.post(f"/hub/api/users/{self.name}/tokens", json={"note": "test"},
                                  headers={"X-XSRFToken": xsrf})
        reply.raise_for_status()
        self.token = reply.json()["token"]
        return self.token

    @property
    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=120,
                            headers={"Authorization": f"token {self.token}"})

    def start_server(self, timeout: float = 180) -> None:
        with self.api as api:
            reply = api.post(f"/hub/api/users/{self.name}/server")
            assert reply.status_code in (201, 202, 400), reply.text  # 400: already running
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                server = api.get(f"/hub/api/users/{self.name}").json()["servers"].get("", {})
                if server.get("ready"):
                    return
                time.sleep(0.5)
        raise TimeoutError(f"{self.name}'s server did not start in {timeout} s")

    @property
    def own_server(self) -> str:
        return f"/user/{self.name}/"

    def lab(self, method: str, path: str, server: str = "", **kwargs) -> httpx.Response:
        """A request with this user's token to their own Jupyter server (or to ``server``, e.g. a service's)."""
        with self.api as api:
            return api.request(method, f"{server or self.own_server}{path}", **kwargs)

    def follow(self, path: str, hops: int = 8) -> httpx.Response:
        """GET ``path`` with the user's hub cookies, following the OAuth redirects between a server and the hub."""
        reply = self.browser.get(path)
        for _ in range(hops):
            location = reply.headers.get("location")
            if reply.status_code not in (301, 302, 303) or not location or "#token=" in location:
                return reply
            reply = self.browser.get(location)
        raise AssertionError(f"too many redirects from {path}")

    def run(self, code: str, timeout: float = 240, server: str = "") -> str:
        """Run Python in a fresh kernel of this user's server (or of ``server``); returns what it printed."""
        server = server or self.own_server
        kernel = self.lab("POST", "api/kernels", server, json={"name": "python3"})
        kernel.raise_for_status()
        kernel_id = kernel.json()["id"]
        try:
            return asyncio.run(self._execute(server, kernel_id, code, timeout))
        finally:
            self.lab("DELETE", f"api/kernels/{kernel_id}", server)

    async def _execute(self, server: str, kernel_id: str, code: str, timeout: float) -> str:
        url = self.base_url.replace("http", "ws", 1) + f"{server}api/kernels/{kernel_id}/channels"
        socket = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {self.token}"}))
        msg_id = uuid.uuid4().hex
        socket.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name,
                       "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        printed, deadline = [], time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                raw = await asyncio.wait_for(socket.read_message(), deadline - time.monotonic())
                if raw is None:
                    raise ConnectionError("the kernel's connection closed")
                message = json.loads(raw)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    printed.append(content["text"])
                elif kind == "error":
                    printed.append("\n".join(content["traceback"]))
                elif kind == "status" and content["execution_state"] == "idle":
                    return "".join(printed)
        finally:
            socket.close()
        raise TimeoutError(f"code in {self.name}'s kernel did not finish in {timeout} s")

    def shell(self, *argv: str, cwd: str = "~") -> tuple[int, str]:
        """Run a command as this user from their own kernel; returns its exit code and output."""
        out = self.run(
            "import json, os, subprocess\n"
            f"r = subprocess.run({list(argv)!r}, cwd=os.path.expanduser({cwd!r}), capture_output=True, text=True)\n"
            "print(json.dumps([r.returncode, r.stdout + r.stderr]))\n"
        )
        code, output = json.loads(out.strip().splitlines()[-1])
        return code, output

    def assignment_action(self, action: str, assignment: str) -> httpx.Response:
        """nbgrader's Assignment List in the user's lab: fetch, submit, fetch_feedback."""
        return self.lab("POST", f"assignments/{action}",
                        data={"assignment_id": assignment, "course_id": "frontline"})
