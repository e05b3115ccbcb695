"""Charts as server-rendered SVG: no script, no CDN, readable by screen readers.

Each chart is an <svg role="img"> named by its <title> and described by its <desc>
(aria-labelledby both), which says in words what the chart shows; every bar or point
has its own <title> for a pointer's tooltip. The page puts the numbers beside each chart
in a table and as CSV, so nobody depends on seeing the picture.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40
# Django admin's own blue and text grey: contrast 4.8:1 and 12.6:1 on white.
BAR = "#417690"
INK = "#333333"
GRID = "#cccccc"
MAX_TICKS = 8

_ids = itertools.count(1)


@dataclass(frozen=True)
class Point:
    label: str  # the x label, as shown under the axis
    value: float | None  # None: no value (nothing to compute a share from)
    text: str  # the value as a reader should hear it


def _nice_top(value: float) -> float:
    """An axis maximum at 1, 2 or 5 times a power of ten, at or above the value."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def count_text(value: float) -> str:
    """An axis label for counts: 10, 2.5."""
    return f"{value:g}"


def _ticks_every(count: int) -> int:
    return max(1, -(-count // MAX_TICKS))


def _frame(
    title: str, desc: str, top: float, axis_text: Callable[[float], str], body: SafeString
) -> SafeString:
    n = next(_ids)
    plot_h = HEIGHT - TOP - BOTTOM
    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
        (
            (
                LEFT,
                WIDTH - RIGHT,
                y,
                y,
                GRID,
                LEFT - 6,
                y + 4,
                INK,
                axis_text(top * fraction),
            )
            for fraction in (0, 0.5, 1)
            for y in [round(TOP + plot_h * (1 - fraction), 1)]
        ),
    )
    return format_html(
        '<svg class="insights-chart" role="img" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMidYMid meet" aria-labelledby="chart{}-title chart{}-desc" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart{}-title">{}</title><desc id="chart{}-desc">{}</desc>'
        '<g aria-hidden="true">{}</g>{}</svg>',
        WIDTH,
        HEIGHT,
        n,
        n,
        n,
        title,
        n,
        desc,
        grid,
        body,
    )


def _x_labels(labels: Sequence[str], x_of: Callable[[int], float]) -> SafeString:
    every = _ticks_every(len(labels))
    return format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
        (
            (round(x_of(i), 1), HEIGHT - BOTTOM + 16, INK, label)
            for i, label in enumerate(labels)
            if i % every == 0
        ),
    )


def bar_chart(
    title: str, desc: str, points: Sequence[Point], axis_text: Callable[[float], str] = count_text
) -> SafeString:
    top = _nice_top(max((p.value or 0 for p in points), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    gap = min(slot * 0.2, 8)

    def x_of(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
        (
            (
                round(LEFT + slot * i + gap / 2, 2),
                round(TOP + plot_h - h, 2),
                round(max(slot - gap, 0.5), 2),
                round(h, 2),
                BAR,
                p.label,
                p.text,
            )
            for i, p in enumerate(points)
            for h in [plot_h * (p.value or 0) / top]
        ),
    )
    body = format_html(
        '{}<g aria-hidden="true">{}</g>', bars, _x_labels([p.label for p in points], x_of)
    )
    return _frame(title, desc, top, axis_text, body)


def line_chart(
    title: str,
    desc: str,
    points: Sequence[Point],
    top: float = 1.0,
    axis_text: Callable[[float], str] = str,
) -> SafeString:
    """A line through the points that have a value; a gap where one has none."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def x_of(i: int) -> float:
        return LEFT + step * i if len(points) > 1 else LEFT + plot_w / 2

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (1 - value / top), 2)

    runs: list[list[str]] = [[]]
    for i, p in enumerate(points):
        if p.value is None:
            runs.append([])
        else:
            runs[-1].append(f"{round(x_of(i), 2)},{y_of(p.value)}")
    lines = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
        ((" ".join(run), BAR) for run in runs if len(run) > 1),
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="{}" fill="{}"><title>{}: {}</title></circle>',
        (
            (
                round(x_of(i), 2),
                y_of(p.value),
                3 if len(points) <= 62 else 1.5,
                BAR,
                p.label,
                p.text,
            )
            for i, p in enumerate(points)
            if p.value is not None
        ),
    )
    body = format_html(
        '{}{}<g aria-hidden="true">{}</g>', lines, dots, _x_labels([p.label for p in points], x_of)
    )
    return _frame(title, desc, top, axis_text, body)
