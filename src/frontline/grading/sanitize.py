"""Trainee content made safe to show a grader: :class:`SanitizeTraineeContent` (autograde, after
IsolatedExecute) keeps formatting and takes out whatever could run script in the formgrader."""

from __future__ import annotations

import re

import bleach
from nbgrader.preprocessors import NbGraderPreprocessor

from frontline.grading.preprocessors import _grade_id, finding_output

# What a trainee's cells may show a grader: the formgrader renders answers and outputs as HTML on the hub's own
# origin, signed in as the grader, so anything that can run script is taken out before it gets there.
SCRIPT_MIMES = ("application/javascript", "text/javascript", "application/x-javascript", "application/ecmascript")
SAFE_TAGS = frozenset(bleach.ALLOWED_TAGS | {
    "p", "br", "hr", "div", "span", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "sub", "sup", "u", "s", "del",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "img", "details", "summary", "figure",
    "figcaption", "kbd", "mark", "small"})
# Tags that can run script, load something or take input: written as text when a trainee's answer holds them, and
# reported. Any other unknown tag is a trainee's placeholder ("Dear <customer name>"): written as text, unreported.
ACTIVE_TAGS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
    "textarea", "select", "link", "meta", "base", "svg", "math", "template", "noscript", "audio", "video",
    "source", "portal", "xmp", "noembed", "noframes", "plaintext", "html", "head", "body"})
UNKNOWN_TAG = re.compile(r"<(/?\s*)([A-Za-z][\w:.@+-]*)")
SAFE_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "acronym": ["title"], "img": ["src", "alt", "title"],
                   "th": ["colspan", "rowspan", "scope"], "td": ["colspan", "rowspan"], "table": ["border"],
                   "*": ["role", "aria-label", "lang", "dir"]}
SAFE_PROTOCOLS = frozenset({*bleach.ALLOWED_PROTOCOLS, "data"})


def _safe_attribute(tag: str, name: str, value: str) -> bool:
    """``SAFE_ATTRIBUTES``, with a ``data:`` address only as an image's picture (a chart the lessons draw)."""
    if value.strip().lower().startswith("data:") and not (tag == "img" and name == "src"
                                                          and value.strip().lower().startswith("data:image/")):
        return False
    return name in SAFE_ATTRIBUTES.get(tag, ()) or name in SAFE_ATTRIBUTES["*"]


SVG_TAGS = frozenset({"svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
                      "tspan", "defs", "clipPath", "title", "desc"})
SVG_ATTRIBUTES = {"*": ["width", "height", "viewBox", "version", "xmlns", "d", "x", "y", "x1", "x2", "y1", "y2",
                        "cx", "cy", "r", "rx", "ry", "points", "fill", "stroke", "stroke-width", "opacity",
                        "transform", "font-size", "font-family", "text-anchor", "clip-path", "id"]}
# the content of these is never shown either (a stripped <style> would otherwise leave its rules as text)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
STYLE = re.compile(r"<style\b.*?(?:</style\s*>|\Z)", re.IGNORECASE | re.DOTALL)
PRESENTATION = ("style", "class")  # taken out too (they could restyle the grader's page), but run no script
TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w:-]*)")
SCHEME = re.compile(r"([A-Za-z][\w+.-]*):")


def safe_html(text: str, tags=SAFE_TAGS, attributes=_safe_attribute) -> str:
    """``text`` with only formatting kept: no script, event handler, style, frame, form or javascript: link."""
    return bleach.clean(SCRIPT_OR_STYLE.sub("", text), tags=tags, attributes=attributes, protocols=SAFE_PROTOCOLS,
                        strip=True, strip_comments=True)


