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


def three_quarters_then_half_a_point_a_contact(rows):
    # lesson 3, under the chart: "drops by roughly three quarters of a point with each of the first two extra
    # contacts and by about half a point with each one after that" (0.8, 0.8, then 0.5, 0.6, 0.4 today)
    steps = [earlier - later for earlier, later in pairwise(first_column(rows))]
    assert all(0.6 <= step <= 0.9 for step in steps[:2]), steps
    assert all(0.3 <= step <= 0.7 for step in steps[2:]), steps


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
    ("03_diagnosis", 0): [falls_throughout, three_quarters_then_half_a_point_a_contact],
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


# ---- the figures in the lessons' prose ----------------------------------------------------------------------------
# Sentences in a lesson's text (and its key points) that quote the kit's generated data ("one ticket in six", "about
# two thirds") are typed by hand: each is listed here with the words it uses and a check that computes the figure
# from the data the lesson itself computes, so a change to the data or their seed that makes the words untrue fails.
# The value today is noted beside each check.

PRACTICE = ("frontline.scenario(", "question(", "q.")  # widgets and self-check cells: nothing the prose quotes


def lesson_data(path: Path) -> dict:
    """Run the lesson's code cells in this process, practice cells left out, and return what they computed."""
    import IPython.display

    namespace: dict = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(IPython.display, "display", lambda *args, **kwargs: None)
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and not any(marker in cell.source for marker in PRACTICE):
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(cell.source, f"{path.name} cell", "exec"), namespace)
        plt.close("all")
    return namespace


def prose_of(path: Path) -> str:
    """The lesson's text as a trainee reads it: its markdown cells and its key points, whitespace made single."""
    notebook = nbformat.read(path, as_version=4)
    parts = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    parts += notebook.metadata["frontline"]["lesson"]["key_points"]
    return " ".join(" ".join(parts).split())


def one_in(n: float, share: float) -> bool:
    """"one in n" as a reader takes it: between one in n + 0.5 and one in n - 0.5."""
    return 1 / (n + 0.5) <= share <= 1 / (n - 0.5)


def about(fraction: float, share: float, slack: float = 0.06) -> bool:
    return fraction - slack <= share <= fraction + slack


def satisfaction_falls_with_waits_transfers_and_contacts(ns):
    tickets = ns["tickets"]
    # mean satisfaction (1-5) falls with every transfer (4.0 to 2.0 today) and every repeat contact (4.2 to 1.1)
    for driver, most in (("transfers", 3), ("contacts_to_resolve", 6)):
        mean = tickets[tickets[driver] <= most].groupby(driver)["csat"].mean()
        assert all(later < earlier for earlier, later in pairwise(mean)), mean
    # within every channel, longer waits go with lower satisfaction (rank correlation -0.17 to -0.36 today)
    for channel, group in tickets.dropna(subset=["csat"]).groupby("channel", observed=True):
        rho = group["wait_minutes"].astype(float).rank().corr(group["csat"].astype(float).rank())
        assert rho < -0.05, (channel, rho)


def few_causes_most_tickets(ns):
    counts = ns["tickets"]["root_cause"].value_counts()
    assert counts.iloc[:3].sum() / counts.sum() > 0.5, counts  # three of ten: 0.66 today


def billing_mostly_confusing_bill(ns):
    billing = ns["category_by_cause"].loc["billing"]
    assert billing.idxmax() == "confusing_bill" and billing.max() / billing.sum() > 0.5, billing  # 0.84 today


def couple_of_level_4_scored_low(ns):
    unhappy = ns["unhappy"]
    level_4 = unhappy[unhappy["level"] == "4 feeling"]
    assert 2 <= len(level_4) <= 3, len(level_4)  # 2 today


def largest_block_is_repeating_the_story(ns):
    commonest = ns["unhappy"]["verbatim"].value_counts()
    assert commonest.index[0] == "I had to explain the whole thing again every time I called.", commonest
    by_level = ns["by_level"].sort_values(ascending=False)
    assert by_level.index[0] == "3 people", by_level  # 56 of the 97 unhappy comments today


def second_and_third_levels_worst(ns):
    by_level = ns["by_level"].sort_values(ascending=False)
    assert set(by_level.index[:2]) == {"2 ease", "3 people"}, by_level


def billing_one_in_six_other_cause(ns):
    other = 1 - ns["symptom_vs_cause"]["share_with_top_cause"]
    assert other.idxmin() == "billing", other  # billing is the cleanest category
    assert one_in(6, other["billing"]), other["billing"]  # 0.163 today: one in 6.1


def service_two_in_three_other_cause(ns):
    other = 1 - ns["symptom_vs_cause"].loc["service", "share_with_top_cause"]
    assert about(2 / 3, other), other  # 0.661 today


def leaving_climbs_with_contacts(ns, table: str = "by_contacts", column: str = "churned"):
    left = ns[table][column]
    assert all(later > earlier for earlier, later in pairwise(left)), left  # 9% after one contact to 70% after six


def three_causes_two_thirds(ns):
    counts = ns["cause_counts"]
    assert len(counts) == 10 and about(2 / 3, counts.iloc[:3].sum() / counts.sum()), counts  # 0.660 today


