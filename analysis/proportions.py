"""Confidence intervals for a single binomial share x/n: Wilson, Clopper–Pearson, mid-p.

Every function returns a :class:`~analysis._common.ConfidenceInterval`; both limits are None
when n = 0. Limits at x = 0 or x = n are exactly 0 or 1.

Wilson and Clopper–Pearson are scipy's (``binomtest(x, n).proportion_ci``); the mid-p interval is
ours, as no library in the stack has it.

References
----------
Wilson EB (1927). Probable inference, the law of succession, and statistical inference. JASA 22.
Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits. Biometrika 26.
Fagerland MW, Lydersen S, Laake P (2017). Statistical Analysis of Contingency Tables, ch. 1
(the mid-p interval).
"""

from __future__ import annotations

import math

from scipy import optimize
from scipy import special
from scipy import stats

from analysis._common import ConfidenceInterval
from analysis._common import check_confidence


def _check_counts(x: int, n: int) -> None:
    if n < 0 or x < 0 or x > n:
        raise ValueError(f"need 0 <= x <= n; got x={x}, n={n}")


def _scipy_interval(x: int, n: int, confidence: float, method: str) -> ConfidenceInterval:
    _check_counts(x, n)
    level = check_confidence(confidence)
    if n == 0:
        return ConfidenceInterval(None, None)
    interval = stats.binomtest(x, n).proportion_ci(confidence_level=level, method=method)
    low = 0.0 if x == 0 else max(0.0, float(interval.low))
    high = 1.0 if x == n else min(1.0, float(interval.high))
    return ConfidenceInterval(low, high)


def wilson_interval(x: int, n: int, confidence: float = 0.95) -> ConfidenceInterval:
    """Wilson score interval for x/n (scipy's, without continuity correction).

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(1, 29)]
    [0.0061, 0.1718]
    """
    return _scipy_interval(x, n, confidence, "wilson")


def clopper_pearson_interval(x: int, n: int, confidence: float = 0.95) -> ConfidenceInterval:
    """Clopper–Pearson ('exact') interval for x/n (scipy's).

    Examples
    --------
    >>> [round(v, 4) for v in clopper_pearson_interval(0, 20)]
    [0.0, 0.1684]
    """
    return _scipy_interval(x, n, confidence, "exact")


def midp_interval(x: int, n: int, confidence: float = 0.95) -> ConfidenceInterval:
    """Mid-p interval for x/n: each tail counts half the probability of the observed x.

    Notes
    -----
    Lower limit p_L solves P(X > x) + P(X = x)/2 = alpha/2, upper limit p_U solves
    P(X < x) + P(X = x)/2 = alpha/2, with X ~ Bin(n, p).
    """
    _check_counts(x, n)
    alpha = 1.0 - check_confidence(confidence)
    if n == 0:
        return ConfidenceInterval(None, None)

    # scipy.special directly: the same functions scipy.stats.binom evaluates, without its
    # argument checking, which dominated the cost of an analysis with many strata.
    log_choose = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)

    def point(p: float) -> float:
        return math.exp(log_choose + special.xlogy(x, p) + special.xlog1py(n - x, -p))

    def upper_tail(p: float) -> float:
        return float(special.bdtrc(x, n, p)) + 0.5 * point(p) - alpha / 2

    def lower_tail(p: float) -> float:
        below = float(special.bdtr(x - 1, n, p)) if x > 0 else 0.0
        return below + 0.5 * point(p) - alpha / 2

    low = 0.0 if x == 0 else float(optimize.brentq(upper_tail, 0.0, 1.0, xtol=1e-12))
    high = 1.0 if x == n else float(optimize.brentq(lower_tail, 0.0, 1.0, xtol=1e-12))
    return ConfidenceInterval(low, high)
