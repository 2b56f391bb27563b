"""Harness for the real-browser acceptance tests: Debian's Chromium driven by Playwright.

Fixtures:

* ``browser`` (session): one Chromium for the whole run. When Chromium or Playwright is missing the tests are
  skipped with the reason, unless the ``CI`` environment variable is set, in which case they fail: CI must run them.
* ``page``: a fresh browser context and page per test; after the test a full-page screenshot is saved in
  ``tests/artifacts/`` (git ignores it) whatever the outcome, with the page's console log beside it.
* ``kit_folder`` (session): a private copy of the kit's content, so that autosave, progress files and graded
  submissions never touch the repository.
* ``lab`` (session): ``frontline lab`` started headless on a free port with a fixed token and a private HOME,
  stopped by its process id at the end of the run.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright (needs /usr/bin/chromium)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    # the page fixture reads this to name the screenshot after the outcome
    setattr(item, f"report_{report.when}", report)
    return report


def _missing_browser_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)"
    return None


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 90, headers=None) -> None:
    """Poll ``url`` until it answers (any HTTP status), failing with the server log if the process dies."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5)
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None or time.monotonic() > deadline:
                stop_process(process)
                pytest.fail(f"server at {url} did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)


def stop_process(process: subprocess.Popen) -> None:
    """Stop one server we started, by its process id (SIGTERM, then SIGKILL)."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def clean_env(home: Path, kit: Path) -> dict[str, str]:
    """The environment of a first-time user: private HOME, no inherited Jupyter or Frontline settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "FRONTLINE", "XDG_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), FRONTLINE_KIT=str(kit))
    env.pop("DISPLAY", None)
    return env


@pytest.fixture(scope="session")
def browser():
    reason = _missing_browser_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:120]


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = getattr(request.node, "report_call", None)
    outcome = report.outcome if report else "setup-failed"
    name = f"{_artifact_name(request.node.nodeid)}.{outcome}"
    try:
        for index, open_page in enumerate(context.pages):
            suffix = "" if index == 0 else f".{index}"
            open_page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True, timeout=10_000)
    except Exception as error:  # a crashed page must not hide the test's own failure
        console.append(f"screenshot failed: {error}")
    (ARTIFACTS / f"{name}.console.txt").write_text("\n".join(console) + "\n")
    context.close()


@pytest.fixture(scope="session")
def kit_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kit")
    for folder in KIT_CONTENT:
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


@dataclass(frozen=True)
class LabServer:
    base: str
    token: str
    kit: Path
    home: Path
    log: Path

    def url(self, path: str) -> str:
        separator = "&" if "?" in path else "?"
        return f"{self.base}{path}{separator}token={self.token}"


@pytest.fixture(scope="session")
def lab(browser, kit_folder, tmp_path_factory) -> Iterator[LabServer]:
    """`frontline lab` exactly as a trainee starts it, on a free port with a fixed token."""
    run = tmp_path_factory.mktemp("lab")
    home = run / "home"
    home.mkdir()
    # Tests read the notebook's session state from the page, which JupyterLab exposes only when asked.
    test_config = run / "jupyter_config"
    test_config.mkdir()
    (test_config / "jupyter_server_config.json").write_text('{"LabApp": {"expose_app_in_browser": true}}\n')
    # Autosave off: a test's outputs must not land in the notebook the next test opens.
    settings = home / ".jupyter/lab/user-settings/@jupyterlab/docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}\n')
    env = clean_env(home, kit_folder)
    env["JUPYTER_CONFIG_PATH"] = str(test_config)
    port = free_port()
    log = run / "lab.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "frontline", "lab", "--port", str(port), "--token", TOKEN, "--no-browser"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=run,
        )
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/api/status", process, log, headers={"Authorization": f"token {TOKEN}"})
    yield LabServer(base=base, token=TOKEN, kit=kit_folder, home=home, log=log)
    stop_process(process)


@pytest.fixture
def lab_page(lab, page):
    """A fresh page on the shared lab server, with no kernel left over from earlier tests."""
    from lab_page import shut_down_kernels

    shut_down_kernels(lab)
    return page


@dataclass(frozen=True)
class VoilaServer:
    base: str
    kit: Path

    def render_url(self, path: str) -> str:
        return f"{self.base}/voila/render/{path}"


@pytest.fixture(scope="session")
def voila(browser, kit_folder, tmp_path_factory) -> Iterator[VoilaServer]:
    """Voila serving the kit copy (tree mode), as a facilitator presents a notebook without its code."""
    run = tmp_path_factory.mktemp("voila")
    home = run / "home"
    home.mkdir()
    port = free_port()
    log = run / "voila.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "voila", str(kit_folder), "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--show_tracebacks=True"],
            env=clean_env(home, kit_folder), stdout=log_file, stderr=subprocess.STDOUT, cwd=run,
        )
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/voila/tree", process, log)
    yield VoilaServer(base=base, kit=kit_folder)
    stop_process(process)
