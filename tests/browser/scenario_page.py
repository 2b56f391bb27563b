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
        page = page_or_area if isinstance(page_or_area, Page) else page_or_area.page
        outputs = page_or_area.locator(".jp-OutputArea-output")
        # a `has=` locator is matched inside each output, so it must start from the page, not from the area
        widget = outputs.filter(has=page.get_by_role("button", name=_label("Submit"))).first
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

    def choose(self, text: str) -> str:
        """Pick the choice (radio button) whose label contains ``text``; returns the whole label."""
        radio = self.root.get_by_role("radio", name=text)
        expect(radio).to_have_count(1)
        label = radio.locator("xpath=..")
        label.click()  # the label holds the input; a long label that wraps would cover the input itself
        expect(radio).to_be_checked()
        return label.inner_text().strip()

    def tick(self, text: str) -> None:
        """Tick the checkbox whose label contains ``text`` (scenarios where several options may apply)."""
        box = self.root.get_by_role("checkbox", name=text)
        expect(box).to_have_count(1)
        box.check()

    # ipywidgets writes the options of a dropdown with non-breaking spaces
    _OPTION_TEXTS = "s => Array.from(s.options).map(o => o.text.replace(/\\u00a0/g, ' '))"

    @property
    def persona_select(self) -> Locator:
        return self.root.get_by_label("Customer persona")

    def persona(self) -> str:
        """The name of the customer persona the scenario is played against."""
        index = self.persona_select.evaluate("s => s.selectedIndex")
        return self.persona_select.evaluate(self._OPTION_TEXTS)[index]

    def set_persona(self, name: str, mid_attempt: bool = False) -> None:
        """Choose another persona; ``mid_attempt``: the widget asks first, and the switch is confirmed."""
        names = self.persona_select.evaluate(self._OPTION_TEXTS)
        self.persona_select.select_option(index=names.index(name))
        if mid_attempt:
            expect(self.root.get_by_role("alert")).to_contain_text("starts this conversation again")
            switch = self.button("Switch and start again")
            expect(switch).to_be_focused()  # the question takes the keyboard, so Enter answers it
            switch.press("Enter")
            expect(self.persona_select).to_be_focused()

    def submit(self) -> Locator:
        self.button("Submit").click()
        expect(self.feedback).to_contain_text(re.compile(r"[✔◐✘]"))
        return self.feedback
