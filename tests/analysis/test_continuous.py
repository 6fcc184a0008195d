"""Continuous outcomes: R's sleep data (docs/methods.md V7, V8), scipy cross-checks, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.continuous import paired_continuous
from analysis.continuous import paired_continuous_from_frame
from analysis.signed_rank import psignrank
from analysis.signed_rank import qsignrank

FOUR = 5e-5

# R: sleep$extra split by group (g1 = drug 1, g2 = drug 2)
G1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
G2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
# R ?wilcox.test, depression scale: x = first visit, y = second visit (no ties, no zeros)
X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


@pytest.fixture
def sleep() -> object:
    # differences protected − control = g1 − g2
    return paired_continuous(control=G2, protected=G1)


def test_v7_sleep_paired_t(sleep) -> None:
    # R: with(sleep, t.test(extra[group == 1], extra[group == 2], paired = TRUE))
    #    t = -4.0621, df = 9, p-value = 0.002833, 95 percent CI -2.4598858 -0.7001142
    assert sleep.t_statistic == pytest.approx(-4.0621, abs=FOUR)
    assert sleep.df == 9
    assert sleep.ttest_p == pytest.approx(0.002833, abs=5e-7)
    assert (sleep.ci_low, sleep.ci_high) == pytest.approx((-2.4599, -0.7001), abs=FOUR)
    assert sleep.mean_difference == pytest.approx(-1.58)


def test_v7_against_scipy_ttest_rel(sleep) -> None:
    reference = stats.ttest_rel(G1, G2)
    assert sleep.t_statistic == pytest.approx(reference.statistic, rel=1e-12)
    assert sleep.ttest_p == pytest.approx(reference.pvalue, rel=1e-12)
    interval = reference.confidence_interval(0.90)
    assert sleep.confidence_interval(0.90) == pytest.approx(tuple(interval), rel=1e-12)


def test_v8_sleep_wilcoxon_with_zero_and_ties(sleep) -> None:
    # R: with(sleep, wilcox.test(extra[group == 1], extra[group == 2], paired = TRUE))
    #    V = 0, p-value = 0.009091 (zero dropped, normal approximation, continuity correction)
    assert sleep.wilcoxon_statistic == 0
    assert sleep.p_value == pytest.approx(0.009091, abs=5e-7)
    assert sleep.wilcoxon_exact is False and sleep.n_zero == 1
    # without continuity correction R gives 0.007632; scipy with explicit arguments agrees
    uncorrected = stats.wilcoxon(
        np.subtract(G1, G2), zero_method="wilcox", correction=False, method="approx"
    )
    assert uncorrected.pvalue == pytest.approx(0.007632, abs=5e-7)
    corrected = stats.wilcoxon(
        np.subtract(G1, G2), zero_method="wilcox", correction=True, method="approx"
    )
    assert sleep.p_value == pytest.approx(corrected.pvalue, rel=1e-12)


def test_v8_sleep_hodges_lehmann(sleep) -> None:
    # HL of g1 − g2 = median of Walsh averages of the non-zero differences = −1.4
    # (R's conf.int = TRUE root-finding gives −1.400031)
    assert sleep.hodges_lehmann == pytest.approx(-1.4, abs=FOUR)
    assert sleep.hodges_lehmann == pytest.approx(-1.400031, abs=1e-4)
    # R: wilcox.test(..., paired = TRUE, conf.int = TRUE) -> CI -2.949921 -1.050018 (METHODS V8:
    # (−2.9499, −1.0500)). R finds each limit with uniroot(tol = 1e-4) on a step function whose
    # steps sit at Walsh averages; we return the step itself (−2.95, −1.05), so R's limits agree
    # within its own tolerance.
    assert (sleep.hl_ci_low, sleep.hl_ci_high) == pytest.approx((-2.9499, -1.0500), abs=1e-4)
    assert (sleep.hl_ci_low, sleep.hl_ci_high) == pytest.approx((-2.95, -1.05), abs=FOUR)
    assert sleep.hl_ci_exact is False


def test_asymptotic_hl_interval_inverts_the_test() -> None:
    # Independent check: the interval is the set of shifts d the corrected normal-approximation
    # test (scipy, explicit arguments) does not reject at 5 %.
    differences = np.subtract(G1, G2)
    result = paired_continuous(G2, G1)
    grid = np.round(np.arange(-5.0, 1.0, 0.001), 3)
    accepted = [
        d
        for d in grid
        if np.any(differences - d != 0)
        and stats.wilcoxon(
            differences[differences != 0] - d,
            zero_method="wilcox",
            correction=True,
            method="approx",
        ).pvalue
        >= 0.05
    ]
    assert min(accepted) == pytest.approx(result.hl_ci_low, abs=0.0011)
    assert max(accepted) == pytest.approx(result.hl_ci_high, abs=0.0011)


def test_exact_branch_depression_data() -> None:
    # R: wilcox.test(x, y, paired = TRUE, alternative = "greater") -> V = 40, p = 0.01953;
    # two-sided exact p is twice that.
    result = paired_continuous(control=Y, protected=X)
    assert result.wilcoxon_statistic == 40
    assert result.p_value == pytest.approx(2 * 0.01953, abs=5e-5)
    assert result.wilcoxon_exact is True
    reference = stats.wilcoxon(np.subtract(X, Y), zero_method="wilcox", method="exact")
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-12)
    # exact CI [W(k), W(M−k+1)]: k = qsignrank(0.025, 9) = 6, as R computes it
    walsh = sorted(
        (a + b) / 2 for i, a in enumerate(np.subtract(X, Y)) for b in np.subtract(X, Y)[i:]
    )
    assert (result.hl_ci_low, result.hl_ci_high) == pytest.approx((walsh[5], walsh[-6]))
    assert result.hodges_lehmann == pytest.approx(np.median(walsh))
    assert result.hl_ci_confidence == pytest.approx(1 - 2 * 10 / 2**9)  # 1 - 2 psignrank(5, 9)
    # brute force: every shift inside the interval is not rejected by the exact test
    differences = np.subtract(X, Y)
    for shift in np.linspace(result.hl_ci_low + 1e-9, result.hl_ci_high - 1e-9, 41):
        shifted = differences - shift
        if np.unique(np.abs(shifted)).size == shifted.size and np.all(shifted != 0):
            p = stats.wilcoxon(shifted, zero_method="wilcox", method="exact").pvalue
            assert p > 0.05 - 1e-12


@pytest.mark.parametrize("n", [1, 5, 9, 20, 49])
def test_signrank_distribution(n: int) -> None:
    # R: psignrank / qsignrank; the distribution is symmetric and sums to one
    total = n * (n + 1) // 2
    assert psignrank(total, n) == pytest.approx(1.0)
    assert psignrank(total // 2, n) + psignrank(total - total // 2 - 1, n) == pytest.approx(1.0)
    q = qsignrank(0.025, n)
    assert psignrank(q, n) >= 0.025 and psignrank(q - 1, n) < 0.025


def test_qsignrank_matches_r() -> None:
    # R: qsignrank(0.025, c(6, 9, 10, 20)) -> 1 6 9 53
    assert [qsignrank(0.025, n) for n in (6, 9, 10, 20)] == [1, 6, 9, 53]


def test_large_sample_uses_normal_approximation() -> None:
    rng = np.random.default_rng(3)
    control = rng.normal(20, 5, 80)
    protected = control + rng.normal(2, 4, 80)
    result = paired_continuous(control, protected)
    assert result.wilcoxon_exact is False
    reference = stats.wilcoxon(
        protected - control, zero_method="wilcox", correction=True, method="approx"
    )
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert result.hl_ci_low < result.hodges_lehmann < result.hl_ci_high


def test_missing_values_are_dropped_and_counted() -> None:
    frame = pd.DataFrame(
        {
            "wait_minutes__control": [5, None, 10, 3, 8],
            "wait_minutes__protected": [15, 4, None, 9, 20],
        }
    )
    result = paired_continuous_from_frame(
        frame, control="wait_minutes__control", protected="wait_minutes__protected"
    )
    assert (result.n_pairs, result.n_dropped) == (3, 2)
    assert "missing value on either side" in result.note
    assert result.mean_difference == pytest.approx((10 + 6 + 12) / 3)


EDGE_CASES = {
    "n=0": ([], []),
    "all missing": ([None, 1], [2, None]),
    "n=1": ([3], [5]),
    "all zero": ([1, 2, 3], [1, 2, 3]),
    "constant": ([1, 2, 3], [3, 4, 5]),
    "two pairs": ([1, 2], [2, 5]),
}


@pytest.mark.parametrize(("control", "protected"), EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_are_json_safe(control: list, protected: list, assert_json_safe) -> None:
    result = paired_continuous(control, protected)
    data = result.to_dict()
    assert_json_safe(data)
    assert list(result.to_frame().columns) == list(data)
    if any(value is None for key, value in data.items() if key not in ("note", "p_adjusted")):
        assert result.note
    assert result.summary() and result._repr_html_()


def test_constant_differences() -> None:
    result = paired_continuous([1, 2, 3], [3, 4, 5])
    assert result.mean_difference == 2 and result.hodges_lehmann == 2
    assert result.ci_low is None and result.ttest_p is None and result.hl_ci_low is None
    assert "all differences equal" in result.note


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"control": [1, 2], "protected": [1]}, "same length"),
        ({"control": ["a", 2], "protected": [1, 2]}, "numbers"),
        ({"control": [1, 2], "protected": [1, 2], "confidence": 1.0}, "between 0 and 1"),
    ],
)
def test_invalid_input(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        paired_continuous(**kwargs)


def test_interval_at_another_level_when_the_mean_difference_is_zero() -> None:
    # issue 11 bug: mean / t was 0 / 0
    result = paired_continuous([1, 2, 3, 4], [2, 1, 3, 4])
    assert result.mean_difference == 0.0
    expected = stats.ttest_rel([2, 1, 3, 4], [1, 2, 3, 4]).confidence_interval(0.9)
    assert result.confidence_interval(0.9) == pytest.approx(tuple(expected), rel=1e-12)


def test_no_false_all_equal_note() -> None:
    # issue 11 bug: [1, -1, 1] are not all equal; there are just too few for an interval
    result = paired_continuous([0, 0, 0], [1, -1, 1])
    assert result.hl_ci_low is None
    assert "all non-zero differences equal" not in result.note
    assert "too few non-zero differences (3)" in result.note
    equal = paired_continuous([0, 0, 0], [2, 2, 2])
    assert "all non-zero differences equal" in equal.note


@pytest.mark.parametrize(
    ("control", "protected", "expected"),
    [([5], [5], None), ([5, 7], [5, 7], None), ([5], [7], 2.0), ([5, 7], [5, 9], 2.0)],
)
def test_hodges_lehmann_of_the_non_zero_differences_is_consistent(control, protected, expected):
    # issue 11 bug: one zero difference gave 0.0, two gave None; HL describes the non-zero ones
    assert paired_continuous(control, protected).hodges_lehmann == expected


def test_mostly_zero_differences_lead_with_mean_and_share() -> None:
    # the fee example in miniature: 691 of 771 differences are 0
    rng = np.random.default_rng(5)
    control = np.full(771, 10.0)
    protected = control.copy()
    protected[rng.choice(771, size=80, replace=False)] += 5.0
    result = paired_continuous(control, protected)
    assert result.n_zero == 691 and result.mostly_zero is True
    assert result.share_nonzero == pytest.approx(80 / 771)
    low, high = stats.binomtest(80, 771).proportion_ci(0.95, method="wilson")
    assert (result.share_nonzero_ci_low, result.share_nonzero_ci_high) == pytest.approx((low, high))
    assert result.mean_difference == pytest.approx(400 / 771)
    assert result.hodges_lehmann == 5.0  # of the 80 non-zero differences: secondary
    assert "most differences are zero (691 of 771)" in result.note
    assert paired_continuous([1, 2, 3], [2, 4, 3]).mostly_zero is False
