"""Lessons: the metadata every lesson notebook carries, the text generated from it, and small chart helpers.

Notebooks import from here so that logic shared between lessons lives (and is tested) in one place.
"""

from frontline.lessons.metadata import Lesson, Section, facilitator_cells, load_lesson, load_lessons, timed_sections
from frontline.lessons.render import course_map, render_header, render_key_points, sync_all

__all__ = [
    "Lesson",
    "Section",
    "course_map",
    "facilitator_cells",
    "load_lesson",
    "load_lessons",
    "render_header",
    "render_key_points",
    "sync_all",
    "timed_sections",
]
