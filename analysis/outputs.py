"""Write an analysis into a folder.

results.json, estimates.csv (one row per outcome × sample × stratum), models.csv (one row per
model term), figures/<outcome>.svg and report.html.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from analysis import csvsafe
from analysis.figures import outcome_figure
from analysis.report import render_report
from analysis.result import AnalysisResult

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
MODEL_COLUMNS = (
    "outcome", "model", "term", "coef", "odds_ratio", "se", "se_cluster_target", "p_cluster",
    "n_clusters", "cluster_se", "n_pairs", "n_discordant", "heterogeneity_lr", "heterogeneity_df",
    "heterogeneity_p", "identified", "note",
)  # fmt: skip


def models_frame(result: AnalysisResult) -> pd.DataFrame:
    """One row per term of every model; odds_ratio = e^−coef (b/c without order term: above 1,
    the protected group worse off, as everywhere)."""
    rows = [{**{key: model.get(key) for key in MODEL_COLUMNS}, **term}
            for model in result.models for term in model["terms"]]  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(MODEL_COLUMNS))
    return frame.astype({"n_pairs": "Int64", "n_discordant": "Int64", "heterogeneity_df": "Int64",
                         "n_clusters": "Int64"})  # fmt: skip


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
    # estimates.csv and models.csv are opened in spreadsheets: no cell may run as a formula
    result.to_frame().map(csvsafe.safe_cell).to_csv(
        estimates, index=False, encoding="utf-8", lineterminator="\n"
    )
    written.append(estimates)
    models = folder / "models.csv"
    models_frame(result).map(csvsafe.safe_cell).to_csv(
        models, index=False, encoding="utf-8", lineterminator="\n"
    )
    written.append(models)
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
