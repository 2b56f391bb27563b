"""In a real Jupyter kernel, a scenario and the progress summary display as widgets (what JupyterLab and Voila
render), and the kernel can drive them from code."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow


def test_scenarios_display_as_widgets_in_a_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("FRONTLINE_PROGRESS", str(tmp_path / "progress.json"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import frontline\ns = frontline.scenario('recovery/hotel-overbooked')\ns"),
        nbformat.v4.new_code_cell("s.reply('own-it'); s.mood_text"),
        nbformat.v4.new_code_cell("frontline.progress()"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = nb.cells[0].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in shown
    assert "No room at 11pm" in shown["text/plain"]
    assert "Customer mood: 40/100 (uneasy)" in nb.cells[1].outputs[0]["data"]["text/plain"]
    summary = nb.cells[2].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in summary and "Solved 0 of" in summary["text/plain"]
