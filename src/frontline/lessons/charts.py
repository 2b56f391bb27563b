"""Small chart helpers the lessons share, so each chart reads the same way and says its numbers in text.

Every helper labels its values on the chart (meaning never rests on colour or bar length alone) and returns the
matplotlib Axes so a lesson can add to it. A lesson then shows the finished chart with :func:`show_chart`, which
gives the picture the text alternative the lesson writes for it (what the chart shows and what it finds) and the
chart's numbers as a table, so a trainee who uses a screen reader gets the same lesson. The text quotes its figures
from that table (``{row}`` fields, see :func:`fill_alt`), never typed by hand, so it stays true when the data
change.
"""

from __future__ import annotations

import base64
import html
import io
import re
import string
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter


def _axes(ax: Axes | None, size: tuple[float, float] = (7.5, 3.6)) -> Axes:
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def pareto_chart(counts: pd.Series, title: str, ax: Axes | None = None, threshold: float = 0.8,
                 fmt: str = "{:,.0f}") -> Axes:
    """Bars of counts, largest first, each labelled with its count (written with ``fmt``), with the cumulative
    share as a line; marks the "vital few" that reach ``threshold`` of the total with a ★ in their labels."""
    counts = counts.sort_values(ascending=False)
    share = counts.cumsum() / counts.sum()
    vital = int((share < threshold).sum()) + 1
    ax = _axes(ax, (8, 4))
    labels = [("★ " if i < vital else "") + str(name).replace("_", " ") for i, name in enumerate(counts.index)]
    bars = ax.bar(labels, counts.to_numpy(), color=["#1f5f8b" if i < vital else "#a9c4d8" for i in range(len(counts))])
    ax.bar_label(bars, labels=[fmt.format(v) for v in counts.to_numpy()], padding=2, fontsize=8)
    ax.margins(y=0.1)
    ax.set_ylabel("count")
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=40)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    cumulative = ax.twinx()
    cumulative.plot(labels, share.to_numpy(), color="#c0392b", marker="o", label="cumulative share")
    cumulative.axhline(threshold, color="#7f7f7f", linestyle="--", linewidth=1)
    cumulative.yaxis.set_major_formatter(PercentFormatter(1.0))
    cumulative.set_ylim(0, 1.05)
    cumulative.set_ylabel("cumulative share (line)")
    cumulative.text(len(counts) - 0.5, threshold + 0.02, f"{threshold:.0%}", ha="right", color="#7f7f7f")
    return ax


def bar_chart(values: pd.Series, title: str, xlabel: str = "", ylabel: str = "", fmt: str = "{:.2f}",
              ax: Axes | None = None, horizontal: bool = False) -> Axes:
    """A bar per value, each labelled with its number.

    ``ylabel`` names the values and ``xlabel`` the categories, whichever way the bars run: with
    ``horizontal=True`` the values' axis is the horizontal one, and it carries ``ylabel``. When ``fmt`` writes a
    percentage, the values' axis is in percent too, so the axis and the labels agree.
    """
    ax = _axes(ax)
    labels = [str(i).replace("_", " ") for i in values.index]
    numbers = values.astype(float).to_numpy()
    bars = ax.barh(labels, numbers, color="#1f5f8b") if horizontal else ax.bar(labels, numbers, color="#1f5f8b")
    ax.bar_label(bars, labels=[fmt.format(v) for v in numbers], padding=2)
    ax.set_title(title)
    value_axis = ax.xaxis if horizontal else ax.yaxis
    ax.set_xlabel(ylabel if horizontal else xlabel)
    ax.set_ylabel(xlabel if horizontal else ylabel)
    if "%}" in fmt:
        value_axis.set_major_formatter(PercentFormatter(1.0))
    if horizontal:
        ax.invert_yaxis()
    ax.margins(x=0.12) if horizontal else ax.margins(y=0.15)
    return ax


