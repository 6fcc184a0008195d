"""The public charts as inline SVG: a release's net measure with its 95 % margin per stratum
(:func:`net_chart`), and a series' net measure per wave (:func:`trend_chart`).

Phone first: each stratum takes two lines (its name and numbers, then the interval), so the
figure stays readable when it is scaled down to a phone's width. Colours are presentation
attributes (no ``style``), so the page needs no inline CSS; ``<title>`` and ``<desc>`` give the
text alternative, which lists every number the drawing shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Mapping
from html import escape
from typing import Any

WIDTH, LEFT, RIGHT, ROW, TOP = 360, 8, 352, 46, 10
INK, MUTED, ACCENT, ZERO = "#1a1a1a", "#4d4d4d", "#004f9f", "#a4000f"


def _domain(rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    values = [0] + [v for row in rows for v in (row["ci_low_pct"], row["ci_high_pct"])
                    if v is not None]  # fmt: skip
    low, high = min(values), max(values)
    step = 10 if high - low <= 60 else 20
    low = math.floor(low / step) * step
    high = max(math.ceil(high / step) * step, low + step)
    return low, high, step


def net_chart(
    table: Mapping[str, Any], *, labels: Mapping[str, str], title: str, axis: str,
    not_shown: str, ident: str, signed: Callable[[int | None], str],
) -> str:  # fmt: skip
    """SVG of one pair table's net measures (percentage points) with their intervals."""
    lines = list(table["rows"])
    if table.get("total"):
        lines.append(table["total"])
    published = [line["values"] for line in lines if line["published"]]
    low, high, step = _domain(published)
    height = TOP + ROW * len(lines) + 58

    def x(value: float) -> float:
        return LEFT + (value - low) / (high - low) * (RIGHT - LEFT)

    words, parts = [], []
    bottom = TOP + ROW * len(lines)
    zero = x(0)
    for index, line in enumerate(lines):
        y = TOP + ROW * index
        label = (
            labels.get(line["key"], line["key"])
            if line["key"] != "total"
            else labels.get("total", title)
        )
        weight = ' font-weight="700"' if line["key"] == "total" else ""
        parts.append(f'<text x="{LEFT}" y="{y + 15}" font-size="15" fill="{INK}"{weight}>'
                     f"{escape(label)}</text>")  # fmt: skip
        if not line["published"]:
            parts.append(f'<text x="{RIGHT}" y="{y + 15}" font-size="15" fill="{MUTED}" '
                         f'text-anchor="end">{escape(not_shown)}</text>')  # fmt: skip
            words.append(f"{label}: {not_shown}.")
            continue
        values = line["values"]
        net, ci_low, ci_high = (
            values["net_difference_pct"],
            values["ci_low_pct"],
            values["ci_high_pct"],
        )
        numbers = f"{signed(net)} ({signed(ci_low)} … {signed(ci_high)})"
        parts.append(f'<text x="{RIGHT}" y="{y + 15}" font-size="15" fill="{INK}" '
                     f'text-anchor="end">{escape(numbers)}</text>')  # fmt: skip
        words.append(f"{label}: {numbers}.")
        if net is None or ci_low is None or ci_high is None:
            continue
        middle = y + 31
        parts += [
            f'<line x1="{zero:.1f}" y1="{middle - 11}" x2="{zero:.1f}" y2="{middle + 11}" '
            f'stroke="{ZERO}" stroke-width="1.5" stroke-dasharray="3 3"/>',
            f'<line x1="{x(ci_low):.1f}" y1="{middle}" x2="{x(ci_high):.1f}" y2="{middle}" '
            f'stroke="{ACCENT}" stroke-width="3"/>',
            f'<line x1="{x(ci_low):.1f}" y1="{middle - 6}" x2="{x(ci_low):.1f}" '
            f'y2="{middle + 6}" stroke="{ACCENT}" stroke-width="2"/>',
            f'<line x1="{x(ci_high):.1f}" y1="{middle - 6}" x2="{x(ci_high):.1f}" '
            f'y2="{middle + 6}" stroke="{ACCENT}" stroke-width="2"/>',
            f'<circle cx="{x(net):.1f}" cy="{middle}" r="6" fill="{ACCENT}"/>',
        ]  # fmt: skip
    parts.append(f'<line x1="{LEFT}" y1="{bottom + 4}" x2="{RIGHT}" y2="{bottom + 4}" '
                 f'stroke="{MUTED}"/>')  # fmt: skip
    for tick in range(low, high + 1, step):
        position = x(tick)
        parts.append(f'<line x1="{position:.1f}" y1="{bottom + 4}" x2="{position:.1f}" '
                     f'y2="{bottom + 9}" stroke="{MUTED}"/>')  # fmt: skip
        parts.append(
            f'<text x="{position:.1f}" y="{bottom + 25}" font-size="13" '
            f'fill="{MUTED}" text-anchor="middle">{escape(signed(tick))}</text>'
        )
    parts.append(f'<text x="{(LEFT + RIGHT) / 2:.0f}" y="{bottom + 47}" font-size="13" '
                 f'fill="{MUTED}" text-anchor="middle">{escape(axis)}</text>')  # fmt: skip
    description = " ".join([f"{axis}."] + words)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="sans-serif">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )
    return head + "".join(parts) + "</svg>"