def one_ticket_in_eight_credited(ns):
    share = (ns["tickets"]["compensation"] > 0).mean()
    assert one_in(8, share), share  # 0.129 today: one in 7.8


def credits_small_next_to_value(ns):
    from frontline.lessons.measures import lifetime_value

    value = lifetime_value(ns["monthly_margin"], 0.98, 0.01)
    assert ns["credits"].median() < value / 10, (ns["credits"].median(), value)  # 15 against 531 today


def low_ratings_leave_far_more(ns):
    left = ns["rated"].groupby("csat")["churned_90d"].mean()
    assert left[1] >= 3 * left[5] and left[2] >= 3 * left[5], left  # 61% and 30% against 5% today


def churn_rises_with_contacts(ns):
    leaving_climbs_with_contacts(ns, "churn_by_contacts", "left within 90 days")


def nps_interval_about_fifteen_points(ns):
    from frontline.lessons.measures import bootstrap_interval, nps

    answered = ns["answered"]
    low, high = bootstrap_interval(answered["nps"], nps)
    assert 200 <= len(answered) < 1000, len(answered)  # "a few hundred answers": 416 today
    assert 12.5 <= high - low <= 17.5, (low, high)  # 16.3 points today
    # a change of five points is less than the interval's half-width (8.2 today): usually noise
    assert (high - low) / 2 > 5, (low, high)


def one_in_four_answered(ns):
    surveys = ns["surveys"]
    assert one_in(4, surveys["responded"].mean()), surveys["responded"].mean()  # 0.231 today: one in 4.3


def responders_had_more_contacts_and_left_more(ns):
    means = ns["with_ticket"].groupby("responded")[["contacts_to_resolve", "churned_90d"]].mean()
    assert (means.loc[True] > means.loc[False]).all(), means  # 1.73 v 1.45 contacts, 19% v 13% left today


def voicemail_small_by_count(ns):
    counts = ns["tickets"]["root_cause"].value_counts()
    assert "after_hours_voicemail" in list(counts.index[len(counts) // 2:]), counts  # the smallest of ten today


# lesson -> (the words of the prose, the check of the data they describe)
PROSE_CLAIMS = {
    "00_welcome": [
        ("satisfaction falls with waiting, transfers and repeat contacts",
         satisfaction_falls_with_waits_transfers_and_contacts),
        ("a few causes produce most of the tickets", few_causes_most_tickets),
    ],
    "01_service_is_everyones_job": [
        ("customers who report a *billing* problem are mostly describing a *confusing bill*",
         billing_mostly_confusing_bill),
    ],
    "02_what_customers_value": [
        ("even if a couple of the customers who wrote it still scored low", couple_of_level_4_scored_low),
        ("the largest block of unhappy comments is about people and process: repeating the story on every call",
         largest_block_is_repeating_the_story),
        ("The kit's comments show the second and third levels", second_and_third_levels_worst),
    ],
    "03_diagnosis": [
        ("Even in the cleanest category, billing, about one ticket in six", billing_one_in_six_other_cause),
        ("among *service* tickets, two in three do", service_two_in_three_other_cause),
        ("the share of customers who leave within 90 days climbs with it", leaving_climbs_with_contacts),
        ("raises the chance the customer leaves", leaving_climbs_with_contacts),
    ],
    "04_problem_solving": [
        ("three causes out of ten make up about two thirds of tickets", three_causes_two_thirds),
    ],
    "05_empowerment": [
        ("About one ticket in eight ended with a goodwill credit", one_ticket_in_eight_credited),
        ("Goodwill credits in the kit's data are small next to the value", credits_small_next_to_value),
    ],
    "06_complaints_and_recovery": [
        ("customers who rated a ticket badly were far more likely to leave within 90 days",
         low_ratings_leave_far_more),
    ],
    "07_retention_economics": [
        ("customers whose ticket needed more contacts left within 90 days more often", churn_rises_with_contacts),
        ("Customers who needed more contacts leave more often", churn_rises_with_contacts),
    ],
    "08_measuring_service": [
        ("with a few hundred answers, NPS could plausibly sit anywhere in a range of about fifteen points",
         nps_interval_about_fifteen_points),
        ("A month-to-month change of five points is usually noise", nps_interval_about_fifteen_points),
        ("about one in four answered", one_in_four_answered),
        ("Responders had more contacts and left more often", responders_had_more_contacts_and_left_more),
    ],
    "09_leading_a_service_culture": [
        ("*after-hours voicemail* is a small cause by count", voicemail_small_by_count),
    ],
}


@pytest.mark.parametrize("stem", sorted(PROSE_CLAIMS))
def test_the_figures_in_a_lessons_text_hold_for_its_data(stem):
    path = REPO / "notebooks" / f"{stem}.ipynb"
    prose = prose_of(path)
    for words, _ in PROSE_CLAIMS[stem]:
        assert words in prose, f"{path.name} no longer says {words!r}: update its check here with the text"
    data = lesson_data(path)
    for words, check in PROSE_CLAIMS[stem]:
        try:
            check(data)
        except AssertionError as error:
            raise AssertionError(f"{path.name} says {words!r}, which its data no longer bear out: {error}") from error
