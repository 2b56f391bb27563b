"""Shared measures and chart helpers the lessons use."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import base64
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from frontline.learn.computations import Tables
from frontline.learn.registry import COMPUTATIONS
from frontline.lessons.charts import bar_chart, chart_html, fill_alt, line_chart, pareto_chart, show_chart
from frontline.lessons.measures import bootstrap_interval, csat, lifetime_value, nps
from frontline.scenarios import models

REPO = Path(__file__).resolve().parents[1]


def test_nps_and_csat_follow_their_definitions():
    assert nps([10, 9, 8, 7, 6, 0]) == pytest.approx(100 * (2 / 6 - 2 / 6))
    assert nps([10, 10, 9]) == 100
    assert csat([5, 4, 3, None, 1]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="no scores"):
        nps([None, None])


def test_bootstrap_interval_is_reproducible_and_brackets_the_estimate():
    scores = pd.Series([10, 9, 9, 8, 7, 6, 5, 10, 3, 9, 10, 2] * 5)
    low, high = bootstrap_interval(scores, nps, resamples=500)
    assert (low, high) == bootstrap_interval(scores, nps, resamples=500)
    assert low < nps(scores) < high


def test_lifetime_value_is_the_sum_of_discounted_expected_margins_and_rejects_bad_input():
    # m + m·r/(1 + d) + m·r²/(1 + d)² + ..., summed far enough to converge
    margin, retention, discount = 30.0, 0.9, 0.01
    by_hand = sum(margin * retention**t / (1 + discount) ** t for t in range(2000))
    assert lifetime_value(margin, retention, discount) == pytest.approx(by_hand)
    assert lifetime_value(100, 0.0, 0.0) == pytest.approx(100)  # only this month
    assert lifetime_value(10, 0.96, 0.01) > lifetime_value(10, 0.95, 0.01)
    margins = pd.Series([10.0, 20.0])
    assert list(lifetime_value(margins, 0.97, 0.01)) == pytest.approx([252.5, 505])
    for bad in (97, 1.0, -0.1):  # a percentage typed for a fraction, certain retention, a negative rate
        with pytest.raises(ValueError, match="monthly retention is a fraction"):
            lifetime_value(10, bad, 0.01)
    with pytest.raises(ValueError, match=r"such as 0\.01 for 1%"):
        lifetime_value(10, 0.97, 1)


def exercise_model_clv():
    """The model answer of the retention_measurement exercise's ``clv`` cell, as its source notebook defines it."""
    notebook = nbformat.read(REPO / "exercises" / "retention_measurement" / "retention_measurement.ipynb",
                             as_version=4)
    (cell,) = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "clv"]
    namespace: dict = {}
    exec(cell.source, namespace)
    return namespace["clv"]


@pytest.mark.parametrize(("margin", "retention", "discount"), [
    (20.0, 0.97, 0.01), (12.5, 0.9, 0.0), (80.0, 0.0, 0.02), (33.0, 0.99, 0.005)])
def test_lesson_calculator_and_exercise_share_one_lifetime_value(margin, retention, discount):
    lesson = lifetime_value(margin, retention, discount)
    calculator = models.lifetime_value(margin, retention, discount)["clv"]
    exercise = exercise_model_clv()(margin * 2, 0.5, retention, discount)  # revenue x gross margin = margin
    question = COMPUTATIONS.get("median_lifetime_value").function(
        Tables({"customers": pd.DataFrame({"monthly_revenue": [margin * 4], "gross_margin": [0.25]})}),
        retention=retention, discount=discount)
    assert lesson == pytest.approx(calculator) == pytest.approx(exercise) == pytest.approx(question)
    assert lesson == pytest.approx(margin * (1 + discount) / (1 + discount - retention))


def test_pareto_chart_stars_the_vital_few_and_labels_bars():
    counts = pd.Series({"a": 50, "b": 30, "c": 10, "d": 5, "e": 5})
    ax = pareto_chart(counts, "causes")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["★ a", "★ b", "c", "d", "e"]
    assert [t.get_text() for t in ax.texts] == ["50", "30", "10", "5", "5"]  # each bar's count, largest first
    bars = bar_chart(pd.Series({"x": 0.25}), "share", fmt="{:.0%}")
    assert [t.get_text() for t in bars.texts] == ["25%"]
    two = line_chart([1, 2], {"kept": [1, 2], "lost": [2, 1]}, "t")
    assert [t.get_text() for t in two.texts] == ["kept", "lost"]
    one = line_chart([1, 2], {"share": [0.5, 0.75]}, "t", point_format="{:.0%}")
    assert [t.get_text() for t in one.texts] == ["50%", "75%"] and one.get_legend() is None
    one.figure.canvas.draw()
    ticks = [t.get_text() for t in one.get_yticklabels() if t.get_text()]
    assert ticks and all(tick.endswith("%") for tick in ticks)  # the axis agrees with the labels


