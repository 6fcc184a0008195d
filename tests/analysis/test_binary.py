"""Binary matched pairs: published vectors (docs/methods.md §4), cross-checks and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable
from statsmodels.stats.contingency_tables import mcnemar

from analysis.binary import PairedBinaryResult
from analysis.binary import paired_binary
from analysis.binary import paired_binary_from_frame
from analysis.paired_tests import mcnemar_tests
from analysis.paired_tests import newcombe_interval
from analysis.paired_tests import tango_score
from analysis.proportions import clopper_pearson_interval
from analysis.proportions import midp_interval
from analysis.proportions import wilson_interval
from analysis.table import PairedTable

FOUR = 5e-5  # "4 decimals"

V1 = (794, 150, 86, 570)  # Agresti (2013) §11.1, presidential approval
V2 = (20, 12, 2, 16)  # Armitage & Berry (1994) p. 127 / Newcombe (1998)


def test_v1_agresti_presidential_approval() -> None:
    r = paired_binary(a=794, b=150, c=86, d=570)
    assert r.net_difference == pytest.approx(0.0400, abs=FOUR)
    # R: mcnemar.test(matrix(c(794, 86, 150, 570), 2), correct = FALSE) -> X2 = 17.356
    assert r.chi_square == pytest.approx(17.3559, abs=FOUR)
    assert r.p_asymptotic == pytest.approx(3.0993e-05, rel=1e-4)
    # R: binom.test(86, 236)$p.value -> 3.7159e-05; mid-p per Fagerland et al. (2013)
    assert r.p_exact == pytest.approx(3.7159e-05, rel=1e-4)
    assert r.p_value == pytest.approx(2.8934e-05, rel=1e-4)
    # Newcombe (1998) method 10 and Tango (1998), as tabulated in docs/methods.md V1
    assert (r.newcombe_ci_low, r.newcombe_ci_high) == pytest.approx((0.0212, 0.0587), abs=FOUR)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.0214, 0.0590), abs=FOUR)
    assert r.ci_method == "tango"
    # b/c with transformed Clopper-Pearson: R binom.test(150, 236)$conf.int mapped by p/(1-p)
    assert r.odds_ratio == pytest.approx(1.7442, abs=FOUR)
    assert (r.odds_ratio_exact_ci_low, r.odds_ratio_exact_ci_high) == pytest.approx(
        (1.3292, 2.3010), abs=FOUR
    )


def test_v2_armitage_berry_newcombe() -> None:
    r = paired_binary([[20, 12], [2, 16]])
    # R: mcnemar.test(matrix(c(20, 2, 12, 16), 2), correct = FALSE) -> X2 = 7.1429, p = 0.0075
    assert r.chi_square == pytest.approx(7.1429, abs=FOUR)
    assert r.p_asymptotic == pytest.approx(0.0075, abs=FOUR)
    # R: binom.test(2, 14)$p.value -> 0.0129; mid-p (Fagerland et al. 2013) 0.0074
    assert r.p_exact == pytest.approx(0.0129, abs=FOUR)
    assert r.p_value == pytest.approx(0.0074, abs=FOUR)
    # b/c = 6, exact CI: R binom.test(12, 14)$conf.int mapped by p/(1-p)
    assert r.odds_ratio == pytest.approx(6.0)
    assert (r.odds_ratio_exact_ci_low, r.odds_ratio_exact_ci_high) == pytest.approx(
        (1.3357, 55.1971), abs=FOUR
    )
    # Newcombe (1998) Table II, method 10; Tango (1998)
    assert (r.newcombe_ci_low, r.newcombe_ci_high) == pytest.approx((0.0562, 0.3292), abs=FOUR)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.0611, 0.3447), abs=FOUR)


@pytest.mark.parametrize(
    ("x", "n", "wilson", "exact"),
    [
        (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),  # V16; R binom.test(0, 20)$conf.int
        (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),  # V16; R binom.test(1, 29)$conf.int
    ],
)
def test_v16_single_share_intervals(x: int, n: int, wilson: tuple, exact: tuple) -> None:
    assert tuple(wilson_interval(x, n)) == pytest.approx(wilson, abs=FOUR)
    assert tuple(clopper_pearson_interval(x, n)) == pytest.approx(exact, abs=FOUR)


def test_v16_through_gross_measure() -> None:
    # G = b/n = 1/29 with its Wilson interval, through the public API
    r = paired_binary(a=10, b=1, c=0, d=18)
    assert (r.gross_adverse_protected_ci_low, r.gross_adverse_protected_ci_high) == pytest.approx(
        (0.0061, 0.1718), abs=FOUR
    )
    assert r.gross_adverse_control_ci_high == pytest.approx(wilson_interval(0, 29).high, abs=1e-12)


@pytest.mark.parametrize(
    "counts",
    [V1, V2, (3, 0, 5, 2), (3, 5, 0, 2), (10, 7, 7, 4), (0, 1, 1, 0), (1, 30, 1, 2), (2, 3, 9, 1)],
)
def test_mcnemar_against_statsmodels(counts: tuple[int, int, int, int]) -> None:
    r = paired_binary(PairedTable(*counts))
    table = np.array(counts).reshape(2, 2)
    asymptotic = mcnemar(table, exact=False, correction=False)
    exact = mcnemar(table, exact=True)
    # METHODS §3: SquareTable must be given shift_zeros=False
    symmetry = SquareTable(table, shift_zeros=False).symmetry()
    assert r.chi_square == pytest.approx(asymptotic.statistic, rel=1e-12)
    assert r.chi_square == pytest.approx(symmetry.statistic, rel=1e-12)
    assert r.p_asymptotic == pytest.approx(asymptotic.pvalue, rel=1e-10)
    assert r.p_exact == pytest.approx(exact.pvalue, rel=1e-10)
    b, c = counts[1], counts[2]
    # mid-p from its definition: two-sided exact p minus the probability of the observed table
    expected_midp = min(1.0, exact.pvalue - stats.binom.pmf(min(b, c), b + c, 0.5))
    if b == c:
        expected_midp = 1 - 0.5 * stats.binom.pmf(b, b + c, 0.5)
    assert r.p_value == pytest.approx(expected_midp, rel=1e-10)


def test_square_table_pitfall_documented() -> None:
    # METHODS §3: the default shift_zeros=True gives 3.6818 instead of 5.0 on [[3,0],[5,2]]
    assert paired_binary([[3, 0], [5, 2]]).chi_square == pytest.approx(5.0)
    assert SquareTable(np.array([[3, 0], [5, 2]])).symmetry().statistic == pytest.approx(
        3.6818, abs=FOUR
    )


@pytest.mark.parametrize("counts", [V1, V2, (3, 0, 5, 2), (0, 10, 0, 0), (1, 2, 3, 4)])
@pytest.mark.parametrize("confidence", [0.90, 0.95, 0.99])
def test_tango_limits_solve_the_score_equation(counts: tuple, confidence: float) -> None:
    table = PairedTable(*counts)
    r = paired_binary(table, confidence=confidence)
    z = stats.norm.ppf(0.5 + confidence / 2)
    for limit, target in ((r.ci_low, z), (r.ci_high, -z)):
        if abs(limit) < 1:
            assert tango_score(table, limit) == pytest.approx(target, abs=1e-7)
    assert r.ci_low <= r.net_difference <= r.ci_high
    assert r.confidence_interval() == (r.ci_low, r.ci_high)
    assert r.confidence_interval(confidence) == pytest.approx((r.ci_low, r.ci_high))


def test_confidence_interval_other_level_is_wider() -> None:
    r = paired_binary(PairedTable(*V2))
    low99, high99 = r.confidence_interval(0.99)
    assert low99 < r.ci_low and high99 > r.ci_high


@pytest.mark.parametrize(("x", "n"), [(1, 10), (5, 14), (12, 14), (150, 236)])
def test_midp_interval_solves_its_defining_equations(x: int, n: int) -> None:
    low, high = midp_interval(x, n)
    assert stats.binom.sf(x, n, low) + 0.5 * stats.binom.pmf(x, n, low) == pytest.approx(0.025)
    assert stats.binom.cdf(x - 1, n, high) + 0.5 * stats.binom.pmf(x, n, high) == pytest.approx(
        0.025
    )
    exact_low, exact_high = clopper_pearson_interval(x, n)
    assert exact_low < low < high < exact_high


EDGE_CASES = {
    "empty (0,0,0,0)": (0, 0, 0, 0),
    "no discordant (5,0,0,5)": (5, 0, 0, 5),
    "delta=+1 (0,10,0,0)": (0, 10, 0, 0),
    "delta=-1 (0,0,10,0)": (0, 0, 10, 0),
    "b=0": (3, 0, 5, 2),
    "c=0": (3, 5, 0, 2),
    "one pair": (0, 1, 0, 0),
}


@pytest.mark.parametrize("counts", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_are_json_safe(counts: tuple, assert_json_safe) -> None:
    r = paired_binary(PairedTable(*counts))
    data = r.to_dict()
    assert_json_safe(data)
    assert list(data) == list(r.to_frame().columns)
    assert r.summary()
    assert "<table>" in r._repr_html_()
    undefined = [
        key for key, value in data.items() if value is None and key not in ("p_adjusted", "note")
    ]
    if undefined:
        assert r.note, f"None without a note: {undefined}"


def test_edge_case_values() -> None:
    empty = paired_binary(a=0, b=0, c=0, d=0)
    assert empty.n_pairs == 0 and empty.net_difference is None and empty.p_value is None
    concordant = paired_binary(a=5, b=0, c=0, d=5)
    assert concordant.net_difference == 0 and concordant.p_value == 1.0
    assert concordant.odds_ratio is None and concordant.ci_low < 0 < concordant.ci_high
    plus_one = paired_binary(a=0, b=10, c=0, d=0)
    assert plus_one.ci_high == 1.0 and 0 < plus_one.ci_low < 1
    # closed form for b = n: T = sqrt(n(1-δ)/(1+δ)) = z
    z2 = stats.norm.ppf(0.975) ** 2
    assert plus_one.ci_low == pytest.approx((1 - z2 / 10) / (1 + z2 / 10), abs=1e-9)
    assert plus_one.odds_ratio is None and plus_one.odds_ratio_ci_high is None
    assert plus_one.odds_ratio_ci_low > 1
    minus_one = paired_binary(a=0, b=0, c=10, d=0)
    assert (minus_one.ci_low, minus_one.ci_high) == pytest.approx((-1.0, -plus_one.ci_low))
    assert minus_one.odds_ratio == 0 and minus_one.odds_ratio_ci_low == 0


def test_symmetry_of_swapping_b_and_c() -> None:
    r = paired_binary(a=4, b=9, c=3, d=7)
    s = paired_binary(a=4, b=3, c=9, d=7)
    assert (s.ci_low, s.ci_high) == pytest.approx((-r.ci_high, -r.ci_low), abs=1e-10)
    assert (s.newcombe_ci_low, s.newcombe_ci_high) == pytest.approx(
        (-r.newcombe_ci_high, -r.newcombe_ci_low), abs=1e-10
    )
    assert s.p_value == pytest.approx(r.p_value)


def test_from_frame_orientation_and_booleans() -> None:
    frame = pd.DataFrame(
        {
            "admitted__control": [True, True, True, False, False],
            "admitted__protected": [True, False, False, True, False],
        }
    )
    r = paired_binary_from_frame(
        frame, control="admitted__control", protected="admitted__protected"
    )
    assert (r.both_favourable, r.control_only_favourable) == (1, 2)
    assert (r.protected_only_favourable, r.neither_favourable) == (1, 1)
    assert r.net_difference == pytest.approx(0.2)  # protected worse off
    ints = frame.astype(int)
    assert (
        paired_binary_from_frame(ints, control="admitted__control", protected="admitted__protected")
        == r
    )
    nullable = frame.astype("boolean")
    assert (
        paired_binary_from_frame(
            nullable, control="admitted__control", protected="admitted__protected"
        )
        == r
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [([1, 2], "0/1 or true/false"), ([1, None], "missing value"), (["yes", "no"], "'yes'")],
)
def test_from_frame_rejects_bad_values(values: list, message: str) -> None:
    frame = pd.DataFrame({"c": [1, 0], "p": values})
    with pytest.raises(ValueError, match=message):
        paired_binary_from_frame(frame, control="c", protected="p")


def test_from_frame_missing_column() -> None:
    with pytest.raises(ValueError, match="'nope' not in frame"):
        paired_binary_from_frame(pd.DataFrame({"c": [1]}), control="c", protected="nope")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"a": 1, "b": 2, "c": 3}, "missing d"),
        ({"a": -1, "b": 2, "c": 3, "d": 0}, "a must be a non-negative integer"),
        ({"a": 1.5, "b": 2, "c": 3, "d": 0}, "a must be a non-negative integer"),
        ({"table": [[1, 2, 3]]}, "2×2"),
        ({"table": [[1, 2], [3, 4]], "a": 1}, "not both"),
        ({"a": 1, "b": 2, "c": 3, "d": 0, "confidence": 95}, "between 0 and 1"),
    ],
)
def test_invalid_input_raises_value_error(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        paired_binary(**kwargs)


def test_result_is_frozen_and_has_scipy_aliases() -> None:
    r = paired_binary(a=20, b=12, c=2, d=16)
    assert isinstance(r, PairedBinaryResult)
    with pytest.raises(AttributeError):
        r.net_difference = 0.0  # type: ignore[misc]
    assert r.statistic == r.net_difference and r.pvalue == r.p_value
    assert r.table == PairedTable(20, 12, 2, 16)
    assert math.isclose(r.discordance, 14 / 50)


@pytest.mark.parametrize(
    ("counts", "chi_square", "p_value"),
    [
        # R ?mcnemar.test: mcnemar.test(matrix(c(794, 86, 150, 570), 2)) -> 16.8178, 4.1146e-05
        (V1, 16.8178, 4.1146e-05),
        # Armitage & Berry (1994) p. 127: mcnemar.test(matrix(c(20, 2, 12, 16), 2)) -> 5.7857
        (V2, 5.7857, 0.0162),
    ],
)
def test_continuity_corrected_mcnemar(counts: tuple, chi_square: float, p_value: float) -> None:
    tests = mcnemar_tests(PairedTable(*counts))
    assert tests.chi_square_corrected == pytest.approx(chi_square, abs=FOUR)
    assert tests.p_corrected == pytest.approx(p_value, rel=1e-4, abs=FOUR)
    reference = mcnemar([[counts[0], counts[1]], [counts[2], counts[3]]], exact=False)
    assert tests.chi_square_corrected == pytest.approx(reference.statistic, rel=1e-12)


def test_v2_newcombe_method_8_plain_phi() -> None:
    # Newcombe (1998) Table II, method 8 on Armitage & Berry's table: (0.0618, 0.3242)
    interval = newcombe_interval(PairedTable(*V2), method=8)
    assert tuple(interval) == pytest.approx((0.0618, 0.3242), abs=FOUR)
    with pytest.raises(ValueError, match="method must be 10"):
        newcombe_interval(PairedTable(*V2), method=9)
