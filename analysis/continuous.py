"""Continuous outcomes of matched pairs (wait, fee): mean difference and Hodges–Lehmann.

Sign convention: every difference is protected − control, so > 0 means the protected team waited
longer or paid more (worse off for an outcome with ``adverse = "higher"``).

The paired t comes from :func:`scipy.stats.ttest_rel`, the share of pairs with any difference has
scipy's Wilson interval (:func:`analysis.proportions.wilson_interval`). The Hodges–Lehmann
estimate and its interval are our own (:mod:`analysis.signed_rank`): no library in the stack has
them with R's rules for ties and zeros.

When most differences are zero (most pairs paid the same fee), the headline is the mean
difference together with the share of pairs that differ at all; the Hodges–Lehmann estimate
then describes only the few non-zero differences and is secondary.
"""

from __future__ import annotations

import dataclasses
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
from analysis.proportions import wilson_interval
from analysis.signed_rank import signed_rank

DROP_RULE = "pair(s) dropped: a pair with a missing value on either side is excluded"


@dataclass(frozen=True)
class PairedContinuousResult(ResultMixin):
    """Everything reported for one continuous outcome in one stratum (results.json keys).

    Attributes
    ----------
    n_pairs, n_dropped
        Complete pairs used, and pairs dropped for a missing value on either side.
    mean_difference, ci_low, ci_high, ttest_p, t_statistic, df
        Mean of protected − control with the paired-t interval and two-sided p.
    hodges_lehmann, hl_ci_low, hl_ci_high, hl_ci_confidence, hl_ci_exact
        Median of the Walsh averages of the non-zero differences, with the interval from the
        exact signed-rank distribution or from inverting its normal approximation; the
        confidence actually achieved (the exact distribution is discrete).
    p_value, wilcoxon_statistic, wilcoxon_exact, n_zero
        Wilcoxon signed-rank p (as R's ``wilcox.test(paired = TRUE)``), V = rank sum of positive
        differences, whether the exact distribution was used, number of zero differences dropped.
    share_nonzero, share_nonzero_ci_low, share_nonzero_ci_high, mostly_zero
        Share of pairs whose difference is not zero, with its Wilson interval; whether more than
        half of the differences are zero (then the headline is the mean difference with this
        share, and the Hodges–Lehmann estimate is secondary).
    confidence, note
    """

    n_pairs: int
    n_dropped: int
    mean_difference: float | None
    ci_low: float | None
    ci_high: float | None
    t_statistic: float | None
    df: int | None
    ttest_p: float | None
    hodges_lehmann: float | None
    hl_ci_low: float | None
    hl_ci_high: float | None
    hl_ci_confidence: float | None
    hl_ci_exact: bool | None
    p_value: float | None
    wilcoxon_statistic: float | None
    wilcoxon_exact: bool | None
    n_zero: int
    share_nonzero: float | None
    share_nonzero_ci_low: float | None
    share_nonzero_ci_high: float | None
    mostly_zero: bool | None
    p_adjusted: float | None
    confidence: float
    note: str | None

    _title = "Paired continuous outcome (protected − control)"

    statistic = scipy_alias("mean_difference", "Mean difference")
    pvalue = scipy_alias("p_value", "Wilcoxon signed-rank p")

    def confidence_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Paired-t interval for the mean difference at `level` (default: this result's)."""
        if level is None or self.mean_difference is None or self.ci_low is None:
            return ConfidenceInterval(self.ci_low, self.ci_high)
        assert self.df is not None and self.ci_high is not None
        # the standard error from this result's own interval (not mean/t: the mean may be 0)
        own = float(stats.t.ppf(0.5 + self.confidence / 2, self.df))
        error = (self.ci_high - self.ci_low) / (2 * own)
        half = float(stats.t.ppf(0.5 + check_confidence(level) / 2, self.df)) * error
        return ConfidenceInterval(self.mean_difference - half, self.mean_difference + half)


def _numbers(values: Any, name: str) -> np.ndarray:
    try:
        array = pd.to_numeric(pd.Series(values, dtype=object), errors="raise")
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must hold numbers or missing values: {error}") from None
    result = np.asarray(array.astype(float), dtype=float)
    if np.isinf(result).any():
        raise ValueError(f"{name} holds an infinite value")
    return result


def paired_continuous(
    control: Sequence[Any] | np.ndarray | pd.Series,
    protected: Sequence[Any] | np.ndarray | pd.Series,
    *,
    confidence: float = 0.95,
) -> PairedContinuousResult:
    """Mean difference (paired t) and Hodges–Lehmann (signed rank) of protected − control.

    Parameters
    ----------
    control, protected
        Aligned values, one per pair; None/NaN marks a missing value.
    confidence
        Level of both intervals, in (0, 1).

    Returns
    -------
    PairedContinuousResult
        None with a ``note`` where undefined (n = 0; n = 1; all differences zero; constant
        differences); never NaN.

    Notes
    -----
    Differences are protected − control (> 0: the protected team waited longer / paid more).
    The Wilcoxon test and the HL interval follow R's ``wilcox.test(paired = TRUE,
    conf.int = TRUE)``: zeros dropped, exact when n < 50 without ties or zeros, otherwise normal
    approximation with continuity and tie corrections. The HL estimate is the median of the Walsh
    averages of the non-zero differences; asymptotic limits are the exact crossing points that
    R's ``uniroot`` approximates to 1e-4.

    References
    ----------
    Student (1908); Wilcoxon (1945); Hodges & Lehmann (1963); docs/methods.md §1.

    Examples
    --------
    >>> r = paired_continuous([10, 5, 0, 12], [15, 5, 20, 13])
    >>> r.n_pairs, r.mean_difference, r.hodges_lehmann
    (4, 6.5, 7.75)
    """
    level = check_confidence(confidence)
    control_values = _numbers(control, "control")
    protected_values = _numbers(protected, "protected")
    if control_values.shape != protected_values.shape:
        raise ValueError(
            f"control and protected must have the same length; got {control_values.size} "
            f"and {protected_values.size}"
        )
    complete = ~(np.isnan(control_values) | np.isnan(protected_values))
    differences = protected_values[complete] - control_values[complete]
    return _result(differences, int((~complete).sum()), level)


def paired_continuous_from_frame(
    frame: pd.DataFrame, *, control: str, protected: str, confidence: float = 0.95
) -> PairedContinuousResult:
    """:func:`paired_continuous` from a tidy frame (one row per pair) and two column names."""
    for column in (control, protected):
        if column not in frame.columns:
            raise ValueError(f"column {column!r} not in frame; columns are {list(frame.columns)}")
    return paired_continuous(frame[control], frame[protected], confidence=confidence)


def _result(differences: np.ndarray, n_dropped: int, level: float) -> PairedContinuousResult:
    n = differences.size
    notes = [f"{n_dropped} {DROP_RULE}"] if n_dropped else []
    values: dict[str, Any] = {f.name: None for f in dataclasses.fields(PairedContinuousResult)}
    n_zero = int((differences == 0).sum())
    values.update(n_pairs=n, n_dropped=n_dropped, n_zero=n_zero, confidence=level)
    if n == 0:
        notes.append("no complete pairs: every estimate is undefined")
        return PairedContinuousResult(**{**values, "note": "; ".join(notes)})
    mean = float(differences.mean())
    share = wilson_interval(n - n_zero, n, level)
    values.update(mean_difference=mean, share_nonzero=(n - n_zero) / n,
                  share_nonzero_ci_low=share.low, share_nonzero_ci_high=share.high,
                  mostly_zero=2 * n_zero > n)  # fmt: skip
    if n == 1:
        notes.append("one pair: no interval or test")
    elif np.ptp(differences) == 0:
        notes.append("all differences equal: no paired-t interval or t-test (zero variance)")
    else:
        test = stats.ttest_rel(differences, np.zeros(n))
        interval = test.confidence_interval(level)
        values.update(
            t_statistic=float(test.statistic),
            df=int(test.df),
            ttest_p=float(test.pvalue),
            ci_low=float(interval.low),
            ci_high=float(interval.high),
        )
    if values["mostly_zero"]:
        notes.append(
            f"most differences are zero ({n_zero} of {n}): the headline is the mean difference "
            "with the share of pairs that differ; Hodges–Lehmann describes only the "
            f"{n - n_zero} non-zero differences"
        )
    ranks = signed_rank(differences, level)
    if ranks is None:
        notes.append("all differences zero: no signed-rank test or Hodges–Lehmann estimate")
        return PairedContinuousResult(**{**values, "note": "; ".join(notes)})
    if n == 1:
        values["hodges_lehmann"] = ranks.estimate
        return PairedContinuousResult(**{**values, "note": "; ".join(notes)})
    values.update(
        hodges_lehmann=ranks.estimate,
        hl_ci_low=ranks.ci_low,
        hl_ci_high=ranks.ci_high,
        hl_ci_confidence=ranks.achieved_confidence,
        hl_ci_exact=ranks.exact,
        p_value=ranks.p_value,
        wilcoxon_statistic=ranks.statistic,
        wilcoxon_exact=ranks.exact,
    )
    if n_zero:
        notes.append(f"{n_zero} zero differences dropped from the signed-rank test")
    if ranks.ci_low is None and ranks.n_used == 1:
        notes.append("one non-zero difference: no Hodges–Lehmann interval")
    elif ranks.ci_low is None and ranks.all_equal:
        notes.append("all non-zero differences equal: no Hodges–Lehmann interval")
    elif ranks.ci_low is None:
        notes.append(
            f"too few non-zero differences ({ranks.n_used}) for a Hodges–Lehmann interval at "
            "any level"
        )
    elif ranks.achieved_confidence is not None and ranks.achieved_confidence < level - 1e-9:
        notes.append(
            f"Hodges–Lehmann interval has confidence {ranks.achieved_confidence:.4f} only "
            "(too few pairs for the requested level)"
        )
    return PairedContinuousResult(**{**values, "note": "; ".join(notes) or None})
