"""Cities together and over time: pooled net measure, heterogeneity and wave-over-wave change.

From summary bundles (:mod:`analysis.summary`), for one binary outcome (docs/methods.md §6–§7):

- **by wave** (one study) and **by city** (its waves together, a target visited in two waves
  being one cluster) and **pooled** (all studies; clusters are (city, target), never shared
  between cities): the net measure N = Σ d_v / Σ n_v with the venue-robust interval and
  Obuchowski's test of :func:`analysis.clustered.venue_robust`;
- **heterogeneity** between cities: Cochran's Q = Σ_k (N_k − N̄_w)²/V_k with V_k each city's
  venue-robust variance and N̄_w the inverse-variance mean, df = K − 1, p from χ²(K − 1),
  I² = max(0, (Q − df)/Q); cities with fewer than 5 targets in the line are left out (said so);
- **change** between consecutive waves of a city: Δ = N₂ − N₁ with, per target v of either
  wave (0 where not visited), e_v = (d_v2 − N₂·n_v2)/n₂ − (d_v1 − N₁·n_v1)/n₁,
  V = G/(G − 1)·Σ e_v², interval Δ ± t(G − 1)·√V and a two-sided t(G − 1) p.

Each line is computed overall and per target type. Outcomes are pooled only where they mean the
same: the same instrument version, or versions declared equivalent in the instrument file
(``equivalent`` on the outcome, carried into the summary bundle); anything else is refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis._common import check_confidence
from analysis._common import json_safe
from analysis.clustered import FEW_TARGETS
from analysis.clustered import MIN_TARGETS
from analysis.clustered import venue_robust
from analysis.summary import Summary
from analysis.summary import SummaryError
from analysis.summary import read_summary
from analysis.summary import validate_summary

FORMAT, VERSION = "mysteryguest-comparison", 1
LINE_KEYS = (
    "n_pairs", "n_targets", "control_only_favourable", "protected_only_favourable",
    "net_difference", "ci_low_cluster", "ci_high_cluster", "p_cluster", "design_effect",
    "variance_cluster", "note",
)  # fmt: skip
Stratum = dict[str, str]


def _load(item: Summary | str | Path | Mapping[str, Any]) -> Summary:
    if isinstance(item, Summary):
        return item
    if isinstance(item, Mapping):
        validate_summary(dict(item))
        return Summary(dict(item))
    return read_summary(item)


def _check_meaning(summaries: Sequence[Summary], outcome: str) -> None:
    """Refuse to pool `outcome` across instrument versions not declared equivalent."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            key = parent[key]
        return key

    for summary in summaries:
        key = summary.instrument_key
        for other in summary.outcome(outcome).get("equivalent", []):
            parent[find(other)] = find(key)
    classes: dict[str, list[str]] = {}
    for summary in summaries:
        label = f"{summary.instrument_key} ({summary.city} {summary.code})"
        classes.setdefault(find(summary.instrument_key), []).append(label)
    if len(classes) > 1:
        groups = "; ".join(", ".join(labels) for labels in classes.values())
        raise SummaryError(
            f"outcome {outcome!r} does not mean the same in every file: {groups}. Compare "
            "studies of one instrument version, or declare the versions equivalent in the "
            f'instrument file (outcome = {{ ..., equivalent = ["id@version"] }})'
        )


@dataclass(frozen=True)
class _Rows:
    """One row per (study, target) of the outcome, as aligned arrays (no quadratic work)."""

    city: np.ndarray  # city index
    study: np.ndarray  # study index (in the ordered list)
    kind: np.ndarray  # target type index
    target: np.ndarray  # cluster code of (city, pseudonym): the same in every wave of a city
    b: np.ndarray
    c: np.ndarray
    n: np.ndarray

    def where(self, mask: np.ndarray) -> _Rows:
        return _Rows(*(getattr(self, name)[mask] for name in
                       ("city", "study", "kind", "target", "b", "c", "n")))  # fmt: skip


