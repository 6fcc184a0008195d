"""Wilcoxon signed-rank test and Hodges–Lehmann estimate with its interval, as R does them.

Both follow R's ``wilcox.test(x, y, paired = TRUE, conf.int = TRUE)`` defaults: zero differences
are dropped; the exact signed-rank distribution is used when fewer than 50 differences remain and
there are no ties and no zeros; otherwise the normal approximation with continuity and tie
corrections, and the interval is found by inverting that approximation.

The p-value is :func:`scipy.stats.wilcoxon` with every argument explicit (docs/methods.md §3: its
defaults differ from R's), the branch chosen by R's rule. The Hodges–Lehmann estimate and its
interval are ours: neither scipy nor statsmodels has them, and R's interval needs the exact
signed-rank quantiles (:func:`qsignrank`) and the inversion of the corrected normal statistic.

References
----------
Hollander M, Wolfe DA, Chicken E (2014). Nonparametric Statistical Methods, 3rd ed., ch. 3.
Bauer DF (1972). Constructing confidence sets using rank statistics. JASA 67:687–690.
R Core Team, ``wilcox.test`` (stats package).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import stats

from analysis.walsh import CompactWalsh
from analysis.walsh import SelectedWalsh
from analysis.walsh import median
from analysis.walsh import walsh_averages

EXACT_LIMIT = 50  # R: exact <- (n < 50)


@cache
def _signrank_counts(n: int) -> tuple[int, ...]:
    """Number of subsets of {1..n} with each rank sum 0..n(n+1)/2 (exact integers)."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    for rank in range(1, n + 1):
        for total in range(rank * (rank + 1) // 2, rank - 1, -1):
            counts[total] += counts[total - rank]
    return tuple(counts)


def psignrank(q: float, n: int) -> float:
    """P(V ≤ q) for the signed-rank statistic V of n untied, non-zero differences."""
    if q < 0:
        return 0.0
    counts = _signrank_counts(n)
    upto = min(int(math.floor(q)), len(counts) - 1)
    return sum(counts[: upto + 1]) / 2**n


def qsignrank(p: float, n: int) -> int:
    """Smallest q with P(V ≤ q) ≥ p (R's ``qsignrank``)."""
    cumulative = 0
    target = p * 2**n
    for q, count in enumerate(_signrank_counts(n)):
        cumulative += count
        if cumulative >= target * (1 - 64 * np.finfo(float).eps):
            return q
    return len(_signrank_counts(n)) - 1


@dataclass(frozen=True)
class SignedRankResult:
    """V (rank sum of positive differences), its two-sided p, and the Hodges–Lehmann interval."""

    n_used: int
    statistic: float
    p_value: float
    exact: bool
    estimate: float
    ci_low: float | None
    ci_high: float | None
    achieved_confidence: float | None
    all_equal: bool = False  # every non-zero difference the same: no interval


def _z_statistic(x: np.ndarray, shift: float, correct: bool) -> float:
    """R's internal W(d): standardised signed-rank statistic of x − d (zeros dropped)."""
    shifted = x - shift
    shifted = shifted[shifted != 0]
    n = shifted.size
    if n == 0:
        return 0.0
    ranks = stats.rankdata(np.abs(shifted))
    centred = float(ranks[shifted > 0].sum()) - n * (n + 1) / 4
    _, ties = np.unique(ranks, return_counts=True)
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float(np.sum(ties**3 - ties)) / 48)
    correction = math.copysign(0.5, centred) if correct and centred != 0 else 0.0
    return (centred - correction) / sigma


def _invert(x: np.ndarray, walsh: CompactWalsh | SelectedWalsh, quantile: float) -> float:
    """Where the step function W(d) (non-increasing) crosses `quantile`, located exactly.

    W is constant between consecutive Walsh averages; R's ``uniroot`` converges to the same
    breakpoint up to its tolerance (1e-4), so this is R's limit without the tolerance.
    """
    if _z_statistic(x, walsh.lowest, True) - quantile <= 0:
        return walsh.lowest
    if _z_statistic(x, walsh.highest, True) - quantile >= 0:
        return walsh.highest
    return walsh.first_step(
        lambda step, following: _z_statistic(x, (step + following) / 2, True) - quantile <= 0
    )


def signed_rank(differences: np.ndarray, confidence: float) -> SignedRankResult | None:
    """Wilcoxon signed-rank test of median 0 and the Hodges–Lehmann interval.

    Parameters
    ----------
    differences
        Paired differences (protected − control), no missing values.
    confidence
        Level of the interval.

    Returns
    -------
    SignedRankResult, or None when every difference is zero.

    Notes
    -----
    The estimate is the median of the Walsh averages of the non-zero differences (R's
    ``(pseudo)median`` in its exact branch). Exact interval: [W(k), W(M − k + 1)], k =
    ``qsignrank(α/2, n)`` (at least 1), M = n(n + 1)/2.
    """
    x = np.asarray(differences, dtype=float)
    x = x[x != 0]
    n = x.size
    if n == 0:
        return None
    alpha = 1.0 - confidence
    ranks = stats.rankdata(np.abs(x))
    statistic = float(ranks[x > 0].sum())
    has_ties = np.unique(ranks).size != n
    exact = n < EXACT_LIMIT and not has_ties and n == len(differences)
    walsh = walsh_averages(x)
    estimate = median(walsh)
    test = stats.wilcoxon(x, zero_method="wilcox", correction=not exact,
                          method="exact" if exact else "approx")  # fmt: skip
    p_value = min(1.0, float(test.pvalue))
    if n == 1:  # one non-zero difference: the estimate is that difference, no interval
        return SignedRankResult(n, statistic, p_value, exact, estimate, None, None, None, True)
    if exact:
        k = max(qsignrank(alpha / 2, n), 1)
        m = walsh.size
        achieved = 1.0 - 2.0 * psignrank(k - 1, n)
        return SignedRankResult(
            n,
            statistic,
            p_value,
            True,
            estimate,
            walsh.order_statistic(k),
            walsh.order_statistic(m - k + 1),
            achieved,
        )
    if walsh.lowest == walsh.highest:  # all differences equal: no interval
        return SignedRankResult(n, statistic, p_value, False, estimate, None, None, None, True)
    level_alpha = alpha
    while (
        _z_statistic(x, walsh.lowest, True) < stats.norm.isf(level_alpha / 2)
        or _z_statistic(x, walsh.highest, True) > stats.norm.ppf(level_alpha / 2)
    ) and level_alpha < 1:
        level_alpha *= 2  # R widens alpha until both ends of the range reject
    if level_alpha >= 1:
        return SignedRankResult(n, statistic, p_value, False, estimate, None, None, 0.0)
    low = _invert(x, walsh, float(stats.norm.isf(level_alpha / 2)))
    high = _invert(x, walsh, float(stats.norm.ppf(level_alpha / 2)))
    return SignedRankResult(n, statistic, p_value, False, estimate, low, high, 1.0 - level_alpha)
