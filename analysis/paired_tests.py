"""McNemar tests and confidence intervals for the net difference (b − c)/n of a paired table.

All functions take the counts of :class:`analysis.table.PairedTable` (rows control, columns
protected; b = control-only favourable). They never raise on degenerate tables: undefined
quantities are None.

References
----------
McNemar Q (1947). Psychometrika 12:153–157.
Fagerland MW, Lydersen S, Laake P (2013). The McNemar test for binary matched-pairs data:
mid-p and asymptotic are better than exact conditional. BMC Med Res Methodol 13:91.
Tango T (1998). Equivalence test and confidence interval for the difference in proportions for
the paired-sample design. Stat Med 17:891–908 (and correction, Stat Med 1999; 18:3511).
Newcombe RG (1998). Improved confidence intervals for the difference between binomial
proportions based on paired data. Stat Med 17:2635–2650 (method 10).

The exact conditional p is scipy's binomial test; the mid-p, Tango's and Newcombe's intervals
are ours (no library in the stack has them; statsmodels' ``mcnemar`` has only the exact and the
asymptotic test, docs/methods.md §3).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from scipy import optimize
from scipy import stats

from analysis._common import ConfidenceInterval
from analysis._common import check_confidence
from analysis._common import z_value
from analysis.proportions import wilson_interval
from analysis.table import PairedTable

# Root-finding brackets stay this far inside (−1, 1): T(δ0) has a 0/0 at the boundaries.
_EDGE = 1e-12


class McNemarResult(NamedTuple):
    """Asymptotic χ² (no continuity correction) with its p, exact conditional p and mid-p.

    ``chi_square_corrected``/``p_corrected``: with Yates' continuity correction, as R's
    ``mcnemar.test`` default (for comparison only; not a default of this package).
    """

    chi_square: float | None
    p_asymptotic: float
    p_exact: float
    p_midp: float
    chi_square_corrected: float | None = None
    p_corrected: float | None = None


def mcnemar_tests(table: PairedTable) -> McNemarResult | None:
    """McNemar's tests of b = c; None when there are no discordant pairs (b + c = 0).

    Notes
    -----
    m = b + c, k = min(b, c). χ² = (b − c)²/m; exact p = min(1, 2·F(k; m, ½));
    mid-p = exact − P(X = k) if b ≠ c, else 1 − P(X = b)/2 (Fagerland et al. 2013).
    Corrected: (|b − c| − 1)²/m, uncorrected when b = c (R's ``mcnemar.test``).

    Examples
    --------
    >>> tests = mcnemar_tests(PairedTable(20, 12, 2, 16))
    >>> round(tests.chi_square_corrected, 4), round(tests.p_corrected, 4)
    (5.7857, 0.0162)
    """
    b, c = table.b, table.c
    m = b + c
    if m == 0:
        return None
    k = min(b, c)
    chi_square = (b - c) ** 2 / m
    p_asymptotic = float(stats.chi2.sf(chi_square, 1))
    p_exact = min(1.0, float(stats.binomtest(k, m, 0.5).pvalue))  # min(1, 2·F(k; m, ½))
    point = float(stats.binom.pmf(k, m, 0.5))
    p_midp = 1.0 - 0.5 * point if b == c else 2.0 * float(stats.binom.cdf(k, m, 0.5)) - point
    corrected = (abs(b - c) - (1 if b != c else 0)) ** 2 / m
    return McNemarResult(
        float(chi_square),
        p_asymptotic,
        p_exact,
        min(1.0, p_midp),
        float(corrected),
        float(stats.chi2.sf(corrected, 1)),
    )


def tango_score(table: PairedTable, delta0: float) -> float:
    """Tango's score statistic T(δ0) for H0: (b − c)/n = δ0 (decreasing in δ0)."""
    n, b, c = table.n, table.b, table.c
    numerator = b - c - n * delta0
    if numerator == 0:
        return 0.0
    big_b = -b - c + (2 * n - b + c) * delta0
    big_c = -c * delta0 * (1 - delta0)
    discriminant = max(big_b * big_b - 8 * n * big_c, 0.0)
    p_tilde = (-big_b + math.sqrt(discriminant)) / (4 * n)
    variance = n * (2 * p_tilde + delta0 * (1 - delta0))
    if variance <= 0:
        return math.copysign(math.inf, numerator)
    return numerator / math.sqrt(variance)


def tango_interval(table: PairedTable, confidence: float = 0.95) -> ConfidenceInterval:
    """Tango (1998) score interval for the net difference (b − c)/n.

    The interval is {δ0 : |T(δ0)| ≤ z}; each limit is found by Brent's method on its own side of
    δ̂ with the bracket clipped inside (−1, 1), so δ̂ = ±1 gives the limit ±1 exactly.

    Examples
    --------
    >>> [round(v, 4) for v in tango_interval(PairedTable(794, 150, 86, 570))]
    [0.0214, 0.059]
    """
    level = check_confidence(confidence)
    n = table.n
    if n == 0:
        return ConfidenceInterval(None, None)
    z = z_value(level)
    estimate = (table.b - table.c) / n

    def lower_side(delta0: float) -> float:
        return tango_score(table, delta0) - z

    def upper_side(delta0: float) -> float:
        return tango_score(table, delta0) + z

    if estimate <= -1.0 or lower_side(-1.0 + _EDGE) <= 0:
        low = -1.0
    else:
        low = float(
            optimize.brentq(lower_side, -1.0 + _EDGE, min(estimate, 1.0 - _EDGE), xtol=1e-13)
        )
    if estimate >= 1.0 or upper_side(1.0 - _EDGE) >= 0:
        high = 1.0
    else:
        high = float(
            optimize.brentq(upper_side, max(estimate, -1.0 + _EDGE), 1.0 - _EDGE, xtol=1e-13)
        )
    return ConfidenceInterval(low, high)


def newcombe_interval(
    table: PairedTable, confidence: float = 0.95, *, method: int = 10
) -> ConfidenceInterval:
    """Newcombe (1998) hybrid score interval for (b − c)/n: method 10 (default) or 8.

    Notes
    -----
    With p1 = (a+b)/n (control favourable), p2 = (a+c)/n (protected favourable), the difference
    p1 − p2 = (b − c)/n. Method 10: the correlation φ* is corrected by n/2 when A = ad − bc > n/2,
    set to 0 when 0 ≤ A ≤ n/2 or when a margin is 0 (docs/methods.md §2). Method 8 uses the plain
    φ̂ = A/√(margins) (0 when a margin is 0).

    Examples
    --------
    >>> [round(v, 4) for v in newcombe_interval(PairedTable(20, 12, 2, 16))]
    [0.0562, 0.3292]
    >>> [round(v, 4) for v in newcombe_interval(PairedTable(20, 12, 2, 16), method=8)]
    [0.0618, 0.3242]
    """
    if method not in (8, 10):
        raise ValueError(
            f"method must be 10 (the default, corrected φ*) or 8 (plain φ̂); got {method!r}"
        )
    level = check_confidence(confidence)
    a, b, c, d, n = table.a, table.b, table.c, table.d, table.n
    if n == 0:
        return ConfidenceInterval(None, None)
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson_interval(a + b, n, level)
    l2, u2 = wilson_interval(a + c, n, level)
    assert l1 is not None and u1 is not None and l2 is not None and u2 is not None
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    if margins == 0:
        phi = 0.0
    elif method == 8:
        phi = cross / math.sqrt(margins)
    elif 0 <= cross <= n / 2:
        phi = 0.0
    elif cross > n / 2:
        phi = (cross - n / 2) / math.sqrt(margins)
    else:
        phi = cross / math.sqrt(margins)
    estimate = p1 - p2
    low_term = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    high_term = (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2
    low = max(-1.0, estimate - math.sqrt(max(low_term, 0.0)))
    high = min(1.0, estimate + math.sqrt(max(high_term, 0.0)))
    return ConfidenceInterval(low, high)
