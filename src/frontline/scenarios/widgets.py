"""Small helpers shared by every scenario's ipywidgets UI.

Only standard ipywidgets controls are used (they work in JupyterLab and Voila with no JavaScript build step and
are keyboard operable); every control gets a description or an accessible label, and states are spelled out in
words and symbols so nothing depends on colour.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

import ipywidgets as w

WIDE = {"description_width": "initial"}
WRAPPING_OPTIONS = "frontline-wrapping-options"
SCENARIO_CLASS = "frontline-scenario"
WRAPPING_BUTTON = "frontline-wrapping-button"

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
/* A focus ring anyone can see (WCAG 2.2 focus appearance: a solid outline at least 2px thick, 3:1 contrast). */
.{SCENARIO_CLASS} :focus-visible, .{SCENARIO_CLASS} button:focus, .{SCENARIO_CLASS} select:focus,
.{SCENARIO_CLASS} input:focus {{
  outline: 3px solid #0b3d91 !important; outline-offset: 2px !important; box-shadow: 0 0 0 5px #ffffff !important;
}}
/* Text reads as text: single spacing between paragraphs, words never broken in the middle. */
.{SCENARIO_CLASS} .widget-html-content, .{SCENARIO_CLASS} .widget-html {{
  line-height: 1.45; overflow-wrap: normal; word-break: normal; hyphens: manual; white-space: normal;
}}
.{SCENARIO_CLASS} .widget-html-content p, .{SCENARIO_CLASS} .widget-html-content ul,
.{SCENARIO_CLASS} .widget-html-content ol {{ margin: 0.25em 0 0.45em 0; }}
.{SCENARIO_CLASS} .widget-html-content li {{ margin: 0.1em 0; }}
/* Buttons whose caption is a whole sentence (a question, a reply): wrap inside the button. */
.{SCENARIO_CLASS} .{WRAPPING_BUTTON} {{
  height: auto !important; min-height: var(--jp-widgets-inline-height, 28px); white-space: normal !important;
  text-align: left; line-height: 1.35; padding-top: 4px; padding-bottom: 4px;
}}
</style>"""
T = TypeVar("T")


def stable_shuffle(items: list[T], key: Callable[[T], str], salt: str) -> list[T]:
    """The same scrambled order every time (authors tend to write the right answer first; trainees should not be
    able to rely on that), so screenshots, tests and facilitators' instructions stay valid."""
    return sorted(items, key=lambda item: hashlib.sha256(f"{salt}:{key(item)}".encode()).hexdigest())


_BULLET = re.compile(r"^\s*[-*]\s+")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")


def markdown(text: str) -> str:
    """A small, safe Markdown subset (paragraphs, bulleted and numbered lists, **bold**, *italic*, `code`) as
    HTML for content text. A list may follow a paragraph line directly (``Steps:`` then ``1. ...``)."""
    html_blocks: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        html_blocks += _block(block)
    return "".join(html_blocks)


def _block(block: str) -> list[str]:
    """One blank-line-separated block as HTML: runs of paragraph lines, bulleted items and numbered items."""
    runs: list[tuple[str, list[str]]] = []  # ("p" | "ul" | "ol", lines)
    for line in (raw.rstrip() for raw in block.splitlines()):
        kind = "ul" if _BULLET.match(line) else "ol" if _NUMBERED.match(line) else ""
        if kind:
            item = (_BULLET if kind == "ul" else _NUMBERED).sub("", line, count=1)
            if runs and runs[-1][0] == kind:
                runs[-1][1].append(item)
            else:
                runs.append((kind, [item]))
        elif runs and runs[-1][0] != "p" and line.startswith(("  ", "\t")):
            runs[-1][1][-1] += " " + line.strip()  # a list item continued on the next line
        elif runs and runs[-1][0] == "p":
            runs[-1][1].append(line.strip())
        else:
            runs.append(("p", [line.strip()]))
    return [f"<p>{_inline(' '.join(lines))}</p>" if kind == "p"
            else f"<{kind}>" + "".join(f"<li>{_inline(i)}</li>" for i in lines) + f"</{kind}>"
            for kind, lines in runs]


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"<em>\1</em>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def focus_keeper(root: w.Widget, pressed: w.Widget) -> Callable[[], None]:
    """Called before ``pressed`` acts; the function it returns, called after, keeps the keyboard in the widget.

    If ``pressed`` is still there and enabled it keeps the focus. If it was disabled, the next enabled control
    after it takes it. If it was replaced (a new set of replies), the first enabled control of the box that held
    it does, else the control now at its place.
    """
    before = list(_controls(root))
    place = before.index(pressed) if pressed in before else 0
    box = _parent_box(root, pressed)

    def restore() -> None:
        controls = list(_controls(root))
        if pressed in controls:
            if not pressed.disabled:
                return
            candidates = controls[controls.index(pressed) + 1:] + controls
        else:
            siblings = list(_controls(box)) if box is not None and box in _boxes(root) else []
            candidates = siblings + controls[place:] + controls
        for control in candidates:
            if not getattr(control, "disabled", False):
                control.focus()
                return

    return restore


def _boxes(widget: w.Widget) -> Iterator[w.Box]:
    if isinstance(widget, w.Box):
        yield widget
        for child in widget.children:
            yield from _boxes(child)


def _parent_box(root: w.Widget, child: w.Widget) -> w.Box | None:
    return next((box for box in _boxes(root) if child in box.children), None)


def _controls(widget: w.Widget) -> Iterator[w.Widget]:
    if isinstance(widget, w.Box):
        if widget.layout.display == "none":
            return
        for child in widget.children:
            yield from _controls(child)
    elif isinstance(widget, (w.Button, w.ValueWidget)) and not isinstance(widget, _NOT_FOCUSABLE) \
            and widget.layout.display != "none":
        yield widget


_NOT_FOCUSABLE = (w.HTML, w.HTMLMath, w.Label, w.IntProgress, w.FloatProgress)


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


def sentence_button(label: str, tooltip: str) -> w.Button:
    """A button whose caption is a whole sentence (the question or reply itself, so it is also the button's
    accessible name); it wraps instead of being cut off."""
    control = w.Button(description=label, tooltip=tooltip, layout=w.Layout(width="auto", max_width="100%"))
    control.add_class(WRAPPING_BUTTON)
    return control


def meter(value: float, width: int = 20) -> str:
    """A text bar such as ``██████░░░░`` so a level reads without colour or graphics."""
    filled = max(0, min(width, round(value / 100 * width)))
    return "█" * filled + "░" * (width - filled)


def notice(text: str) -> str:
    return f'<p role="alert">⚠ {html.escape(text)}</p>' if text else ""
