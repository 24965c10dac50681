"""The overview's charts as inline SVG, drawn by pygal: pure functions from numbers and
already-translated labels to markup, no I/O.

Each chart is sized in SVG user units for a phone (``WIDTH``: the width of a card's
content on a 390 px screen, so a font of 13 units reads as 13 px there) and carries a
``viewBox`` and ``width="100%"``: it scales to its card, never wider than the screen.
pygal's tooltips need JavaScript from a CDN: no script is configured (``js=[]``) and the
one inline script pygal always writes (its config) is removed, so a chart fetches
nothing and obeys the Content-Security-Policy (scripts from our own files only; the
chart's inline ``<style>`` is allowed by ``style-src 'unsafe-inline'``). Each bar or
point gets a ``<title>`` (label: value) that browsers show on hover and screen readers
read. Text is SVG text in a font family with Devanagari.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pygal
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

WIDTH = 340  # a card's content on a 390 px phone: 390 - page margins - card padding
FONT = '"Noto Sans Devanagari", "Lohit Devanagari", "Noto Sans", sans-serif'
ROW = 30  # horizontal bars: height of one row
COLORS = {
    "accent": "#0b6e4f",
    "ok": "#1e8449",
    "due": "#e0a800",
    "overdue": "#d35400",
    "left_out": "#b03a2e",
    "drop_out": "#7d3c98",
    "failed": "#b03a2e",
    "sms": "#0b6e4f",
    "voice": "#2e86c1",
    "other": "#9fb3c8",
}
STATUS_COLORS = {
    "on_time": COLORS["ok"],
    "due": COLORS["due"],
    "overdue": COLORS["overdue"],
    "left_out": COLORS["left_out"],
    "drop_out": COLORS["drop_out"],
}

Format = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One series of a chart: its name (shown in the legend), values and colour."""

    name: str
    values: Sequence[float | None]
    color: str = COLORS["accent"]


def style(colors: Sequence[str]) -> Style:
    """The dashboard's look: its ink and line colours, Devanagari-capable fonts, text
    large enough to read on a phone."""
    return Style(
        background="transparent",
        plot_background="transparent",
        foreground="#1d2733",
        foreground_strong="#1d2733",
        foreground_subtle="#d9e0e7",
        opacity="1",
        opacity_hover="0.85",
        transition="0ms",
        colors=tuple(colors) or (COLORS["accent"],),
        font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        value_font_family=FONT,
        value_label_font_family=FONT,
        legend_font_family=FONT,
        title_font_family=FONT,
        tooltip_font_family=FONT,
        no_data_font_family=FONT,
        label_font_size=13,
        major_label_font_size=13,
        value_font_size=13,
        value_label_font_size=13,
        legend_font_size=13,
        title_font_size=14,
        no_data_font_size=16,
    )


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def count_ticks(values: Sequence[float | None]) -> list[float]:
    """Four whole steps from 0 to a round number at least the largest value."""
    top = max((v for v in values if v is not None), default=0)
    step = max(1, math.ceil(nice_ceiling(top / 4)))
    return [step * i for i in range(5)]


def _titles(root, label: str, names: Sequence[str]):
    """pygal's tooltip data (``<desc>``, for its JavaScript) as a ``<title>`` on each bar
    or point, which needs no script (with the series' name when there are several);
    pygal's scripts and tooltip box removed, the chart's own title set to ``label``."""
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "script" or "tooltip-overlay" in child.get("class", ""):
                parent.remove(child)
            elif child.tag == "title" and parent is root:
                child.text = label
    for group in root.iter():
        classes = group.get("class", "").split()
        if "series" not in classes:
            continue
        index = next((int(c[6:]) for c in classes if c.startswith("serie-")), 0)
        name = names[index] if len(names) > 1 and index < len(names) else ""
        for node in group.iter():
            descs = {d.get("class", "").split(" ")[0]: d.text for d in node if d.tag == "desc"}
            if "value" not in descs:
                continue
            parts = [p for p in (descs.get("x_label"), name) if p]
            title = etree.Element("title")
            title.text = f"{', '.join(parts)}: {descs['value']}" if parts else descs["value"]
            node.insert(0, title)
    return root


