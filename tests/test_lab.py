"""`frontline lab`: the command it builds, and a real server started the way a trainee starts it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from frontline.kit import KitPaths, default_exchange_root
from frontline.lab.launch import JUPYTER_CONFIG_DIR, LabOptions, build_lab_command, free_port


def test_command_runs_as_root_without_a_browser(repo, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    command = build_lab_command(LabOptions(kit=KitPaths(repo), port=9999, token="abc", open_browser=False), {})
    assert "--allow-root" in command.argv and "--no-browser" in command.argv
    assert f"--ServerApp.root_dir={repo}" in command.argv
    assert command.url == "http://localhost:9999/lab/tree/notebooks/00_welcome.ipynb?token=abc"


def test_command_skips_allow_root_for_ordinary_users_and_keeps_existing_config_path(repo, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    command = build_lab_command(
        LabOptions(kit=KitPaths(repo), port=9999, token="t", open_browser=True), {"JUPYTER_CONFIG_PATH": "/mine"}
    )
    assert "--allow-root" not in command.argv and "--no-browser" not in command.argv
    assert command.env["JUPYTER_CONFIG_PATH"] == f"{JUPYTER_CONFIG_DIR}{os.pathsep}/mine"


def test_no_display_means_no_browser(repo, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    command = build_lab_command(LabOptions(kit=KitPaths(repo), port=9999, token="t"), {})
    assert "--no-browser" in command.argv


def test_exchange_is_per_user_and_overridable(monkeypatch, tmp_path):
    monkeypatch.delenv("FRONTLINE_EXCHANGE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_exchange_root() == tmp_path / "frontline" / "exchange"
    monkeypatch.setenv("FRONTLINE_EXCHANGE", "/srv/exchange")
    assert default_exchange_root() == Path("/srv/exchange")


def _get(url: str, token: str, attempts: int = 3):
    """GET with the token; a connection reset by a server still busy starting up is retried."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, response.read().decode()
        except ConnectionResetError:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


@contextlib.contextmanager
def frontline_server(args: list[str], repo, tmp_path, first_port: int, token: str, **extra_env: str):
    """`frontline ARGS --port P --token T` started headless with a private home folder, as a user would start it.

    Yields (base URL, home folder, log file); the server is stopped by its process id afterwards.
    """
    port = free_port("127.0.0.1", first=first_port)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "FRONTLINE"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), FRONTLINE_KIT=str(repo), **extra_env)
    env.pop("DISPLAY", None)
    log_path = tmp_path / f"{args[-1]}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "frontline", *args, "--port", str(port), "--token", token],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/api/status", token)
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"frontline {' '.join(args)} did not start:\n" + log_path.read_text())
                time.sleep(0.3)
        yield base, home, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def lab_server(repo, tmp_path):
    """`frontline lab` started headless, as a trainee would."""
    token = "frontline-test-token"
    with frontline_server(["lab"], repo, tmp_path, 18888, token) as (base, home, log):
        yield base, token, home, log


@pytest.mark.slow
def test_lab_serves_the_welcome_notebook(lab_server):
    base, token, _home, log = lab_server
    status, body = _get(f"{base}/api/contents/notebooks/00_welcome.ipynb", token)
    notebook = json.loads(body)
    assert status == 200 and notebook["type"] == "notebook"
    assert notebook["content"]["metadata"]["frontline"]["lesson"]["id"] == "00_welcome"
    assert "# Lesson 0: Welcome" in notebook["content"]["cells"][0]["source"]
    # the printed address opens the welcome notebook directly
    assert f"/lab/tree/notebooks/00_welcome.ipynb?token={token}" in log.read_text()


@pytest.mark.slow
def test_the_server_root_lands_on_the_welcome_notebook(lab_server):
    base, token, *_ = lab_server

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{base}/?token={token}", timeout=20)
    assert redirect.value.code == 302
    assert redirect.value.headers["Location"].startswith("/lab/tree/notebooks/00_welcome.ipynb")


@pytest.mark.slow
def test_lab_page_has_no_news_popup_and_no_trainer_panels(lab_server):
    base, token, *_ = lab_server
    _, html = _get(f"{base}/lab", token)
    start = html.index('id="jupyter-config-data"')
    config = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    disabled = config["disabledExtensions"]
    assert "@jupyterlab/apputils-extension:announcements" in disabled
    assert "@jupyter/nbgrader:formgrader" in disabled
    assert "@jupyter/nbgrader:assignment-list" not in disabled


@pytest.mark.slow
def test_nbgrader_assignment_list_finds_a_writable_exchange(lab_server):
    base, token, home, _ = lab_server
    status, body = _get(f"{base}/assignments?course_id=frontline", token)
    reply = json.loads(body)
    assert status == 200 and reply["success"], reply
    exchange = home / ".local/share/frontline/exchange"
    assert exchange.is_dir() and os.access(exchange, os.W_OK)


@pytest.mark.slow
def test_trainers_open_the_formgrader_on_their_course(repo, tmp_path):
    """`frontline grade lab`: the course folder served with nbgrader's formgrader listing the kit's assignments."""
    token = "frontline-trainer-token"
    course = str(tmp_path / "course")
    with frontline_server(["grade", "lab"], repo, tmp_path, 19888, token, FRONTLINE_COURSE=course) as (base, _, log):
        status, body = _get(f"{base}/formgrader/api/assignments", token)
        names = {a["name"] for a in json.loads(body)}
        assert status == 200 and {"diagnosis", "capstone"} <= names, body
        _, html = _get(f"{base}/lab", token)
        assert "@jupyter/nbgrader:formgrader" not in html.split('id="jupyter-config-data"')[1].split("</script>")[0]
        assert f"/formgrader?token={token}" in log.read_text()
