"""Calculators: sliders redraw the chart and results; answers are checked against the model."""

from __future__ import annotations

import math

import pytest

import frontline
from frontline.scenarios import AnswerTypeError, ProgressStore
from frontline.scenarios.calculator import format_output
from frontline.scenarios.models import complaint_iceberg, erlang_c, lifetime_value, staffing_wait


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


def test_models_match_hand_calculations():
    assert lifetime_value(20, 0.97, 0.01)["clv"] == pytest.approx(505)  # 20 x 1.01 / (1.01 - 0.97)
    assert erlang_c(calls_per_hour=60, handle_minutes=2, agents=3) == pytest.approx(4 / 9)  # 2 Erlangs, 3 agents
    assert erlang_c(60, 3, 3) == 1.0  # the team cannot keep up
    assert math.isinf(staffing_wait(60, 3, 3)["average_wait_seconds"])
    iceberg = complaint_iceberg(50, 26, 0.5)
    assert iceberg["unhappy_customers"] == 1350 and iceberg["told_front_line"] == 650
    # the high second-chance rate applies to resolved complainers only: 50 x (0.6 x 0.7 + 0.4 x 0.3) + 1300 x 0.2
    assert iceberg["expected_to_stay"] == pytest.approx(50 * (0.42 + 0.12) + 260)
    assert complaint_iceberg(50, 26, 0.5, resolved_share=0)["expected_to_stay"] == pytest.approx(50 * 0.3 + 260)


def test_moving_a_slider_redraws_the_chart_and_the_results(store):
    s = frontline.scenario("calculator/lifetime-value", store=store)
    ui = s.widget and s.ui
    first_chart, first_results = bytes(ui.chart.value), ui.results.value
    assert first_chart.startswith(b"\x89PNG") and "Customer lifetime value" in first_results
    ui.sliders["retention"].value = 0.95
    assert s.inputs["retention"] == 0.95
    assert bytes(ui.chart.value) != first_chart and ui.results.value != first_results
    assert "$505" in ui.results.value  # 30 x 1.01 / (1.01 - 0.95)
    assert "your retention rate, 95.0%" in ui.chart.tooltip  # the picture's text follows the sliders too


@pytest.mark.parametrize("scenario_id", ["calculator/lifetime-value", "calculator/complaint-iceberg",
                                         "calculator/staffing-wait"])
def test_every_calculator_chart_has_a_text_alternative_that_gives_nothing_hidden_away(store, scenario_id):
    s = frontline.scenario(scenario_id, store=store)
    ui = s.widget and s.ui
    assert ui.chart.tooltip.endswith("The table under the chart gives the figures for these inputs.")
    for name, value in s.outputs.items():
        if name not in s.visible_outputs:
            assert format_output(name, value) not in ui.chart.tooltip


def test_answering_through_the_widget(store):
    s = frontline.scenario("calculator/lifetime-value", store=store)
    ui = s.widget and s.ui
    ui.answer.value = 505
    ui.submit.click()
    assert s.feedback.correct and "✔ 505 is within 3%" in ui.feedback.value
    ui.answer.value = 528  # 4.6% off: close
    ui.submit.click()
    assert s.feedback.partial and s.feedback.score == 0.5
    ui.answer.value = 300
    ui.submit.click()
    assert s.feedback.score == 0 and "✘ 300 is 41% away from the model" in ui.feedback.value


@pytest.mark.parametrize("scenario_id, answer, mistake, says", [
    ("calculator/lifetime-value", 666.67, "discount-ignored", "keep the 1% monthly discount rate"),
    ("calculator/complaint-iceberg", 1300, "complainers-left-out", "The 50 who complained had the problem too"),
    ("calculator/staffing-wait", 12, "staffed-to-the-workload", "12 is the workload"),
])
def test_a_recognisable_mistake_gets_its_own_explanation(store, scenario_id, answer, mistake, says):
    s = frontline.scenario(scenario_id, store=store)
    s.answer(answer)
    result = s.submit()
    assert result.score == 0 and result.details["mistake"] == mistake
    assert result.messages[0].startswith(f"✘ {answer:,.4g} is what you get if you make a common mistake:")
    assert says in result.messages[0]


def test_a_percentage_typed_for_a_fraction_is_recognised(store):
    s = frontline.scenario("calculator/lifetime-value", store=store)
    with pytest.raises(AnswerTypeError, match=r"It looks like a percentage: write 0\.97 for 97%"):
        s.set(retention=97)


def test_staffing_answer_and_solution(store):
    s = frontline.scenario("calculator/staffing-wait", store=store)
    assert s.expected == 16
    ui = s.widget and s.ui
    assert "Answered within the target time" in ui.results.value
    assert "Representatives needed" not in ui.results.value  # the answer is not shown before it is found
    s.set(agents=16)
    assert s.outputs["service_level"] >= 0.8 > staffing_wait(120, 6, 15)["service_level"]
    s.answer(15)
    assert s.submit().partial
    solution = str(s.solution())
    assert "Representatives needed to reach the target = 16" in solution
    # the inputs are named by their sliders' labels, as the trainee sees them, not by internal names
    for slider in s.data["sliders"]:
        if slider["name"] in s.data["task"]["inputs"]:
            assert slider["label"] in solution and f"{slider['name']} =" not in solution


def test_the_iceberg_keeps_its_caveat_in_view(store):
    s = frontline.scenario("calculator/complaint-iceberg", store=store)
    assert "front line" in s.data["intro"] and "misquotes" in s.data["intro"]
    s.set(complaints=50, silent_per_complainer=26)
    s.answer(1350)
    result = s.submit()
    assert result.correct and any("varies by industry" in m for m in result.messages)


def test_wrong_types_and_ranges_explain_themselves(store):
    s = frontline.scenario("calculator/lifetime-value", store=store)
    with pytest.raises(AnswerTypeError, match=r"got '\$880' \(str\).*digits only"):
        s.answer("$880")
    with pytest.raises(AnswerTypeError, match=r"retention must be between 0\.8 and 0\.99; got 1\.5\.$"):
        s.set(retention=1.5)
    with pytest.raises(AnswerTypeError, match="no slider 'churn'"):
        s.set(churn=0.2)
