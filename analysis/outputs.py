"""Write an analysis into a folder: results.json, estimates.csv, figures/*.svg, report.html."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from analysis.figures import outcome_figure
from analysis.report import render_report
from analysis.result import AnalysisResult

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def write_outputs(
    result: AnalysisResult, folder: Path, *, labels: Mapping[str, str] | None = None
) -> list[Path]:
    """Write every output file into the existing `folder`; return their paths.

    ``figures/<outcome>.svg`` holds, per outcome, the net difference (yes/no outcomes) or the
    mean difference (continuous ones) with its CI per stratum.
    """
    labels = labels or {}
    written = []
    results = folder / "results.json"
    results.write_text(
        json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
        encoding="utf-8",
    )
    written.append(results)
    estimates = folder / "estimates.csv"
    result.to_frame().to_csv(estimates, index=False, encoding="utf-8", lineterminator="\n")
    written.append(estimates)
    figures = folder / "figures"
    figures.mkdir()
    for outcome in result.outcomes:
        figure = figures / f"{outcome}.svg"
        svg = outcome_figure(result, outcome, question_label=labels.get(outcome, ""))
        figure.write_text(XML_DECLARATION + svg, encoding="utf-8")
        written.append(figure)
    report = folder / "report.html"
    report.write_text(render_report(result, labels=labels), encoding="utf-8")
    written.append(report)
    return written
