"""Multiplicity adjustment: Holm (step-down FWER) and Benjamini–Hochberg (step-up FDR).

Both take a sequence of p-values in which None (or NaN) marks a test that was not done; such
entries are left out of the family and come back as None.

Benjamini–Hochberg is :func:`scipy.stats.false_discovery_control`; Holm is ours, as scipy has no
family-wise adjustment and statsmodels (``multipletests``) is not a dependency of the analysis.

References
----------
Holm S (1979). A simple sequentially rejective multiple test procedure. Scand J Stat 6:65–70.
Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. JRSS B 57:289–300.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def _family(p_values: Sequence[float | None]) -> tuple[np.ndarray, np.ndarray]:
    """Positions and values of the p-values that take part; ValueError outside [0, 1]."""
    positions, values = [], []
    for position, value in enumerate(p_values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        number = float(value)
        if not 0.0 <= number <= 1.0:
            raise ValueError(f"p-values must lie in [0, 1]; got {value!r} at position {position}")
        positions.append(position)
        values.append(number)
    return np.array(positions, dtype=int), np.array(values, dtype=float)


def _scatter(length: int, positions: np.ndarray, adjusted: np.ndarray) -> list[float | None]:
    result: list[float | None] = [None] * length
    for position, value in zip(positions.tolist(), adjusted.tolist(), strict=True):
        result[position] = value
    return result


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values (reject where adjusted ≤ α), same order as the input.

    Notes
    -----
    With p(1) ≤ … ≤ p(m): adjusted p(i) = max over j ≤ i of min(1, (m − j + 1)·p(j)).

    Examples
    --------
    >>> holm([0.01, None, 0.04, 0.03])
    [0.03, None, 0.06, 0.06]
    """
    positions, values = _family(p_values)
    m = values.size
    if m == 0:
        return [None] * len(p_values)
    order = np.argsort(values, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * values[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return _scatter(len(p_values), positions, adjusted)


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg adjusted p-values (q-values), same order as the input.

    Notes
    -----
    With p(1) ≤ … ≤ p(m): adjusted p(i) = min over j ≥ i of min(1, m·p(j)/j).

    Examples
    --------
    >>> [round(p, 4) for p in benjamini_hochberg([0.01, 0.04, 0.03])]
    [0.03, 0.04, 0.04]
    """
    positions, values = _family(p_values)
    if values.size == 0:
        return [None] * len(p_values)
    adjusted = np.minimum(1.0, stats.false_discovery_control(values, method="bh"))
    return _scatter(len(p_values), positions, adjusted)