def _rows(ordered: list[Summary], cities: list[str], outcome: str) -> tuple[_Rows, list[str]]:
    columns: dict[str, list[Any]] = {key: [] for key in ("city", "study", "kind", "target", "b",
                                                         "c", "n")}  # fmt: skip
    for index, summary in enumerate(ordered):
        city = cities.index(summary.city)
        for target in summary.targets():
            counts = target["counts"].get(outcome)
            if counts is None or sum(counts) == 0:
                continue
            columns["city"].append(city)
            columns["study"].append(index)
            columns["kind"].append(target["target_type"])
            columns["target"].append(f"{city}/{target['target']}")
            columns["b"].append(counts[1])
            columns["c"].append(counts[2])
            columns["n"].append(sum(counts))
    kinds, kind_codes = np.unique(np.array(columns["kind"], dtype=str), return_inverse=True)
    _, target_codes = np.unique(np.array(columns["target"], dtype=str), return_inverse=True)
    rows = _Rows(np.array(columns["city"], dtype=np.int64), np.array(columns["study"],
                 dtype=np.int64), kind_codes.astype(np.int64), target_codes.astype(np.int64),
                 *(np.array(columns[key], dtype=np.int64) for key in ("b", "c", "n")))  # fmt: skip
    return rows, [str(kind) for kind in kinds]


def _sums(rows: _Rows) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per cluster (target of a city): its code, b, c, n summed over the rows (e.g. waves)."""
    codes, index = np.unique(rows.target, return_inverse=True)
    size = codes.size
    return (codes, np.bincount(index, rows.b, size), np.bincount(index, rows.c, size),
            np.bincount(index, rows.n, size))  # fmt: skip


def _line(rows: _Rows, confidence: float) -> dict[str, Any]:
    _, b, c, n = _sums(rows)
    result = venue_robust(b, c, n, confidence=confidence).to_dict()
    result["control_only_favourable"] = int(b.sum())
    result["protected_only_favourable"] = int(c.sum())
    return {key: result[key] for key in LINE_KEYS}


def _heterogeneity(by_city: list[dict[str, Any]], stratum: Stratum) -> dict[str, Any]:
    lines = [line for line in by_city if line["stratum"] == stratum]
    used = [line for line in lines if line["n_targets"] >= MIN_TARGETS
            and line["variance_cluster"] is not None and line["variance_cluster"] > 0]  # fmt: skip
    left_out = [line["city"] for line in lines if line not in used]
    notes = ([f"left out (fewer than {MIN_TARGETS} targets or no variation): "
              f"{', '.join(left_out)}"] if left_out else [])  # fmt: skip
    entry: dict[str, Any] = {"stratum": stratum, "cities": [line["city"] for line in used],
                             "q": None, "df": None, "p_value": None, "i_squared": None,
                             "weighted_mean": None}  # fmt: skip
    if len(used) < 2:
        notes.append("fewer than two cities with a venue-robust variance: no test")
        return {**entry, "note": "; ".join(notes)}
    estimates = np.array([line["net_difference"] for line in used])
    weights = 1.0 / np.array([line["variance_cluster"] for line in used])
    mean = float(np.sum(weights * estimates) / np.sum(weights))
    q = float(np.sum(weights * (estimates - mean) ** 2))
    df = len(used) - 1
    entry.update(q=q, df=df, p_value=float(stats.chi2.sf(q, df)),
                 i_squared=max(0.0, (q - df) / q) if q > 0 else 0.0, weighted_mean=mean)  # fmt: skip
    return {**entry, "note": "; ".join(notes) or None}


def _change(first: _Rows, second: _Rows, confidence: float) -> dict[str, Any]:
    """Δ = N₂ − N₁ of one city's two waves (docs/methods.md §7), rows of one stratum each."""
    codes1, b1, c1, m1 = _sums(first)
    codes2, b2, c2, m2 = _sums(second)
    n1, n2 = int(m1.sum()), int(m2.sum())
    targets = np.union1d(codes1, codes2)
    g = int(targets.size)
    entry: dict[str, Any] = {"n_pairs_from": n1, "n_pairs_to": n2, "n_targets": g,
                             "n_targets_in_both": int(np.intersect1d(codes1, codes2).size),
                             "difference": None, "ci_low": None, "ci_high": None,
                             "p_value": None, "df": None}  # fmt: skip
    if n1 == 0 or n2 == 0:
        return {**entry, "note": "a wave without pairs in this line: no change"}
    net1, net2 = float((b1 - c1).sum() / n1), float((b2 - c2).sum() / n2)
    difference = net2 - net1
    entry["difference"] = difference
    e = np.zeros(g)  # per target of either wave; 0 where a wave did not visit it
    np.add.at(e, np.searchsorted(targets, codes2), ((b2 - c2) - net2 * m2) / n2)
    np.subtract.at(e, np.searchsorted(targets, codes1), ((b1 - c1) - net1 * m1) / n1)
    notes = []
    if g < MIN_TARGETS:
        notes.append(f"fewer than {MIN_TARGETS} targets: no venue-robust interval or test")
        return {**entry, "note": "; ".join(notes)}
    if g < FEW_TARGETS:
        notes.append(f"fewer than {FEW_TARGETS} targets: the interval is approximate")
    variance = g / (g - 1) * float(np.sum(e**2))
    entry["df"] = g - 1
    if variance <= 0:
        notes.append("no variation between targets: no interval or test")
        return {**entry, "note": "; ".join(notes)}
    error = math.sqrt(variance)
    half = float(stats.t.ppf(0.5 + confidence / 2, g - 1)) * error
    entry.update(ci_low=max(-2.0, difference - half), ci_high=min(2.0, difference + half),
                 p_value=float(2 * stats.t.sf(abs(difference) / error, g - 1)))  # fmt: skip
    return {**entry, "note": "; ".join(notes) or None}


