"""Build and run the JupyterLab command for ``frontline lab``.

What it sets up, and why:

* the trainee's own workspace (:mod:`frontline.workspace`) as the server root, never the kit, with the welcome
  lesson as the page that opens; the kit is found by the kernels through ``FRONTLINE_KIT`` and only read;
* the kit's Jupyter config also strips widget views from notebooks when they are saved, so a scenario never
  reopens as "model not found";
* the kit's Jupyter config folder first on ``JUPYTER_CONFIG_PATH``: it turns off the news pop-up and the update
  check, hides nbgrader's trainer-only panels, and points nbgrader at a per-user exchange folder that exists and
  is writable (nbgrader's default one is not, for most users);
* ``--allow-root`` when run as root, ``--no-browser`` when there is no browser to open;
* a known port and token, so the URL printed is the exact one to open, printed only once the server answers.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from frontline.kit import KitPaths, default_exchange_root

JUPYTER_CONFIG_DIR = Path(__file__).parent / "jupyter_config"
# Trainers get nbgrader's formgrader and course panels; their course folder's nbgrader_config.py does the rest.
TRAINER_JUPYTER_CONFIG_DIR = Path(__file__).parent / "jupyter_config_trainer"


@dataclass(frozen=True)
class LabOptions:
    """Settings of one ``frontline lab`` run."""

    kit: KitPaths
    ip: str = "127.0.0.1"
    port: int | None = None  # None: the first free port from 8888
    token: str | None = None  # None: a fresh random token
    open_browser: bool | None = None  # None: open one if this machine has a browser
    notebook: str = "notebooks/00_welcome.ipynb"
    root: Path | None = None  # the server's root folder; None: the kit
    landing: str | None = None  # the page "/" leads to; None: the notebook above, opened in JupyterLab
    trainer: bool = False  # trainer set-up (formgrader visible) instead of the trainee one
    extra_env: dict[str, str] | None = None  # variables for the server and its kernels (e.g. the course folder)

    @property
    def server_root(self) -> Path:
        return self.root or self.kit.root


def browser_available() -> bool:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def any_free_port(ip: str = "127.0.0.1") -> int:
    """A port the system says is free right now (for servers started by tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def free_port(ip: str, first: int = 8888, tries: int = 50) -> int:
    """The first free port from ``first`` (a familiar address for people), else any free one."""
    for port in range(first, first + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((ip, port))
            except OSError:
                continue
            return port
    return any_free_port(ip)


def ensure_exchange(root: Path) -> Path:
    """Create the exchange folder; nbgrader refuses to list assignments without a writable one."""
    root.mkdir(parents=True, exist_ok=True)
    if not os.access(root, os.W_OK):
        raise PermissionError(f"The nbgrader exchange folder {root} is not writable; set FRONTLINE_EXCHANGE.")
    return root


@dataclass(frozen=True)
class LabCommand:
    argv: list[str]
    env: dict[str, str]
    url: str
    status_url: str  # answers once the server listens (with the token in the Authorization header)
    token: str


def build_lab_command(options: LabOptions, environ: dict[str, str] | None = None) -> LabCommand:
    environ = dict(os.environ if environ is None else environ)
    port = options.port or free_port(options.ip)
    token = options.token or secrets.token_hex(24)
    open_browser = browser_available() if options.open_browser is None else options.open_browser
    default_url = options.landing or "/lab/tree/" + quote(options.notebook)
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={options.server_root}",
        f"--ServerApp.ip={options.ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        # JupyterLab, as the default extension, owns the landing page: "/" and the browser it opens go here.
        f"--LabApp.default_url={default_url}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if not open_browser:
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    existing = environ.get("JUPYTER_CONFIG_PATH")
    config_dir = TRAINER_JUPYTER_CONFIG_DIR if options.trainer else JUPYTER_CONFIG_DIR
    environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [str(config_dir), existing]))
    environ.update(options.extra_env or {})
    environ.setdefault("FRONTLINE_EXCHANGE", str(default_exchange_root()))
    environ["FRONTLINE_KIT"] = str(options.kit.root)
    host = "localhost" if options.ip in ("127.0.0.1", "0.0.0.0", "::1", "") else options.ip
    url = f"http://{host}:{port}{default_url}?token={token}"
    local = "127.0.0.1" if options.ip in ("0.0.0.0", "") else options.ip
    status_url = f"http://{'[::1]' if local == '::1' else local}:{port}/api/status"
    return LabCommand(argv=argv, env=environ, url=url, status_url=status_url, token=token)


def wait_until_answering(command: LabCommand, process: subprocess.Popen, timeout: float = 300) -> bool:
    """Poll the server's status until it answers; False if the process ended or the time ran out first."""
    request = urllib.request.Request(command.status_url, headers={"Authorization": f"token {command.token}"})
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            urllib.request.urlopen(request, timeout=5).close()
            return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    return False


def run_lab(options: LabOptions) -> int:
    """Start the Jupyter server, print the address once it answers, and wait for it to end.

    Ctrl-C reaches the server directly (same terminal); a SIGTERM sent to this command is passed on to it.
    """
    command = build_lab_command(options)
    ensure_exchange(Path(command.env["FRONTLINE_EXCHANGE"]))
    if options.landing is None and not (options.server_root / options.notebook).exists():
        print(f"warning: {options.server_root / options.notebook} is missing", file=sys.stderr)
    print(f"Frontline: starting JupyterLab on {options.server_root} (this can take a minute)...", flush=True)
    # nbgrader reads nbgrader_config.py from the working folder (the course folder, for trainers)
    process = subprocess.Popen(command.argv, env=command.env, cwd=options.server_root)

    def pass_on(signum: int, _frame: object) -> None:
        if process.poll() is None:
            process.send_signal(signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), pass_on)
    if wait_until_answering(command, process):
        print(f"Frontline: JupyterLab is ready. Open this address in a browser: {command.url}", flush=True)
        print("Frontline: to stop, press Ctrl+C in this window (twice, or once and answer y).", flush=True)
    elif process.poll() is None:
        print("Frontline: JupyterLab has not answered yet; its own messages above say why.", file=sys.stderr)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:  # the server got the same Ctrl+C and asks for confirmation itself
            continue
