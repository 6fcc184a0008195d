"""The whole analysis of a study as one frozen result: ``analyze`` and :class:`AnalysisResult`.

``AnalysisResult.to_dict()`` is ``results.json`` (docs/design.md "Analysis results"); ``to_frame()``
the estimates table written as ``estimates.csv``, with fixed column names.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis._common import ConfidenceInterval
from analysis.bundle import Bundle
from analysis.bundle import read_bundle
from analysis.estimate import FORMAT
from analysis.estimate import VERSION
from analysis.estimate import Progress
from analysis.estimate import analyze_frame
from analysis.headline import headline

# estimates.csv / to_frame(): one row per outcome × sample × stratum, always these columns
# (docs/results.md). `estimate` is the net difference (binary) or the mean difference
# (continuous); `headline_*` the interval and p that lead (analysis.headline: venue-robust where
# a target has two or more pairs); the other columns are the results.json keys of that name.
ESTIMATE_COLUMNS = (
    "outcome", "kind", "adverse", "primary", "sample", "stratum_variable", "stratum_level", "n_pairs",
    "estimate", "inference", "headline_ci_low", "headline_ci_high", "headline_p", "p_adjusted",
    "adjustment", "n_targets", "design_effect", "ci_low_cluster", "ci_high_cluster", "p_cluster",
    "ci_low", "ci_high", "ci_method", "p_value",
    "both_favourable", "control_only_favourable", "protected_only_favourable",
    "neither_favourable", "gross_adverse_protected", "gross_adverse_control", "discordance",
    "newcombe_ci_low", "newcombe_ci_high", "p_exact", "p_asymptotic", "odds_ratio",
    "odds_ratio_ci_low", "odds_ratio_ci_high", "mean_difference", "share_nonzero",
    "share_nonzero_ci_low", "share_nonzero_ci_high", "mostly_zero", "hodges_lehmann",
    "hl_ci_low", "hl_ci_high", "ttest_p", "condition", "n_excluded_by_condition", "n_incomplete",
    "n_dropped", "confidence", "note",
)  # fmt: skip

COUNT_COLUMNS = (
    "n_pairs", "both_favourable", "control_only_favourable", "protected_only_favourable",
    "neither_favourable", "n_incomplete", "n_dropped", "n_targets", "n_excluded_by_condition",
)  # fmt: skip


def _stratum(stratum: Mapping[str, str] | str | None) -> dict[str, str]:
    """None → all valid pairs; a string → that target type; a mapping as it is."""
    if stratum is None:
        return {}
    if isinstance(stratum, str):
        return {"target_type": stratum}
    return {str(key): str(value) for key, value in stratum.items()}


def stratum_label(stratum: Mapping[str, str]) -> str:
    """'all valid pairs', or e.g. 'target type: club'."""
    if not stratum:
        return "all valid pairs"
    return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in stratum.items())


@dataclass(frozen=True)
class AnalysisResult:
    """Every estimate of a study (docs/design.md "Analysis results").

    Attributes
    ----------
    study
        The bundle manifest's study block.
    confidence
        Level of every interval.
    data_quality
        Numbers of tests, valid, invalid (by reason and target type), sham and incomplete pairs.
    estimates
        One mapping per outcome × sample (``test``/``sham``) × stratum, keys as in results.json.
    models
        Conditional logit fits, one per binary outcome.

    Notes
    -----
    Sign convention: binary ``net_difference`` = (b − c)/n > 0 means that the protected group
    was worse off; continuous ``mean_difference`` is protected − control, worse off when > 0 for
    an outcome with ``adverse = "higher"`` (wait, fee, rent) and when < 0 for ``"lower"``.
    """

    study: Mapping[str, Any]
    confidence: float
    data_quality: Mapping[str, Any]
    estimates: tuple[Mapping[str, Any], ...]
    models: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnalysisResult:
        """From a results.json dict; ValueError for another format or version."""
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(
                f"not {FORMAT} version {VERSION}: format {data.get('format')!r}, "
                f"version {data.get('version')!r}"
            )
        return cls(
            study=copy.deepcopy(dict(data.get("study", {}))),
            confidence=float(data["confidence"]),
            data_quality=copy.deepcopy(dict(data["data_quality"])),
            estimates=tuple(copy.deepcopy(list(data["estimates"]))),
            models=tuple(copy.deepcopy(list(data["models"]))),
        )

    def to_dict(self) -> dict[str, Any]:
        """results.json: format, version, study, confidence, data_quality, estimates, models."""
        return copy.deepcopy(
            {
                "format": FORMAT,
                "version": VERSION,
                "study": dict(self.study),
                "confidence": self.confidence,
                "data_quality": dict(self.data_quality),
                "estimates": [dict(entry) for entry in self.estimates],
                "models": [dict(entry) for entry in self.models],
            }
        )

    @property
    def outcomes(self) -> list[str]:
        """Outcome question ids, in instrument order."""
        return list(dict.fromkeys(entry["outcome"] for entry in self.estimates))

    def estimate(
        self, outcome: str, stratum: Mapping[str, str] | str | None = None, *, sample: str = "test"
    ) -> dict[str, Any]:
        """The results.json entry of one outcome in one stratum (a copy)."""
        wanted = _stratum(stratum)
        for entry in self.estimates:
            if (entry["outcome"], entry["sample"], entry["stratum"]) == (outcome, sample, wanted):
                return copy.deepcopy(dict(entry))
        known = sorted({stratum_label(e["stratum"]) for e in self.estimates
                        if e["outcome"] == outcome})  # fmt: skip
        if not known:
            raise KeyError(f"no outcome {outcome!r}; outcomes are {self.outcomes}")
        raise KeyError(f"no estimate for {outcome!r} in {stratum_label(wanted)}; there are: "
                       f"{', '.join(known)}")  # fmt: skip

    def confidence_interval(
        self, outcome: str, stratum: Mapping[str, str] | str | None = None, *, sample: str = "test"
    ) -> ConfidenceInterval:
        """The headline CI of the net difference (binary) or mean difference (continuous).

        Binary: the venue-robust interval where a target has two or more pairs in the line,
        else Tango's (:mod:`analysis.headline`); continuous: paired t. `stratum`: None for all
        valid pairs, a target type such as ``"club"``, or a mapping such as
        ``{"area": "centrum"}``.
        """
        line = headline(self.estimate(outcome, stratum, sample=sample))
        return ConfidenceInterval(line.ci_low, line.ci_high)

    def to_frame(self) -> pd.DataFrame:
        """The estimates table: one row per outcome × sample × stratum, ESTIMATE_COLUMNS."""
        rows = []
        for entry in self.estimates:
            stratum = entry["stratum"]
            key = "net_difference" if entry["kind"] == "binary" else "mean_difference"
            row = {column: entry.get(column) for column in ESTIMATE_COLUMNS}
            line = headline(entry)
            rule = entry.get("condition")
            excluded = entry.get("excluded_by_condition")
            row.update(
                stratum_variable=next(iter(stratum), "all"),
                stratum_level=next(iter(stratum.values()), "all"),
                estimate=entry.get(key),
                inference=entry.get("inference"),
                headline_ci_low=line.ci_low,
                headline_ci_high=line.ci_high,
                headline_p=line.p_value,
                ci_method=entry.get("ci_method")
                or ("paired_t" if key != "net_difference" else None),
                condition=f"{rule['question']} in {';'.join(rule['values'])}" if rule else None,
                n_excluded_by_condition=sum(excluded.values()) if excluded else None,
            )
            rows.append(row)
        frame = pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
        # counts stay integers where defined (a nullable type: continuous rows have no cells)
        return frame.astype({column: "Int64" for column in COUNT_COLUMNS})

    def _summary_rows(self) -> list[tuple[str, str, str, str, str, str]]:
        rows = []
        for entry in self.estimates:
            if entry["sample"] != "test" or set(entry["stratum"]) - {"target_type"}:
                continue
            line = headline(entry)
            marker = {"venue_robust": " V", "independent": "", "paired_t": ""}[line.method]
            rows.append(
                (
                    entry["outcome"],
                    stratum_label(entry["stratum"]),
                    str(entry["n_pairs"]),
                    _number(line.estimate),
                    f"({_number(line.ci_low)}, {_number(line.ci_high)}){marker}",
                    f"{_number(line.p_value)} / {_number(line.p_adjusted)}",
                )
            )
        return rows

    def summary(self) -> str:
        """A plain-text overview: data quality, then each outcome overall and per target type."""
        quality = self.data_quality
        title = str(self.study.get("title") or self.study.get("code") or "Study")
        header = ("outcome", "stratum", "n", "estimate", f"{self.confidence:.0%} CI", "p / adj.")
        rows = [header, *self._summary_rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [
            f"{title}: {quality['n_tests']} tests, {quality['n_valid_tests']} valid tests, "
            f"{quality['n_invalid']} invalid, {quality['n_sham']} sham pairs",
            "estimate: net difference (b − c)/n for yes/no outcomes (> 0: protected group worse "
            "off); mean difference protected − control otherwise (worse off when > 0 if higher "
            "is adverse, when < 0 if lower is adverse)",
            "V: venue-robust interval and Obuchowski's test (some targets have two or more "
            "pairs); otherwise Tango and mid-p McNemar (yes/no), paired t and Wilcoxon (numbers)",
            "",
        ]
        for index, row in enumerate(rows):
            lines.append(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
            if index == 0:
                lines.append("  ".join("-" * width for width in widths))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(name)}</th>" for name in
                       ("outcome", "stratum", "n", "estimate", "CI", "p / adj."))  # fmt: skip
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self._summary_rows()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value != 0 and abs(value) < 1e-3:
        return f"{value:.2e}"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def analyze(
    data: pd.DataFrame | Bundle | str | Path,
    *,
    instrument: Any = None,
    study: Mapping[str, Any] | None = None,
    confidence: float = 0.95,
    progress: Progress | None = None,
) -> AnalysisResult:
    """Analyse a study: every outcome of the instrument, overall and per stratum.

    Parameters
    ----------
    data
        A tidy frame (one row per test, as :func:`analysis.bundle.read_bundle` gives it: outcome
        columns ``Q__control``/``Q__protected``, booleans True = favourable or numbers), a read
        :class:`~analysis.bundle.Bundle`, or the path of a bundle folder.
    instrument
        The :class:`forms.Instrument` whose outcome questions are analysed; required with a frame.
    study
        The study block to carry along (a bundle brings its own).
    confidence
        Level of every interval, in (0, 1).
    progress
        Optional wrapper of the list of estimation steps (e.g. a progress bar).

    Returns
    -------
    AnalysisResult

    Examples
    --------
    >>> import forms, pandas as pd
    >>> frame = pd.DataFrame({
    ...     "admitted__control": [True] * 6 + [False] * 2,
    ...     "admitted__protected": [True, True, False, False, False, False, True, False]})
    >>> small = forms.parse_instrument('''
    ... id = "door"
    ... version = 1
    ... domain = "nightlife"
    ... title = { nl = "Deur", en = "Door" }
    ... [[question]]
    ... id = "admitted"
    ... type = "boolean"
    ... label = { nl = "Binnen?", en = "In?" }
    ... outcome = { kind = "binary", favourable = ["true"], primary = true }
    ... ''')
    >>> result = analyze(frame, instrument=small)
    >>> result.estimate("admitted")["net_difference"]
    0.375
    """
    if isinstance(data, pd.DataFrame):
        if instrument is None:
            raise ValueError("analyze(frame) needs instrument=: the outcome questions to analyse")
        results = analyze_frame(
            data, instrument, study=dict(study or {}), confidence=confidence, progress=progress
        )
    else:
        read = data if isinstance(data, Bundle) else read_bundle(data)
        results = analyze_frame(
            read.pairs, instrument or read.instrument, study=dict(study or read.study),
            confidence=confidence, progress=progress,
        )  # fmt: skip
    return AnalysisResult.from_dict(results)
