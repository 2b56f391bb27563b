"""The reply coach's widget: check the saved reply (or pasted text) and show the checklist.

Standard ipywidgets only (keyboard operable in JupyterLab and Voila); every control has a visible label or
description, and the checklist is announced through a status region in words and symbols.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w

from frontline.coach.checklist import Checklist, check_reply, is_blank
from frontline.coach.render import NOT_A_GRADE, checklist_html
from frontline.coach.rules import Rules
from frontline.coach.saved import read_saved_reply

SAVE_FIRST = ("Write your reply in the answer box above. Then save the notebook (press Ctrl+S, or Cmd+S on a Mac, "
              "or choose File, Save Notebook) and press “Check my saved reply”. The coach reads the saved copy, "
              "so save again after every change.")
NOT_FOUND = ("The coach could not find your saved notebook next to this one, so it cannot read your reply by "
             "itself. Paste your reply into the box below and press “Check this text”.")
BLANK_SAVED = ("The saved copy of your notebook has no reply yet. If you have written one, save the notebook "
               "(Ctrl+S, or Cmd+S on a Mac) and press “Check my saved reply” again.")
BLANK_PASTED = "The box is empty. Paste or type your reply into it, then press “Check this text”."


def _status(inner: str) -> str:
    return f'<div role="status" aria-live="polite">{inner}</div>'


class ReplyCoach(w.VBox):
    """A checklist for one written reply, identified by its answer cell's grade id."""

    def __init__(self, grade_id: str, rules: Rules, folder: Path | None = None):
        self.grade_id = grade_id
        self.rules = rules
        self.folder = folder
        self.checklist: Checklist | None = None
        self.message = ""
        self.notebook_found = read_saved_reply(grade_id, folder) is not None

        self.intro = w.HTML(f"<h4>Reply coach</h4><p>{html.escape(NOT_A_GRADE)}</p>"
                            f"<p>{html.escape(SAVE_FIRST if self.notebook_found else NOT_FOUND)}</p>")
        self.check_saved_button = w.Button(description="Check my saved reply", icon="check",
                                           tooltip="Read the reply saved in this notebook and show the checklist",
                                           layout=w.Layout(width="auto"))
        self.paste_button = w.Button(description="Paste my reply instead", icon="paste",
                                     tooltip="Show a box to paste the reply into", layout=w.Layout(width="auto"))
        # The box sends its text when it loses focus, not per key: per-key updates queue behind each other, so a
        # quick Tab and Enter could check the text as it stood a few keys earlier.
        self.text_box = w.Textarea(description="Your reply:", placeholder="Paste or type your reply here",
                                   continuous_update=False, style={"description_width": "initial"},
                                   layout=w.Layout(width="100%", height="8em"))
        self.check_text_button = w.Button(description="Check this text", icon="check",
                                          tooltip="Show the checklist for the text in the box",
                                          layout=w.Layout(width="auto"))
        self.output = w.HTML(_status(""))
        self.paste_area = w.VBox([self.text_box, w.HBox([self.check_text_button])])

        self.check_saved_button.on_click(lambda _: self.check_saved())
        self.paste_button.on_click(lambda _: self.show_paste_box())
        self.check_text_button.on_click(lambda _: self.check_text(self.text_box.value))

        # Without a saved notebook to read, the text box is the only way in, so it is shown from the start.
        buttons = [self.check_saved_button, self.paste_button] if self.notebook_found else []
        self.paste_area.layout.display = "none" if self.notebook_found else None
        super().__init__([self.intro, w.HBox(buttons), self.paste_area, self.output])

    @property
    def paste_box_shown(self) -> bool:
        return self.paste_area.layout.display != "none"

    def show_paste_box(self) -> None:
        self.paste_area.layout.display = None

    def _show(self, checklist: Checklist | None, message: str = "") -> None:
        self.checklist = checklist
        self.message = message
        body = f"<p>{html.escape(message)}</p>" if message else ""
        if checklist is not None:
            body += checklist_html(checklist)
        self.output.value = _status(body)

    def check_saved(self) -> Checklist | None:
        """Read the saved reply and show its checklist (or say what to do when there is none)."""
        saved = read_saved_reply(self.grade_id, self.folder)
        if saved is None:
            self.show_paste_box()
            self._show(None, NOT_FOUND)
            return None
        if is_blank(saved.text):
            self._show(None, BLANK_SAVED)
            return None
        self._show(check_reply(saved.text, self.rules))
        return self.checklist

    def check_text(self, text: str) -> Checklist | None:
        """Show the checklist for pasted text."""
        if is_blank(text):
            self._show(None, BLANK_PASTED)
            return None
        self._show(check_reply(text, self.rules))
        return self.checklist