@dataclass(frozen=True)
class Comparison:
    """comparison.json as a frozen result (keys as :meth:`to_dict`; docs/results.md)."""

    outcome: str
    confidence: float
    studies: tuple[Mapping[str, Any], ...]
    pooled: tuple[Mapping[str, Any], ...]
    by_city: tuple[Mapping[str, Any], ...]
    by_wave: tuple[Mapping[str, Any], ...]
    heterogeneity: tuple[Mapping[str, Any], ...]
    change: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """comparison.json: format, version, outcome, confidence, studies, pooled, by_city,
        by_wave, heterogeneity, change (JSON-safe)."""
        converted = json_safe({
            "format": FORMAT, "version": VERSION, "outcome": self.outcome,
            "confidence": self.confidence, "studies": list(self.studies),
            "pooled": list(self.pooled), "by_city": list(self.by_city),
            "by_wave": list(self.by_wave), "heterogeneity": list(self.heterogeneity),
            "change": list(self.change),
        })  # fmt: skip
        assert isinstance(converted, dict)
        return converted

    def to_frame(self) -> pd.DataFrame:
        """One row per line, change and heterogeneity entry (comparison.csv)."""
        rows = []
        for section in ("pooled", "by_city", "by_wave", "change", "heterogeneity"):
            for entry in getattr(self, section):
                stratum = entry["stratum"]
                row = {"section": section, "outcome": self.outcome, **entry,
                       "stratum_variable": next(iter(stratum), "all"),
                       "stratum_level": next(iter(stratum.values()), "all")}  # fmt: skip
                row.pop("stratum")
                if section == "heterogeneity":
                    row["cities"] = ";".join(entry["cities"])
                rows.append(row)
        frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS))
        return frame.astype({name: "Int64" for name in ("n_pairs", "n_targets", "df")})

    def line(self, section: str, stratum: Stratum | None = None, **where: str) -> Mapping[str, Any]:
        """One line of `section` (pooled, by_city, by_wave, change) in `stratum`, e.g.
        ``line("by_city", city="Den Haag")``."""
        wanted = stratum or {}
        for entry in getattr(self, section):
            if entry["stratum"] == wanted and all(entry.get(k) == v for k, v in where.items()):
                return entry
        raise KeyError(f"no {section} line for {wanted} {where}")


CSV_COLUMNS = (
    "section", "outcome", "city", "study", "from", "to", "stratum_variable", "stratum_level",
    "n_pairs", "n_targets", "n_targets_in_both", "control_only_favourable",
    "protected_only_favourable", "net_difference", "ci_low_cluster", "ci_high_cluster",
    "p_cluster", "design_effect", "difference", "ci_low", "ci_high", "p_value", "df", "cities",
    "q", "i_squared", "weighted_mean", "note",
)  # fmt: skip


