"""Pre/post knowledge check report (Kirkpatrick level 2: learning), computed from nbgrader's gradebook.

Trainees take ``knowledge_pre`` before the course and ``knowledge_post`` after it. Each graded cell's id is an
item id of ``data/knowledge/items.yaml`` (``id``, ``objective``, ``form: pre|post``, optional ``points``); pre and
post ask different items about the same objectives. For each cohort (from a roster's ``cohort`` column; one cohort
without a roster) and each objective, over the trainees who took both (*matched*):

* mean pre and mean post, as shares of the objective's points (0 to 1);
* Hake's normalised gain on class means, ``<g> = (post - pre) / (1 - pre)``: the share of the possible improvement
  the class achieved;
* the mean of individual gains ``g_i = (post_i - pre_i) / (1 - pre_i)`` (trainees with full marks before have no
  room to gain and are left out of this mean, and counted);
* a percentile bootstrap interval for both (trainees resampled with replacement, fixed seed).

Trainees who took only one of the two, or whose check is not graded yet, are listed, never silently dropped.
"""

from __future__ import annotations

import csv
import html
import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from frontline.problems import ContentError, Problem

PRE, POST = "knowledge_pre", "knowledge_post"
ALL_OBJECTIVES = "all objectives"
ALL_COHORTS = "all"
DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20070101
ITEMS_RELATIVE = Path("data") / "knowledge" / "items.yaml"


@dataclass(frozen=True)
class Item:
    id: str
    objective: str
    form: str
    points: float | None


def objective_key(value: Any) -> str:
    """An objective as written in the items file: a name, or ``{lesson, index}`` (the index-th objective)."""
    if isinstance(value, dict) and "lesson" in value:
        return f"{value['lesson']} #{value.get('index', '?')}"
    return str(value)


