"""Shared measures and chart helpers the lessons use."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from frontline.lessons.charts import bar_chart, line_chart, pareto_chart
from frontline.lessons.measures import bootstrap_interval, csat, lifetime_value, nps


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


def test_lifetime_value_matches_a_hand_sum_and_rejects_bad_input():
    # 3 months, retention 0.5, no discounting: 10 + 5 + 2.5
    assert lifetime_value(10, 0.5, annual_discount_rate=0.0, months=3) == pytest.approx(17.5)
    assert lifetime_value(10, 0.9, months=60) > lifetime_value(10, 0.8, months=60)
    with pytest.raises(ValueError, match="monthly_retention"):
        lifetime_value(10, 1.5)


def test_pareto_chart_stars_the_vital_few_and_labels_bars():
    counts = pd.Series({"a": 50, "b": 30, "c": 10, "d": 5, "e": 5})
    ax = pareto_chart(counts, "causes")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["★ a", "★ b", "c", "d", "e"]
    bars = bar_chart(pd.Series({"x": 0.25}), "share", fmt="{:.0%}")
    assert [t.get_text() for t in bars.texts] == ["25%"]
    two = line_chart([1, 2], {"kept": [1, 2], "lost": [2, 1]}, "t")
    assert [t.get_text() for t in two.texts] == ["kept", "lost"]
    one = line_chart([1, 2], {"share": [0.5, 0.75]}, "t", point_format="{:.0%}")
    assert [t.get_text() for t in one.texts] == ["50%", "75%"] and one.get_legend() is None


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
