"""Simulated studies: coverage of the Tango interval and size of the mid-p McNemar test."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.binary import paired_binary
from analysis.table import PairedTable

STUDIES = 2000
PAIRS = 120


def _simulate(rng: np.random.Generator, p10: float, p01: float) -> np.ndarray:
    """(a, b, c, d) counts for STUDIES studies of PAIRS pairs; p11 = p00 split the rest."""
    rest = (1.0 - p10 - p01) / 2
    return rng.multinomial(PAIRS, [rest, p10, p01, rest], size=STUDIES)


@pytest.mark.slow
def test_tango_coverage_is_near_nominal() -> None:
    rng = np.random.default_rng(20240531)
    p10, p01 = 0.15, 0.06
    truth = p10 - p01
    covered = 0
    for counts in _simulate(rng, p10, p01):
        result = paired_binary(PairedTable(*counts))
        covered += result.ci_low <= truth <= result.ci_high
    assert 0.93 <= covered / STUDIES <= 0.97


@pytest.mark.slow
def test_midp_mcnemar_size_under_the_null() -> None:
    rng = np.random.default_rng(19870101)
    rejections = 0
    for counts in _simulate(rng, 0.08, 0.08):
        result = paired_binary(PairedTable(*counts))
        rejections += result.p_value <= 0.05
    assert rejections / STUDIES <= 0.055
