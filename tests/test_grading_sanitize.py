"""What a trainee's cells hold, as graders see it: a real submission autograded by nbgrader through the kit's
pipeline.

* Script in the written answer and in a displayed output never runs in the grader's browser: the manual-grading
  page is fetched over HTTP from the trainer's own formgrader (`frontline grade lab`).
* The note about code that names the grading machinery comes from code, never from words in a comment or string.
"""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from test_lab import _get, frontline_server

from frontline.cli import cli
from frontline.grading.course import Course
from frontline.grading.samples import course_environment, make_submission
from frontline.kit import KitPaths

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

ASSIGNMENT = "fl_01_internal_customers"
ANSWER_ID = "reply-sales-report"
STUDENT = "xss_trainee"
ORDINARY = "I will call you back before noon with the repaired report"
ATTACK = "<img src=x onerror=alert(1)> <script>alert('answer')</script> **" + ORDINARY + "**"
DISPLAY = '''
from IPython.display import HTML, Javascript, display
display(HTML("<b>Calls this week: 12</b><script>alert('output')</script><img src=y onerror=alert(2)>"))
display(Javascript("alert('javascript output')"))
'''
TABLE = '''import pandas as pd
display(pd.DataFrame({"calls": [12, 9]}, index=["Mon", "Tue"]))
'''
WORDS = '''# don't judge the caller by the first message
note = "sys.modules, gc.get_objects and frontline.grading are only words here"
'''
PLAIN_STUDENT = "placeholder_trainee"
PLAIN = ("Dear <customer name>, I'm sorry the report went out wrong.\n\n> the totals were doubled\n\n"
         "I will send the corrected one by noon (see <https://example.com/help>, press <kbd>F5</kbd>).\n\n<your name>")
REACHES = '''import gc, sys
loaded = len(sys.modules) + len(gc.get_objects())
'''


class ScriptFinder(HTMLParser):
    """What in a page can run script: event-handler attributes, and the text of its <script> elements."""

    def __init__(self, page: str):
        super().__init__()
        self.handlers: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.handlers += [f"{tag} {name}={value}" for name, value in attrs if name.startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def _invoke(*argv: str) -> str:
    result = CliRunner().invoke(cli, list(argv))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    repo = REPO
    base = tmp_path_factory.mktemp("sanitize")
    with course_environment(base, repo, cell_timeout=60):
        course = Course.open(KitPaths(repo))
        _invoke("grade", "generate", ASSIGNMENT)
        _invoke("grade", "release", ASSIGNMENT)
        source = repo / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        release = course.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        notebook = nbformat.read(make_submission("full", source, release, base / "made"), as_version=4)
        answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWER_ID)
        answer.source = ATTACK
        notebook.cells += [nbformat.v4.new_code_cell(DISPLAY), nbformat.v4.new_code_cell(TABLE),
                           nbformat.v4.new_code_cell(WORDS),
                           nbformat.v4.new_code_cell(REACHES)]
        folder = course.folder("submitted", STUDENT, ASSIGNMENT)
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
        # an ordinary written reply with placeholders in angle brackets, as replies are often drafted
        plain = nbformat.read(make_submission("full", source, release, base / "made-plain"), as_version=4)
        next(c for c in plain.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWER_ID).source = PLAIN
        folder = course.folder("submitted", PLAIN_STUDENT, ASSIGNMENT)
        folder.mkdir(parents=True)
        nbformat.write(plain, folder / f"{ASSIGNMENT}.ipynb")
        _invoke("grade", "autograde", ASSIGNMENT)
        yield course


def _integrity(course: Course, student: str = STUDENT) -> list[dict[str, str]]:
    with (course.reports / ASSIGNMENT / "integrity.csv").open(newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["student"] == student]


def _answer(course: Course, student: str) -> str:
    notebook = nbformat.read(course.folder("autograded", student, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb", as_version=4)
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWER_ID).source


def test_placeholders_in_a_written_reply_stay_as_typed_and_are_not_reported(autograded):
    answer = _answer(autograded, PLAIN_STUDENT)
    # only the "<" of a tag the page would not show is written as text: the words and the markdown stay
    assert answer == (PLAIN.replace("<customer", "&lt;customer").replace("<your", "&lt;your")
                      .replace("<https", "&lt;https"))
    assert not [r for r in _integrity(autograded, PLAIN_STUDENT) if "HTML" in r["problem"]]


def test_autograding_takes_script_out_of_answers_and_outputs_and_reports_it(autograded):
    notebook = nbformat.read(autograded.folder("autograded", STUDENT, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb",
                             as_version=4)
    answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWER_ID)
    assert "onerror" not in answer.source and "<script" not in answer.source
    assert ORDINARY in answer.source and "**" in answer.source  # the answer and its formatting stay
    outputs = json.dumps([c.get("outputs", []) for c in notebook.cells if c.cell_type == "code"])
    assert "Calls this week: 12" in outputs  # the ordinary part of the displayed HTML stays
    for trace in ("onerror", "<script", "application/javascript", "javascript output"):
        assert trace not in outputs
    rows = _integrity(autograded)
    problems = " | ".join(r["problem"] for r in rows)
    assert f"{ANSWER_ID} (a written answer" in problems, rows
    displayed = [r["problem"] for r in rows if " displayed " in r["problem"]]
    assert len(displayed) == 1, displayed  # an ordinary table's styling is taken out without a report
    assert re.fullmatch(r"cell \d+ displayed HTML that could run script and a script output", displayed[0])


def test_only_code_that_reaches_for_the_grading_is_noted_not_words_in_comments_or_strings(autograded):
    named = [r["problem"] for r in _integrity(autograded) if "names the grading itself" in r["problem"]]
    assert len(named) == 1, named  # the cell of words is not noted; the cell of code is
    assert named[0].endswith("(gc.get_objects, sys.modules)"), named


def test_the_formgraders_grading_page_shows_the_answer_without_the_trainees_script(autograded, repo, tmp_path):
    token = "frontline-sanitize-token"
    with frontline_server(["grade", "lab"], repo, tmp_path, 20888, token,
                          FRONTLINE_COURSE=str(autograded.root)) as (base, _, _):
        _, listing = _get(f"{base}/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}", token)
        submissions = {s["student"]: s["id"] for s in json.loads(listing)}
        status, page = _get(f"{base}/formgrader/submissions/{submissions[STUDENT]}/", token)
        _, plain_page = _get(f"{base}/formgrader/submissions/{submissions[PLAIN_STUDENT]}/", token)
    assert "Dear &lt;customer name&gt;," in plain_page and "&lt;your name&gt;" in plain_page  # shown as typed
    assert status == 200
    assert ORDINARY in page and "Calls this week: 12" in page
    found = ScriptFinder(page)
    assert not [h for h in found.handlers if "alert" in h], found.handlers  # the page's own toggles stay
    scripts = "\n".join(found.scripts)
    assert "alert(" not in scripts and "javascript output" not in scripts, scripts
