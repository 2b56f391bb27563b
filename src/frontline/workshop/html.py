"""Printable HTML for the role-play cards: one card per printed page (a print stylesheet), content escaped."""

from __future__ import annotations

import html
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from frontline.workshop.cards import CardSet

TEMPLATES = Path(__file__).parent / "templates"


def inline_markdown(text: str) -> Markup:
    """Scenario text is Markdown: escape it, then turn **bold** and *italic* into HTML."""
    escaped = html.escape(str(text), quote=False)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    escaped = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"<em>\1</em>", escaped)
    return Markup(escaped)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["md"] = inline_markdown
    env.filters["slug"] = _slug
    return env


def render_cards(sets: list[CardSet], title: str = "Frontline role-play cards") -> str:
    return _environment().get_template("cards.html").render(sets=sets, title=title)
