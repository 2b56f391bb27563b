"""``frontline grade ...``: the trainer's grading workflow, one command per step and ``all`` to run them."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click

from frontline.grading.course import COURSE_ENV_VAR, Course
from frontline.kit import EXCHANGE_ENV_VAR, kit_paths
from frontline.lab.cli import server_options


def _course(ctx: click.Context) -> Course:
    """The course, opened (and its folder created) on first use, so `--help` leaves no trace."""
    obj = ctx.ensure_object(dict)
    if "course" not in obj:
        obj["course"] = Course.open(kit_paths(), *obj["course_options"])
    return obj["course"]


def _assignment_arg(ctx, param, value):
    known = _course(ctx).assignments()
    if value not in known:
        raise click.BadParameter(f"{value!r} is not an assignment in exercises/ (known: {', '.join(known)})")
    return value


ASSIGNMENT = click.argument("assignment", callback=_assignment_arg)


@click.group("grade")
@click.option("--course", "course_dir", type=click.Path(file_okay=False, path_type=Path), envvar=COURSE_ENV_VAR,
              help=f"Course folder for releases, submissions, grades and feedback [env {COURSE_ENV_VAR}; "
                   "default .frontline/course in the kit].")
@click.option("--exchange", type=click.Path(file_okay=False, path_type=Path), envvar=EXCHANGE_ENV_VAR,
              help=f"nbgrader exchange folder shared with trainees [env {EXCHANGE_ENV_VAR}].")
@click.pass_context
def grade(ctx: click.Context, course_dir: Path | None, exchange: Path | None) -> None:
    """Release exercises, collect, autograde, return feedback and export grades (nbgrader underneath).

    Steps: generate → release → (trainees work) → collect → autograde → grade written answers in the
    formgrader → feedback → export → analyse. `frontline grade all ASSIGNMENT` runs the steps after release.
    """
    # nbgrader's gradebook queries emit SQLAlchemy session warnings that mean nothing to a trainer
    warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session")
    ctx.ensure_object(dict)
    ctx.obj["course_options"] = (course_dir, exchange)


@grade.command("init")
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the course folder (its `source` links to the kit's exercises/) and print where things are."""
    course = _course(ctx)
    click.echo(f"Course folder: {course.root}\nExchange:      {course.exchange}\n"
               f"Assignments:   {', '.join(course.assignments())}\n"
               "Formgrader:    frontline grade lab")


def _generate(course: Course, assignment: str) -> None:
    from frontline.grading.autograde import generate

    generate(course, assignment)
    click.echo(f"✔ built the student version: {course.root / 'release' / assignment}")


@grade.command("generate")
@ASSIGNMENT
@click.pass_context
def generate_cmd(ctx: click.Context, assignment: str) -> None:
    """Build the student version (nbgrader generate_assignment): solutions and hidden tests removed."""
    from frontline.grading.autograde import GradingError

    try:
        _generate(_course(ctx), assignment)
    except GradingError as e:
        raise click.ClickException(str(e)) from e


@grade.command("release")
@ASSIGNMENT
@click.pass_context
def release_cmd(ctx: click.Context, assignment: str) -> None:
    """Build the student version and release it to the exchange (trainees fetch it in `frontline lab`)."""
    from frontline.grading.autograde import GradingError

    course = _course(ctx)
    try:
        _generate(course, assignment)
    except GradingError as e:
        raise click.ClickException(str(e)) from e
    api = course.api()
    api.unrelease(assignment)  # releasing again replaces the earlier release
    result = api.release_assignment(assignment)
    if not result["success"]:
        raise click.ClickException(f"release failed:\n{(result.get('error') or result.get('log') or '')[-800:]}")
    click.echo(f"✔ released {assignment} to {course.exchange} (course id frontline)")


def _collect(course: Course, assignment: str, source: Path | None, roster: Path | None,
             dry_run: bool = False) -> None:
    from frontline.grading.collect import CollectError, collect_exchange, import_lms

    try:
        collection = (import_lms(course, assignment, source, roster, dry_run=dry_run) if source
                      else collect_exchange(course, assignment))
    except CollectError as e:
        raise click.ClickException(str(e)) from e
    where = source or course.exchange
    if dry_run:
        click.echo(f"Dry run: nothing written. {len(collection.students)} submission(s) of {assignment} in {where} "
                   "would be imported as:")
        for row in collection.mapping:
            click.echo(f"  {row['student']} ← {row['lms']} id {row['lms_id']} ({row['lms_name']}), "
                       f"{'LATE, ' if row['late'] == 'yes' else ''}{row['timestamp']}: {row['files']}")
    else:
        click.echo(f"✔ collected {len(collection.students)} submission(s) of {assignment} from {where}")
    for issue in collection.issues:
        click.echo(f"  ⚠ {issue.file}: {issue.problem} → {issue.action}" + (f" [{issue.student}]" if issue.student
                                                                            else ""))
    if collection.issues and not dry_run:
        click.echo(f"  (listed in {course.reports / assignment / 'collection.csv'})")


