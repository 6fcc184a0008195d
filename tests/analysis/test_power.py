"""Sample size and power: Connor (1987) V13a and brute-force enumeration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from analysis.paired_tests import mcnemar_tests
from analysis.power import _lower_critical
from analysis.power import connor_n
from analysis.power import critical_values
from analysis.power import miettinen_n
from analysis.power import power_at
from analysis.power import sample_size
from analysis.power import smallest_n
from analysis.table import PairedTable


def test_v13a_connor() -> None:
    # Connor (1987) p. 209: p10 = 0.05, p01 = 0.45, alpha 0.05 two-sided, power 0.80 -> 22.0113
    assert connor_n(0.05, 0.45, 0.05, 0.80) == pytest.approx(22.0113, abs=5e-5)
    result = sample_size(0.05, 0.45, alpha=0.05, power=0.80)
    assert result.connor == 23
    assert set(result.to_dict()) >= {"connor", "miettinen", "exact", "midp"}


def test_miettinen_below_connor_and_symmetric() -> None:
    # Miettinen's variance under H1 is smaller than Connor's, so fewer pairs (Connor 1987 §3)
    assert miettinen_n(0.05, 0.45) < connor_n(0.05, 0.45)
    assert miettinen_n(0.05, 0.45) == pytest.approx(miettinen_n(0.45, 0.05))
    assert connor_n(0.05, 0.45) == pytest.approx(connor_n(0.45, 0.05))


def _brute_force_power(n: int, p10: float, p01: float, alpha: float, which: str) -> float:
    """Sum the trinomial probability of every (b, c) whose McNemar p is ≤ alpha."""
    total = 0.0
    for b in range(n + 1):
        for c in range(n - b + 1):
            tests = mcnemar_tests(PairedTable(0, b, c, n - b - c))
            if tests is None:
                continue
            p = tests.p_exact if which == "exact" else tests.p_midp
            if p <= alpha:
                total += stats.multinomial.pmf([b, c, n - b - c], n, [p10, p01, 1 - p10 - p01])
    return total


@pytest.mark.parametrize("test", ["exact", "midp"])
@pytest.mark.parametrize(("n", "p10", "p01"), [(12, 0.05, 0.45), (20, 0.3, 0.1), (25, 0.2, 0.2)])
def test_enumerated_power_matches_brute_force(n: int, p10: float, p01: float, test: str) -> None:
    assert power_at(n, p10, p01, 0.05, test=test) == pytest.approx(
        _brute_force_power(n, p10, p01, 0.05, test), abs=1e-10
    )


@pytest.mark.parametrize("test", ["exact", "midp"])
def test_smallest_n_is_smallest(test: str) -> None:
    n = smallest_n(0.05, 0.45, 0.05, 0.8, test)
    assert n is not None
    assert power_at(n, 0.05, 0.45, test=test) >= 0.8
    assert all(power_at(m, 0.05, 0.45, test=test) < 0.8 for m in range(1, n))


def test_midp_needs_no_more_pairs_than_exact() -> None:
    result = sample_size(0.15, 0.06)
    assert result.midp <= result.exact


def test_asymptotic_power_inverts_connor() -> None:
    n = connor_n(0.2, 0.08, 0.05, 0.9)
    assert power_at(math.ceil(n), 0.2, 0.08, test="asymptotic") >= 0.9
    assert power_at(math.floor(n), 0.2, 0.08, test="asymptotic") < 0.9


def test_strata_use_alpha_over_k() -> None:
    one = sample_size(0.15, 0.06, strata=1)
    three = sample_size(0.15, 0.06, strata=3)
    assert three.alpha_per_test == pytest.approx(0.05 / 3)
    assert three.connor == math.ceil(connor_n(0.15, 0.06, 0.05 / 3, 0.8))
    assert three.connor > one.connor and three.exact > one.exact


def test_no_difference_gives_none(assert_json_safe) -> None:
    result = sample_size(0.1, 0.1)
    assert (result.connor, result.miettinen, result.exact, result.midp) == (None,) * 4
    assert result.note
    assert_json_safe(result.to_dict())
    # under the null the power is the size, at most alpha for the exact test
    assert power_at(60, 0.1, 0.1, test="exact") <= 0.05


def test_power_at_zero_pairs() -> None:
    assert power_at(0, 0.2, 0.05) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 10, "p10": 0.7, "p01": 0.5}, "p10 \\+ p01 ≤ 1"),
        ({"n": 10, "p10": 0.0, "p01": 0.0}, "must be > 0"),
        ({"n": 10, "p10": 0.2, "p01": 0.1, "test": "fisher"}, "one of"),
        ({"n": -1, "p10": 0.2, "p01": 0.1}, "non-negative integer"),
        ({"n": 10, "p10": 0.2, "p01": 0.1, "alpha": 5}, "alpha"),
    ],
)
def test_power_at_rejects_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        power_at(**kwargs)


def test_sample_size_rejects_bad_strata() -> None:
    with pytest.raises(ValueError, match="strata"):
        sample_size(0.2, 0.1, strata=0)


@pytest.mark.parametrize("test", ["exact", "midp"])
@pytest.mark.parametrize("alpha", [0.05, 0.05 / 3, 0.01])
def test_walked_critical_values_equal_the_direct_ones(test: str, alpha: float) -> None:
    walked = critical_values(400, alpha, test)
    assert walked[0] == -1
    assert walked[1:].tolist() == [_lower_critical(d, alpha, test) for d in range(1, 401)]


def _naive_smallest_n(p10: float, p01: float, alpha: float, power: float, test: str) -> int:
    """Full sum over D = 0..n for every n (what smallest_n shortens)."""
    n = 0
    while True:
        n += 1
        if power_at(n, p10, p01, alpha, test=test) >= power:
            return n


@pytest.mark.parametrize("test", ["exact", "midp"])
@pytest.mark.parametrize(("p10", "p01", "alpha"), [(0.2, 0.05, 0.05), (0.15, 0.06, 0.05 / 3)])
def test_smallest_n_equals_the_naive_scan(p10: float, p01: float, alpha: float, test: str) -> None:
    assert smallest_n(p10, p01, alpha, 0.8, test) == _naive_smallest_n(p10, p01, alpha, 0.8, test)


def test_design_effect_and_clustered_sample_size() -> None:
    from analysis.power import connor_n
    from analysis.power import design_effect
    from analysis.power import sample_size

    assert design_effect(1, 0.1) == 1.0 and design_effect(3, 0.1) == pytest.approx(1.2)
    result = sample_size(0.2, 0.05, visits_per_target=3, icc=0.1)
    assert result.design_effect == pytest.approx(1.2)
    assert result.clustered_pairs == math.ceil(connor_n(0.2, 0.05) * 1.2)
    assert result.clustered_targets == math.ceil(result.clustered_pairs / 3)
    one = sample_size(0.2, 0.05, visits_per_target=1)
    assert one.clustered_pairs == one.connor and one.icc == 0.1  # the default ρ
    few = sample_size(0.5, 0.05, visits_per_target=8)
    assert few.clustered_targets < 5 and "no venue-robust test is possible" in few.note
    with pytest.raises(ValueError, match="visits per target must be a number ≥ 1"):
        sample_size(0.2, 0.05, visits_per_target=0.5)
    with pytest.raises(ValueError, match="icc"):
        sample_size(0.2, 0.05, icc=1.0)


def test_clustered_power_is_the_power_of_the_venue_robust_test() -> None:
    # planned power against the simulated rejection rate of Obuchowski's test: 30 venues × 6
    # visits, ρ = 0.1 (analysis.venue_effects), p10 = 0.2, p01 = 0.1
    from analysis.clustered import venue_robust
    from analysis.power import clustered_power
    from analysis.venue_effects import venue_tables

    planned = clustered_power(180, 0.2, 0.1, visits_per_target=6, icc=0.1)
    b, c, n = venue_tables(np.random.default_rng(3), studies=1000, venues=30, visits=6, p10=0.2,
                           p01=0.1, icc=0.1)  # fmt: skip
    simulated = np.mean([venue_robust(b[i], c[i], n[i]).p_cluster <= 0.05 for i in range(1000)])
    assert simulated == pytest.approx(planned, abs=0.07)
    # one visit per target: the asymptotic power of the independent test
    assert clustered_power(120, 0.2, 0.05) == pytest.approx(
        power_at(120, 0.2, 0.05, test="asymptotic"), rel=1e-12
    )
