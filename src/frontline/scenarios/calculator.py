"""``calculator``: what-if sliders over a model (see :mod:`frontline.scenarios.models`) with a chart that redraws.

The trainee explores, then answers the task's question; the expected answer is computed from the model with the
task's inputs, within a relative tolerance (half credit within three times the tolerance). An answer that matches a
recognisable mistake the author listed (``mistakes``: an input left out, the wrong output read, a percentage typed
for a fraction) gets that mistake's own explanation instead of a generic "not quite".
"""

from __future__ import annotations

import html
import io
import math
from numbers import Real
from typing import TYPE_CHECKING, Any, ClassVar

import ipywidgets as w

from frontline.scenarios.base import Scenario
from frontline.scenarios.feedback import AnswerTypeError, Feedback
from frontline.scenarios.models import MODELS
from frontline.scenarios.widgets import WIDE, markdown

if TYPE_CHECKING:
    from matplotlib.figure import Figure

OUTPUT_LABELS = {
    "clv": ("Customer lifetime value", "money"),
    "expected_years": ("Expected years as a customer", "number"),
    "clv_plus_5_points": ("Lifetime value with 5 points more retention", "money"),
    "gain_from_5_points": ("Gain from 5 points more retention", "percent"),
    "unhappy_customers": ("Customers with a problem", "count"),
    "silent": ("Did not complain to you (the 'silent')", "count"),
    "told_front_line": ("...of whom told the front line only (never logged)", "count"),
    "said_nothing": ("...of whom told nobody at the company", "count"),
    "expected_to_stay": ("Expected to give you a second chance", "count"),
    "wait_probability": ("Chance a caller has to wait", "percent"),
    "average_wait_seconds": ("Average wait (seconds)", "number"),
    "service_level": ("Answered within the target time", "percent"),
    "occupancy": ("Representative occupancy", "percent"),
    "agents_needed": ("Representatives needed to reach the target", "count"),
    "load_erlangs": ("Workload (Erlangs: calls in progress on average)", "number"),
}


def task_value(data: dict[str, Any], inputs: dict[str, float] | None = None, output: str | None = None) -> float:
    """The model's answer to the task (or, with ``inputs``/``output``, to the task as a mistake reads it)."""
    task = data["task"]
    defaults = {s["name"]: s["value"] for s in data["sliders"]}
    values = MODELS[data["model"]].compute(**{**defaults, **task["inputs"], **(inputs or {})})
    return values[output or task["output"]]


def mistaken_value(data: dict[str, Any], mistake: dict[str, Any]) -> float:
    """The answer a recognisable mistake produces."""
    return task_value(data, mistake.get("inputs"), mistake.get("output")) * float(mistake.get("scale", 1))


def format_output(name: str, value: float, currency: str = "$") -> str:
    kind = OUTPUT_LABELS.get(name, (name, "number"))[1]
    if math.isinf(value):
        return "no limit (the team cannot keep up)"
    if kind == "money":
        return f"{currency}{value:,.0f}"
    if kind == "percent":
        return f"{value:.1%}"
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