def line_chart(x: Sequence[float], lines: Mapping[str, Sequence[float]], title: str, xlabel: str = "",
               ylabel: str = "", ax: Axes | None = None, point_format: str | None = None) -> Axes:
    """One line per series, each with its own marker; with several series each is also named at its end (not
    only by a legend colour). ``point_format`` (e.g. ``"{:.0%}"``) writes every point's value beside it; when it
    writes a percentage, the values' axis is in percent too, so the axis and the labels agree."""
    ax = _axes(ax)
    markers = "osd^vx*"
    xs = list(x)
    for i, (name, ys) in enumerate(lines.items()):
        ys = list(ys)
        ax.plot(xs, ys, marker=markers[i % len(markers)], label=name)
        if len(lines) > 1:
            ax.annotate(name, (xs[-1], ys[-1]), textcoords="offset points", xytext=(5, 0), fontsize=8,
                        va="center")
        if point_format:
            for px, py in zip(xs, ys, strict=True):
                ax.annotate(point_format.format(py), (px, py), textcoords="offset points", xytext=(0, 7),
                            fontsize=8, ha="center")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if point_format and "%}" in point_format:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if len(lines) > 1:
        ax.legend(frameon=False)
        ax.margins(x=0.15)
    ax.margins(y=0.12)
    return ax


def _plain(label: object) -> str:
    return str(label).replace("_", " ")


