"""Forest plots as hand-written SVG: an estimate with its confidence interval per stratum.

Every point is drawn with its interval; a stratum without an interval gets a line of text
instead of a bare point. Labels are text (searchable, translatable, read by screen readers), and
each figure has a ``<title>`` and a ``<desc>`` that state every estimate in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from analysis.headline import headline
from analysis.result import AnalysisResult

WIDTH, LABEL_RIGHT, PLOT_LEFT, PLOT_RIGHT, VALUE_LEFT = 780, 215, 230, 520, 535
ROW, TOP, BOTTOM = 24, 64, 70
SVG_NAMESPACE = ' xmlns="http://www.w3.org/2000/svg"'
GROUP_TITLES = {"target_type": "Target type", "area": "Area", "first_role": "Team visiting first"}
# The figure's own words; forest_svg(words=...) replaces them (the comparison's Dutch page).
WORDS = {
    "column": "estimate (CI), pairs",
    "no_interval": "no interval (see the notes), n = {n}",
    "not_estimable": "not estimable (see the notes), n = {n}",
    "n": "n = {n}",
    "left": "← protected group {side} off",
    "right": "protected group {side} off →",
    "better": "better",
    "worse": "worse",
    "to": "to",
}
STYLE = (
    "text{font-family:system-ui,sans-serif;font-size:13px;fill:#1a1a1a}"
    ".heading{font-weight:600}.title{font-size:15px;font-weight:600}.muted{fill:#555}"
    ".interval,.cap{stroke:#1f4e79;stroke-width:2}.estimate{fill:#1f4e79}"
    ".sham .interval,.sham .cap{stroke:#777}.sham .estimate{fill:#777}"
    ".zero{stroke:#a33;stroke-dasharray:4 3}.axis,.tick{stroke:#555}"
)


class SVGFigure(str):
    """SVG text that notebooks display as a picture (``_repr_svg_``); otherwise a plain str."""

    __slots__ = ()

    def _repr_svg_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class ForestRow:
    """One line of a forest plot; `estimate`/`low`/`high` already in display units."""

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    n_pairs: int
    note: str | None = None
    heading: bool = False
    css_class: str = "row"


def _ticks(low: float, high: float) -> list[float]:
    """About five round tick values covering [low, high]."""
    span = high - low
    raw = span / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    count = int(math.floor((high - first) / step + 1e-9)) + 1
    return [round(first + i * step, 10) for i in range(count)]


def _domain(rows: Sequence[ForestRow]) -> tuple[float, float]:
    values = [0.0] + [v for r in rows for v in (r.low, r.high, r.estimate) if v is not None]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.06
    return low - pad, high + pad


def _fmt(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0" if text.strip("-0.") == "" else text.replace("-", "−")


def _shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters (the full text stays in <title>)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def forest_svg(
    rows: Sequence[ForestRow], *, title: str, description: str, axis_label: str, ident: str,
    subtitle: str = "",
    decimals: int = 1, standalone: bool = True, worse_when_higher: bool = True,
    words: Mapping[str, str] | None = None,
) -> str:  # fmt: skip
    """An SVG forest plot; `ident` prefixes the element ids (unique within one HTML page).

    `standalone` adds the SVG namespace a file needs; HTML5 needs none for an inline ``<svg>``.
    `worse_when_higher` says on which side of zero the protected group is worse off. `words`
    replaces the figure's own English words (:data:`WORDS`), e.g. for a Dutch page.
    """
    say = {**WORDS, **(words or {})}
    left, right = ((say["better"], say["worse"]) if worse_when_higher
                   else (say["worse"], say["better"]))  # fmt: skip
    low, high = _domain(rows)
    height = TOP + ROW * len(rows) + BOTTOM

    def x(value: float) -> float:
        return PLOT_LEFT + (value - low) / (high - low) * (PLOT_RIGHT - PLOT_LEFT)

    sentences = [description]
    parts = [
        f'<svg{SVG_NAMESPACE if standalone else ""} width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title + (f": {subtitle}" if subtitle else ""))}</title>',
        "DESC",
        f"<style>{STYLE}</style>",
        f'<text class="title" x="10" y="22">{escape(_shorten(title, 84))}</text>',
        f'<text class="muted" x="10" y="40">{escape(_shorten(subtitle, 100))}</text>',
        f'<text class="muted" x="{VALUE_LEFT}" y="{TOP - 10}">{escape(say["column"])}</text>',
    ]
    bottom = TOP + ROW * len(rows)
    zero = x(0.0)
    parts.append(f'<line class="zero" x1="{zero:.1f}" y1="{TOP - 6}" x2="{zero:.1f}" '
                 f'y2="{bottom}"/>')  # fmt: skip
    for index, row in enumerate(rows):
        y = TOP + ROW * index + ROW / 2
        label = escape(_shorten(row.label, 30))
        if row.heading:
            parts.append(f'<text class="heading" x="10" y="{y + 4:.1f}">{label}</text>')
            continue
        parts.append(f'<g class="{row.css_class}">')
        has_interval = row.estimate is not None and row.low is not None and row.high is not None
        if row.note and not has_interval:  # the full reason: a tooltip, and in the description
            parts.append(f"<title>{escape(row.note)}</title>")
            sentences.append(f"{row.label}: {row.note}.")
        parts.append(f'<text x="{LABEL_RIGHT}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
        if has_interval:
            assert row.estimate is not None and row.low is not None and row.high is not None
            x_low, x_high, x_point = x(row.low), x(row.high), x(row.estimate)
            parts += [
                f'<line class="interval" x1="{x_low:.1f}" y1="{y:.1f}" x2="{x_high:.1f}" '
                f'y2="{y:.1f}"/>',
                f'<line class="cap" x1="{x_low:.1f}" y1="{y - 5:.1f}" x2="{x_low:.1f}" '
                f'y2="{y + 5:.1f}"/>',
                f'<line class="cap" x1="{x_high:.1f}" y1="{y - 5:.1f}" x2="{x_high:.1f}" '
                f'y2="{y + 5:.1f}"/>',
                f'<circle class="estimate" cx="{x_point:.1f}" cy="{y:.1f}" r="4.5"/>',
            ]  # fmt: skip
            point = say.get("decimal", ".")
            text = (f"{_fmt(row.estimate, decimals).replace('.', point)} "
                    f"({_fmt(row.low, decimals).replace('.', point)} {say.get('to', 'to')} "
                    f"{_fmt(row.high, decimals).replace('.', point)}), "
                    + say["n"].format(n=row.n_pairs))  # fmt: skip
        else:
            reason = "no_interval" if row.estimate is not None else "not_estimable"
            text = say[reason].format(n=row.n_pairs)
        parts.append(f'<text x="{VALUE_LEFT}" y="{y + 4:.1f}">{escape(text)}</text>')
        parts.append("</g>")
        sentences.append(f"{row.label}: {text}.")
    parts.append(f'<line class="axis" x1="{PLOT_LEFT}" y1="{bottom}" x2="{PLOT_RIGHT}" '
                 f'y2="{bottom}"/>')  # fmt: skip
    for tick in _ticks(low, high):
        position = x(tick)
        parts += [
            f'<line class="tick" x1="{position:.1f}" y1="{bottom}" x2="{position:.1f}" '
            f'y2="{bottom + 5}"/>',
            f'<text x="{position:.1f}" y="{bottom + 19}" text-anchor="middle">'
            f"{f'{tick:g}'.replace('-', '−').replace('.', say.get('decimal', '.'))}</text>",
        ]  # fmt: skip
    parts += [
        f'<text class="muted" x="{(PLOT_LEFT + PLOT_RIGHT) / 2:.1f}" y="{bottom + 38}" '
        f'text-anchor="middle">{escape(axis_label)}</text>',
        f'<text class="muted" x="{zero - 6:.1f}" y="{bottom + 56}" text-anchor="end">'
        f"{escape(say['left'].format(side=left))}</text>",
        f'<text class="muted" x="{zero + 6:.1f}" y="{bottom + 56}">'
        f"{escape(say['right'].format(side=right))}</text>",
        "</svg>",
    ]
    parts[2] = f'<desc id="{ident}-desc">{escape(" ".join(sentences))}</desc>'
    return "\n".join(parts) + "\n"


def _row(entry: Mapping[str, Any], label: str, scale: float, css_class: str = "row") -> ForestRow:
    """One stratum with its headline interval (venue-robust where targets were revisited)."""
    line = headline(entry)

    def scaled(number: Any) -> float | None:
        return None if number is None else float(number) * scale

    return ForestRow(label=label, estimate=scaled(line.estimate), low=scaled(line.ci_low),
                     high=scaled(line.ci_high), n_pairs=int(entry["n_pairs"]),
                     note=entry.get("note"), css_class=css_class)  # fmt: skip


def outcome_rows(result: AnalysisResult, outcome: str) -> list[ForestRow]:
    """All valid pairs, then each stratifying variable's levels, then the sham pairs."""
    entries = [entry for entry in result.estimates if entry["outcome"] == outcome]
    if not entries:
        raise KeyError(f"no outcome {outcome!r}; outcomes are {result.outcomes}")
    scale = 100.0 if entries[0]["kind"] == "binary" else 1.0
    tests = [entry for entry in entries if entry["sample"] == "test"]
    rows = [_row(entry, "All valid pairs", scale) for entry in tests if not entry["stratum"]]
    variables = list(dict.fromkeys(next(iter(e["stratum"])) for e in tests if e["stratum"]))
    for variable in variables:
        rows.append(ForestRow(GROUP_TITLES.get(variable, variable), None, None, None, 0,
                              heading=True))  # fmt: skip
        rows += [_row(entry, str(entry["stratum"][variable]), scale) for entry in tests
                 if next(iter(entry["stratum"]), None) == variable]  # fmt: skip
    shams = [entry for entry in entries if entry["sample"] == "sham" and entry["n_pairs"]]
    if shams:
        rows.append(ForestRow("Check", None, None, None, 0, heading=True))
        rows.append(_row(shams[0], "Sham pairs (truth: 0)", scale, "row sham"))
    return rows


