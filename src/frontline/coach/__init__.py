"""The reply coach: instant, transparent feedback on a trainee's written reply to a customer.

``frontline.reply_coach("reply-<task>")`` sits under a written-reply answer cell. It reads the saved reply and
shows which rubric elements it can see in the words, quoting them; it is a checklist, never a grade. The rules
are data (``data/coach/rules.yaml``); nothing is downloaded and no model is used.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from frontline.coach.checklist import Checklist, check_reply
from frontline.coach.rules import check_rules_file, default_rules_file, load_rules
from frontline.kit import KitNotFoundError
from frontline.problems import ContentError

UNAVAILABLE = ("The reply coach is not available in this notebook because its checklist cannot be read. Your reply "
               "is safe; tell your trainer, who can run the kit's content check to see what is wrong.")


def reply_coach(task_id: str, *, folder: Path | None = None):
    """The coach's widget for the written answer cell whose nbgrader grade id is ``task_id``.

    Never raises in a trainee's notebook: with broken rules it shows a plain message instead."""
    from frontline.coach.widget import ReplyCoach

    try:
        rules = load_rules()
    except (ContentError, OSError, KitNotFoundError):
        return w.HTML(f'<p role="alert">⚠ {UNAVAILABLE}</p>')
    return ReplyCoach(str(task_id), rules, folder)


__all__ = ["Checklist", "check_reply", "check_rules_file", "default_rules_file", "load_rules", "reply_coach"]
