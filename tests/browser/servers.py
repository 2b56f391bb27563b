"""Servers and a browser for the acceptance tests and the README screenshot script.

Every server is started as its user starts it, on a free port on 127.0.0.1, with a private HOME (a first-time
user: no inherited Jupyter or Frontline settings) and is stopped by its process id. Each is a context manager that
yields a small description of the running server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from frontline.lab.launch import any_free_port as free_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("FRONTLINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "frontline-browser-test-token"
KIT_CONTENT = ("data", "notebooks", "exercises", "grading")


class ServerDidNotStart(RuntimeError):
    pass


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)"
    return None


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def copy_kit(destination: Path) -> Path:
    """A private copy of the kit's content, so autosave, progress files and submissions never touch the repo."""
    for folder in KIT_CONTENT:
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, destination / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return destination


def clean_env(home: Path, kit: Path) -> dict[str, str]:
    """The environment of a first-time user: private HOME, no inherited Jupyter or Frontline settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "FRONTLINE", "XDG_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), FRONTLINE_KIT=str(kit))
    env.pop("DISPLAY", None)
    return env


def stop_process(process: subprocess.Popen) -> None:
    """Stop one server we started, by its process id (SIGTERM, then SIGKILL)."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def running(argv: list[str], env: dict[str, str], cwd: Path, ready_url: str, log: Path,
            headers: dict[str, str] | None = None, timeout: float = 90) -> Iterator[subprocess.Popen]:
    """Start ``argv``, wait until ``ready_url`` answers (any HTTP status), stop it by pid on exit."""
    with log.open("w") as log_file:
        process = subprocess.Popen(argv, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=cwd)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(urllib.request.Request(ready_url, headers=headers or {}), timeout=5).close()
                break
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerDidNotStart(f"{argv[:4]} did not answer {ready_url} ({error}); log:\n"
                                            + log.read_text()[-4000:]) from None
                time.sleep(0.3)
        yield process
    finally:
        stop_process(process)


def _home(run: Path) -> Path:
    home = run / "home"
    home.mkdir(parents=True, exist_ok=True)
    return home


@dataclass(frozen=True)
class LabServer:
    base: str
    token: str
    kit: Path
    home: Path
    log: Path
    workspace: Path | None = None  # the trainee's workspace the server's root is (frontline lab only)

    def url(self, path: str) -> str:
        separator = "&" if "?" in path else "?"
        return f"{self.base}{path}{separator}token={self.token}"


@contextmanager
def lab_server(kit: Path, run: Path, trainee: str = "Robin Ng", autosave: bool = False) -> Iterator[LabServer]:
    """`frontline lab` exactly as a trainee starts it, with a fixed token; autosave off, the app exposed to tests.

    The trainee's workspace is created under ``run/workspaces`` (``FRONTLINE_WORKSPACES``).
    """
    home = _home(run)
    # Autosave off: a test's outputs must not land in the notebook the next test opens.
    settings = home / ".jupyter/lab/user-settings/@jupyterlab/docmanager-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": autosave}) + "\n")
    # Every cell attached and laid out: by default JupyterLab skips laying out cells outside the viewport, which
    # hides their widgets from role-based lookups until scrolled to.
    tracker = home / ".jupyter/lab/user-settings/@jupyterlab/notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}\n')
    # Tests read the notebook's session state from the page, which JupyterLab exposes only when asked.
    test_config = run / "jupyter_config"
    test_config.mkdir(exist_ok=True)
    (test_config / "jupyter_server_config.json").write_text('{"LabApp": {"expose_app_in_browser": true}}\n')
    env = clean_env(home, kit)
    env["JUPYTER_CONFIG_PATH"] = str(test_config)
    env["FRONTLINE_WORKSPACES"] = str(run / "workspaces")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = run / "lab.log"
    argv = [sys.executable, "-m", "frontline", "lab", "--trainee", trainee, "--port", str(port), "--token", TOKEN,
            "--no-browser"]
    from frontline.workspace import trainee_slug

    with running(argv, env, run, f"{base}/api/status", log, headers={"Authorization": f"token {TOKEN}"}):
        yield LabServer(base=base, token=TOKEN, kit=kit, home=home, log=log,
                        workspace=run / "workspaces" / trainee_slug(trainee))


