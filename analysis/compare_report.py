"""Write a comparison: comparison.json, comparison.csv, comparison.svg and comparison.html.

comparison.html holds the comparison twice, in Dutch and in English (each section with its own
``lang``), from the text table of :mod:`analysis.compare_texts`; the forest plot
(:func:`analysis.figures.forest_svg`) is drawn in each language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from analysis import csvsafe
from analysis.compare import Comparison
from analysis.compare_texts import TEXTS
from analysis.figures import ForestRow
from analysis.figures import forest_svg

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
CSS = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.75rem 0;font-size:.9rem}th,td{border:1px solid #ccc;
padding:.25rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}
thead th{background:#f0f0f0}.table-wrap{overflow-x:auto}svg{max-width:100%;height:auto}
nav{text-align:right}
"""


def _number(text: str, say: Mapping[str, str]) -> str:
    """A formatted number with the language's decimal sign and a true minus."""
    return text.replace(".", say["decimal"]).replace("-", "−")


def _pct(value: Any, say: Mapping[str, str]) -> str:
    return say["none"] if value is None else _number(f"{100 * value:.1f}", say)


def _p(value: Any, say: Mapping[str, str]) -> str:
    if value is None:
        return say["none"]
    return _number("< 0.001" if value < 0.001 else f"{value:.3f}", say)


def _interval(low: Any, high: Any, say: Mapping[str, str]) -> str:
    if low is None or high is None:
        return say["none"]
    return f"{_pct(low, say)} {say['to']} {_pct(high, say)}"


def _flag(entry: Mapping[str, Any], say: Mapping[str, str]) -> str:
    targets = entry.get("n_targets") or 0
    if not entry.get("n_pairs", entry.get("n_pairs_from", 1)):
        return say["no_pairs"]
    if targets < 5:
        return say["too_few"]
    return say["few"] if targets < 20 else ""