class CalculatorScenario(Scenario):
    kind = "calculator"
    learner_verbs: ClassVar[tuple[str, ...]] = (*Scenario.learner_verbs, "set", "answer", "choose")

    def _reset(self) -> None:
        self._inputs = {s["name"]: s["value"] for s in self.data["sliders"]}
        self._answer_value: float | None = None

    @property
    def model(self):
        return MODELS[self.data["model"]]

    @property
    def inputs(self) -> dict[str, float]:
        return dict(self._inputs)

    @property
    def outputs(self) -> dict[str, float]:
        return self.model.compute(**self._inputs)

    @property
    def visible_outputs(self) -> dict[str, float]:
        """The outputs shown under the chart (the author may hide one that would give the answer away)."""
        shown = self.data.get("show_outputs")
        return {k: v for k, v in self.outputs.items() if shown is None or k in shown}

    def set(self, **values: float) -> dict[str, float]:
        """Move sliders, e.g. ``set(retention=0.85)``; returns the new outputs."""
        sliders = {s["name"]: s for s in self.data["sliders"]}
        for name, value in values.items():
            if name not in sliders:
                raise AnswerTypeError(f"there is no slider {name!r}; the sliders are {', '.join(sliders)}.")
            if isinstance(value, bool) or not isinstance(value, Real):
                raise AnswerTypeError(f"{name} must be a number between {sliders[name]['min']} and "
                                      f"{sliders[name]['max']}; got {value!r} ({type(value).__name__}).")
            low, high = sliders[name]["min"], sliders[name]["max"]
            if not low <= value <= high:
                percent = high <= 1 and low <= value / 100 <= high
                raise AnswerTypeError(f"{name} must be between {low} and {high}; got {value!r}." + (
                    f" It looks like a percentage: write {value / 100:g} for {value:g}%." if percent else ""))
        self._inputs.update({k: float(v) for k, v in values.items()})
        self._refresh()
        return self.outputs

    def answer(self, value: float) -> None:
        """Your answer to the task's question (a number, in the task's unit)."""
        if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
            raise AnswerTypeError(f"the answer must be a number ({self.task_unit}); got {value!r} "
                                  f"({type(value).__name__}). Type digits only, e.g. 1250 rather than '$1,250'.")
        self._answer_value = float(value)
        self._refresh()

    choose = answer

    @property
    def task_unit(self) -> str:
        """The answer's unit; money ("$" in the file) in the kit's currency."""
        unit = self.data["task"]["unit"]
        return self.spec.settings.currency if unit == "$" else unit

    @property
    def expected(self) -> float:
        return task_value(self.data)

    def _mistake(self, value: float) -> dict[str, Any] | None:
        tolerance = self.data["task"]["tolerance"]
        for mistake in self.data.get("mistakes", []):
            target = mistaken_value(self.data, mistake)
            if abs(value - target) <= tolerance * max(abs(target), 1e-9):
                return mistake
        return None

    def _missing(self) -> str | None:
        return None if self._answer_value is not None else "Nothing to submit yet: type your answer."

    def _answer(self) -> Any:
        return self._answer_value

    def _grade(self) -> Feedback:
        task = self.data["task"]
        expected = self.expected
        error = abs(self._answer_value - expected) / max(abs(expected), 1e-9)
        tolerance = task["tolerance"]
        score = 1.0 if error <= tolerance else (0.5 if error <= 3 * tolerance else 0.0)
        mistake = None if score == 1 else self._mistake(self._answer_value)
        if score == 1:
            messages = [f"✔ {self._answer_value:,.4g} is within {tolerance:.0%} of the model's answer."]
        elif mistake:
            score = 0.0
            messages = [f"✘ {self._answer_value:,.4g} is what you get if you make a common mistake: {mistake['why']}"]
        elif score:
            messages = [f"◐ {self._answer_value:,.4g} is close ({error:.0%} off); set the sliders exactly to the "
                        f"task's values and read the figure again."]
        else:
            messages = [f"✘ {self._answer_value:,.4g} is {error:.0%} away from the model's answer. Set the sliders "
                        f"to the values in the task and read the result under the chart."]
        messages += [f"Assumption: {a}" for a in self.data.get("assumptions", [])]
        return Feedback(score, messages, {"answer": self._answer_value, "relative_error": error,
                                          "mistake": mistake["id"] if mistake else None})

    def _solution_text(self) -> str:
        task = self.data["task"]
        label = OUTPUT_LABELS.get(task["output"], (task["output"],))[0]
        # trainees read each slider's label, never its internal name
        labels = {slider["name"]: slider["label"] for slider in self.data["sliders"]}
        inputs = ", ".join(f"{labels.get(k, k)} at {v:g}" for k, v in task["inputs"].items())
        return (f"{self.data['solution']}\n\nWith {inputs}: {label} = "
                f"{format_output(task['output'], self.expected, self.spec.settings.currency)}.")

    def _describe(self) -> str:
        return self.data["task"]["prompt"]

    # ----- chart -----------------------------------------------------------------------------------------------
    def figure(self) -> Figure:
        """The chart for the current slider values (a matplotlib Figure, no pyplot state involved)."""
        from matplotlib.figure import Figure  # on first use: marking a graded situation never draws, nor needs it

        fig = Figure(figsize=(6.4, 3.4), dpi=80)
        # fixed margins instead of tight_layout(): the layout is the same for every redraw and this is faster
        fig.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.16)
        ax = fig.add_subplot()
        inputs, model = self._inputs, self.data["model"]
        if model == "lifetime_value":
            rates = [r / 1000 for r in range(800, 991, 5)]
            values = [MODELS[model].compute(**{**inputs, "retention": r})["clv"] for r in rates]
            ax.plot([r * 100 for r in rates], values, label="lifetime value")
            ax.axvline(inputs["retention"] * 100, linestyle="--", label="your retention")
            ax.set_xlabel("Retention rate per month (%)")
            ax.set_ylabel("Lifetime value")
            ax.set_title("What a customer is worth as retention rises")
        elif model == "complaint_iceberg":
            out = self.outputs
            parts = [("Complained to you (logged)", inputs["complaints"], "///"),
                     ("Told the front line only", out["told_front_line"], "..."),
                     ("Told nobody at the company", out["said_nothing"], "xx")]
            left = 0.0
            for label, value, hatch in parts:  # hatching tells the parts apart without relying on colour
                ax.barh([0], [value], height=0.8, left=left, label=f"{label}: {value:,.0f}", hatch=hatch,
                        edgecolor="black")
                left += value
            ax.set_ylim(-0.6, 2.0)  # room above the bar for the legend
            ax.set_yticks([])
            ax.set_xlabel("Customers with a problem")
            ax.set_title("The complaint iceberg (under the stated assumptions)")
        else:
            base = {k: v for k, v in inputs.items() if k != "agents"}
            load = MODELS[model].compute(**{**inputs})["load_erlangs"]
            agents = list(range(max(1, math.floor(load) + 1), math.floor(load) + 16))
            levels = [MODELS[model].compute(**base, agents=n)["service_level"] * 100 for n in agents]
            ax.plot(agents, levels, marker="o", label="answered within target")
            ax.axhline(inputs.get("target_level", 0.8) * 100, linestyle=":", label="target")
            ax.axvline(inputs["agents"], linestyle="--", label="your team")
            ax.set_xlabel("Representatives on the phones")
            ax.set_ylabel("% answered within target")
            ax.set_title("Staffing and waiting (Erlang C)")
        ax.legend(loc="upper left" if model == "complaint_iceberg" else "lower right", fontsize="small")
        return fig

    def chart_text(self) -> str:
        """The chart in words, for a screen reader (the picture's text alternative); the figures are in the table.

        It names only the inputs the trainee set, never an output, so it gives away nothing the author hid.
        """
        inputs, model = self._inputs, self.data["model"]
        if model == "lifetime_value":
            text = ("Line chart of what a customer is worth as the monthly retention rate rises from 80% to 99%; a "
                    f"dashed line marks your retention rate, {inputs['retention']:.1%}.")
        elif model == "complaint_iceberg":
            text = ("Bar chart of the customers with a problem, in three hatched parts: those who complained to you, "
                    "those who told the front line only, and those who told nobody at the company.")
        else:
            text = ("Line chart of the share of calls answered within the target time for each number of "
                    f"representatives on the phones; a dotted line marks the target, "
                    f"{inputs.get('target_level', 0.8):.0%}, and a dashed line your team of {inputs['agents']:g}.")
        return f"{text} The table under the chart gives the figures for these inputs."

    def chart_png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", pil_kwargs={"compress_level": 1})  # speed over file size
        return buffer.getvalue()

    # ----- widget ----------------------------------------------------------------------------------------------
    def _build_body(self) -> w.Widget:
        ui = self.ui
        ui.sliders = {}
        for spec in self.data["sliders"]:
            whole = all(float(spec[k]).is_integer() for k in ("min", "max", "step", "value"))
            cls = w.IntSlider if whole else w.FloatSlider
            kwargs = {} if whole else {"readout_format": ".2f"}
            slider = cls(value=spec["value"], min=spec["min"], max=spec["max"], step=spec["step"],
                         description=spec["label"], continuous_update=False, style=WIDE,
                         layout=w.Layout(width="95%"), **kwargs)
            slider.observe(lambda change, name=spec["name"]: self._ui_action(
                lambda: self.set(**{name: change["new"]}))(), names="value")
            ui.sliders[spec["name"]] = slider
        ui.chart = w.Image(format="png", layout=w.Layout(max_width="640px"))
        ui.results = w.HTML()
        ui.task = w.HTML(f"<p><strong>Your task:</strong></p>{markdown(self.data['task']['prompt'])}")
        ui.answer = w.FloatText(value=0, description=f"Your answer ({self.task_unit})", style=WIDE)
        ui.answer.observe(lambda change: self._ui_action(lambda: self.answer(change["new"]))(), names="value")
        ui.chart_key = None
        return w.VBox([*ui.sliders.values(), ui.chart, ui.results, ui.task, ui.answer])

    def _refresh_body(self) -> None:
        ui = self.ui
        for name, slider in ui.sliders.items():
            if slider.value != self._inputs[name]:
                slider.value = self._inputs[name]
        key = tuple(sorted(self._inputs.items()))
        if ui.chart_key != key:  # redraw only when an input changed, not on every answer keystroke
            ui.chart_key = key
            ui.chart.value = self.chart_png()
            ui.chart.tooltip = self.chart_text()  # the picture's title: its name for a screen reader
            currency = self.spec.settings.currency
            rows = "".join(f"<tr><th scope='row'>{html.escape(OUTPUT_LABELS.get(n, (n,))[0])}</th>"
                           f"<td>{html.escape(format_output(n, v, currency))}</td></tr>"
                           for n, v in self.visible_outputs.items())
            caption = "<caption>Results for these inputs (the chart shows the same)</caption>"
            ui.results.value = f"<table>{caption}{rows}</table>"
        if self._answer_value is not None and ui.answer.value != self._answer_value:
            ui.answer.value = self._answer_value