def test_bar_chart_axes_agree_with_their_labels():
    shares = bar_chart(pd.Series({"small_business": 0.25, "consumer": 0.5}), "t", ylabel="share", fmt="{:.0%}",
                       horizontal=True)
    # the values run along the horizontal axis here: it carries their name and reads in percent like the labels
    assert shares.get_xlabel() == "share" and shares.get_ylabel() == ""
    shares.figure.canvas.draw()
    assert all(t.get_text().endswith("%") for t in shares.get_xticklabels() if t.get_text())
    assert [t.get_text() for t in shares.get_yticklabels()] == ["small business", "consumer"]
    minutes = bar_chart(pd.Series({"email": 300.0}), "t", ylabel="minutes", fmt="{:.0f}")
    assert minutes.get_ylabel() == "minutes" and minutes.get_xlabel() == ""


def test_a_chart_is_shown_as_a_picture_with_its_text_alternative_and_its_numbers(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda bundle, raw: shown.append((bundle, raw)))
    waits = pd.Series({"chat": 1.8, "email": 220.2}, name="median_wait")
    waits.index.name = "channel"
    ax = bar_chart(waits, "Median wait", ylabel="minutes", fmt="{:.0f}")
    show_chart(ax, 'Bar chart of the median wait by channel: "email" takes\n hours, chat about two minutes.',
               numbers=waits, fmt="{:.0f} minutes")
    [(bundle, raw)] = shown
    assert raw and not plt.fignum_exists(ax.figure.number)  # closed: the bare picture is not shown again
    figure = BeautifulSoup(bundle["text/html"], "html.parser").find("figure")
    image = figure.find("img")
    assert image["alt"] == 'Bar chart of the median wait by channel: "email" takes hours, chat about two minutes.'
    assert base64.b64decode(image["src"].removeprefix("data:image/png;base64,")).startswith(b"\x89PNG")
    assert bundle["text/plain"] == f"[Chart] {image['alt']}"
    table = figure.find("details").find("table")
    assert figure.find("summary").get_text() == "The numbers in this chart"
    assert table.find("caption").get_text() == "Median wait"  # the chart's title, unless the lesson gives one
    assert [th.get_text() for th in table.find("thead").find_all("th")] == ["channel", "median wait"]
    assert [[cell.get_text() for cell in row.find_all(["th", "td"])] for row in table.find("tbody").find_all("tr")] \
        == [["chat", "2 minutes"], ["email", "220 minutes"]]


def test_the_same_chart_gives_the_same_picture_and_no_numbers_means_no_table():
    first, second = (chart_html(line_chart([1, 2], {"share": [0.5, 0.75]}, "t"), "Share rises from half to three "
                                "quarters.") for _ in range(2))
    assert first == second and "<table" not in first


@pytest.mark.parametrize("alt", ["", "   \n ", None])
def test_a_chart_without_a_text_alternative_is_refused(alt, monkeypatch):
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: pytest.fail("shown without alternative text"))
    ax = bar_chart(pd.Series({"x": 1.0}), "t")
    with pytest.raises(ValueError, match="a chart needs alternative text"):
        show_chart(ax, alt)
    plt.close(ax.figure)


def shown_charts(monkeypatch) -> list[dict]:
    import IPython.display

    shown: list[dict] = []
    monkeypatch.setattr(IPython.display, "display", lambda bundle, raw: shown.append(bundle))
    return shown