def read_items(path: Path) -> dict[str, Item]:
    """The items file, checked for what the report needs; :class:`ContentError` names file and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ContentError([Problem(path, f"cannot read the knowledge-check items: {e.strerror}")]) from e
    except yaml.YAMLError as e:
        raise ContentError([Problem(path, f"is not valid YAML: {e}")]) from e
    raw = data.get("items") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise ContentError([Problem(path, "needs a list under 'items:'", field="items")])
    items, problems = {}, []
    for index, entry in enumerate(raw):
        where = f"items[{index}]"
        if not isinstance(entry, dict):
            problems.append(Problem(path, "each item is a mapping (id, objective, form)", field=where))
            continue
        missing = [k for k in ("id", "objective", "form") if k not in entry]
        if missing:
            problems.append(Problem(path, f"missing {', '.join(missing)}", field=where))
            continue
        if entry["form"] not in ("pre", "post"):
            problems.append(Problem(path, f"form must be pre or post, not {entry['form']!r}", field=f"{where}.form"))
            continue
        if entry["id"] in items:
            problems.append(Problem(path, f"item id {entry['id']!r} is used twice", field=f"{where}.id"))
        points = entry.get("points")
        items[str(entry["id"])] = Item(str(entry["id"]), objective_key(entry["objective"]), entry["form"],
                                       float(points) if isinstance(points, int | float) else None)
    if problems:
        raise ContentError(problems)
    return items


@dataclass
class Row:
    """One line of the report: a cohort and an objective (or all objectives)."""

    cohort: str
    objective: str
    n_matched: int
    mean_pre: float | None
    mean_post: float | None
    hake_gain: float | None
    hake_gain_low: float | None
    hake_gain_high: float | None
    mean_individual_gain: float | None
    individual_gain_low: float | None
    individual_gain_high: float | None
    n_full_marks_before: int  # left out of the individual gains: no room to gain
    objective_text: str = ""


@dataclass(frozen=True)
class Unmatched:
    student: str
    cohort: str
    reason: str


@dataclass
class Report:
    rows: list[Row]
    unmatched: list[Unmatched]
    warnings: list[str] = field(default_factory=list)
    seed: int = DEFAULT_SEED
    resamples: int = DEFAULT_RESAMPLES

    def row(self, cohort: str, objective: str) -> Row:
        return next(r for r in self.rows if r.cohort == cohort and r.objective == objective)


# student -> objective -> (score, max)
Scores = dict[str, dict[str, tuple[float, float]]]


def read_scores(db_url: str, assignment: str, items: dict[str, Item], form: str,
                warnings: list[str]) -> tuple[Scores, set[str]]:
    """Per student and objective: points scored and possible on ``assignment``; and who is not graded yet."""
    from nbgrader.api import Gradebook, MissingEntry

    scores: Scores = {}
    ungraded: set[str] = set()
    with Gradebook(db_url) as gb:
        try:
            row = gb.find_assignment(assignment)
        except MissingEntry as e:
            raise ContentError([Problem(db_url.removeprefix("sqlite:///"),
                                        f"the gradebook has no assignment {assignment!r}: generate and autograde "
                                        "it first")]) from e
        cells = {cell.name for nb in row.notebooks for cell in nb.grade_cells}
        unknown = sorted(cells - set(items))
        if unknown:
            warnings.append(f"{assignment}: graded cells not in the items file are left out: {', '.join(unknown)}")
        wrong_form = sorted(c for c in cells & set(items) if items[c].form != form)
        if wrong_form:
            warnings.append(f"{assignment}: items marked as another form are left out: {', '.join(wrong_form)}")
        never_asked = sorted(i.id for i in items.values() if i.form == form and i.id not in cells)
        if never_asked:
            warnings.append(f"{assignment}: items of the {form} form not in the assignment: {', '.join(never_asked)}")
        for submission in row.submissions:
            per_objective: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
            graded = True
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    item = items.get(grade.name)
                    if item is None or item.form != form:
                        continue
                    if grade.auto_score is None and grade.manual_score is None:
                        graded = False
                    possible = item.points if item.points is not None else float(grade.max_score)
                    per_objective[item.objective][0] += float(grade.score or 0.0)
                    per_objective[item.objective][1] += possible
            if not graded:
                ungraded.add(submission.student_id)
                continue
            scores[submission.student_id] = {o: (s, m) for o, (s, m) in per_objective.items()}
    return scores, ungraded


def _share(scores: dict[str, tuple[float, float]], objective: str) -> float | None:
    if objective == ALL_OBJECTIVES:
        got, possible = sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())
    elif objective in scores:
        got, possible = scores[objective]
    else:
        return None
    return min(got / possible, 1.0) if possible > 0 else None


def hake_gain(pre: np.ndarray, post: np.ndarray) -> float | None:
    """<g> on class means: (mean post - mean pre) / (1 - mean pre); undefined when the class was at full marks."""
    mean_pre = float(np.mean(pre))
    return None if mean_pre >= 1 else (float(np.mean(post)) - mean_pre) / (1 - mean_pre)


def individual_gains(pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    room = pre < 1
    return (post[room] - pre[room]) / (1 - pre[room])


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    clean = [v for v in values if v is not None and not math.isnan(v)]
    if len(clean) < 2:
        return None, None
    low, high = np.percentile(clean, [2.5, 97.5])
    return float(low), float(high)


def bootstrap(pre: np.ndarray, post: np.ndarray, resamples: int, seed: int):
    """95% percentile intervals for <g> and for the mean individual gain, resampling trainees (all at once)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(pre), (resamples, len(pre)))
    pre_s, post_s = pre[picks], post[picks]
    mean_pre, mean_post = pre_s.mean(axis=1), post_s.mean(axis=1)
    room = pre_s < 1
    with np.errstate(divide="ignore", invalid="ignore"):
        hake = np.where(mean_pre < 1, (mean_post - mean_pre) / (1 - mean_pre), np.nan)
        gains = np.where(room, (post_s - pre_s) / np.where(room, 1 - pre_s, 1), 0.0)
        counts = room.sum(axis=1)
        individual = np.where(counts > 0, gains.sum(axis=1) / np.maximum(counts, 1), np.nan)
    return _percentiles(list(hake)), _percentiles(list(individual))


