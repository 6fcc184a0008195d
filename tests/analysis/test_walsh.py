"""Walsh averages without materialising them: both representations equal the brute force."""

from __future__ import annotations

import numpy as np
import pytest

import analysis.walsh
from analysis.continuous import paired_continuous
from analysis.walsh import CompactWalsh
from analysis.walsh import SelectedWalsh
from analysis.walsh import median
from analysis.walsh import walsh_averages

SAMPLES = {
    "continuous": np.random.default_rng(1).normal(0.3, 2.0, size=157),
    "grid with ties": np.random.default_rng(2).integers(-6, 9, size=240).astype(float),
    "decimals": np.round(np.random.default_rng(3).normal(0, 1, size=90), 1),
    "tiny": np.array([2.5]),
}


def brute_force(x: np.ndarray) -> np.ndarray:
    rows, cols = np.triu_indices(x.size)
    return np.sort((x[rows] + x[cols]) / 2.0)


@pytest.mark.parametrize("name", list(SAMPLES))
@pytest.mark.parametrize("kind", [CompactWalsh, SelectedWalsh])
def test_order_statistics_equal_brute_force(name: str, kind: type) -> None:
    x = SAMPLES[name]
    full = brute_force(x)
    walsh = kind(x)
    assert walsh.size == full.size
    ranks = sorted({1, full.size, (full.size + 1) // 2, *range(1, full.size + 1, 97)})
    assert [walsh.order_statistic(k) for k in ranks] == [float(full[k - 1]) for k in ranks]
    assert median(walsh) == float(np.median(full))
    assert (walsh.lowest, walsh.highest) == (float(full[0]), float(full[-1]))


@pytest.mark.parametrize("name", ["continuous", "grid with ties", "decimals"])
def test_first_step_agrees(name: str) -> None:
    x = SAMPLES[name]
    steps = np.unique(brute_force(x))
    threshold = steps[steps.size // 3]
    compact, selected = CompactWalsh(x), SelectedWalsh(x)
    assert compact.first_step(lambda step, _next: step >= threshold) == threshold
    assert selected.first_step(lambda step, _next: step >= threshold) == threshold
    assert selected.first_step(lambda step, _next: False) == steps[-1]


def test_order_statistic_range_is_checked() -> None:
    with pytest.raises(ValueError, match="k must lie in 1..6"):
        SelectedWalsh(np.array([1.0, 2.0, 3.0])).order_statistic(7)


@pytest.mark.parametrize("name", ["continuous", "grid with ties", "decimals"])
def test_hodges_lehmann_identical_either_way(name: str, monkeypatch) -> None:
    x = SAMPLES[name]
    control = np.zeros_like(x)
    compact = paired_continuous(control, x)
    monkeypatch.setattr(analysis.walsh, "COMPACT_LIMIT", 0)
    assert isinstance(walsh_averages(x), SelectedWalsh)
    selected = paired_continuous(control, x)
    assert selected == compact
