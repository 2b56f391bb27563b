"""The two checks autograding makes on what a trainee wrote, without a kernel: code that names the grading
(`grading.machinery`) and content that could run script in the grader's browser (`grading.sanitize`).
The slow end-to-end versions, through nbgrader and the formgrader, are in test_grading_sanitize.py."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from frontline.grading.machinery import machinery_named
from frontline.grading.preprocessors import FINDING_MIME
from frontline.grading.sanitize import SanitizeTraineeContent, safe_html


@pytest.mark.parametrize(("source", "named"), [
    ("# don't judge the caller by the first message\nnote = 'sys.modules and frontline.grading are words here'", []),
    ("import gc, sys\nloaded = len(sys.modules) + len(gc.get_objects())", ["gc.get_objects", "sys.modules"]),
    ("from frontline.grading import judge", ["frontline.grading", "judge"]),
    ("judge = 3  # a name of the trainee's own, not an import\nprint(judge)", []),
    ("first = check.__closure__[0]", ["__closure__"]),
    ("grading = __import__('frontline.' + 'grading')", ["__import__"]),
    ("def broken(:\n    sys.modules", ["sys.modules"]),  # read up to where it stops tokenising, and on
    # the code a magic runs reaches IPython as text: it counts as code all the same
    ("%time x = sys.modules", ["sys.modules"]),
    ("%%capture\nimport gc\nobjects = gc.get_objects()", ["gc.get_objects"]),
    ("%time print('sys.modules')", []),
])
def test_only_code_that_names_the_grading_is_noted(source, named):
    assert machinery_named(source) == named


def test_safe_html_keeps_formatting_and_charts_but_no_script():
    chart = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="calls per day">'
    cleaned = safe_html(f'<b>12 calls</b><a href="javascript:alert(1)">more</a>{chart}<script>alert(2)</script>'
                        '<p style="color:red" onclick="alert(3)">late</p><a href="data:text/html,x">x</a>')
    assert "<b>12 calls</b>" in cleaned and chart in cleaned and "<p>late</p>" in cleaned
    for unsafe in ("javascript:", "alert", "onclick", "style", "data:text"):
        assert unsafe not in cleaned


def _findings(cell) -> list[str]:
    return [o["data"][FINDING_MIME]["problem"] for o in cell.get("outputs", []) if FINDING_MIME in o.get("data", {})]


def test_sanitising_a_notebook_cleans_each_cell_and_names_it_in_a_finding():
    answer = nbformat.v4.new_markdown_cell("**Call back by noon** <img src=x onerror=alert(1)>",
                                           metadata={"nbgrader": {"grade_id": "reply-callback"}})
    shown = nbformat.v4.new_code_cell("display(...)", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": "<b>12</b><script>alert(2)</script>"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(3)"}),
    ])
    frame_html = ('<style scoped>.dataframe tbody tr th {vertical-align: top;}</style>'  # as pandas shows a table
                  + pd.DataFrame({"calls": [12, 9]}, index=["Mon", "Tue"]).to_html())
    table = nbformat.v4.new_code_cell("frame", outputs=[
        nbformat.v4.new_output("execute_result", execution_count=1, data={"text/html": frame_html})])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), answer, shown, table])

    nb, _ = SanitizeTraineeContent().preprocess(nb, {})

    first, answer, shown, table = nb.cells
    assert answer.source.startswith("**Call back by noon**") and "onerror" not in answer.source
    assert shown.outputs[0]["data"]["text/html"] == "<b>12</b>"
    assert "application/javascript" not in shown.outputs[1]["data"]
    assert "<th>Tue</th>" in table.outputs[0]["data"]["text/html"]
    assert "style" not in table.outputs[0]["data"]["text/html"]
    # the markdown answer's note goes to the nearest code cell before it; a table's own styling is not a finding
    assert _findings(first) == ["reply-callback (a written answer or text cell) held HTML that could run in or "
                                "restyle the grader's page"]
    assert _findings(shown) == ["cell 3 displayed HTML that could run script and a script output"]
    assert _findings(table) == []


def test_a_hand_written_table_in_an_answer_is_kept_without_a_finding():
    """The parser adds a <tbody> the trainee never wrote: that is not something taken out."""
    table = "| | |\n\n<table><tr><th>Day</th><td>12 calls</td></tr></table>"
    answer = nbformat.v4.new_markdown_cell(table, metadata={"nbgrader": {"grade_id": "reply-table"}})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), answer])
    nb, _ = SanitizeTraineeContent().preprocess(nb, {})
    assert nb.cells[1].source == table and not _findings(nb.cells[0])
