"""Driving a notebook in JupyterLab the way a trainee does: open it, wait for its kernel, Run -> Run All Cells.

Readiness is read from the page itself (the app is exposed to the page for the tests): JupyterLab's toolbar says
"idle" before the notebook's kernel session is ready, and a Run All issued then is silently dropped. So
``open_notebook`` waits for the status bar to read "... | Idle" *and* for the session context to report ready
with an idle kernel.
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.request

from playwright.sync_api import Locator, Page, expect

_workspaces = itertools.count()

# The notebook in the main area, its session and its kernel, as the page sees them.
_NOTEBOOK_JS = "(window.jupyterapp && window.jupyterapp.shell.currentWidget)"

_KERNEL_READY_JS = f"""() => {{
  const panel = {_NOTEBOOK_JS};
  const session = panel && panel.sessionContext;
  return !!(session && session.isReady && session.session && session.session.kernel
            && session.session.kernel.connectionStatus === 'connected'
            && session.session.kernel.status === 'idle');
}}"""

# Run All has finished when the kernel is idle and either every code cell has an execution count or a cell failed
# (Run All stops at the first error).
_RUN_STATE_JS = f"""() => {{
  const panel = {_NOTEBOOK_JS};
  const cells = Array.from(panel.content.model.cells).filter(cell => cell.type === 'code');
  const errors = [];
  cells.forEach((cell, index) => {{
    for (const output of cell.outputs.toJSON()) {{
      if (output.output_type === 'error') errors.push({{cell: index, ename: output.ename, evalue: output.evalue}});
    }}
  }});
  const executed = cells.filter(cell => cell.executionCount !== null).length;
  const idle = panel.sessionContext.session.kernel.status === 'idle';
  return {{done: idle && (executed === cells.length || errors.length > 0), executed, total: cells.length, errors}};
}}"""


def open_notebook(page: Page, lab, path: str, timeout: float = 90_000) -> None:
    """Open ``path`` (relative to the kit) in a new, empty JupyterLab workspace and wait for its kernel."""
    workspace = f"test-{next(_workspaces)}"
    page.goto(lab.url(f"/lab/workspaces/{workspace}/tree/{path}?reset"))
    page.wait_for_function(_KERNEL_READY_JS, timeout=timeout)
    expect(page.locator(".jp-StatusBar-Widget")).to_contain_text("| Idle", timeout=timeout)
    expect(page.locator(".jp-NotebookPanel:visible")).to_have_count(1)


def run_all_cells(page: Page, timeout: float = 120_000) -> dict:
    """Run -> Run All Cells from the menu bar; wait until the run ends and return its state.

    Fails with the cell and error name if a cell raised.
    """
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator('li[data-command="runmenu:run-all"]').click()
    page.wait_for_function(f"() => ({_RUN_STATE_JS})().done", timeout=timeout)
    state = page.evaluate(_RUN_STATE_JS)
    assert not state["errors"], f"cells raised errors: {json.dumps(state['errors'], indent=1)}"
    assert state["executed"] == state["total"], state
    return state


def notebook(page: Page):
    """The visible notebook panel, for locating cells, outputs and widgets."""
    return page.locator(".jp-NotebookPanel:visible")


def shut_down_kernels(lab) -> None:
    """Delete every kernel session on the server, so the next test starts from fresh kernels."""
    headers = {"Authorization": f"token {lab.token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{lab.base}/api/sessions", headers=headers), timeout=10) as r:
        sessions = json.load(r)
    for session in sessions:
        request = urllib.request.Request(f"{lab.base}/api/sessions/{session['id']}", method="DELETE", headers=headers)
        urllib.request.urlopen(request, timeout=30).close()


def run_new_cell(page: Page, code: str) -> Locator:
    """Add a code cell at the end of the notebook, type ``code`` into it, run it with Shift+Enter; returns the cell."""
    nb = notebook(page)
    nb.locator(".jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # command mode: insert a cell below and select it
    cells = nb.locator(".jp-Cell")
    expect(cells.last).to_have_class(re.compile(r"jp-mod-selected"))
    cell = cells.nth(cells.count() - 1)  # Shift+Enter on the last cell adds another one after it
    page.keyboard.press("Enter")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]:"), timeout=60_000)
    return cell


def log_in(page: Page, server) -> None:
    """Log in on the Jupyter login page with the token, as a trainer pasting it would."""
    page.goto(f"{server.base}/login")
    field = page.get_by_label("Password or token:")
    field.fill(server.token)
    field.press("Enter")
    page.wait_for_url("**/lab**")