def _svg(chart, label: str, kind: str, names: Sequence[str] = ()) -> Markup:
    """The chart as inline, responsive SVG, labelled for screen readers."""

    def finish(root):
        _titles(root, label, names)
        root.set("width", "100%")
        root.set("role", "img")
        root.set("aria-label", label)
        root.set("class", f"chart pygal-chart chart-{kind}")
        root.set("preserveAspectRatio", "xMinYMin meet")
        return root

    chart.xml_filters = [finish]
    return Markup(chart.render(is_unicode=True))


def _config(colors: Sequence[str], **options) -> dict:
    return {
        "style": style(colors),
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        "width": WIDTH,
        "margin": 6,
        "spacing": 6,
        "show_y_guides": True,
        "show_x_guides": False,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,
        "legend_box_size": 12,
        "truncate_legend": -1,
        "truncate_label": -1,
        "tooltip_border_radius": 0,
        "no_data_text": "–",
        **options,
    }


def horizontal_bars(
    rows: Sequence[tuple[str, float]],
    label: str,
    format_value: Format,
    maximum: float | None = None,
    color: str = COLORS["ok"],
    kind: str = "bars",
) -> Markup:
    """One horizontal bar per (label, value), labels on the left and each value written
    at its bar: its height grows with the rows, so every label stays readable."""
    values = [value for _, value in rows]
    ticks = [0, maximum / 2, maximum] if maximum else count_ticks(values)
    chart = pygal.HorizontalBar(
        **_config(
            [color],
            height=max(len(rows), 1) * ROW + 56,
            show_legend=False,
            print_values=True,
            print_values_position="top",
            value_formatter=format_value,
            y_labels=ticks,
            range=(0, ticks[-1]),
        )
    )
    # pygal draws the first row at the bottom: reversed, the table's order reads down.
    ordered = list(reversed(rows))
    chart.x_labels = [name for name, _ in ordered]
    chart.add(label, [value for _, value in ordered])
    return _svg(chart, label, kind)


def columns(
    labels: Sequence[str],
    series: Sequence[Series],
    label: str,
    format_value: Format,
    every: int = 1,
    stacked: bool = False,
    height: int = 220,
    kind: str = "columns",
) -> Markup:
    """Columns per label (stacked, or side by side), a label under every ``every``-th."""
    make = pygal.StackedBar if stacked else pygal.Bar
    if stacked:
        totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    else:
        totals = [v for s in series for v in s.values if v is not None]
    chart = make(
        **_config(
            [s.color for s in series],
            height=height,
            show_legend=len(series) > 1,
            value_formatter=format_value,
            x_labels_major_every=every,
            show_minor_x_labels=every == 1,
            y_labels=count_ticks(totals),
            range=(0, count_ticks(totals)[-1]),
        )
    )
    chart.x_labels = list(labels)
    for s in series:
        chart.add(s.name, list(s.values))
    return _svg(chart, label, kind, [s.name for s in series])


def lines(
    labels: Sequence[str],
    series: Sequence[Series],
    label: str,
    format_value: Format,
    every: int = 1,
    maximum: float | None = None,
    height: int = 220,
    kind: str = "lines",
) -> Markup:
    """A line per series over the labels (a ``None`` value: no point, a gap)."""
    chart = pygal.Line(
        **_config(
            [s.color for s in series],
            height=height,
            show_legend=True,
            value_formatter=format_value,
            x_labels_major_every=every,
            show_minor_x_labels=every == 1,
            y_labels=[maximum * i / 4 for i in range(5)] if maximum else None,
            range=(0, maximum) if maximum else None,
            allow_interruptions=True,
            dots_size=3,
        )
    )
    chart.x_labels = list(labels)
    for s in series:
        chart.add(s.name, list(s.values))
    return _svg(chart, label, kind, [s.name for s in series])


def share_bar(parts: Sequence[tuple[str, int, str]], label: str, format_value: Format) -> Markup:
    """One bar split into the shares of ``parts`` (name, count, colour), with a legend."""
    chart = pygal.HorizontalStackedBar(
        **_config(
            [color for _, _, color in parts],
            height=130,
            show_legend=True,
            show_x_labels=False,
            show_y_labels=False,
            show_y_guides=False,
            value_formatter=format_value,
            legend_at_bottom_columns=3,
        )
    )
    for name, count, _color in parts:
        chart.add(name, [count or None])
    return _svg(chart, label, "share", [name for name, _, _ in parts])
