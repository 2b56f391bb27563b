"""A scenario widget as the trainee sees it in a page (JupyterLab or Voila): its buttons, choices and feedback.

Locates controls by their visible labels, as a keyboard or screen-reader user would, so a control that loses its
label fails the tests.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect


def _label(text: str) -> re.Pattern:
    """A button's exact label; a button with an icon has the icon's glyph before the words in its accessible name."""
    return re.compile(rf"^\W*{re.escape(text)}\s*$")


class ScenarioWidget:
    def __init__(self, root: Locator):
        self.root = root

    @classmethod
    def first_in(cls, page_or_area: Page | Locator) -> ScenarioWidget:
        """The first rendered scenario widget (an output holding a Submit and a Hint button)."""
        outputs = page_or_area.locator(".jp-OutputArea-output")
        widget = outputs.filter(has=page_or_area.get_by_role("button", name=_label("Submit"))).first
        expect(widget).to_be_visible(timeout=60_000)
        return cls(widget)

    def button(self, name: str | re.Pattern) -> Locator:
        return self.root.get_by_role("button", name=_label(name) if isinstance(name, str) else name)

    @property
    def title(self) -> Locator:
        return self.root.locator("h3").first

    @property
    def feedback(self) -> Locator:
        return self.root.get_by_role("status")

    @property
    def hints(self) -> Locator:
        return self.root.locator("p", has_text=re.compile(r"Hint \d+ of \d+:"))

    def ask_hint(self) -> Locator:
        """Press the hint button; returns the hint paragraphs now shown."""
        shown = self.hints.count()
        self.button(re.compile(r"^\W*(Hint|Next hint)")).click()
        expect(self.hints).to_have_count(shown + 1)
        return self.hints

    def choose(self, index: int = 0) -> str:
        """Pick a choice (radio button) by position; returns its label."""
        radio = self.root.get_by_role("radio").nth(index)
        radio.check()
        label = radio.locator("xpath=..").inner_text().strip()
        return label

    def submit(self) -> Locator:
        self.button("Submit").click()
        expect(self.feedback).to_contain_text(re.compile(r"[✔◐✘]"))
        return self.feedback
