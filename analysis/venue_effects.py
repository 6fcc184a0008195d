"""Venue random effects for simulation: clustering in the direction of discordance.

docs/methods.md §6 plans with the intra-target correlation ρ of the pair difference d ∈ {−1, 0, 1}
(1 when only the control team was favoured, −1 when only the protected team was). Here each venue
v keeps the discordance ψ = p10 + p01 and draws its own direction share
π_v = P(b | discordant) ~ Beta(μκ, (1 − μ)κ) with mean μ = p10/ψ, so that the expected net
measure stays δ = p10 − p01 and

    ρ = Var(E[d | v]) / Var(d) = (ψ² − δ²) / ((κ + 1)(ψ − δ²)),

i.e. κ + 1 = (ψ² − δ²) / (ρ(ψ − δ²)). ρ can be at most (ψ² − δ²)/(ψ − δ²) < ψ (every venue
then always favours one side). Under the null (p10 = p01) and ψ = 0.3, ρ = 0.1 gives
κ = 2: π_v uniform on (0, 1).

>>> round(direction_concentration(0.15, 0.15, 0.1), 10)
2.0
>>> round(max_icc(0.15, 0.15), 10)
0.3
"""

from __future__ import annotations

import math

import numpy as np


def max_icc(p10: float, p01: float) -> float:
    """The largest intra-venue correlation of d that a direction effect can give."""
    psi, delta = p10 + p01, p10 - p01
    return (psi**2 - delta**2) / (psi - delta**2) if psi > delta**2 else 0.0


def direction_concentration(p10: float, p01: float, icc: float) -> float:
    """κ of the Beta distribution of π_v that gives intra-venue correlation `icc` (inf for 0)."""
    if not (p10 >= 0 and p01 >= 0 and 0 < p10 + p01 <= 1):
        raise ValueError(f"need p10, p01 ≥ 0 and 0 < p10 + p01 ≤ 1; got {p10}, {p01}")
    if not 0 <= icc < 1 or math.isnan(icc):
        raise ValueError(f"icc (intra-venue correlation) must lie in [0, 1); got {icc}")
    if icc == 0:
        return math.inf
    largest = max_icc(p10, p01)
    if icc >= largest:
        raise ValueError(
            f"icc {icc} is out of reach for p10 = {p10}, p01 = {p01}: a direction effect gives "
            f"at most {largest:.4f} (every venue favouring one side); choose a smaller icc or "
            "more discordance"
        )
    psi, delta = p10 + p01, p10 - p01
    return (psi**2 - delta**2) / (icc * (psi - delta**2)) - 1.0


def venue_directions(
    rng: np.random.Generator, p10: float, p01: float, icc: float, size: int | tuple[int, ...]
) -> np.ndarray:
    """π_v per venue: the share of a venue's discordant pairs in which only the control team
    was favoured (constant p10/ψ when `icc` is 0)."""
    kappa = direction_concentration(p10, p01, icc)
    mean = p10 / (p10 + p01)
    if math.isinf(kappa) or mean in (0.0, 1.0):
        return np.full(size, mean)
    return rng.beta(mean * kappa, (1 - mean) * kappa, size=size)


def venue_tables(
    rng: np.random.Generator, *, studies: int, venues: int, visits: int, p10: float,
    p01: float, icc: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """(b, c, n) per study and venue, arrays of shape (studies, venues): `visits` pairs per
    venue, discordant with probability p10 + p01, of direction π_v (:func:`venue_directions`)."""
    share = venue_directions(rng, p10, p01, icc, (studies, venues))
    discordant = rng.binomial(visits, p10 + p01, size=(studies, venues))
    b = rng.binomial(discordant, share)
    n = np.full((studies, venues), visits)
    return b, discordant - b, n