@grade.command("collect")
@ASSIGNMENT
@click.option("--from", "source", type=click.Path(exists=True, path_type=Path),
              help="A folder or zip downloaded from an LMS instead of the exchange.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with student_id (and lms_id, email, name) to match LMS files to students.")
@click.option("--dry-run", is_flag=True, help="Print who each LMS file would go to, and write nothing.")
@click.option("--due", type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]),
              help="Due date (UTC) stored in the gradebook; nbgrader's late penalty counts from it.")
@click.pass_context
def collect_cmd(ctx: click.Context, assignment: str, source: Path | None, roster: Path | None, dry_run: bool,
                due) -> None:
    """Take submissions from the exchange, or from an LMS download (--from), into submitted/.

    An LMS download is keyed by the LMS's own student ids; nothing already collected is replaced; files that
    match nobody, or more than one student, are listed and left out.
    """
    from datetime import UTC

    from frontline.grading.autograde import ensure_generated
    from frontline.grading.collect import set_due_date

    course = _course(ctx)
    if dry_run and not source:
        raise click.BadParameter("--dry-run reads an LMS download: give it with --from", param_hint="'--dry-run'")
    if due and not dry_run:
        ensure_generated(course, assignment)
        set_due_date(course, assignment, due.replace(tzinfo=UTC))
        click.echo(f"✔ due date of {assignment}: {due:%Y-%m-%d %H:%M} UTC")
    _collect(course, assignment, source, roster, dry_run)


def _autograde(course: Course, assignment: str, jobs: int, students: tuple[str, ...]) -> None:
    from frontline.grading.autograde import GradingError, autograde, submitted_students

    submitted = submitted_students(course, assignment)
    unknown = sorted(set(students) - set(submitted))
    if unknown:
        raise click.BadParameter(
            f"no submission of {assignment} from {', '.join(map(repr, unknown))} in {course.root / 'submitted'} "
            f"(submitted: {', '.join(submitted) or 'nobody yet'})", param_hint="'--student'")
    wanted = list(students) or submitted
    if not wanted:
        click.echo(f"No submissions of {assignment} in {course.root / 'submitted'}; run `frontline grade collect`.")
        return
    try:
        with click.progressbar(length=len(wanted), label=f"Autograding {assignment} ({jobs} at once)",
                               file=sys.stderr, show_pos=True) as bar:
            results = autograde(course, assignment, wanted, jobs=jobs, on_done=lambda r: bar.update(1))
    except GradingError as e:
        raise click.ClickException(str(e)) from e
    issues = [i for r in results for i in r.issues]
    click.echo(f"✔ graded {sum(r.success for r in results)} of {len(results)} submission(s); "
               f"{len(issues)} integrity finding(s)")
    for issue in issues:
        click.echo(f"  ⚠ {issue}")
    click.echo(f"  integrity report: {course.reports / assignment / 'integrity.csv'}")


@grade.command("autograde")
@ASSIGNMENT
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Submissions graded at once (each in its own process).")
@click.option("--student", "students", multiple=True, help="Grade only this student (repeatable).")
@click.pass_context
def autograde_cmd(ctx: click.Context, assignment: str, jobs: int, students: tuple[str, ...]) -> None:
    """Autograde submissions; bad ones get 0 points or partial marks and an entry in the integrity report."""
    _autograde(_course(ctx), assignment, jobs, students)


def _feedback(course: Course, assignment: str, release: bool) -> None:
    from frontline.grading.feedback import generate_feedback

    results = generate_feedback(course, assignment, release=release)
    click.echo(f"✔ feedback for {sum(r.success for r in results)} of {len(results)}: "
               f"{course.root / 'feedback'} (test code and mark schemes are not included)")
    for result in results:
        if not result.success:
            click.echo(f"  ⚠ {result.student}: {result.error}")


@grade.command("feedback")
@ASSIGNMENT
@click.option("--release", is_flag=True, help="Also release the feedback to the exchange for trainees to fetch.")
@click.pass_context
def feedback_cmd(ctx: click.Context, assignment: str, release: bool) -> None:
    """Generate HTML feedback: results and messages, never the (hidden) test code."""
    _feedback(_course(ctx), assignment, release)


def _export(course: Course, assignments: list[str], output: Path | None, canvas: Path | None = None) -> Path:
    from frontline.grading.export import export_grades, write_canvas

    target = output or course.reports / "grades.csv"
    rows = export_grades(course, assignments, target)
    click.echo(f"✔ exported {len(rows)} row(s) to {target}")
    if canvas:
        click.echo(f"✔ {write_canvas(rows, canvas)} Canvas student(s) in Canvas's gradebook layout: {canvas}")
    return target