def _order(summaries: list[Summary]) -> list[Summary]:
    """By city, then wave number (where every study of the city has one), then period, code."""
    by_city: dict[str, list[Summary]] = {}
    for summary in summaries:
        by_city.setdefault(summary.city, []).append(summary)
    ordered = []
    for city in sorted(by_city):
        group = by_city[city]
        waves = all(s.study.get("wave") is not None for s in group)
        ordered += sorted(group, key=lambda s: ((s.study["wave"] if waves else 0), s.period,
                                                s.code))  # fmt: skip
    return ordered


def compare(
    summaries: Sequence[Summary | str | Path | Mapping[str, Any]], *, outcome: str | None = None,
    confidence: float = 0.95,
) -> Comparison:  # fmt: skip
    """Compare studies of several cities and waves from their summary bundles.

    Parameters
    ----------
    summaries
        Summary bundles: file paths, read :class:`~analysis.summary.Summary` objects or dicts.
    outcome
        The binary outcome (default: the primary outcome of the first bundle).
    confidence
        Level of every interval.

    Returns
    -------
    Comparison

    Raises
    ------
    SummaryError
        A file that is not a valid summary bundle, the same study twice, an outcome missing in a
        file, or an outcome whose meaning differs between the files.
    """
    level = check_confidence(confidence)
    loaded = [_load(item) for item in summaries]
    if not loaded:
        raise SummaryError("no summary bundles to compare: give at least one file")
    seen: dict[tuple[str, str], str] = {}
    for summary in loaded:
        key = (summary.city, summary.code)
        if key in seen:
            raise SummaryError(f"{summary.source}: study {summary.code!r} of {summary.city} is "
                               f"also in {seen[key]}; give each study once")  # fmt: skip
        seen[key] = summary.source
    name = outcome or loaded[0].primary_outcome()
    for summary in loaded:
        summary.outcome(name)  # raises, naming the file, when missing
    _check_meaning(loaded, name)
    ordered = _order(loaded)
    cities = list(dict.fromkeys(s.city for s in ordered))
    everything, kinds = _rows(ordered, cities, name)
    strata: list[tuple[Stratum, np.ndarray]] = [({}, np.ones(everything.n.size, dtype=bool))]
    strata += [({"target_type": kind}, everything.kind == index) for index, kind in
               enumerate(kinds)]  # fmt: skip
    pooled, by_city, by_wave, change, heterogeneity = [], [], [], [], []
    for stratum, mask in strata:
        rows = everything.where(mask)
        pooled.append({"stratum": stratum, **_line(rows, level)})
        for city_index, city in enumerate(cities):
            by_city.append({"city": city, "stratum": stratum,
                            **_line(rows.where(rows.city == city_index), level)})  # fmt: skip
        for index, summary in enumerate(ordered):
            by_wave.append({"city": summary.city, "study": summary.code,
                            "wave": summary.study.get("wave"), "stratum": stratum,
                            **_line(rows.where(rows.study == index), level)})  # fmt: skip
        for index, (earlier, later) in enumerate(zip(ordered, ordered[1:], strict=False)):
            if earlier.city == later.city:
                change.append({"city": earlier.city, "from": earlier.code, "to": later.code,
                               "stratum": stratum,
                               **_change(rows.where(rows.study == index),
                                         rows.where(rows.study == index + 1), level)})  # fmt: skip
        heterogeneity.append(_heterogeneity(by_city, stratum))
    studies = tuple(
        {"city": s.city, "study": s.code, "title": s.study.get("title"), "wave": s.study.get("wave"),
         "period": dict(s.data["period"]), "instrument": dict(s.data["instrument"]),
         "source": Path(s.source).name}
        for s in ordered
    )  # fmt: skip
    return Comparison(name, level, studies, tuple(pooled), tuple(by_city), tuple(by_wave),
                      tuple(heterogeneity), tuple(change))  # fmt: skip
