"""Venue-robust inference for the net measure when targets are visited more than once.

Pairs at the same target share its door policy, staff and crowd, so they are not independent
(docs/methods.md §6). With G targets, target v having n_v valid pairs and d_v = b_v − c_v, n = Σ n_v:

- net measure N = Σ d_v / n (the same estimate as :func:`analysis.binary.paired_binary`);
- venue-robust variance (ratio estimator, CR1) V_cl = G/(G − 1) · Σ_v (d_v − N·n_v)² / n²,
  interval N ± t(G − 1; 1 − α/2)·√V_cl clipped to [−1, 1];
- independent-pairs variance V_ind = Σ_i (d_i − N)² / n² = (b + c − n·N²) / n², and the design
  effect V_cl / V_ind;
- Obuchowski's clustered McNemar test, X² = ((G − 1)/G)·(Σ d_v)² / Σ d_v², p = P(χ²₁ > X²): the
  score test of N = 0 with the same CR1 factor. With one pair per target it is (n − 1)/n times
  McNemar's asymptotic χ².

Below 20 targets the interval is approximate (a note says so); below 5 the interval and the test
are not reported (the test cannot reach p < .05 with fewer targets); the design effect is.

Why our own code: no library in the stack has Obuchowski's test. statsmodels' cluster-robust OLS
of d_i on a constant gives the same V_cl and interval (the tests check it), but it needs the pairs
one by one; this works from per-target counts (b_v, c_v, n_v), which is also all a summary bundle
holds (:mod:`analysis.compare`), in O(G).

References
----------
Obuchowski NA (1998). On the comparison of correlated proportions for clustered data. Stat Med
17:1495–1507. Yang Z, Sun X, Hardin JW (2010). A note on the tests for clustered matched-pair
binary data. Biom J 52:638–652 (the form used here; R ``clust.bin.pair``, method "obuchowski").
Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. J Hum Resour
50:317–372 (CR1 and the t(G − 1) reference).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis._common import ConfidenceInterval
from analysis._common import ResultMixin
from analysis._common import check_confidence
from analysis._common import scipy_alias
from analysis.table import as_binary

MIN_TARGETS = 5  # fewer: no venue-robust interval or test (p < .05 is out of reach)
FEW_TARGETS = 20  # fewer: the interval is approximate, and the result says so
VENUE_ROBUST, INDEPENDENT = "venue_robust", "independent"
FEW_NOTE = "fewer than 20 targets: the venue-robust interval is approximate"
TOO_FEW_NOTE = (
    "fewer than 5 targets: no venue-robust interval or test (the design effect is reported); "
    "no p-value should be published for this line"
)


@dataclass(frozen=True)
class VenueRobustResult(ResultMixin):
    """The venue-robust keys of a binary estimate (results.json, docs/methods.md §6).

    Attributes
    ----------
    n_pairs, n_targets, max_pairs_per_target
        n, G (distinct targets) and the largest n_v.
    net_difference
        N = (b − c)/n.
    variance_cluster, variance_independent, design_effect
        V_cl (CR1), V_ind and their ratio (None when V_ind = 0).
    ci_low_cluster, ci_high_cluster, df_cluster
        N ± t(G − 1)·√V_cl, clipped to [−1, 1]; G − 1.
    chi_square_cluster, p_cluster
        Obuchowski's X² and its χ²₁ p.
    inference
        ``"venue_robust"`` when some target has two or more pairs (the headline then uses the
        interval and test above), else ``"independent"`` (Tango and mid-p McNemar).
    confidence, note
    """

    n_pairs: int
    n_targets: int
    max_pairs_per_target: int
    net_difference: float | None
    variance_cluster: float | None
    variance_independent: float | None
    design_effect: float | None
    ci_low_cluster: float | None
    ci_high_cluster: float | None
    df_cluster: int | None
    chi_square_cluster: float | None
    p_cluster: float | None
    inference: str
    confidence: float
    note: str | None

    _title = "Venue-robust net measure (docs/methods.md §6)"

    statistic = scipy_alias("net_difference", "Net difference N")
    pvalue = scipy_alias("p_cluster", "Obuchowski's p")

    def confidence_interval(self, level: float | None = None) -> ConfidenceInterval:
        """The venue-robust interval, at `level` (default: this result's level)."""
        if level is None or self.variance_cluster is None or self.ci_low_cluster is None:
            return ConfidenceInterval(self.ci_low_cluster, self.ci_high_cluster)
        assert self.net_difference is not None and self.df_cluster is not None
        return _interval(self.net_difference, self.variance_cluster, self.df_cluster,
                         check_confidence(level))  # fmt: skip


def _interval(estimate: float, variance: float, df: int, level: float) -> ConfidenceInterval:
    half = float(stats.t.ppf(0.5 + level / 2, df)) * math.sqrt(variance)
    return ConfidenceInterval(max(-1.0, estimate - half), min(1.0, estimate + half))


def _counts(name: str, values: Sequence[int] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or np.any(array < 0) or np.any(array != np.floor(array)):
        raise ValueError(f"{name} must be a sequence of non-negative integer counts per target")
    return array


def venue_robust(
    b: Sequence[int] | np.ndarray, c: Sequence[int] | np.ndarray,
    n: Sequence[int] | np.ndarray, *, confidence: float = 0.95,
) -> VenueRobustResult:  # fmt: skip
    """Venue-robust interval and Obuchowski's test for the net measure, from per-target counts.

    Parameters
    ----------
    b, c, n
        Per target: control-only favourable pairs, protected-only favourable pairs, and all
        valid pairs (aligned sequences, one entry per target; targets with n_v = 0 are ignored).
    confidence
        Level of the interval.

    Returns
    -------
    VenueRobustResult
        None with a ``note`` where undefined; never NaN.

    Examples
    --------
    One pair per target: X² is (n − 1)/n of McNemar's χ² = (12 − 2)²/14.

    >>> result = venue_robust([1] * 12 + [0] * 2, [0] * 12 + [1] * 2, [1] * 14)
    >>> round(result.chi_square_cluster, 6) == round(13 / 14 * 100 / 14, 6)
    True
    >>> result.inference
    'independent'
    """
    level = check_confidence(confidence)
    b_v, c_v, n_v = _counts("b", b), _counts("c", c), _counts("n", n)
    if not b_v.size == c_v.size == n_v.size:
        raise ValueError(f"b, c and n need one entry per target; got {b_v.size}, {c_v.size}, "
                         f"{n_v.size}")  # fmt: skip
    if np.any(b_v + c_v > n_v):
        raise ValueError("per target, b + c cannot exceed n")
    present = n_v > 0
    b_v, c_v, n_v = b_v[present], c_v[present], n_v[present]
    targets, total = int(n_v.size), int(n_v.sum())
    largest = int(n_v.max()) if targets else 0
    values: dict[str, Any] = {
        "n_pairs": total, "n_targets": targets, "max_pairs_per_target": largest,
        "inference": VENUE_ROBUST if largest >= 2 else INDEPENDENT, "confidence": level,
    }  # fmt: skip
    empty: dict[str, Any] = dict.fromkeys(
        ("net_difference", "variance_cluster", "variance_independent", "design_effect",
         "ci_low_cluster", "ci_high_cluster", "df_cluster", "chi_square_cluster", "p_cluster"),
    )  # fmt: skip
    if total == 0:
        return VenueRobustResult(**values, **empty, note="no pairs: every estimate is undefined")
    notes = []
    d_v = b_v - c_v
    net = float(d_v.sum() / total)
    independent = float((b_v.sum() + c_v.sum() - total * net * net) / total**2)
    values.update(empty, net_difference=net, variance_independent=max(independent, 0.0))
    if targets < 2:
        notes.append("one target: no venue-robust variance")
        return VenueRobustResult(**values, note="; ".join(notes + [TOO_FEW_NOTE]))
    factor = targets / (targets - 1)
    cluster = float(factor * np.sum((d_v - net * n_v) ** 2) / total**2)
    values["variance_cluster"] = cluster
    if independent > 0:
        values["design_effect"] = cluster / independent
    if targets < MIN_TARGETS:
        notes.append(TOO_FEW_NOTE)
        return VenueRobustResult(**values, note="; ".join(notes))
    if targets < FEW_TARGETS:
        notes.append(FEW_NOTE)
    values["df_cluster"] = targets - 1
    if cluster > 0:
        low, high = _interval(net, cluster, targets - 1, level)
        values.update(ci_low_cluster=low, ci_high_cluster=high)
    else:
        notes.append("no variation between targets (V_cl = 0): no venue-robust interval")
    squares = float(np.sum(d_v**2))
    if squares == 0:
        reason = ("no discordant pairs" if b_v.sum() + c_v.sum() == 0
                  else "discordant pairs cancel within every target")  # fmt: skip
        notes.append(f"{reason}: Obuchowski p set to 1")
        values.update(chi_square_cluster=0.0, p_cluster=1.0)
    else:
        chi_square = float((targets - 1) / targets * d_v.sum() ** 2 / squares)
        values.update(chi_square_cluster=chi_square, p_cluster=float(stats.chi2.sf(chi_square, 1)))
    return VenueRobustResult(**values, note="; ".join(notes) or None)


def target_counts(
    frame: pd.DataFrame, *, control: str, protected: str, target: str
) -> pd.DataFrame:
    """Per target: columns ``b``, ``c``, ``n`` (index: the target codes, sorted)."""
    for column in (control, protected, target):
        if column not in frame.columns:
            raise ValueError(f"column {column!r} not in frame; columns are {list(frame.columns)}")
    control_ok = as_binary(frame[control], control)
    protected_ok = as_binary(frame[protected], protected)
    counts = pd.DataFrame({
        "target": frame[target].astype(str).to_numpy(),
        "b": (control_ok & ~protected_ok).astype(np.int64),
        "c": (~control_ok & protected_ok).astype(np.int64),
        "n": np.ones(len(frame), dtype=np.int64),
    })  # fmt: skip
    return counts.groupby("target", sort=True)[["b", "c", "n"]].sum()


def venue_robust_from_frame(
    frame: pd.DataFrame, *, control: str, protected: str, target: str = "target_code",
    confidence: float = 0.95,
) -> VenueRobustResult:  # fmt: skip
    """:func:`venue_robust` from a tidy frame: one row per complete valid pair.

    `control`/`protected` hold 0/1 or booleans (1 = favourable), `target` the target code.
    """
    counts = target_counts(frame, control=control, protected=protected, target=target)
    return venue_robust(counts["b"], counts["c"], counts["n"], confidence=confidence)
