"""A scenario served by Voila and operated in Chromium with the keyboard only: the standard widgets render with no
JavaScript build step, controls are found by their accessible names, and feedback arrives in words."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import nbformat
import pytest

from frontline.lab.launch import free_port

pytestmark = pytest.mark.slow
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def voila_page(repo, tmp_path):
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    notebook = tmp_path / "practice.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import frontline\nfrontline.scenario('choice/welcome-practice')")]
    nbformat.write(nb, notebook)
    port = free_port("127.0.0.1", first=18966)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(FRONTLINE_KIT=str(repo), FRONTLINE_PROGRESS=str(tmp_path / "progress.json"), HOME=str(tmp_path))
    log = (tmp_path / "voila.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "static/", timeout=5)  # any HTTP answer means the server is up
            break
        except urllib.error.HTTPError:
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("voila did not start:\n" + (tmp_path / "voila.log").read_text())
            time.sleep(0.3)
    yield url, tmp_path
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_a_scenario_works_in_voila_from_the_keyboard(voila_page):
    from playwright.sync_api import expect, sync_playwright

    url, tmp_path = voila_page
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url, timeout=90_000)
            option = page.get_by_role("radio", name="Can you walk me through what you see on your statement?")
            option.wait_for(timeout=90_000)
            option.focus()
            page.keyboard.press("Space")
            page.get_by_role("button", name="Submit").focus()
            page.keyboard.press("Enter")
            expect(page.get_by_text("✔ Correct")).to_be_visible(timeout=20_000)
            page.get_by_role("button", name="Hint").focus()
            page.keyboard.press("Enter")
            expect(page.get_by_text("Hint 1 of 2:")).to_be_visible(timeout=20_000)
            page.screenshot(path=str(tmp_path / "voila-scenario.png"))
        finally:
            browser.close()
    assert '"solved": true' in (tmp_path / "progress.json").read_text()
