"""Venue-robust net measure (docs/methods.md §6): R's clust.bin.pair, an implementation from the
definitions, statsmodels' cluster OLS, and seeded simulations of size and coverage."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.binary import paired_binary
from analysis.clustered import venue_robust
from analysis.clustered import venue_robust_from_frame
from analysis.paired_tests import mcnemar_tests
from analysis.table import PairedTable
from analysis.venue_effects import venue_tables

TOLERANCE = 1e-6

# The per-cluster tables (ak, bk, ck, dk) of clust.bin.pair's three example data sets and its
# statistic and p for method "obuchowski", printed by tests/analysis/reference/clust_bin_pair.R:
#   R_LIBS=LIB Rscript tests/analysis/reference/clust_bin_pair.R
#   clust.bin.pair(ak, bk, ck, dk, method = "obuchowski")   (clust.bin.pair 0.1.2, R 4.2)
R_DATA = {
    "psychiatry": {
        "ak": [1, 1, 3, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 2, 1, 0, 2, 1, 0, 1, 0, 0, 0, 0, 1, 0],
        "bk": [0, 1, 1, 1, 0, 3, 3, 3, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0],
        "ck": [4, 2, 3, 2, 1, 3, 0, 2, 2, 4, 2, 4, 3, 2, 1, 3, 1, 2, 0, 0, 0, 2, 1, 2, 2, 0, 0, 1, 1],
        "dk": [2, 2, 0, 1, 1, 0, 2, 3, 1, 3, 0, 0, 3, 2, 2, 0, 3, 2, 1, 0, 3, 0, 2, 0, 1, 2, 2, 1, 0],
        "obuchowski": (7.1858407079646, 0.0073481114682773),
        "mcnemar": (11.8450704225352, 0.000578141889603145),
    },
    "thyroids": {
        "ak": [0, 2, 3, 1, 2, 4, 3, 2, 1, 1, 2, 2, 3, 2, 0, 2, 2, 2, 2, 1, 2],
        "bk": [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "ck": [2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0],
        "dk": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0],
        "obuchowski": (2.85714285714286, 0.0909689479753576),
        "mcnemar": (4.5, 0.0338948535246892),
    },
    "obfuscation": {
        "ak": [0, 1, 0, 0, 0, 2, 2, 2, 2, 1, 2, 2, 1, 1, 2, 2, 1, 1, 1, 0, 1, 0, 2, 1, 2, 2, 2, 2,
               2, 2, 2, 2, 1, 1, 0, 1, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 0, 0, 1, 0, 1, 0,
               1, 1, 1, 1, 1, 0, 0],
        "bk": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
               0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
               0, 0, 0, 0, 0, 0, 0],
        "ck": [1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0,
               0, 0, 0, 0, 1, 1, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1,
               0, 0, 0, 0, 0, 1, 0],
        "dk": [1, 0, 2, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 1, 0, 0, 0, 0, 0, 0,
               0, 0, 0, 0, 0, 0, 1, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
               0, 0, 0, 0, 0, 0, 1],
        "obuchowski": (9.62732919254658, 0.00191703177004632),
        "mcnemar": (9.78260869565217, 0.00176170192143377),
    },
}  # fmt: skip


def _pairs(data: dict) -> list[tuple[int, int]]:
    """(target, d_i) for every pair: d = 1 (b), −1 (c), 0 (a or d)."""
    pairs = []
    for target, cells in enumerate(
        zip(data["ak"], data["bk"], data["ck"], data["dk"], strict=True)
    ):
        a, b, c, d = cells
        pairs += [(target, 0)] * a + [(target, 1)] * b + [(target, -1)] * c + [(target, 0)] * d
    return pairs


def from_definitions(pairs: list[tuple[int, int]], confidence: float = 0.95) -> dict:
    """docs/methods.md §6 written out pair by pair, in plain Python (no code shared with analysis)."""
    n = len(pairs)
    d_v: dict[int, int] = defaultdict(int)
    n_v: dict[int, int] = defaultdict(int)
    for target, d in pairs:
        d_v[target] += d
        n_v[target] += 1
    g = len(n_v)
    net = sum(d for _, d in pairs) / n
    v_cl = g / (g - 1) * sum((d_v[t] - net * n_v[t]) ** 2 for t in n_v) / n**2
    v_ind = sum((d - net) ** 2 for _, d in pairs) / n**2
    quantile = stats.t.ppf(1 - (1 - confidence) / 2, g - 1)
    squares = sum(value**2 for value in d_v.values())
    chi_square = (g - 1) / g * sum(d_v.values()) ** 2 / squares
    return {
        "net_difference": net,
        "variance_cluster": v_cl,
        "variance_independent": v_ind,
        "design_effect": v_cl / v_ind,
        "ci_low_cluster": max(-1.0, net - quantile * math.sqrt(v_cl)),
        "ci_high_cluster": min(1.0, net + quantile * math.sqrt(v_cl)),
        "chi_square_cluster": chi_square,
        "p_cluster": stats.chi2.sf(chi_square, 1),
        "n_targets": g,
    }


def _ours(data: dict, confidence: float = 0.95):
    n = [sum(cells) for cells in zip(data["ak"], data["bk"], data["ck"], data["dk"], strict=True)]
    return venue_robust(data["bk"], data["ck"], n, confidence=confidence)


@pytest.mark.parametrize("name", sorted(R_DATA))
def test_obuchowski_against_r_clust_bin_pair(name: str) -> None:
    data = R_DATA[name]
    result = _ours(data)
    statistic, p_value = data["obuchowski"]
    assert result.chi_square_cluster == pytest.approx(statistic, rel=TOLERANCE, abs=TOLERANCE)
    assert result.p_cluster == pytest.approx(p_value, rel=TOLERANCE, abs=TOLERANCE)
    # and R's McNemar on the pooled table is ours (asymptotic, no continuity correction)
    table = PairedTable(sum(data["ak"]), sum(data["bk"]), sum(data["ck"]), sum(data["dk"]))
    independent = paired_binary(table)
    assert independent.chi_square == pytest.approx(data["mcnemar"][0], rel=TOLERANCE)
    assert independent.p_asymptotic == pytest.approx(data["mcnemar"][1], rel=TOLERANCE)


@pytest.mark.parametrize("name", sorted(R_DATA))
@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_every_key_against_the_definitions(name: str, confidence: float) -> None:
    data = R_DATA[name]
    result = _ours(data, confidence).to_dict()
    expected = from_definitions(_pairs(data), confidence)
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, rel=TOLERANCE, abs=TOLERANCE), key
    assert result["inference"] == "venue_robust"


@pytest.mark.parametrize("name", sorted(R_DATA))
def test_cr1_variance_and_interval_equal_statsmodels_cluster_ols(name: str) -> None:
    # N is the mean of d_i: OLS of d on a constant with target clusters. statsmodels' correction
    # is G/(G − 1)·(n − 1)/(n − k), with k = 1 exactly CR1; df_correction gives t(G − 1).
    pairs = _pairs(R_DATA[name])
    groups = np.array([target for target, _ in pairs])
    d = np.array([value for _, value in pairs], dtype=float)
    fit = sm.OLS(d, np.ones((d.size, 1))).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True,
                                      "df_correction": True}, use_t=True,
    )  # fmt: skip
    result = _ours(R_DATA[name])
    assert result.net_difference == pytest.approx(fit.params[0], abs=1e-12)
    assert result.variance_cluster == pytest.approx(fit.bse[0] ** 2, rel=TOLERANCE)
    low, high = fit.conf_int(alpha=0.05)[0]
    assert (result.ci_low_cluster, result.ci_high_cluster) == pytest.approx((low, high), abs=1e-9)


def test_frame_version_matches_the_counts() -> None:
    pairs = _pairs(R_DATA["psychiatry"])
    frame = pd.DataFrame({
        "target": [f"T{t}" for t, _ in pairs],
        "control": [d == 1 for _, d in pairs],
        "protected": [d == -1 for _, d in pairs],
    })  # fmt: skip
    from_frame = venue_robust_from_frame(frame, control="control", protected="protected",
                                         target="target")  # fmt: skip
    assert from_frame.to_dict() == pytest.approx(_ours(R_DATA["psychiatry"]).to_dict())


def test_one_pair_per_target_is_mcnemar_times_n_minus_one_over_n() -> None:
    # V2 (Armitage & Berry): 50 pairs, 50 targets
    a, b, c, d = 20, 12, 2, 16
    ones = [1] * b + [0] * (a + c + d)
    result = venue_robust(ones, [0] * b + [1] * c + [0] * (a + d), [1] * 50)
    mcnemar = paired_binary(a=a, b=b, c=c, d=d)
    assert result.chi_square_cluster == pytest.approx(49 / 50 * mcnemar.chi_square, rel=1e-12)
    assert result.p_cluster == pytest.approx(mcnemar.p_asymptotic, rel=0.1)
    assert result.design_effect == pytest.approx(50 / 49, rel=1e-12)
    assert result.inference == "independent" and result.max_pairs_per_target == 1
    # the interval is the Wald interval with G/(G − 1) and t(49): close to Tango's here
    assert result.ci_low_cluster == pytest.approx(mcnemar.ci_low, abs=0.02)
    assert result.ci_high_cluster == pytest.approx(mcnemar.ci_high, abs=0.03)


def test_fewer_than_five_targets_no_interval_or_test() -> None:
    result = venue_robust([3, 2, 4, 1], [0, 1, 0, 0], [6, 5, 6, 4])
    assert result.n_targets == 4 and result.design_effect is not None
    assert result.ci_low_cluster is None and result.ci_high_cluster is None
    assert result.p_cluster is None and "fewer than 5 targets" in result.note
    assert "no p-value should be published" in result.note


def test_fewer_than_twenty_targets_say_so() -> None:
    result = venue_robust([2, 1, 0, 3, 1, 2, 0, 1], [0, 1, 1, 0, 0, 0, 1, 0], [4] * 8)
    assert result.p_cluster is not None and result.ci_low_cluster is not None
    assert "fewer than 20 targets" in result.note
    assert venue_robust([1, 0] * 10, [0, 1] * 10, [2] * 20).note is None


def test_no_discordant_pairs_p_is_one_with_a_note() -> None:
    result = venue_robust([0] * 6, [0] * 6, [3] * 6)
    assert result.p_cluster == 1.0 and "no discordant pairs" in result.note
    assert result.ci_low_cluster is None and result.design_effect is None
    cancel = venue_robust([1] * 6, [1] * 6, [3] * 6)
    assert cancel.p_cluster == 1.0 and "cancel within every target" in cancel.note
    empty = venue_robust([], [], [])
    assert empty.n_pairs == 0 and empty.net_difference is None


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="one entry per target"):
        venue_robust([1, 2], [0], [3, 3])
    with pytest.raises(ValueError, match="b \\+ c cannot exceed n"):
        venue_robust([2], [2], [3])
    with pytest.raises(ValueError, match="non-negative integer"):
        venue_robust([1.5], [0], [3])


STUDIES = 2000


def _simulate(seed: int, venues: int, visits: int, p10: float, p01: float, icc: float):
    rng = np.random.default_rng(seed)
    b, c, n = venue_tables(rng, studies=STUDIES, venues=venues, visits=visits, p10=p10,
                           p01=p01, icc=icc)  # fmt: skip
    return [venue_robust(b[i], c[i], n[i]) for i in range(STUDIES)], (b, c, n)


@pytest.mark.slow
def test_size_and_coverage_under_clustering() -> None:
    # 30 venues × 6 visits, intra-venue correlation 0.1, no effect (p10 = p01 = 0.15)
    results, (b, c, _) = _simulate(20261130, venues=30, visits=6, p10=0.15, p01=0.15, icc=0.1)
    rejected = np.mean([r.p_cluster <= 0.05 for r in results])
    covered = np.mean([r.ci_low_cluster <= 0.0 <= r.ci_high_cluster for r in results])
    assert rejected <= 0.065
    assert covered >= 0.93
    # ... where the mid-p McNemar test, treating pairs as independent, is far too liberal
    midp = [mcnemar_tests(PairedTable(0, int(b[i].sum()), int(c[i].sum()), 0)).p_midp
            for i in range(STUDIES)]  # fmt: skip
    assert np.mean(np.array(midp) <= 0.05) > 0.08


@pytest.mark.slow
def test_coverage_under_clustering_with_an_effect() -> None:
    results, _ = _simulate(7, venues=30, visits=6, p10=0.2, p01=0.1, icc=0.1)
    covered = np.mean([r.ci_low_cluster <= 0.1 <= r.ci_high_cluster for r in results])
    assert covered >= 0.93


@pytest.mark.slow
def test_one_visit_per_venue_nearly_equals_the_independent_analysis() -> None:
    results, (b, c, _) = _simulate(11, venues=150, visits=1, p10=0.2, p01=0.12, icc=0.0)
    for result, b_sum, c_sum in zip(results[:200], b.sum(axis=1), c.sum(axis=1), strict=False):
        independent = paired_binary(a=0, b=int(b_sum), c=int(c_sum),
                                    d=150 - int(b_sum + c_sum))  # fmt: skip
        assert result.chi_square_cluster == pytest.approx(149 / 150 * independent.chi_square)
        assert result.ci_low_cluster == pytest.approx(independent.ci_low, abs=0.01)
        assert result.ci_high_cluster == pytest.approx(independent.ci_high, abs=0.01)
    assert np.mean([r.design_effect for r in results]) == pytest.approx(150 / 149, rel=1e-9)
