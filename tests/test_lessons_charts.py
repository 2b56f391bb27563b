"""Every chart a lesson shows, as a screen reader meets it: its text alternative says only numbers its table of
numbers says (rounded the same way), the table says what it holds, and every number drawn on the picture is in it.

Each lesson runs in this process, cell by cell, up to its last chart, on the kit's generated data: if the data or
their seed change, a text that no longer matches its chart fails here.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import contextlib
import io
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest
from bs4 import BeautifulSoup

from frontline.lessons.charts import NUMBER

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@dataclass
class ShownChart:
    alt: str
    plain: str
    table: BeautifulSoup | None
    drawn: list[str] = field(default_factory=list)  # the value labels written on the picture


def charts_of(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[ShownChart]:
    """Run the lesson's code cells up to its last chart and collect each chart as it is shown."""
    import IPython.display

    charts: list[ShownChart] = []
    drawn: list[str] = []

    def display(bundle, raw=False):
        figure = BeautifulSoup(bundle["text/html"], "html.parser").find("figure", class_="frontline-chart")
        if figure is not None:
            charts.append(ShownChart(figure.find("img")["alt"], bundle["text/plain"], figure.find("table"),
                                     list(drawn)))
        drawn.clear()

    close = plt.close

    def close_and_read(figure=None):  # show_chart closes the finished figure: read its value labels first
        if isinstance(figure, matplotlib.figure.Figure):
            drawn.extend(text.get_text() for ax in figure.axes for text in ax.texts)
        close(figure)

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(plt, "close", close_and_read)
    cells = [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    last_chart = max(i for i, source in enumerate(cells) if "show_chart(" in source)
    namespace: dict = {}
    for source in cells[: last_chart + 1]:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, f"{path.name} cell", "exec"), namespace)
    plt.close("all")
    return charts


def numbers_in(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def rows_of(table: BeautifulSoup) -> dict[str, list[float]]:
    """Row label -> the row's values as numbers (72% -> 72.0, 1,497 -> 1497.0), in the table's order."""
    return {row.find("th").get_text(): [float(td.get_text().rstrip("%").replace(",", "")) for td in row.find_all("td")]
            for row in table.find("tbody").find_all("tr")}


def first_column(rows: dict[str, list[float]]) -> list[float]:
    return [values[0] for values in rows.values()]


def falls_throughout(rows):
    column = first_column(rows)
    assert all(later < earlier for earlier, later in pairwise(column)), column


def in_order(*first: str, last: str):
    def check(rows):
        assert list(rows)[: len(first)] == list(first) and list(rows)[-1] == last, list(rows)
        assert first_column(rows) == sorted(first_column(rows), reverse=True)
    return check


def pareto_claims(rows):
    # "five of the ten causes, starred, reach 80% together: <the five named>. The other five have <a> to <b>"
    counts = first_column(rows)
    shares = [sum(counts[: n + 1]) / sum(counts) for n in range(len(counts))]
    assert len(counts) == 10 and shares[3] < 0.8 <= shares[4], shares
    assert list(rows)[:5] == ["confusing bill", "missed delivery window", "password reset loop", "wrong item shipped",
                              "unclear return policy"]
    assert min(counts[5:]) == rows["after hours voicemail"][0] and max(counts[5:]) == rows["callback not made"][0]


def most_about_people(rows):
    assert rows["3 people"][0] > sum(first_column(rows)) / 2, rows


def curves_bend_upward(rows):
    for column in zip(*rows.values(), strict=True):
        steps = [later - earlier for earlier, later in pairwise(column)]
        assert all(step > 0 for step in steps) and steps[-1] > 2 * steps[0], column


def email_waits_hours(rows):
    # lesson 0, under the chart: "Email customers wait hours, not minutes, for a first reply."
    assert rows["email"][0] >= 120, rows


def three_quarters_of_a_point_a_contact(rows):
    # lesson 3, under the chart: "drops by roughly three quarters of a point with each of the first few extra contacts"
    steps = [earlier - later for earlier, later in pairwise(first_column(rows)[:4])]
    assert all(0.5 <= step <= 1 for step in steps), steps


def small_and_large_causes(rows):
    counts = first_column(rows)
    # lesson 4: "A confusing bill alone accounts for more than a third of tickets."
    assert rows["confusing bill"][0] > sum(counts) / 3
    # lesson 4: "An out-of-date knowledge base is a small cause by count"; lesson 9: so is "after-hours voicemail"
    bottom_half = list(rows)[len(rows) // 2:]
    assert "knowledge base out of date" in bottom_half and "after hours voicemail" in bottom_half, list(rows)


def limits_cover_most_then_nearly_all(rows):
    # lesson 5, under the chart: "A limit of 25 covers most cases; doubling it covers nearly all."
    assert rows["25"][0] > 50 and rows["50"][0] >= 90, rows


# The words about a chart that depend on the data ("most", "falls with every", "lead", "least", and the sentences
# under it), by lesson and chart: checked against the chart's own table, as shown.
CLAIMS = {
    ("00_welcome", 0): [email_waits_hours],
    ("02_what_customers_value", 0): [most_about_people],
    ("03_diagnosis", 0): [falls_throughout, three_quarters_of_a_point_a_contact],
    ("04_problem_solving", 0): [pareto_claims, small_and_large_causes],
    ("04_problem_solving", 1): [in_order("knowledge base out of date", "password reset loop", "order not recorded",
                                         last="unclear return policy")],
    ("05_empowerment", 0): [limits_cover_most_then_nearly_all],
    ("07_retention_economics", 0): [curves_bend_upward],
    ("08_measuring_service", 0): [falls_throughout],
    ("09_leading_a_service_culture", 0): [in_order("confusing bill", "missed delivery window", "password reset loop",
                                                   last="after hours voicemail")],
}


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_chart_says_the_numbers_of_its_table(path, monkeypatch):
    calls = sum(cell.source.count("show_chart(") for cell in nbformat.read(path, as_version=4).cells
                if cell.cell_type == "code")
    charts = charts_of(path, monkeypatch)
    assert charts and len(charts) == calls, "a chart was drawn but not shown with its text"
    for number, chart in enumerate(charts):
        where = f"{path.name}: chart {chart.alt[:60]!r}"
        assert chart.plain == f"[Chart] {chart.alt}", where
        # what the screen reader says is plain text: no field left unfilled, no column names
        assert "{" not in chart.alt and "}" not in chart.alt and "_" not in chart.alt, where
        assert chart.table is not None, f"{where} has no table of numbers"

        # the table says what it holds: a caption, and a heading for every column, the row labels' too
        caption = chart.table.find("caption")
        assert caption is not None and caption.get_text().strip(), f"{where}: the table has no caption"
        headings = chart.table.find("thead").find_all("th")
        assert headings and all(th.get_text().strip() and th["scope"] == "col" for th in headings), where
        rows = chart.table.find("tbody").find_all("tr")
        assert rows and all(row.find("th", scope="row") for row in rows), where

        table_says = numbers_in(" ".join(cell.get_text() for cell in chart.table.find_all(["caption", "th", "td"])))
        unsaid = numbers_in(chart.alt) - table_says
        assert not unsaid, f"{where} says {sorted(unsaid)}, which its table of numbers does not"
        undrawn = numbers_in(" ".join(chart.drawn)) - table_says
        assert not undrawn, f"{where}: the picture writes {sorted(undrawn)}, which its table of numbers does not"
        for claim in CLAIMS.get((path.stem, number), []):
            claim(rows_of(chart.table))
