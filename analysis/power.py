"""Sample size and power for McNemar's test of the net difference in matched pairs.

p10 and p01 are the expected shares of b-type (control-only favourable) and c-type
(protected-only favourable) pairs; ψ = p10 + p01 is the discordance, δ = p10 − p01 the net
difference. All tests are two-sided at level α (α/K with ``strata = K``, Bonferroni's bound,
which is the first step of Holm's procedure across K target types).

Targets visited more than once (docs/methods.md §6): with m visits per target and intra-target
correlation ρ of the pair difference, the variance grows by the design effect 1 + (m − 1)ρ, so
the pairs needed are the independent n (Connor) times the design effect, at pairs/m targets.
ρ = 0.1 (:data:`DEFAULT_ICC`) is the default: a modest venue effect, the value at which the
audit of issue 11 found mid-p McNemar's size doubled with 5 visits per venue; use the design
effect of an earlier wave when there is one (design effect = 1 + (m − 1)ρ gives ρ).

Why our own code: statsmodels' power classes cover t, z and χ² tests of independent samples; the
enumerated power of the exact and mid-p McNemar tests (saw-toothed in n) is in no library of the
stack.

References
----------
Connor RJ (1987). Sample size for testing differences in proportions for the paired-sample
design. Biometrics 43:207–211.
Miettinen OS (1968). The matched pairs design in the case of all-or-none responses.
Biometrics 24:339–352 (formula as given by Lachin 1992, Stat Med 11:1239–1251).
Fagerland MW, Lydersen S, Laake P (2013). BMC Med Res Methodol 13:91 (the mid-p test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import special
from scipy import stats

from analysis._common import ResultMixin

TESTS = ("midp", "exact", "asymptotic")
DEFAULT_ICC = 0.1  # intra-target correlation of the pair difference (docs/methods.md §6)
FEW_TARGETS, MIN_TARGETS = 20, 5  # as analysis.clustered


def _check(p10: float, p01: float, alpha: float, power: float | None = None) -> None:
    if not (0 <= p10 <= 1 and 0 <= p01 <= 1 and p10 + p01 <= 1):
        raise ValueError(f"need shares 0 ≤ p10, p01 and p10 + p01 ≤ 1; got p10={p10}, p01={p01}")
    if p10 + p01 == 0:
        raise ValueError("p10 + p01 must be > 0: without discordant pairs there is no test")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), e.g. 0.05; got {alpha}")
    if power is not None and not 0 < power < 1:
        raise ValueError(f"power must lie in (0, 1), e.g. 0.8; got {power}")


def connor_n(p10: float, p01: float, alpha: float = 0.05, power: float = 0.8) -> float | None:
    """Connor (1987): n = [z(1−α/2)√ψ + z(power)√(ψ − δ²)]² / δ²; None when δ = 0.

    Examples
    --------
    >>> round(connor_n(0.05, 0.45), 4)
    22.0113
    """
    _check(p10, p01, alpha, power)
    psi, delta = p10 + p01, p10 - p01
    if delta == 0:
        return None
    z_alpha, z_beta = stats.norm.isf(alpha / 2), stats.norm.ppf(power)
    return float((z_alpha * math.sqrt(psi) + z_beta * math.sqrt(psi - delta**2)) ** 2 / delta**2)


def miettinen_n(p10: float, p01: float, alpha: float = 0.05, power: float = 0.8) -> float | None:
    """Miettinen (1968): n = [z(1−α/2)ψ + z(power)√(ψ² − δ²(3 + ψ)/4)]² / (ψδ²); None if δ = 0."""
    _check(p10, p01, alpha, power)
    psi, delta = p10 + p01, p10 - p01
    if delta == 0:
        return None
    z_alpha, z_beta = stats.norm.isf(alpha / 2), stats.norm.ppf(power)
    spread = math.sqrt(max(psi**2 - delta**2 * (3 + psi) / 4, 0.0))
    return float((z_alpha * psi + z_beta * spread) ** 2 / (psi * delta**2))


@cache
def _lower_critical(discordant: int, alpha: float, test: str) -> int:
    """Largest k with p(k) ≤ α for b = k (two-sided, symmetric); −1 if none."""
    k = np.arange(discordant // 2 + 1)
    cdf = stats.binom.cdf(k, discordant, 0.5)
    if test == "exact":
        p_values = np.minimum(1.0, 2 * cdf)
    else:
        p_values = 2 * cdf - stats.binom.pmf(k, discordant, 0.5)
        if discordant % 2 == 0:  # b = c: mid-p is 1 − P(X = b)/2
            p_values[-1] = 1 - 0.5 * stats.binom.pmf(discordant // 2, discordant, 0.5)
    rejecting = np.nonzero(p_values <= alpha * (1 + 1e-12))[0]
    return int(rejecting[-1]) if rejecting.size else -1


def _conditional_power(max_discordant: int, share: float, alpha: float, test: str) -> np.ndarray:
    """P(reject | D) for D = 0..max_discordant, b | D ~ Bin(D, share)."""
    result = np.zeros(max_discordant + 1)
    for discordant in range(1, max_discordant + 1):
        k = _lower_critical(discordant, alpha, test)
        if k >= 0:
            result[discordant] = stats.binom.cdf(k, discordant, share) + stats.binom.sf(
                discordant - k - 1, discordant, share
            )
    return result


def power_at(n: int, p10: float, p01: float, alpha: float = 0.05, test: str = "midp") -> float:
    """Power of the two-sided McNemar test with n pairs.

    Parameters
    ----------
    n
        Number of valid pairs.
    p10, p01
        Expected shares of control-only and protected-only favourable pairs.
    alpha
        Two-sided level.
    test
        ``"midp"`` or ``"exact"`` (enumeration: D ~ Bin(n, ψ), b | D ~ Bin(D, p10/ψ)) or
        ``"asymptotic"`` (Connor's normal approximation).

    Examples
    --------
    >>> round(power_at(23, 0.05, 0.45, test="asymptotic"), 3)
    0.819
    """
    _check(p10, p01, alpha)
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}; got {test!r}")
    if n < 0 or int(n) != n:
        raise ValueError(f"n must be a non-negative integer; got {n!r}")
    n = int(n)
    if n == 0:
        return 0.0
    psi, delta = p10 + p01, p10 - p01
    if test == "asymptotic":
        z_alpha = stats.norm.isf(alpha / 2)
        spread = math.sqrt(psi - delta**2)
        if spread == 0:
            return 1.0
        upper = (abs(delta) * math.sqrt(n) - z_alpha * math.sqrt(psi)) / spread
        lower = (-abs(delta) * math.sqrt(n) - z_alpha * math.sqrt(psi)) / spread
        return float(stats.norm.cdf(upper) + stats.norm.cdf(lower))
    conditional = _conditional_power(n, p10 / psi, alpha, test)
    weights = stats.binom.pmf(np.arange(n + 1), n, psi)
    return float(min(1.0, weights @ conditional))


def _p_value(k: int, discordant: int, test: str) -> float:
    """Two-sided p of b = k ≤ D/2 (exact or mid-p), as :func:`_lower_critical` computes it."""
    cdf = float(special.bdtr(k, discordant, 0.5))
    if test == "exact":
        return min(1.0, 2 * cdf)
    point = cdf - (float(special.bdtr(k - 1, discordant, 0.5)) if k > 0 else 0.0)
    if 2 * k == discordant:
        return 1 - 0.5 * point
    return 2 * cdf - point


def critical_values(max_discordant: int, alpha: float, test: str) -> np.ndarray:
    """Largest k ≤ D/2 with p(k) ≤ α for every D = 0..max_discordant (−1 if none).

    The same values as :func:`_lower_critical`, found by walking from the previous D (the
    critical value moves by a step or two), so that a long scan costs O(D) p-values, not O(D²).
    """
    values = np.full(max_discordant + 1, -1, dtype=np.int64)
    k = -1
    limit = alpha * (1 + 1e-12)
    for discordant in range(1, max_discordant + 1):
        k = min(k, discordant // 2)
        while k >= 0 and _p_value(k, discordant, test) > limit:
            k -= 1
        while k + 1 <= discordant // 2 and _p_value(k + 1, discordant, test) <= limit:
            k += 1
        values[discordant] = k
    return values


def smallest_n(
    p10: float, p01: float, alpha: float = 0.05, power: float = 0.8, test: str = "midp",
    max_n: int = 20000,
) -> int | None:  # fmt: skip
    """Smallest n whose enumerated power reaches `power` (power is saw-toothed in n).

    Every n from 1 up is tried. P(reject | D) is computed once for all D; for each n the sum
    over D ~ Bin(n, ψ) is restricted to nψ ± 12 SD (the rest weighs < 1e-30).
    """
    _check(p10, p01, alpha, power)
    if test not in ("midp", "exact"):
        raise ValueError(f"test must be 'midp' or 'exact'; got {test!r}")
    if p10 == p01:
        return None
    psi, share = p10 + p01, p10 / (p10 + p01)
    critical = np.zeros(1, dtype=np.int64)
    conditional = np.zeros(1)
    for n in range(1, max_n + 1):
        if conditional.size <= n:  # extend P(reject | D) in blocks as n grows
            critical = critical_values(2 * n + 16, alpha, test)
            discordant = np.arange(critical.size)
            k = critical
            conditional = np.where(
                k >= 0,
                special.bdtr(k, discordant, share)
                + special.bdtrc(discordant - k - 1, discordant, share),
                0.0,
            )
            conditional[0] = 0.0
        spread = 12 * math.sqrt(n * psi * (1 - psi)) + 1
        low, high = max(0, int(n * psi - spread)), min(n, int(n * psi + spread) + 1)
        weights = stats.binom.pmf(np.arange(low, high + 1), n, psi)
        if weights @ conditional[low : high + 1] >= power:
            return n
    return None


def design_effect(visits_per_target: float, icc: float = DEFAULT_ICC) -> float:
    """1 + (m − 1)ρ: the variance factor of m visits per target with intra-target correlation ρ.

    >>> round(design_effect(3, 0.1), 10)
    1.2
    """
    if not visits_per_target >= 1 or math.isinf(visits_per_target):
        raise ValueError(
            f"visits per target must be a number ≥ 1 (e.g. 3); got {visits_per_target!r}"
        )
    if not 0 <= icc < 1:
        raise ValueError(f"icc (intra-venue correlation) must lie in [0, 1), e.g. 0.1; got {icc!r}")
    return 1 + (visits_per_target - 1) * icc


def clustered_power(
    n: float, p10: float, p01: float, *, visits_per_target: float = 1.0,
    icc: float = DEFAULT_ICC, alpha: float = 0.05,
) -> float:  # fmt: skip
    """Power of the venue-robust test with `n` valid pairs, m visits per target and ρ.

    Connor's normal approximation (:func:`power_at` with ``test="asymptotic"``) at the effective
    sample size n / (1 + (m − 1)ρ); with one visit per target it is that power at n.

    Examples
    --------
    >>> round(clustered_power(120, 0.2, 0.05, visits_per_target=3), 3)
    0.862
    """
    _check(p10, p01, alpha)
    if n < 0:
        raise ValueError(f"n must be ≥ 0; got {n!r}")
    effective = n / design_effect(visits_per_target, icc)
    if effective == 0:
        return 0.0
    psi, delta = p10 + p01, p10 - p01
    spread = math.sqrt(psi - delta**2)
    if spread == 0:
        return 1.0
    z_alpha = stats.norm.isf(alpha / 2)
    shift = abs(delta) * math.sqrt(effective)
    return float(
        stats.norm.cdf((shift - z_alpha * math.sqrt(psi)) / spread)
        + stats.norm.cdf((-shift - z_alpha * math.sqrt(psi)) / spread)
    )


@dataclass(frozen=True)
class SampleSize(ResultMixin):
    """Pairs needed per stratum, by four methods; None where δ = 0 or beyond ``max_n``.

    ``clustered_pairs`` = ⌈Connor's n × design effect⌉ for ``visits_per_target`` visits per
    target and intra-target correlation ``icc``, at ``clustered_targets`` targets.
    """

    connor: int | None
    miettinen: int | None
    exact: int | None
    midp: int | None
    connor_unrounded: float | None
    miettinen_unrounded: float | None
    p10: float
    p01: float
    alpha: float
    alpha_per_test: float
    power: float
    strata: int
    visits_per_target: float
    icc: float
    design_effect: float
    clustered_pairs: int | None
    clustered_targets: int | None
    note: str | None

    _title = "Pairs needed per stratum (two-sided McNemar test)"


def sample_size(
    p10: float, p01: float, *, alpha: float = 0.05, power: float = 0.8, strata: int = 1,
    visits_per_target: float = 1.0, icc: float = DEFAULT_ICC,
) -> SampleSize:  # fmt: skip
    """Pairs per stratum for McNemar's test: Connor, Miettinen, exact and mid-p enumeration.

    Parameters
    ----------
    p10, p01
        Expected shares of control-only (b) and protected-only (c) favourable pairs.
    alpha, power
        Two-sided level and target power.
    strata
        K target types tested as one family: each test at α/K (Holm's first step).
    visits_per_target, icc
        Planned valid pairs per target (m, may be fractional) and the intra-target correlation ρ
        of the pair difference (default 0.1): ``clustered_pairs`` = ⌈Connor × (1 + (m − 1)ρ)⌉.

    Returns
    -------
    SampleSize
        ``to_dict()`` has keys connor, miettinen, exact, midp (pairs per stratum if every pair
        were independent), design_effect, clustered_pairs and clustered_targets.

    Examples
    --------
    >>> sample_size(0.05, 0.45).connor
    23
    """
    if int(strata) != strata or strata < 1:
        raise ValueError(f"strata must be a positive integer; got {strata!r}")
    per_test = alpha / strata
    _check(p10, p01, per_test, power)
    effect = design_effect(visits_per_target, icc)
    connor = connor_n(p10, p01, per_test, power)
    miettinen = miettinen_n(p10, p01, per_test, power)
    exact = smallest_n(p10, p01, per_test, power, "exact")
    midp = smallest_n(p10, p01, per_test, power, "midp")
    notes = []
    if p10 == p01:
        notes.append("p10 = p01: no net difference to detect")
    elif exact is None or midp is None:
        notes.append("exact or mid-p power not reached within 20000 pairs")
    clustered_pairs = clustered_targets = None
    if connor is not None:
        clustered_pairs = math.ceil(connor * effect - 1e-9)
        clustered_targets = math.ceil(clustered_pairs / visits_per_target - 1e-9)
        if clustered_targets < MIN_TARGETS:
            notes.append(f"fewer than {MIN_TARGETS} targets: no venue-robust test is possible; "
                         "plan more targets and fewer visits per target")  # fmt: skip
        elif clustered_targets < FEW_TARGETS and visits_per_target > 1:
            notes.append(f"fewer than {FEW_TARGETS} targets: the venue-robust interval will be "
                         "approximate; plan more targets if you can")  # fmt: skip
    note = "; ".join(notes) or None
    return SampleSize(
        connor=math.ceil(connor) if connor is not None else None,
        miettinen=math.ceil(miettinen) if miettinen is not None else None,
        exact=exact,
        midp=midp,
        connor_unrounded=connor,
        miettinen_unrounded=miettinen,
        p10=p10,
        p01=p01,
        alpha=alpha,
        alpha_per_test=per_test,
        power=power,
        strata=int(strata),
        visits_per_target=float(visits_per_target),
        icc=float(icc),
        design_effect=effect,
        clustered_pairs=clustered_pairs,
        clustered_targets=clustered_targets,
        note=note,
    )