def _took_out(text: str, cleaned: str, styling: bool = False) -> bool:
    """Did cleaning take out anything that could run script (or, with ``styling``, restyle the page)? ``text`` as
    the same parser writes it with everything else allowed is compared with ``cleaned``, so quotes added, a ``<``
    written as ``&lt;`` and comments do not count, nor, without ``styling``, a table's styling (as every pandas
    table has)."""
    # the safe tags are allowed too: the parser adds some the text never wrote (a table's <tbody>)
    everything = bleach.clean(text if styling else STYLE.sub("", text), tags={*TAG_NAME.findall(text), *SAFE_TAGS},
                              attributes=lambda tag, name, value: styling or name not in PRESENTATION,
                              protocols={*SCHEME.findall(text), *SAFE_PROTOCOLS}, strip=False,
                              strip_comments=True)
    return everything != cleaned


def unknown_tags_as_text(text: str) -> tuple[str, set[str]]:
    """``text`` with the ``<`` of every tag outside ``SAFE_TAGS`` written as ``&lt;``, so it shows as typed; and
    the active ones among them (``ACTIVE_TAGS``).

    Only that one character changes, so the rest of the markdown (a ``>`` quote, ``**bold**``) stays as written.
    """
    active: set[str] = set()

    def escape(match: re.Match) -> str:
        name = match.group(2).lower()
        if name in SAFE_TAGS:
            return match.group(0)
        if name.rstrip(":") in ACTIVE_TAGS:
            active.add(name)
        return "&lt;" + match.group(0)[1:]

    return UNKNOWN_TAG.sub(escape, text), active


class SanitizeTraineeContent(NbGraderPreprocessor):
    """Script-capable content out of every cell a trainee wrote, before the formgrader shows it to a grader.

    ``text/html`` and ``text/markdown`` outputs keep their formatting (:func:`safe_html`), SVG outputs their shapes
    and text; JavaScript outputs are removed. In a markdown cell, a tag the formgrader would not show (a trainee's
    "<customer name>") is written as text; the cell is replaced by its cleaned text only when it holds something
    that could run script or restyle the page (the cleaned text writes a markdown ``>`` as ``&gt;``). Each removal
    is a finding in the integrity report, named by the cell. Mark schemes, added later, come from the kit.
    """

    def preprocess(self, nb, resources):
        notes: list[tuple[int, str]] = []
        for index, cell in enumerate(nb.cells):
            where = _grade_id(cell) or f"cell {index + 1}"
            if cell.cell_type in ("markdown", "raw"):
                as_text, active = unknown_tags_as_text(cell.source)
                cleaned = safe_html(as_text)
                if active or _took_out(as_text, cleaned, styling=True):
                    cell.source = cleaned
                    notes.append((index, f"{where} (a written answer or text cell) held HTML that could run in "
                                         "or restyle the grader's page"))
                else:
                    cell.source = as_text  # placeholders such as <customer name> show as typed
                continue
            removed = set()
            for output in cell.get("outputs", []):
                data = output.get("data") or {}
                for mime in list(data):
                    text = "".join(data[mime]) if isinstance(data[mime], list) else data[mime]
                    if mime in SCRIPT_MIMES:
                        del data[mime]
                        removed.add("a script output")
                    elif mime in ("text/html", "text/markdown", "image/svg+xml") and isinstance(text, str):
                        svg = mime == "image/svg+xml"
                        data[mime] = cleaned = safe_html(text, *((SVG_TAGS, SVG_ATTRIBUTES) if svg else ()))
                        if _took_out(text, cleaned):
                            removed.add("a drawing (SVG) that could run script" if svg
                                        else "HTML that could run script")
                if "data" in output and not data:
                    data["text/plain"] = "[output removed: it could run script in the grader's browser]"
            if removed:
                notes.append((index, f"{where} displayed {' and '.join(sorted(removed))}"))
        code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        for index, problem in notes:
            # the report reads findings from code cells: the note goes to the cell itself or the nearest before it
            holder = max((i for i in code if i <= index), default=code[0] if code else None)
            if holder is not None:
                nb.cells[holder].outputs.append(finding_output(problem, "removed before the formgrader shows it"))
        return nb, resources