def outcome_figure(
    result: AnalysisResult, outcome: str, *, question_label: str = "", standalone: bool = True
) -> SVGFigure:
    """The forest plot of one outcome: net difference (binary, percentage points) or mean
    difference (continuous, in the outcome's unit) with its CI per stratum."""
    rows = outcome_rows(result, outcome)
    entry = result.estimate(outcome)
    level = f"{result.confidence:.0%}"
    name = question_label or outcome
    worse_when_higher = entry.get("adverse") != "lower"
    if entry["kind"] == "binary":
        subtitle = (f"net difference, percentage points, with {level} CI (venue-robust if "
                    "targets recur; else Tango)")  # fmt: skip
        axis = "net difference (b − c)/n, percentage points"
        description = (
            f"Forest plot for outcome {outcome}. Each row shows the net difference: the share "
            "of pairs in which only the control team was treated favourably minus the share in "
            "which only the protected team was, in percentage points, with its "
            f"{level} interval: venue-robust where some target was visited more than once in "
            "that row, else Tango's score interval. Positive values: the protected group was "
            "worse off."
        )
    else:
        subtitle = f"mean difference (protected − control) with {level} CI (paired t)"
        axis = "mean difference, protected − control"
        side = "Positive" if worse_when_higher else "Negative"
        description = (
            f"Forest plot for outcome {outcome}. Each row shows the mean of the paired "
            f"differences protected − control with its {level} paired-t interval. {side} "
            f"values: the protected group was worse off ({'higher' if worse_when_higher else 'lower'} "
            "is adverse for this outcome)."
        )
    svg = forest_svg(rows, title=name, subtitle=subtitle, description=description, axis_label=axis,
                     ident=f"figure-{outcome}", decimals=1, standalone=standalone,
                     worse_when_higher=worse_when_higher)  # fmt: skip
    return SVGFigure(svg)
