"""Chart geometry for inline SVG: pure functions from numbers to shapes.

The templates (``dashboard/_charts.html``) draw what these return; nothing is fetched by
the browser. Sizes are SVG user units in a ``viewBox``: the charts scale to the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 400
LABEL_WIDTH = 120  # horizontal bars: room for the label on the left


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    kind: str  # a CSS class: the series
    title: str  # shown on hover, and read by screen readers


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    kind: str = "axis"


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    grid: list[float] = field(default_factory=list)  # y of each gridline
    legend: list[tuple[str, str]] = field(default_factory=list)  # (kind, name)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _short(value: float) -> str:
    if value >= 100_000:
        return f"{value / 100_000:g}L"  # lakh
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def stacked_columns(
    columns: list[str],
    series: list[tuple[str, str, list[int]]],
    height: float = 180,
    every: int = 1,
) -> Chart:
    """Columns (one per label) stacking each series' values: ``series`` is (kind, name,
    values). A label is written under every ``every``-th column."""
    top, bottom, left = 10, 22, 34
    plot_h = height - top - bottom
    totals = [sum(values[i] for _, _, values in series) for i in range(len(columns))]
    ceiling = nice_ceiling(max(totals, default=0))
    slot = (WIDTH - left) / max(len(columns), 1)
    bar_w = max(slot * 0.7, 1)
    chart = Chart(WIDTH, height, legend=[(kind, name) for kind, name, _ in series if name])
    for step in range(5):
        y = top + plot_h * (1 - step / 4)
        chart.grid.append(y)
        chart.labels.append(Label(left - 4, y + 4, _short(ceiling * step / 4), "end"))
    for i, column in enumerate(columns):
        x = left + i * slot + (slot - bar_w) / 2
        base = top + plot_h
        for kind, name, values in series:
            value = values[i]
            if value <= 0:
                continue
            h = plot_h * value / ceiling
            base -= h
            title = f"{column}: {value}" if not name else f"{column}, {name}: {value}"
            chart.rects.append(Rect(x, base, bar_w, h, kind, title))
        if i % every == 0:
            chart.labels.append(Label(x + bar_w / 2, height - 6, column))
    return chart


def bar_rows(
    rows: list[tuple[str, float, str]], kind: str = "bar", maximum: float | None = None
) -> Chart:
    """Horizontal bars, one per (label, value, text shown at the bar's end)."""
    row_h, gap = 18, 6
    height = max(len(rows), 1) * (row_h + gap) + gap
    ceiling = maximum if maximum else nice_ceiling(max((v for _, v, _ in rows), default=0))
    room = WIDTH - LABEL_WIDTH - 52
    chart = Chart(WIDTH, height)
    for i, (label, value, text) in enumerate(rows):
        y = gap + i * (row_h + gap)
        width = room * min(value / ceiling, 1) if ceiling else 0
        chart.labels.append(Label(LABEL_WIDTH - 6, y + row_h * 0.7, label, "end", "name"))
        chart.rects.append(Rect(LABEL_WIDTH, y, max(width, 0.5), row_h, kind, f"{label}: {text}"))
        chart.labels.append(Label(LABEL_WIDTH + width + 4, y + row_h * 0.7, text, "start", "value"))
    return chart


def share_bar(parts: list[tuple[str, str, int]]) -> Chart:
    """One bar split into the shares of ``parts`` (kind, name, count), with a legend."""
    total = sum(count for _, _, count in parts)
    chart = Chart(WIDTH, 28, legend=[(kind, name) for kind, name, _ in parts])
    x = 0.0
    for kind, name, count in parts:
        if not total or not count:
            continue
        width = WIDTH * count / total
        chart.rects.append(Rect(x, 0, width, 28, kind, f"{name}: {count}"))
        x += width
    return chart