def test_a_chart_text_quotes_its_numbers_as_the_table_writes_them(monkeypatch):
    shown = shown_charts(monkeypatch)
    satisfied = pd.Series([0.721, 0.4967, 0.1243], index=pd.Index([0, 1, 3], name="transfers"), name="satisfied")
    ax = bar_chart(satisfied, "Satisfied customers by number of transfers", fmt="{:.0%}")
    show_chart(ax, "{0} with no transfer and\n{3} after three.", numbers=satisfied, fmt="{:.0%}",
               caption="Share satisfied, by transfers")
    [bundle] = shown
    figure = BeautifulSoup(bundle["text/html"], "html.parser")
    assert figure.find("img")["alt"] == "72% with no transfer and 12% after three."
    assert bundle["text/plain"] == "[Chart] 72% with no transfer and 12% after three."
    assert figure.find("caption").get_text() == "Share satisfied, by transfers"
    assert [td.get_text() for td in figure.find_all("td")] == ["72%", "50%", "12%"]


def test_a_chart_text_names_rows_and_columns_as_the_table_shows_them():
    values = pd.DataFrame({"small_business": [166.4, 1742.3], "consumer": [55.9, 586.2]},
                          index=pd.Index(["80%", "99%"], name="monthly retention"))
    said = fill_alt("A small business grows from {80% | small business} to {99% | small business}; {{braces}}.",
                    values, "{:,.0f}")
    assert said == "A small business grows from 166 to 1,742; {braces}."
    waits = pd.Series({"social_media": 59.6}, name="minutes").rename_axis("channel")
    assert fill_alt("Social media takes {social media} minutes.", waits, "{:.0f}") == "Social media takes 60 minutes."


@pytest.mark.parametrize(("alt", "message"), [
    ("Chat takes {chats} minutes.", r"\{chats\} names no value .* its rows are chat, email"),
    ("Chat takes {chat:.1f} minutes.", r"\{chat\}: write the field without a format"),
])
def test_a_chart_text_field_the_table_does_not_have_is_named(alt, message):
    waits = pd.Series({"chat": 1.8, "email": 220.2}, name="minutes").rename_axis("channel")
    with pytest.raises(ValueError, match=message):
        fill_alt(alt, waits, "{:.0f}")
    with pytest.raises(ValueError, match=r"\{80%\} names no value .* \(write \{row \| column\}\)"):
        fill_alt("{80%}", pd.DataFrame({"a": [1], "b": [2]}, index=pd.Index(["80%"], name="retention")))


def test_a_number_typed_into_a_chart_text_that_the_table_does_not_say_is_refused(monkeypatch):
    """The data moved from 13% to 12%; the hand-typed text did not. The chart is not shown saying 13%."""
    shown = shown_charts(monkeypatch)
    satisfied = pd.Series([0.72, 0.124], index=pd.Index([0, 3], name="transfers"), name="satisfied (4 or 5)")
    ax = bar_chart(satisfied, "Satisfaction by transfers", fmt="{:.0%}")
    with pytest.raises(ValueError, match="text alternative says 13%, which its table of numbers does not"):
        show_chart(ax, "72% with no transfer and 13% after three.", numbers=satisfied, fmt="{:.0%}")
    with pytest.raises(ValueError, match=r"says 0\.7, which"):  # the table writes 72%: the same number, said otherwise
        show_chart(ax, "{0}, or 0.7 of customers, with no transfer.", numbers=satisfied, fmt="{:.0%}")
    with pytest.raises(ValueError, match="says 72%, which"):
        show_chart(ax, "72% with no transfer.")  # no table of numbers at all
    # numbers the table's caption, headings or labels say are fine: the scale, the number of transfers
    show_chart(ax, "Satisfaction (4 or 5) falls from {0} with no transfer to {3} after 3.", numbers=satisfied,
               fmt="{:.0%}")
    assert BeautifulSoup(shown[0]["text/html"], "html.parser").find("img")["alt"] == (
        "Satisfaction (4 or 5) falls from 72% with no transfer to 12% after 3.")


@pytest.mark.parametrize(("numbers", "title", "message"), [
    (pd.Series({"x": 1.0}, name="count"), "t", "need a name for their rows"),
    (pd.Series({"x": 1.0}).rename_axis("cause"), "t", "need a name for their values"),
    (pd.Series({"x": 1.0}, name="count").rename_axis("cause"), "", "needs a caption: give the chart a title"),
])
def test_a_table_of_numbers_a_screen_reader_could_not_announce_is_refused(numbers, title, message):
    ax = bar_chart(numbers, title)
    with pytest.raises(ValueError, match=message):
        chart_html(ax, "A single bar.", numbers=numbers)
    assert "<caption>Causes</caption>" in chart_html(ax, "A single bar.", numbers=numbers.rename("count")
                                                     .rename_axis("cause"), caption="Causes")
    plt.close(ax.figure)