PLOT_TOP, PLOT_HEIGHT, AXIS_WIDTH = 12, 200, 40


def trend_chart(
    points: list[Mapping[str, Any]], *, title: str, description: str, axis: str, not_shown: str,
    ident: str, signed: Callable[[int | None], str],
) -> str:  # fmt: skip
    """SVG of a series' net measure per wave (percentage points) with its interval.

    Each point is ``{"label", "period", "net_pct", "ci_low_pct", "ci_high_pct", "href",
    "name"}`` (net None: not shown); a point is a link to its release, named by ``name`` (the
    wave, its period and its numbers). Time runs left to right; above the dashed line (0) the
    protected group is worse off. The drawing's text is hidden from screen readers: the table
    beside the chart and the links' names say the same.
    """
    shown = [p for p in points if p["net_pct"] is not None]
    low, high, step = _domain([{"ci_low_pct": p["ci_low_pct"], "ci_high_pct": p["ci_high_pct"]}
                               for p in shown] + [{"ci_low_pct": p["net_pct"],
                                                   "ci_high_pct": p["net_pct"]} for p in shown])  # fmt: skip
    left, right = LEFT + AXIS_WIDTH, RIGHT
    column = (right - left) / max(len(points), 1)
    bottom = PLOT_TOP + PLOT_HEIGHT
    height = bottom + 64

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * PLOT_HEIGHT

    scale = []
    for tick in range(low, high + 1, step):
        scale.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{right}" y2="{y(tick):.1f}" '
                     f'stroke="#d9d9d9"/>')  # fmt: skip
        scale.append(f'<text x="{left - 6}" y="{y(tick) + 5:.1f}" font-size="13" fill="{MUTED}" '
                     f'text-anchor="end">{escape(signed(tick))}</text>')  # fmt: skip
    scale.append(f'<line x1="{left}" y1="{y(0):.1f}" x2="{right}" y2="{y(0):.1f}" '
                 f'stroke="{ZERO}" stroke-width="1.5" stroke-dasharray="4 3"/>')  # fmt: skip
    scale.append(f'<text x="{LEFT}" y="{height - 6}" font-size="13" fill="{MUTED}">'
                 f"{escape(axis)}</text>")  # fmt: skip
    drawn = []
    for index, point in enumerate(points):
        middle = left + column * (index + 0.5)
        scale.append(f'<text x="{middle:.1f}" y="{bottom + 20}" font-size="13" fill="{INK}" '
                     f'text-anchor="middle">{escape(point["label"])}</text>')  # fmt: skip
        scale.append(f'<text x="{middle:.1f}" y="{bottom + 38}" font-size="12" fill="{MUTED}" '
                     f'text-anchor="middle">{escape(point["period"])}</text>')  # fmt: skip
        parts = [f'<rect x="{middle - column / 2 + 2:.1f}" y="{PLOT_TOP}" '
                 f'width="{column - 4:.1f}" height="{PLOT_HEIGHT}" fill="#ffffff" '
                 f'fill-opacity="0"/>']  # fmt: skip
        net, ci_low, ci_high = point["net_pct"], point["ci_low_pct"], point["ci_high_pct"]
        if net is None:
            parts.append(f'<text x="{middle:.1f}" y="{y(0) - 8:.1f}" font-size="12" '
                         f'fill="{MUTED}" text-anchor="middle">{escape(not_shown)}</text>')  # fmt: skip
        else:
            if ci_low is not None and ci_high is not None:
                parts += [
                    f'<line x1="{middle:.1f}" y1="{y(ci_low):.1f}" x2="{middle:.1f}" '
                    f'y2="{y(ci_high):.1f}" stroke="{ACCENT}" stroke-width="3"/>',
                    f'<line x1="{middle - 7:.1f}" y1="{y(ci_low):.1f}" x2="{middle + 7:.1f}" '
                    f'y2="{y(ci_low):.1f}" stroke="{ACCENT}" stroke-width="2"/>',
                    f'<line x1="{middle - 7:.1f}" y1="{y(ci_high):.1f}" x2="{middle + 7:.1f}" '
                    f'y2="{y(ci_high):.1f}" stroke="{ACCENT}" stroke-width="2"/>',
                ]  # fmt: skip
            parts.append(f'<circle cx="{middle:.1f}" cy="{y(net):.1f}" r="7" fill="{ACCENT}"/>')
        drawn.append(f'<a href="{escape(point["href"])}" aria-label="{escape(point["name"])}">'
                     f'<title>{escape(point["name"])}</title>{"".join(parts)}</a>')  # fmt: skip
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="group" aria-labelledby="{ident}-title" '
        f'aria-describedby="{ident}-desc" font-family="sans-serif">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )
    return head + '<g aria-hidden="true">' + "".join(scale) + "</g>" + "".join(drawn) + "</svg>"