def _row(cohort: str, objective: str, pairs: list[tuple[float, float]], resamples: int, seed: int) -> Row:
    if not pairs:
        return Row(cohort, objective, 0, None, None, None, None, None, None, None, None, 0)
    pre = np.array([p for p, _ in pairs])
    post = np.array([q for _, q in pairs])
    gains = individual_gains(pre, post)
    (h_low, h_high), (i_low, i_high) = bootstrap(pre, post, resamples, seed)
    return Row(cohort, objective, len(pairs), float(pre.mean()), float(post.mean()), hake_gain(pre, post),
               h_low, h_high, float(gains.mean()) if len(gains) else None, i_low, i_high, int((pre >= 1).sum()))


def build_report(pre: Scores, post: Scores, cohorts: dict[str, str], ungraded: dict[str, set[str]],
                 resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
                 objective_texts: dict[str, str] | None = None) -> Report:
    """The report from per-student scores; ``cohorts`` maps student ids to a cohort (others: the roster's gap)."""
    def cohort_of(student: str) -> str:
        return cohorts.get(student, "not on the roster" if cohorts else ALL_COHORTS)

    unmatched = []
    everyone = sorted(set(pre) | set(post) | ungraded.get(PRE, set()) | ungraded.get(POST, set()))
    for student in everyone:
        reasons = []
        if student in ungraded.get(PRE, set()) or student in ungraded.get(POST, set()):
            reasons.append("a check is submitted but not graded yet")
        elif student not in pre:
            reasons.append("took the post-check only")
        elif student not in post:
            reasons.append("took the pre-check only")
        if reasons:
            unmatched.append(Unmatched(student, cohort_of(student), "; ".join(reasons)))
    left_out = {u.student for u in unmatched}
    matched = [s for s in everyone if s in pre and s in post and s not in left_out]

    objectives = sorted({o for s in matched for o in pre[s]} | {o for s in matched for o in post[s]})
    cohort_names = sorted({cohort_of(s) for s in matched})
    groups = [(c, [s for s in matched if cohort_of(s) == c]) for c in cohort_names]
    if len(cohort_names) > 1:
        groups.append((ALL_COHORTS, matched))
    rows = []
    for cohort, students in groups:
        for objective in [*objectives, ALL_OBJECTIVES]:
            pairs = [(a, b) for s in students
                     if (a := _share(pre[s], objective)) is not None and (b := _share(post[s], objective)) is not None]
            row = _row(cohort, objective, pairs, resamples, seed)
            row.objective_text = (objective_texts or {}).get(objective, "")
            rows.append(row)
    return Report(rows, unmatched, seed=seed, resamples=resamples)


def read_cohorts(roster: Path | None) -> dict[str, str]:
    """student_id -> cohort from a roster CSV (``student_id`` and ``cohort`` columns)."""
    if roster is None:
        return {}
    with roster.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in ("student_id", "cohort") if c not in columns]
        if missing:
            raise ContentError([Problem(roster, f"the roster needs a {' and a '.join(map(repr, missing))} column "
                                                f"(found: {', '.join(columns) or 'nothing'})", line=1)])
        cohorts = {}
        for line, row in enumerate(reader, start=2):
            student, cohort = (row.get("student_id") or "").strip(), (row.get("cohort") or "").strip()
            if not student or not cohort:
                raise ContentError([Problem(roster, "student_id and cohort must not be empty", line=line)])
            cohorts[student] = cohort
        return cohorts


