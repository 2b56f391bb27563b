"""Build and run the JupyterLab command for ``frontline lab``.

What it sets up, and why:

* the kit folder as the server root, with the welcome notebook as the page that opens;
* the kit's Jupyter config folder first on ``JUPYTER_CONFIG_PATH``: it turns off the news pop-up and the update
  check, hides nbgrader's trainer-only panels, and points nbgrader at a per-user exchange folder that exists and
  is writable (nbgrader's default one is not, for most users);
* ``--allow-root`` when run as root, ``--no-browser`` when there is no browser to open;
* a known port and token, so the URL printed is the exact one to open.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
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
    return LabCommand(argv=argv, env=environ, url=url)


def run_lab(options: LabOptions) -> None:
    """Replace this process with the Jupyter server (so Ctrl-C and signals reach it directly)."""
    command = build_lab_command(options)
    ensure_exchange(Path(command.env["FRONTLINE_EXCHANGE"]))
    if options.landing is None and not (options.server_root / options.notebook).exists():
        print(f"warning: {options.server_root / options.notebook} is missing", file=sys.stderr)
    print(f"Frontline: opening JupyterLab on {options.server_root}", flush=True)
    print(f"Frontline: open this address in a browser: {command.url}", flush=True)
    # nbgrader reads nbgrader_config.py from the working folder (the course folder, for trainers)
    os.chdir(options.server_root)
    os.execve(command.argv[0], command.argv, command.env)
