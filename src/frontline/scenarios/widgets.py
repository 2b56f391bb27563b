"""Small helpers shared by every scenario's ipywidgets UI.

Only standard ipywidgets controls are used (they work in JupyterLab and Voila with no JavaScript build step and
are keyboard operable); every control gets a description or an accessible label, and states are spelled out in
words and symbols so nothing depends on colour.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from typing import TypeVar

import ipywidgets as w

WIDE = {"description_width": "initial"}
WRAPPING_OPTIONS = "frontline-wrapping-options"

# ipywidgets gives each radio option and checkbox label one fixed-height line, so a long reply overlaps the next
# one (radio) or is cut off (checkbox). Scenario options are whole sentences: let them wrap, in our widgets only.
_STYLE = f"""<style>
.{WRAPPING_OPTIONS} .widget-radio-box {{ height: auto; }}
.{WRAPPING_OPTIONS} .widget-radio-box label {{
  height: auto !important; white-space: normal; line-height: 1.4; padding: 2px 0 4px 0;
  /* ipywidgets puts the input after the text: reverse the row so the button stays at the left */
  display: flex; flex-direction: row-reverse; justify-content: flex-end; align-items: flex-start; gap: 0.4em;
}}
.{WRAPPING_OPTIONS} .widget-radio-box label input {{ flex: none; margin-top: 0; margin-bottom: 0; }}
.{WRAPPING_OPTIONS}.widget-checkbox {{ height: auto; }}
.{WRAPPING_OPTIONS}.widget-checkbox label {{
  height: auto !important; white-space: normal; overflow: visible; line-height: 1.4; align-items: flex-start;
}}
</style>"""
T = TypeVar("T")


def stable_shuffle(items: list[T], key: Callable[[T], str], salt: str) -> list[T]:
    """The same scrambled order every time (authors tend to write the right answer first; trainees should not be
    able to rely on that), so screenshots, tests and facilitators' instructions stay valid."""
    return sorted(items, key=lambda item: hashlib.sha256(f"{salt}:{key(item)}".encode()).hexdigest())


def markdown(text: str) -> str:
    """A small, safe Markdown subset (paragraphs, lists, **bold**, *italic*, `code`) as HTML for content text."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.splitlines()]
        if all(line.lstrip().startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append(f"<p>{_inline(' '.join(lines))}</p>")
    return "".join(blocks)


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"<em>\1</em>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def stylesheet() -> w.HTML:
    """The CSS that lets long option texts wrap; included once in every scenario's UI."""
    return w.HTML(_STYLE, layout=w.Layout(height="0px", margin="0px"))


def wrapping(control: T) -> T:
    """Mark a RadioButtons or Checkbox whose option texts are sentences, so they wrap instead of overlapping."""
    control.add_class(WRAPPING_OPTIONS)  # type: ignore[attr-defined]
    return control


def button(label: str, tooltip: str, icon: str = "", style: str = "") -> w.Button:
    return w.Button(description=label, tooltip=tooltip, icon=icon, button_style=style,
                    layout=w.Layout(width="auto"))


def meter(value: float, width: int = 20) -> str:
    """A text bar such as ``██████░░░░`` so a level reads without colour or graphics."""
    filled = max(0, min(width, round(value / 100 * width)))
    return "█" * filled + "░" * (width - filled)


def notice(text: str) -> str:
    return f'<p role="alert">⚠ {html.escape(text)}</p>' if text else ""