def objective_texts(kit_root: Path) -> dict[str, str]:
    """``lesson #n`` -> the objective's words from the lesson metadata, where the lessons can be read."""
    from frontline.lessons.metadata import lesson_notebooks, load_lesson

    texts = {}
    for path in lesson_notebooks(kit_root / "notebooks"):
        try:
            lesson = load_lesson(path)
        except ContentError:
            continue
        for n, text in enumerate(lesson.objectives, start=1):
            texts[f"{lesson.id} #{n}"] = texts[f"{path.stem} #{n}"] = f"Lesson {lesson.number}: {text}"
    return texts


def compute(db_url: str, items_path: Path, roster: Path | None = None, *, resamples: int = DEFAULT_RESAMPLES,
            seed: int = DEFAULT_SEED, kit_root: Path | None = None) -> Report:
    database = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite:///") else None
    if database is not None and not database.exists():  # opening it would create an empty gradebook
        raise ContentError([Problem(database, "there is no gradebook here yet: release, collect and autograde "
                                              f"{PRE} and {POST} first")])
    items = read_items(items_path)
    warnings: list[str] = []
    pre, pre_ungraded = read_scores(db_url, PRE, items, "pre", warnings)
    post, post_ungraded = read_scores(db_url, POST, items, "post", warnings)
    texts = objective_texts(kit_root) if kit_root else {}
    report = build_report(pre, post, read_cohorts(roster), {PRE: pre_ungraded, POST: post_ungraded},
                          resamples, seed, texts)
    report.warnings = warnings
    return report


# ----- writing the report --------------------------------------------------------------------------------------

def _fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.0f}%" if percent else f"{value:.2f}"


def _interval(low: float | None, high: float | None) -> str:
    return "—" if low is None or high is None else f"{low:.2f} to {high:.2f}"


def write_csv(report: Report, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    gains, unmatched = folder / "prepost.csv", folder / "prepost_unmatched.csv"
    with gains.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(Row)])
        writer.writeheader()
        for row in report.rows:
            writer.writerow({k: ("" if v is None else round(v, 4) if isinstance(v, float) else v)
                             for k, v in asdict(row).items()})
    with unmatched.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(Unmatched)])
        writer.writeheader()
        writer.writerows(asdict(u) for u in report.unmatched)
    return gains, unmatched


def _short_label(objective: str) -> str:
    """``01_service_is_everyones_job #2`` -> ``lesson 1, objective 2`` for the chart's axis."""
    match = re.fullmatch(r"(\d+)_\S* #(\d+)", objective)
    return f"lesson {int(match[1])}, objective {match[2]}" if match else objective


