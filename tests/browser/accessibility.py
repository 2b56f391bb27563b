"""The axe-core accessibility audit, injected into a page through Playwright.

axe-core comes from the npm registry (``.ci/run`` installs the pinned version into ``tests/browser/.axe``, which git
ignores; ``FRONTLINE_AXE`` may point at another ``axe.min.js``). Without it the audit is skipped, unless ``CI`` is
set, in which case it fails: CI must run it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

AXE_VERSION = "4.14.1"
AXE_JS = Path(os.environ.get("FRONTLINE_AXE") or
              Path(__file__).parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js")
BLOCKING = ("serious", "critical")


def require_axe() -> Path:
    if AXE_JS.is_file():
        return AXE_JS
    reason = (f"axe-core not found at {AXE_JS}: npm install --prefix tests/browser/.axe axe-core@{AXE_VERSION} "
              "(.ci/run does this)")
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def audit(page, include: str | None = None) -> list[dict]:
    """Run axe-core (WCAG 2.0-2.2 A and AA rules) on the page, or on the elements matching ``include``; return the
    serious and critical violations, each with the elements it found."""
    page.add_script_tag(path=str(require_axe()))
    context = json.dumps({"include": [[include or "html"]]})
    result = page.evaluate(
        """async ([context]) => await axe.run(context, {
               runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
               resultTypes: ['violations']})""", [json.loads(context)])
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [node["target"] for node in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in BLOCKING]


def assert_no_serious_findings(page, include: str | None = None) -> None:
    findings = audit(page, include)
    assert not findings, "axe-core found serious or critical problems:\n" + json.dumps(findings, indent=1)