def _stratum(stratum: Mapping[str, str], say: Mapping[str, str]) -> str:
    return stratum.get("target_type", say["all"])


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)  # fmt: skip
    return (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")  # fmt: skip


def _line_rows(entries: Any, first: Any, say: Mapping[str, str]) -> list[list[str]]:
    return [[*first(entry), _stratum(entry["stratum"], say), str(entry["n_pairs"]),
             str(entry["n_targets"]), _pct(entry["net_difference"], say),
             _interval(entry["ci_low_cluster"], entry["ci_high_cluster"], say),
             _p(entry["p_cluster"], say), _flag(entry, say)] for entry in entries]  # fmt: skip


def forest(comparison: Comparison, lang: str, *, standalone: bool) -> str:
    """The forest plot of the overall lines: pooled, each city, each city's waves."""
    say = TEXTS[lang]
    level = f"{comparison.confidence:.0%}"

    def row(entry: Mapping[str, Any], label: str) -> ForestRow:
        def scaled(value: Any) -> float | None:
            return None if value is None else 100 * float(value)

        return ForestRow(label, scaled(entry["net_difference"]), scaled(entry["ci_low_cluster"]),
                         scaled(entry["ci_high_cluster"]), int(entry["n_pairs"]))  # fmt: skip

    rows = [row(comparison.line("pooled"), say["pooled"])]
    for city in dict.fromkeys(entry["city"] for entry in comparison.by_city):
        rows.append(ForestRow(city, None, None, None, 0, heading=True))
        rows.append(row(comparison.line("by_city", city=city), say["by_city"]))
        rows += [row(entry, entry["study"]) for entry in comparison.by_wave
                 if entry["city"] == city and not entry["stratum"]]  # fmt: skip
    return forest_svg(
        rows, title=say["figure_title"].format(outcome=comparison.outcome),
        subtitle=say["figure_subtitle"].format(level=level), description=say["figure_description"],
        axis_label=say["figure_axis"], ident=f"comparison-{lang}", standalone=standalone,
        words=say,
    )  # fmt: skip


def _by_city_first(entries: Any, comparison: Comparison) -> list[Any]:
    """Lines grouped by city (and by wave within it), each group overall then per type."""
    order = {study["study"]: index for index, study in enumerate(comparison.studies)}
    cities = list(dict.fromkeys(study["city"] for study in comparison.studies))
    return sorted(entries, key=lambda e: (cities.index(e["city"]), order.get(e.get("study"), 0),
                                          bool(e["stratum"])))  # fmt: skip


def _section(comparison: Comparison, lang: str) -> str:
    say = TEXTS[lang]
    other = "en" if lang == "nl" else "nl"
    level = f"{comparison.confidence:.0%}"
    parts = [
        f'<section lang="{lang}" id="{lang}"><nav><a href="#{other}" lang="{other}">'
        f'{escape(say["other_language"])}</a></nav>',
        f"<h1>{escape(say['title'].format(outcome=comparison.outcome))}</h1>",
        f"<p>{escape(say['intro'].format(level=level))}</p>",
        f"<figure>{forest(comparison, lang, standalone=False)}</figure>",
        f"<h2>{escape(say['pooled'])}</h2>",
        _table([say["line"], say["pairs"], say["targets"], say["net"], say["interval"], say["p"],
                say["note"]], _line_rows(comparison.pooled, lambda e: [], say)),
        f"<h2>{escape(say['by_city'])}</h2>",
        _table([say["city"], say["line"], say["pairs"], say["targets"], say["net"],
                say["interval"], say["p"], say["note"]],
               _line_rows(_by_city_first(comparison.by_city, comparison), lambda e: [e["city"]],
                          say)),
        f"<h2>{escape(say['heterogeneity'])}</h2>",
    ]  # fmt: skip
    for entry in comparison.heterogeneity:
        label = escape(_stratum(entry["stratum"], say))
        if entry["q"] is None:
            text = say["heterogeneity_none"].format(note=say["not_tested"])
        else:
            text = say["heterogeneity_text"].format(
                q=_number(f"{entry['q']:.2f}", say), df=entry["df"], p=_p(entry["p_value"], say),
                i2=f"{100 * entry['i_squared']:.0f}",
            )  # fmt: skip
        left_out = [e["city"] for e in comparison.by_city
                    if e["stratum"] == entry["stratum"] and e["city"] not in entry["cities"]]  # fmt: skip
        if left_out and entry["q"] is not None:
            text += " " + say["left_out"].format(cities=", ".join(left_out))
        parts.append(f"<p><strong>{label}</strong>: {escape(text)}</p>")
    parts += [
        f"<h2>{escape(say['by_wave'])}</h2>",
        _table([say["city"], say["wave"], say["line"], say["pairs"], say["targets"], say["net"],
                say["interval"], say["p"], say["note"]],
               _line_rows(_by_city_first(comparison.by_wave, comparison),
                          lambda e: [e["city"], e["study"]], say)),
    ]  # fmt: skip
    if comparison.change:
        rows = [[entry["city"], f"{entry['from']} → {entry['to']}",
                 _stratum(entry["stratum"], say), str(entry["n_targets"]),
                 str(entry["n_targets_in_both"]), _pct(entry["difference"], say),
                 _interval(entry["ci_low"], entry["ci_high"], say), _p(entry["p_value"], say),
                 _flag(entry, say)] for entry in comparison.change]  # fmt: skip
        parts += [f"<h2>{escape(say['change'])}</h2>",
                  _table([say["city"], say["from_to"], say["line"], say["targets"],
                          say["in_both"], say["difference"], say["interval"], say["p"],
                          say["note"]], rows)]  # fmt: skip
    parts.append("</section>")
    return "\n".join(parts)


def render_html(comparison: Comparison) -> str:
    """comparison.html: the Dutch section, then the English one."""
    title = TEXTS["nl"]["title"].format(outcome=comparison.outcome)
    body = "\n<hr>\n".join(_section(comparison, lang) for lang in ("nl", "en"))
    return (f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title><style>{CSS}</style></head>\n"
            f"<body><main>\n{body}\n</main></body></html>\n")  # fmt: skip


def write_comparison(comparison: Comparison, folder: Path) -> list[Path]:
    """Write the four files into the existing `folder`; return their paths."""
    files = {
        "comparison.json": json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False,
                                      allow_nan=False) + "\n",
        "comparison.svg": XML_DECLARATION + forest(comparison, "en", standalone=True),
        "comparison.html": render_html(comparison),
    }  # fmt: skip
    written = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    csv_file = folder / "comparison.csv"
    # opened by people in a spreadsheet; the city names and study codes come from files
    comparison.to_frame().map(csvsafe.safe_cell).to_csv(
        csv_file, index=False, encoding="utf-8", lineterminator="\n"
    )
    written.append(csv_file)
    return written