def write_chart(report: Report, path: Path) -> Path:
    """Pre and post means per objective, one panel per cohort; bars told apart by hatching and labels too."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cohorts = list(dict.fromkeys(r.cohort for r in report.rows))
    panels = max(1, len(cohorts))
    objectives = list(dict.fromkeys(r.objective for r in report.rows))
    fig, axes = plt.subplots(panels, 1, figsize=(10, 1.2 + 0.45 * len(objectives) * panels), squeeze=False)
    for ax, cohort in zip(axes[:, 0], cohorts, strict=False):
        rows = [r for r in report.rows if r.cohort == cohort]
        y = np.arange(len(rows))
        pre = [r.mean_pre or 0 for r in rows]
        post = [r.mean_post or 0 for r in rows]
        ax.barh(y - 0.2, pre, 0.4, label="before (pre)", color="#bbbbbb", edgecolor="black", hatch="//")
        ax.barh(y + 0.2, post, 0.4, label="after (post)", color="#4477aa", edgecolor="black")
        for i, r in enumerate(rows):
            ax.text(1.01, i, f"<g> {_fmt(r.hake_gain)} [{_interval(r.hake_gain_low, r.hake_gain_high)}], "
                             f"n={r.n_matched}", va="center", fontsize=8)
        ax.set_yticks(y, [_short_label(r.objective) for r in rows], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("mean share of points")
        ax.set_title(f"Cohort: {cohort}", loc="left", fontsize=10)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, -0.12), fontsize=8, frameon=False)
    fig.suptitle("Knowledge check before and after, with normalised gain <g> and its 95% interval", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path


def write_html(report: Report, folder: Path, chart: Path) -> Path:
    def cell(value: Any) -> str:
        return f"<td>{html.escape(str(value))}</td>"

    body = []
    for r in report.rows:
        body.append("<tr>" + "".join(cell(v) for v in (
            r.cohort, r.objective_text or r.objective, r.n_matched, _fmt(r.mean_pre, True), _fmt(r.mean_post, True),
            _fmt(r.hake_gain), _interval(r.hake_gain_low, r.hake_gain_high), _fmt(r.mean_individual_gain),
            _interval(r.individual_gain_low, r.individual_gain_high), r.n_full_marks_before)) + "</tr>")
    unmatched = "".join(f"<tr>{cell(u.student)}{cell(u.cohort)}{cell(u.reason)}</tr>" for u in report.unmatched)
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in report.warnings)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Knowledge check: before and after</title>
<style>body{{font-family:system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #888;padding:.2rem .5rem;text-align:left}}</style></head>
<body><h1>Knowledge check: before and after (Kirkpatrick level 2)</h1>
<p>Means are shares of each objective's points among trainees who took both checks (matched). The normalised gain
&lt;g&gt; is the share of the possible improvement achieved: (post − pre) / (1 − pre), on the class means; the mean
individual gain averages the same ratio per trainee (trainees with full marks before are left out of it and
counted). Intervals are 95% bootstrap intervals ({report.resamples} resamples of trainees, seed {report.seed});
with few trainees they are wide, and pre and post use different items, so some of a difference can be the items.</p>
<img src="{html.escape(chart.name)}" alt="Bar chart of mean scores before and after, per cohort and objective,
with the normalised gain and its interval written beside each pair of bars; the same figures are in the table below.">
<h2>Gain per cohort and objective</h2>
<table><thead><tr><th>Cohort</th><th>Objective</th><th>Matched</th><th>Mean before</th><th>Mean after</th>
<th>&lt;g&gt; (class means)</th><th>95% interval</th><th>Mean individual gain</th><th>95% interval</th>
<th>Full marks before</th></tr></thead><tbody>{''.join(body)}</tbody></table>
<h2>Trainees not in the gain ({len(report.unmatched)})</h2>
{f'<table><thead><tr><th>Trainee</th><th>Cohort</th><th>Why</th></tr></thead><tbody>{unmatched}</tbody></table>'
 if unmatched else '<p>Everyone took both checks.</p>'}
{f'<h2>Warnings</h2><ul>{warnings}</ul>' if warnings else ''}
</body></html>
"""
    path = folder / "prepost.html"
    path.write_text(page, encoding="utf-8")
    return path


def write_reports(report: Report, folder: Path) -> dict[str, Path]:
    gains, unmatched = write_csv(report, folder)
    chart = write_chart(report, folder / "prepost.png")
    return {"csv": gains, "unmatched": unmatched, "chart": chart, "html": write_html(report, folder, chart)}


def summary_lines(report: Report) -> list[str]:
    """A short text summary for the terminal: the all-objectives line of each cohort, then who is left out."""
    lines = []
    for r in report.rows:
        if r.objective == ALL_OBJECTIVES:
            lines.append(f"{r.cohort}: n={r.n_matched}, before {_fmt(r.mean_pre, True)}, after "
                         f"{_fmt(r.mean_post, True)}, <g> {_fmt(r.hake_gain)} "
                         f"[{_interval(r.hake_gain_low, r.hake_gain_high)}], mean individual gain "
                         f"{_fmt(r.mean_individual_gain)}")
    lines += [f"⚠ {u.student} ({u.cohort}) is not in the gain: {u.reason}" for u in report.unmatched]
    lines += [f"⚠ {w}" for w in report.warnings]
    return lines