@grade.command("export")
@click.argument("assignments", nargs=-1)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV file to write [default: reports/grades.csv in the course folder].")
@click.option("--canvas", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write this CSV in Canvas's gradebook import layout (students imported from Canvas).")
@click.pass_context
def export_cmd(ctx: click.Context, assignments: tuple[str, ...], output: Path | None, canvas: Path | None) -> None:
    """Export grades as CSV: every submission given, graded or not, with its integrity findings."""
    course = _course(ctx)
    unknown = set(assignments) - set(course.assignments())
    if unknown:
        raise click.BadParameter(f"unknown assignment(s): {', '.join(sorted(unknown))}")
    _export(course, list(assignments) or course.assignments(), output, canvas)


def _analyse(course: Course, assignment: str) -> None:
    from nbgrader.api import MissingEntry

    from frontline.grading.item_analysis import analyse, write_reports

    try:
        items = analyse(course, assignment)
    except MissingEntry as e:
        raise click.ClickException(f"{assignment} has no grades in {course.db_path} yet: run "
                                   f"`frontline grade autograde {assignment}` first") from e
    csv_path, text_path, html_path = write_reports(course, assignment, items)
    click.echo(text_path.read_text(encoding="utf-8").rstrip())
    click.echo(f"(also {csv_path} and {html_path})")


@grade.command("analyse")
@ASSIGNMENT
@click.pass_context
def analyse_cmd(ctx: click.Context, assignment: str) -> None:
    """Item analysis: each graded cell's mean, full-marks share, discrimination and common failures."""
    _analyse(_course(ctx), assignment)


@grade.command("prepost")
@click.option("--items", "items_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The knowledge-check items [default: data/knowledge/items.yaml in the kit].")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with student_id and cohort columns, for a line per cohort.")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the report [default: reports/prepost in the course folder].")
@click.option("--seed", type=int, help="Seed of the bootstrap resampling [default: a fixed seed, so reruns agree].")
@click.option("--resamples", type=click.IntRange(100, 100_000), help="Bootstrap resamples [default: 2000].")
@click.pass_context
def prepost_cmd(ctx: click.Context, items_path: Path | None, roster: Path | None, output: Path | None,
                seed: int | None, resamples: int | None) -> None:
    """Knowledge check before and after the course: means and normalised gain per cohort and objective."""
    from frontline.grading.prepost import ITEMS_RELATIVE, compute, summary_lines, write_reports

    course = _course(ctx)
    bootstrap = {k: v for k, v in (("seed", seed), ("resamples", resamples)) if v is not None}
    report = compute(course.db_url, items_path or course.kit.root / ITEMS_RELATIVE, roster,
                     kit_root=course.kit.root, **bootstrap)
    files = write_reports(report, output or course.reports / "prepost")
    click.echo("\n".join(summary_lines(report)))
    click.echo(f"✔ report: {files['html']} (chart {files['chart'].name}, tables {files['csv'].name} and "
               f"{files['unmatched'].name})")


@grade.command("all")
@ASSIGNMENT
@click.option("--from", "source", type=click.Path(exists=True, path_type=Path),
              help="Collect from this LMS folder or zip instead of the exchange.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--no-collect", is_flag=True, help="Grade what is already in submitted/.")
@click.pass_context
def all_cmd(ctx: click.Context, assignment: str, source: Path | None, roster: Path | None, jobs: int,
            no_collect: bool) -> None:
    """Run generate, collect, autograde, feedback, export and analyse for one assignment."""
    from frontline.grading.autograde import GradingError

    course = _course(ctx)
    try:
        _generate(course, assignment)
    except GradingError as e:
        raise click.ClickException(str(e)) from e
    if not no_collect:
        _collect(course, assignment, source, roster)
    _autograde(course, assignment, jobs, ())
    _feedback(course, assignment, release=False)
    _export(course, [assignment], None)
    _analyse(course, assignment)


@grade.command("digests")
@click.pass_context
def digests_cmd(ctx: click.Context) -> None:
    """Recompute the trainee self-check digests from the source notebooks (after editing an exercise)."""
    from frontline.selfcheck.build import write_digests

    path = write_digests(_course(ctx).kit.exercises)
    click.echo(f"✔ wrote {path}")


@grade.command("lab")
@server_options
@click.pass_context
def lab_cmd(ctx: click.Context, port: int | None, ip: str, token: str | None, open_browser: bool | None) -> None:
    """Open JupyterLab on the course folder at nbgrader's formgrader, to grade written answers with the rubrics.

    Works as root and on machines with no browser (it prints the address), like `frontline lab`.
    """
    from frontline.lab.launch import LabOptions, run_lab

    course = _course(ctx)
    run_lab(LabOptions(kit=course.kit, ip=ip, port=port, token=token, open_browser=open_browser,
                       root=course.root, landing="/formgrader", trainer=True, extra_env=course.environment()))