@dataclass(frozen=True)
class LiveSession:
    base: str
    join_code: str
    facilitator_token: str
    log: Path

    @property
    def room_url(self) -> str:
        return f"{self.base}/room#token={self.facilitator_token}"


@contextmanager
def live_server(kit: Path, run: Path, plan: str | None = None, code: str | None = None) -> Iterator[LiveSession]:
    """`frontline live serve` as a facilitator starts it; the join code and the link are read from what it prints."""
    import re

    home = _home(run)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "frontline", "live", "serve", "--dir", str(run / "session"), "--port", str(port)]
    if plan:
        argv += ["--plan", str(kit / plan)]
    if code:
        argv += ["--code", code]
    log = run / "live.log"
    with running(argv, clean_env(home, kit), kit, f"{base}/api/health", log):
        printed = log.read_text()
        code = re.search(r"Join code for trainees:\s+(\S+)", printed)
        token = re.search(r"/room#token=(\S+)", printed)
        if not (code and token):
            raise ServerDidNotStart(f"frontline live serve printed no join code or facilitator link:\n{printed}")
        yield LiveSession(base=base, join_code=code.group(1), facilitator_token=token.group(1), log=log)


@dataclass(frozen=True)
class Presentation:
    url: str
    notebook: Path


@contextmanager
def presentation(kit: Path, run: Path, notebook: Path) -> Iterator[Presentation]:
    """`frontline live present NOTEBOOK`: the notebook shown without code (Voila), as a facilitator projects it."""
    home = _home(run)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    argv = [sys.executable, "-m", "frontline", "live", "present", str(notebook), "--port", str(port)]
    with running(argv, clean_env(home, kit), kit, url, run / "present.log"):
        yield Presentation(url=url, notebook=notebook)


@dataclass(frozen=True)
class GradedCourse:
    root: Path
    env: dict[str, str]
    assignment: str
    students: tuple[str, ...]


def graded_course(kit: Path, run: Path, assignment: str = "diagnosis",
                  kinds: tuple[str, ...] = ("full", "untouched")) -> GradedCourse:
    """A trainer's course folder in which made-up submissions of ``assignment`` went through `frontline grade`.

    Each student is named after the kind of submission it handed in (see ``frontline.grading.samples``).
    """
    from frontline.grading.samples import make_submission

    home = _home(run)
    root = run / "course"
    env = clean_env(home, kit)
    env.update(FRONTLINE_COURSE=str(root), FRONTLINE_EXCHANGE=str(run / "exchange"), FRONTLINE_CELL_TIMEOUT="10")

    def grade(*args: str) -> None:
        result = subprocess.run([sys.executable, "-m", "frontline", "grade", *args], env=env, cwd=run,
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise ServerDidNotStart(f"frontline grade {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")

    grade("generate", assignment)
    source = kit / "exercises" / assignment / f"{assignment}.ipynb"
    release = root / "release" / assignment / f"{assignment}.ipynb"
    for kind in kinds:
        make_submission(kind, source, release, root / "submitted" / kind / assignment)
    grade("all", assignment, "--no-collect", "--jobs", "1")
    return GradedCourse(root=root, env=env, assignment=assignment, students=kinds)


@contextmanager
def formgrader_server(course: GradedCourse, run: Path) -> Iterator[LabServer]:
    """JupyterLab started from the course folder, as the trainer's guide says, with nbgrader's formgrader."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={course.root}", "--LabApp.news_url=None"]
    log = run / "formgrader.log"
    with running(argv, course.env, course.root, f"{base}/api/status", log,
                 headers={"Authorization": f"token {TOKEN}"}):
        yield LabServer(base=base, token=TOKEN, kit=Path(course.env["FRONTLINE_KIT"]),
                        home=Path(course.env["HOME"]), log=log)
