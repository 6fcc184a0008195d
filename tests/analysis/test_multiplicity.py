"""Holm and Benjamini–Hochberg: the 15 p-values of Benjamini & Hochberg (1995), statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.multiplicity import benjamini_hochberg
from analysis.multiplicity import holm

FOUR = 5e-5

# docs/methods.md V12: Benjamini & Hochberg (1995) §4.2, the 15 p-values of the worked example
V12 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
       0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000]  # fmt: skip


def test_v12_holm() -> None:
    # R: p.adjust(p, "holm")[1:6] -> 0.0015 0.0056 0.0247 0.1140 0.2211 0.2780; 3 rejections
    adjusted = holm(V12)
    assert adjusted[:6] == pytest.approx([0.0015, 0.0056, 0.0247, 0.1140, 0.2211, 0.2780], abs=FOUR)
    assert sum(p <= 0.05 for p in adjusted) == 3


def test_v12_benjamini_hochberg() -> None:
    # R: p.adjust(p, "BH")[1:6] -> 0.0015 0.0030 0.0095 0.0356 0.0603 0.0639; 4 rejections
    adjusted = benjamini_hochberg(V12)
    assert adjusted[:6] == pytest.approx([0.0015, 0.0030, 0.0095, 0.0356, 0.0603, 0.0639], abs=FOUR)
    assert sum(p <= 0.05 for p in adjusted) == 4


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("ours", "method"), [(holm, "holm"), (benjamini_hochberg, "fdr_bh")])
def test_against_statsmodels(seed: int, ours, method: str) -> None:
    # METHODS §3: multipletests needs an explicit method (the default is Holm–Šidák)
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 0.2, size=12).round(3)  # rounding creates ties
    p[:3] = rng.uniform(0, 0.01, size=3)
    expected = multipletests(p, method=method)[1]
    assert ours(p.tolist()) == pytest.approx(expected.tolist(), rel=1e-12)


@pytest.mark.parametrize("adjust", [holm, benjamini_hochberg])
def test_none_and_nan_are_left_out(adjust) -> None:
    assert adjust([None, 0.01, float("nan"), 0.04]) == pytest.approx(
        [None, *adjust([0.01, 0.04])[:1], None, adjust([0.01, 0.04])[1]]
    )
    assert adjust([]) == []
    assert adjust([None, None]) == [None, None]
    assert adjust([0.3]) == [0.3]


@pytest.mark.parametrize("adjust", [holm, benjamini_hochberg])
def test_rejects_values_outside_unit_interval(adjust) -> None:
    with pytest.raises(ValueError, match="1.5 at position 1"):
        adjust([0.1, 1.5])
