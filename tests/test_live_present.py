"""`frontline live present`: a real Voila server shows a notebook's outputs and widgets, never its code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import nbformat
import pytest
from live_support import free_port

pytestmark = pytest.mark.slow


def test_voila_presents_outputs_and_widgets_without_code(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Late delivery\nA customer's parcel is three days late."),
        nbformat.v4.new_code_cell("answer_to_show = 6 * 7\nprint(f'Room answer: {answer_to_show}')"),
        nbformat.v4.new_code_cell("import ipywidgets as presentation_widgets\n"
                                  "presentation_widgets.Button(description='Next step')"),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "scenario.ipynb"
    nbformat.write(notebook, path)
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    env.pop("JUPYTER_PATH", None)
    log = (tmp_path / "voila.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "frontline", "live", "present", str(path), "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        page = None
        while page is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=60)
                if response.status_code == 200:
                    page = response.text
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "voila.log").read_text()) from None
                time.sleep(0.3)
        assert "<title>Late delivery</title>" in page
        assert "parcel is three days late." in page
        assert "Room answer: 42" in page
        assert "application/vnd.jupyter.widget-view+json" in page
        for source in ("answer_to_show = 6 * 7", "print(f", "import ipywidgets", "presentation_widgets.Button"):
            assert source not in page, f"code source {source!r} leaked into the presentation"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


def test_the_presentation_copy_is_the_trainee_edition_without_keyboard_only_cells(tmp_path, repo):
    from frontline.live.present import presentation_copy

    lesson = repo / "notebooks" / "00_welcome.ipynb"
    before = lesson.read_bytes()
    shown = nbformat.read(presentation_copy(lesson, tmp_path / "shown"), as_version=4)
    assert lesson.read_bytes() == before
    assert shown.metadata["title"] == "Lesson 0: Welcome: how to use the kit"
    text = "\n".join(cell.source for cell in shown.cells)
    assert "Facilitator notes" not in text and "answer = ..." not in text and "# q.hint()" not in text
    assert "](" not in text and "pandas (https://pandas.pydata.org/)" in text
    assert 'frontline.scenario("choice/welcome-practice")' in text and "question(\"00.fcr_share\")" in text
