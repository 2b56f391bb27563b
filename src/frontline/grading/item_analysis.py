"""Item analysis: how each graded cell of an assignment behaved across the class.

Only submissions that were handed in count, and a written answer counts once it has been graded by hand (before
that it has no score, which is not the same as 0). For each cell: the number of scored submissions, the mean
score, the share with full marks, two measures of discrimination (how well the cell separates strong from weak
submissions) and the most common failure messages of its tests.

* ``item_rest_correlation``: Pearson correlation of the cell's score with the rest of the total (the total minus
  this cell), i.e. a corrected point-biserial for right/wrong cells; empty when either does not vary.
* ``upper_lower_difference``: mean share of the cell's points in the top 27% of submissions by total minus the
  same in the bottom 27% (from -1 to 1; above about 0.3 separates well).
"""

from __future__ import annotations

import csv
import html
import math
from collections import Counter
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import nbformat

from frontline.grading.course import Course
from frontline.grading.preprocessors import error_message


@dataclass
class Item:
    cell: str
    kind: str
    max_points: float
    submissions: int
    mean_score: float
    full_marks_share: float
    item_rest_correlation: float | None
    upper_lower_difference: float | None
    common_failures: str


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def failure_messages(course: Course, assignment: str, students: list[str]) -> dict[str, Counter]:
    messages: dict[str, Counter] = {}
    for student in students:
        for path in sorted(course.folder("autograded", student, assignment).glob("*.ipynb")):
            try:
                notebook = nbformat.read(path, as_version=4)
            except Exception:
                continue
            for cell in notebook.cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if not meta.get("grade") or meta.get("solution"):
                    continue
                errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                if errors:
                    messages.setdefault(meta["grade_id"], Counter())[error_message(errors[-1])] += 1
    return messages


def _handed_in(course: Course, assignment: str, student: str) -> bool:
    folder = course.folder("submitted", student, assignment)
    return any((folder / f"{name}.ipynb").exists() for name in course.notebook_names(assignment))


def analyse(course: Course, assignment: str) -> list[Item]:
    """Per cell, over the submissions that were handed in; a written answer not yet graded by hand is left out
    of that cell's figures (it has no score yet), not counted as 0."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        assignment_row = gb.find_assignment(assignment)
        manual = {c.name for nb in assignment_row.notebooks for c in nb.solution_cells}
        cells = [(cell.name, cell.max_score, "manual" if cell.name in manual else "auto")
                 for nb in assignment_row.notebooks for cell in nb.grade_cells]
        scores: dict[str, dict[str, float]] = {}
        for submission in assignment_row.submissions:
            student = submission.student.id
            if not _handed_in(course, assignment, student):
                continue  # nothing handed in: no evidence about any question
            scores[student] = {g.name: float(g.score or 0) for nb in submission.notebooks for g in nb.grades
                               if not (g.needs_manual_grade and g.manual_score is None)}
    students = sorted(scores)
    totals = {s: sum(scores[s].values()) for s in students}
    messages = failure_messages(course, assignment, students)
    items = []
    for name, max_points, kind in cells:
        scored = [s for s in students if name in scores[s]]
        values = [scores[s][name] for s in scored]
        rests = [totals[s] - scores[s][name] for s in scored]
        ranked = sorted(scored, key=lambda s: totals[s])
        k = max(1, math.ceil(0.27 * len(ranked))) if ranked else 0
        bottom, top = ranked[:k], ranked[-k:]
        n = len(values)
        upper_lower = None
        if n >= 2 and max_points:
            top_share = sum(scores[s][name] for s in top) / (len(top) * max_points)
            bottom_share = sum(scores[s][name] for s in bottom) / (len(bottom) * max_points)
            upper_lower = round(top_share - bottom_share, 3)
        correlation = _pearson(values, rests)
        failures = "; ".join(f"{count}× {text}" for text, count in messages.get(name, Counter()).most_common(3))
        items.append(Item(name, kind, float(max_points), n, round(sum(values) / n, 3) if n else 0.0,
                          round(sum(v >= max_points for v in values) / n, 3) if n else 0.0,
                          round(correlation, 3) if correlation is not None else None, upper_lower, failures))
    return items


def _fmt(value) -> str:
    return "n/a" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def write_reports(course: Course, assignment: str, items: list[Item]) -> tuple[Path, Path, Path]:
    folder = course.reports / assignment
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, text_path, html_path = (folder / f"item_analysis.{ext}" for ext in ("csv", "txt", "html"))
    names = [f.name for f in fields(Item)]
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, names, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in asdict(item).items()} for item in items)
    n = max((item.submissions for item in items), default=0)
    lines = [f"Item analysis: {assignment} ({n} submissions handed in; written answers count once graded)", "",
             "mean = mean points; full = share with full marks; r(rest) = correlation with the rest of the total;",
             "top-bottom = share of points in the top 27% minus the bottom 27% (above ~0.3 separates well).", ""]
    for item in items:
        flag = ""
        poor = item.upper_lower_difference is not None and item.upper_lower_difference < 0.1
        if poor and 0 < item.full_marks_share < 1:
            flag = "  ⚠ separates poorly: check the question and its tests"
        lines.append(f"{item.cell} ({item.kind}, {item.max_points:g} pts): mean {item.mean_score:g}, "
                     f"full {item.full_marks_share:.0%}, r(rest) {_fmt(item.item_rest_correlation)}, "
                     f"top-bottom {_fmt(item.upper_lower_difference)}{flag}")
        if item.common_failures:
            lines.append(f"    common failures: {item.common_failures}")
    text_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    header = "".join(f"<th scope='col'>{html.escape(name)}</th>" for name in names)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(getattr(item, name)))}</td>" for name in names) + "</tr>"
                   for item in items)
    html_path.write_text(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Item analysis: {html.escape(assignment)}"
        f"</title></head><body><h1>Item analysis: {html.escape(assignment)}</h1><p>{n} submissions. "
        f"{html.escape(lines[2])} {html.escape(lines[3])}</p><table><thead><tr>{header}</tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>\n", encoding="utf-8")
    return csv_path, text_path, html_path
