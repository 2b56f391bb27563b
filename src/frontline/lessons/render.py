"""Text generated from lesson metadata: the header and key-points cells of each notebook and the README course map.

Generated cells start with a marker comment; ``frontline lessons sync`` rewrites them from the metadata and
``frontline check`` reports any that differ, so what the reader sees cannot drift from what tools read.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from frontline.lessons.metadata import Lesson, cell_source, lesson_metadata, lesson_notebooks, load_lessons

HEADER_MARK = "<!-- frontline:header (generated from the notebook metadata; run `frontline lessons sync`) -->"
KEY_POINTS_MARK = "<!-- frontline:key-points (generated from the notebook metadata; run `frontline lessons sync`) -->"
COURSE_MAP_START = "<!-- course-map -->"
COURSE_MAP_END = "<!-- /course-map -->"


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _exercises(lesson: Lesson) -> str:
    """Both tracks' exercises with their minutes: the front-line one for everyone, the analyst one (typed code)."""
    parts = []
    if lesson.front_line_exercise:
        parts.append(f"front-line `{lesson.front_line_exercise}` ({lesson.front_line_minutes} min, no code)")
    if lesson.exercise:
        parts.append(f"analyst track `{lesson.exercise}` ({lesson.exercise_minutes} min, for team leaders and "
                     "analysts who work with data)")
    return "; ".join(parts) or "none"


def render_header(lesson: Lesson) -> str:
    """The lesson's opening markdown cell."""
    before = ", ".join(f"[Lesson {int(p[:2])}]({p}.ipynb)" for p in lesson.prerequisites) or "nothing"
    return "\n".join([
        HEADER_MARK,
        f"# Lesson {lesson.number}: {lesson.title}",
        "",
        f"**Time:** {lesson.teaching_minutes} min lesson · **Take first:** {before} · **Graded exercises:** "
        f"{_exercises(lesson)}",
        "",
        "**Questions this lesson answers**",
        "",
        _bullets(lesson.questions),
        "",
        "**By the end you will be able to**",
        "",
        _bullets(lesson.objectives),
    ])


def render_key_points(lesson: Lesson) -> str:
    """The lesson's closing markdown cell: key points and where to practise next."""
    if lesson.front_line_exercise or lesson.exercise:
        nxt = (f"**Graded exercises:** {_exercises(lesson)}. Fetch yours in the *Assignments* panel "
               "(*Nbgrader → Assignments*), work in it, then **Submit**.")
    else:
        nxt = "**Graded exercise:** none for this lesson."
    return "\n".join([KEY_POINTS_MARK, "## Key points", "", _bullets(lesson.key_points), "", nxt])


GENERATED = ((HEADER_MARK, render_header), (KEY_POINTS_MARK, render_key_points))


def stale_cells(nb: dict, lesson: Lesson) -> list[tuple[str, int | None]]:
    """Generated cells that are missing or differ from the metadata: (marker, cell index or None)."""
    stale = []
    for mark, render in GENERATED:
        indexes = [i for i, c in enumerate(nb["cells"]) if cell_source(c).startswith(mark)]
        if not indexes:
            stale.append((mark, None))
        elif any(cell_source(nb["cells"][i]) != render(lesson) for i in indexes):
            stale.append((mark, indexes[0]))
    return stale


def sync_notebook(path: Path, lesson: Lesson) -> bool:
    """Rewrite the generated cells of one notebook from its metadata; True when the file changed.

    A missing header is inserted as the first cell and missing key points as the last markdown cell.
    """
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    if not stale_cells(nb, lesson):
        return False
    for mark, render in GENERATED:
        text = render(lesson)
        cells = [c for c in nb.cells if cell_source(c).startswith(mark)]
        if cells:
            for cell in cells:
                cell.source = text
        elif mark == HEADER_MARK:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(text, id=f"{lesson.id[:40]}-header"))
        else:
            nb.cells.append(nbformat.v4.new_markdown_cell(text, id=f"{lesson.id[:40]}-key-points"))
    nbformat.write(nb, path)
    return True


def course_map(lessons: list[Lesson]) -> str:
    """The README course map: one row per lesson, with minutes and both tracks' exercises."""
    rows = [
        "| # | Lesson | Lesson minutes | What it teaches | Front-line exercise (minutes) "
        "| Analyst exercise (minutes) |",
        "|---|---|---|---|---|---|",
    ]
    for lesson in lessons:
        link = f"[{lesson.title}](notebooks/{lesson.path.name})"
        teaches = "<br>".join(lesson.questions)
        front = f"`{lesson.front_line_exercise}` ({lesson.front_line_minutes})" if lesson.front_line_exercise else "—"
        analyst = f"`{lesson.exercise}` ({lesson.exercise_minutes})" if lesson.exercise else "—"
        rows.append(f"| {lesson.number} | {link} | {lesson.teaching_minutes} | {teaches} | {front} | {analyst} |")
    teaching = sum(lesson.teaching_minutes for lesson in lessons)
    front_line = sum(lesson.front_line_minutes for lesson in lessons)
    analyst = sum(lesson.exercise_minutes for lesson in lessons)

    def hours(minutes: int) -> str:
        return f"{minutes // 60} h {minutes % 60:02d} min"

    return "\n".join([
        "Generated from the lesson notebooks' metadata by `frontline lessons sync`; do not edit by hand.",
        "",
        *rows,
        "",
        f"In all: {teaching} minutes of lessons, {front_line} minutes of front-line exercises (clicks and written "
        f"replies, no code) and {analyst} minutes of analyst exercises (typed code). The front-line track (lessons "
        f"and front-line exercises) takes {hours(teaching + front_line)}; the analyst track (lessons and analyst "
        f"exercises) takes {hours(teaching + analyst)}.",
    ])


def replace_course_map(readme_text: str, new_map: str, readme: Path | str = "README.md") -> str:
    """README text with the block between the course-map markers replaced."""
    start, end = readme_text.find(COURSE_MAP_START), readme_text.find(COURSE_MAP_END)
    if start < 0 or end < start:
        from frontline.problems import ContentError, Problem

        raise ContentError([Problem(readme, f"the markers {COURSE_MAP_START} and {COURSE_MAP_END} are missing")])
    return readme_text[: start + len(COURSE_MAP_START)] + "\n" + new_map + "\n" + readme_text[end:]


def sync_all(root: Path, write: bool) -> list[Path]:
    """Bring every generated cell and the README course map up to date; return the files that were (or would be)
    changed. With ``write=False`` nothing is written."""
    notebooks = root / "notebooks"
    lessons = load_lessons(notebooks)
    changed: list[Path] = []
    for lesson in lessons:
        nb = nbformat.read(lesson.path, as_version=nbformat.NO_CONVERT)
        if lesson_metadata(nb) is not None and stale_cells(nb, lesson):
            changed.append(lesson.path)
            if write:
                sync_notebook(lesson.path, lesson)
    readme = root / "README.md"
    text = readme.read_text("utf-8")
    updated = replace_course_map(text, course_map(lessons), readme)
    if updated != text:
        changed.append(readme)
        if write:
            readme.write_text(updated, "utf-8")
    return changed


__all__ = [
    "COURSE_MAP_END",
    "COURSE_MAP_START",
    "HEADER_MARK",
    "KEY_POINTS_MARK",
    "course_map",
    "lesson_notebooks",
    "render_header",
    "render_key_points",
    "replace_course_map",
    "stale_cells",
    "sync_all",
    "sync_notebook",
]
