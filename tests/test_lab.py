"""`frontline lab`: the command it builds, and a real server started the way a trainee starts it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
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
            with urllib.request.urlopen(request, timeout=90) as response:
                return response.status, response.read().decode()
        except ConnectionResetError:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


def _stop(process: subprocess.Popen) -> None:
    """Stop one server this test started, by its process id."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


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
        deadline = time.monotonic() + 180  # a busy machine can take minutes to start JupyterLab
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
        _stop(process)


def printed_once_ready(log_path, expected: str, seconds: float = 60) -> str:
    """The server's log once ``expected`` is in it: the address is printed just after the server first answers,
    so a test reading the log at once can be a moment early on a busy machine."""
    deadline = time.monotonic() + seconds
    while expected not in (text := log_path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return text


def _kit_status(repo) -> str:
    return subprocess.run(["git", "status", "--porcelain", "--", "notebooks", "exercises", "data", "grading"],
                          cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def lab_server(repo, tmp_path):
    """`frontline lab` started headless, as a trainee would."""
    token = "frontline-test-token"
    with frontline_server(["lab", "--trainee", "Robin Ng"], repo, tmp_path, 18888, token) as (base, home, log):
        yield base, token, home, log


@pytest.mark.slow
def test_lab_serves_the_welcome_lesson_from_the_trainees_workspace(lab_server, repo):
    base, token, home, log = lab_server
    status, body = _get(f"{base}/api/contents/lessons/00_welcome.ipynb", token)
    notebook = json.loads(body)
    assert status == 200 and notebook["type"] == "notebook"
    assert notebook["content"]["metadata"]["frontline"]["lesson"]["id"] == "00_welcome"
    assert "# Lesson 0: Welcome" in notebook["content"]["cells"][0]["source"]
    workspace = home / ".local/share/frontline/workspaces/robin-ng"
    assert (workspace / "lessons" / "00_welcome.ipynb").is_file()
    printed = printed_once_ready(log, f"/lab/tree/lessons/00_welcome.ipynb?token={token}")
    assert f"Robin Ng's workspace is {workspace}" in printed
    # the printed address opens the welcome lesson directly
    assert f"/lab/tree/lessons/00_welcome.ipynb?token={token}" in printed


def _crawl(base: str, token: str, path: str = "") -> list[dict]:
    """Every entry the contents API lists, folders walked, with each file's content."""
    _, body = _get(f"{base}/api/contents/{path}?content=1", token)
    model = json.loads(body)
    if model["type"] != "directory":
        return [model]
    found = []
    for entry in model["content"]:
        found += _crawl(base, token, entry["path"]) if entry["type"] == "directory" else \
            [json.loads(_get(f"{base}/api/contents/{entry['path']}?content=1", token)[1])]
    return found


@pytest.mark.slow
def test_the_trainees_lab_serves_no_answer_key_and_no_kit_file(lab_server, repo):
    """Everything the trainee's server lists or serves: no solution, hidden test, mark scheme or facilitator note."""
    from frontline.workspace.editions import ANSWER_KEY_MARKERS

    base, token, *_ = lab_server
    before = _kit_status(repo)
    served = _crawl(base, token)
    paths = {m["path"] for m in served}
    assert "lessons/03_diagnosis.ipynb" in paths and "exercises/diagnosis/diagnosis.ipynb" in paths
    assert not any(p.startswith((".frontline", "notebooks/", "grading/", "data/")) for p in paths), paths
    for model in served:
        text = json.dumps(model["content"]) if model["type"] == "notebook" else str(model["content"])
        raw = _get(f"{base}/files/{model['path']}", token)[1] if model["type"] == "file" else text
        for marker in ANSWER_KEY_MARKERS:
            assert marker not in text and marker not in raw, (model["path"], marker)
        assert "Facilitator notes" not in text, model["path"]
    # the kit itself is out of reach: not under the server's root, so not served by any path
    for escape in ("../notebooks/00_welcome.ipynb", "%2E%2E/exercises/diagnosis/diagnosis.ipynb"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            _get(f"{base}/api/contents/{escape}", token)
        assert refused.value.code in (400, 403, 404)
    assert _kit_status(repo) == before


@pytest.mark.slow
def test_the_address_is_printed_only_once_the_server_answers(repo, tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "FRONTLINE", "XDG_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), FRONTLINE_KIT=str(repo),
               PYTHONUNBUFFERED="1")
    env.pop("DISPLAY", None)
    port, token = free_port("127.0.0.1", first=20888), "frontline-print-token"
    process = subprocess.Popen(
        [sys.executable, "-m", "frontline", "lab", "--trainee", "Kai", "--port", str(port), "--token", token],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path)
    watchdog = threading.Timer(300, process.kill)  # a server that never answers ends the test instead of hanging it
    watchdog.start()
    try:
        printed = []
        for line in process.stdout:
            printed.append(line)
            if "Open this address" in line:
                break
        assert any("Open this address" in line for line in printed), printed
        # no retry: at the moment the address is shown, the server must already answer
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        assert f"http://localhost:{port}/lab/tree/lessons/00_welcome.ipynb?token={token}" in printed[-1]
    finally:
        watchdog.cancel()
        _stop(process)


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
    assert redirect.value.headers["Location"].startswith("/lab/tree/lessons/00_welcome.ipynb")


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
        assert f"/formgrader?token={token}" in printed_once_ready(log, f"/formgrader?token={token}")