def _format(value: object, fmt: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return fmt.format(value)
    except (TypeError, ValueError):
        return str(value)


def _frame(numbers: pd.Series | pd.DataFrame) -> pd.DataFrame:
    return numbers.to_frame() if isinstance(numbers, pd.Series) else numbers


def _cells(numbers: pd.Series | pd.DataFrame, fmt: str) -> dict[tuple[str, str], str]:
    """Each value of the table as the table writes it, by (row label, column header) as the table shows them."""
    frame = _frame(numbers)
    return {(_plain(row), _plain(column)): _format(value, fmt)
            for row, values in frame.iterrows() for column, value in values.items()}


# a number as the lessons write one: 7, 1,497, 0.53, 72%
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?%?")


def fill_alt(alt: str, numbers: pd.Series | pd.DataFrame | None = None, fmt: str = "{:g}") -> str:
    """The text alternative with each ``{row}`` (or ``{row | column}`` when the table has several columns)
    replaced by that value exactly as the chart's table of numbers writes it, so the words a screen reader says
    come from the data the chart plots and change with it. Rows and columns are named as the table shows them
    (``{small business}``, ``{80% | consumer}``); ``{{`` and ``}}`` stand for braces.

    Raises ValueError naming the field when it is not in the table, or carries a format of its own.
    """
    cells = {} if numbers is None else _cells(numbers, fmt)
    columns = list(dict.fromkeys(column for _, column in cells))
    parts = []
    for literal, field, spec, conversion in string.Formatter().parse(alt):
        parts.append(literal)
        if field is None:
            continue
        if spec or conversion:
            raise ValueError(f"chart text {{{field}}}: write the field without a format; it is filled as the table "
                             "of numbers writes it")
        row, _, column = (part.strip() for part in field.partition("|"))
        if not column and len(columns) == 1:
            column = columns[0]
        if (row, column) not in cells:
            rows = ", ".join(dict.fromkeys(r for r, _ in cells)) or "none: pass the chart's numbers"
            where = f" and columns {', '.join(columns)} (write {{row | column}})" if len(columns) > 1 else ""
            raise ValueError(f"chart text {{{field}}} names no value of the chart's table of numbers; its rows are "
                             f"{rows}{where}")
        parts.append(cells[row, column])
    return "".join(parts)


def _caption(figure: Figure, caption: str | None) -> str:
    if caption is not None:
        return caption
    titles = [figure.get_suptitle(), *(ax.get_title() for ax in figure.axes)]
    return next((title for title in titles if title.strip()), "")


def _numbers_table(numbers: pd.Series | pd.DataFrame, fmt: str, caption: str) -> str:
    """The chart's numbers as a small HTML table: a caption saying what they are, a header naming each column,
    then one row per category."""
    frame = _frame(numbers)
    if frame.index.name is None or not str(frame.index.name).strip():
        raise ValueError("the chart's numbers need a name for their rows (the index name: 'channel', 'level', …), "
                         "for the heading of the table's first column")
    if isinstance(numbers, pd.Series) and not str(numbers.name or "").strip():
        raise ValueError("the chart's numbers need a name for their values (the series name: 'median wait "
                         "(minutes)', …), for the heading of the table's second column")
    if not caption.strip():
        raise ValueError("the chart's table of numbers needs a caption: give the chart a title, or pass caption=…")
    header = "".join(f'<th scope="col">{html.escape(_plain(name))}</th>' for name in [frame.index.name, *frame.columns])
    rows = []
    for label, values in frame.iterrows():
        cells = "".join(f"<td>{html.escape(_format(value, fmt))}</td>" for value in values)
        rows.append(f'<tr><th scope="row">{html.escape(_plain(label))}</th>{cells}</tr>')
    return (f"<table><caption>{html.escape(caption)}</caption><thead><tr>{header}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def table_text(numbers: pd.Series | pd.DataFrame, fmt: str, caption: str) -> str:
    """Everything the chart's table of numbers says, as text: its caption, headings, row labels and values."""
    frame = _frame(numbers)
    return " ".join([caption, _plain(frame.index.name or ""), *map(_plain, frame.columns),
                     *(f"{row} {value}" for (row, _), value in _cells(numbers, fmt).items())])


def _described(figure: Figure, alt: str, numbers: pd.Series | pd.DataFrame | None, fmt: str,
               caption: str | None) -> tuple[str, str]:
    """The text alternative as a screen reader will say it, and the table of numbers as HTML ("" without one)."""
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("a chart needs alternative text: say in plain words what it shows and what it finds")
    spoken = " ".join(fill_alt(alt, numbers, fmt).split())
    caption = _caption(figure, caption)
    said = set(NUMBER.findall(table_text(numbers, fmt, caption))) if numbers is not None else set()
    unsaid = [number for number in NUMBER.findall(spoken) if number not in said]
    if unsaid:
        raise ValueError(f"the chart's text alternative says {', '.join(dict.fromkeys(unsaid))}, which its table of "
                         "numbers does not: quote the table's values as {row} fields so they come from the data")
    return spoken, "" if numbers is None else _numbers_table(numbers, fmt, caption)


def _figure_html(figure: Figure, spoken: str, table: str) -> str:
    png = io.BytesIO()
    # no "Software" entry: the same chart gives the same bytes on every run
    figure.savefig(png, format="png", dpi=100, metadata={"Software": None})
    source = base64.b64encode(png.getvalue()).decode("ascii")
    parts = ['<figure class="frontline-chart" style="margin: 0.5em 0">',
             f'<img src="data:image/png;base64,{source}" alt="{html.escape(spoken)}" '
             'style="max-width: 100%; height: auto">']
    if table:
        parts.append(f"<details><summary>The numbers in this chart</summary>{table}</details>")
    parts.append("</figure>")
    return "".join(parts)


def chart_html(chart: Axes | Figure, alt: str, numbers: pd.Series | pd.DataFrame | None = None,
               fmt: str = "{:g}", caption: str | None = None) -> str:
    """The chart as an HTML figure: the picture (PNG, inline) with ``alt`` as its text alternative and, when
    ``numbers`` is given, a table of them (each value written with ``fmt``, under a caption: ``caption`` or else
    the chart's title) under "The numbers in this chart".

    ``alt`` quotes the table's values as fields (see :func:`fill_alt`). Raises ValueError when ``alt`` is empty
    (a chart without a text alternative is silent to a screen reader), when it says a number the table does not
    (a number typed by hand goes stale, silently, when the data change), or when the table's rows have no name.
    """
    figure = chart.get_figure() if isinstance(chart, Axes) else chart
    return _figure_html(figure, *_described(figure, alt, numbers, fmt, caption))


def show_chart(chart: Axes | Figure, alt: str, numbers: pd.Series | pd.DataFrame | None = None,
               fmt: str = "{:g}", caption: str | None = None) -> None:
    """Show a finished chart with its text alternative (see :func:`chart_html`) in place of the bare picture.

    The figure is closed afterwards, so the notebook does not show it a second time without its text.
    """
    from IPython.display import display

    figure = chart.get_figure() if isinstance(chart, Axes) else chart
    spoken, table = _described(figure, alt, numbers, fmt, caption)
    content = _figure_html(figure, spoken, table)
    plt.close(figure)
    display({"text/html": content, "text/plain": f"[Chart] {spoken}"}, raw=True)
