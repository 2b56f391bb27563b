"""Harness for the real-browser acceptance tests: Debian's Chromium driven by Playwright.

Fixtures:

* ``browser`` (module): one Chromium per test module. When Chromium or Playwright is missing the tests are
  skipped with the reason, unless the ``CI`` environment variable is set, in which case they fail: CI must run them.
* ``page``: a fresh browser context and page per test; after the test a screenshot of every page it opened is saved
  in ``tests/artifacts/`` (git ignores it) whatever the outcome, with the pages' console log beside it.
* ``kit_folder`` (session): a private copy of the kit's content.
* ``lab`` (session): ``frontline lab`` started headless on a free port with a fixed token and a private HOME,
  stopped by its process id at the end of the run; ``lab_page`` a page with no kernel left from earlier tests.
* ``formgrader`` (module): made-up diagnosis submissions graded by ``frontline grade all``, and JupyterLab
  started from that course folder with nbgrader's formgrader.
* ``live_session`` (module): ``frontline live serve`` with the kit's diagnosis workshop plan.

Servers are shared by the whole session to keep the suite's run time modest; tests open fresh JupyterLab
workspaces and fresh kernels, so they do not see each other's state.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import (
    REPO,
    LabServer,
    LiveSession,
    ServerDidNotStart,
    copy_kit,
    formgrader_server,
    graded_course,
    lab_server,
    launch_chromium,
    live_server,
    missing_browser_reason,
)

ARTIFACTS = REPO / "tests" / "artifacts"
HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright (needs /usr/bin/chromium)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    # the page fixture reads this to name the screenshot after the outcome
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium_available() -> None:
    """Skip (or, with CI set, fail) when the browser tests cannot run here."""
    reason = missing_browser_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(chromium_available):
    # One Chromium per test module: Playwright's sync API allows one running instance at a time, so it must be
    # stopped before other test files that start their own.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:120]


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    console: list[str] = []

    def local_only(route):
        # No network in the tests: pages may only talk to the servers on this machine.
        if route.request.url.split("/")[2].split(":")[0] in ("127.0.0.1", "localhost"):
            return route.continue_()
        console.append(f"blocked: {route.request.url}")
        return route.abort()

    context.route(re.compile(r"^https?://"), local_only)
    page = context.new_page()
    context.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    context.on("weberror", lambda error: console.append(f"pageerror: {error.error}"))
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
    return copy_kit(tmp_path_factory.mktemp("kit"))


def _serve(server, *args):
    try:
        with server(*args) as running:
            yield running
    except ServerDidNotStart as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def lab(chromium_available, kit_folder, tmp_path_factory) -> Iterator[LabServer]:
    yield from _serve(lab_server, kit_folder, tmp_path_factory.mktemp("lab"))


@pytest.fixture
def lab_page(lab, page):
    """A fresh page on the shared lab server, with no kernel left over from earlier tests."""
    from lab_page import shut_down_kernels

    shut_down_kernels(lab)
    return page


@pytest.fixture(scope="module")
def live_session(chromium_available, kit_folder, tmp_path_factory) -> Iterator[LiveSession]:
    """A live session started from the kit's diagnosis workshop plan."""
    yield from _serve(live_server, kit_folder, tmp_path_factory.mktemp("live"), "data/sessions/diagnosis-workshop.yaml")


@pytest.fixture(scope="module")
def formgrader(chromium_available, kit_folder, tmp_path_factory) -> Iterator[LabServer]:
    """A course in which made-up diagnosis submissions were graded, opened in JupyterLab with the formgrader."""
    run = tmp_path_factory.mktemp("grading")
    try:
        course = graded_course(kit_folder, run)
    except ServerDidNotStart as error:
        pytest.fail(str(error), pytrace=False)
    yield from _serve(formgrader_server, course, run)

