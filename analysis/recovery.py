"""Can the public solve for a suppressed line? (docs/release-rules.md rule 4, what the log adds.)

From a table's total and its published lines, anyone knows the counts of the suppressed lines
together: the remainder R = (a, b, c, d) (both favourable, only control, only protected,
neither). The decision log adds what each suppressed line's rules imply: fewer than the minimum
number of pairs or not, a group refused in 0 % or 100 % of its visits or not. Two suppressed
lines of 10 pairs each that both had an extreme share can then be pinned down exactly.

:func:`possible_results` gives, for each suppressed line, every result (b, c) it can have in
some split of R that agrees with all of that. A line with a single possible result is
recovered; :mod:`analysis.disclosure` suppresses further lines until none is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.signal import fftconvolve

# Beyond this many possible splits of one line the exact search is not run: a remainder that
# large leaves every line many results, and the caller treats "unknown" as "not safe".
MAX_CELLS = 3_000_000


def _allowed(remainder: Sequence[int], rules: Sequence[str], min_pairs: int) -> np.ndarray:
    """The counts (a, b, c, d) ≤ R a line can have, given the rules the log states for it."""
    a, b, c, d = np.meshgrid(*(np.arange(r + 1) for r in remainder), indexing="ij", sparse=True)
    n = a + b + c + d
    small = n < min_pairs
    extreme = (b + d == 0) | (b + d == n) | (c + d == 0) | (c + d == n)
    allowed = (n >= 1) & (small if "min_pairs" in rules else ~small)
    allowed &= extreme if "extreme_share" in rules else ~extreme
    return np.asarray(allowed, dtype=np.float64)


def _sum_of(grids: Sequence[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """Which totals ≤ R the given lines can make together (1.0 where they can)."""
    reach = np.zeros(shape)
    reach[(0,) * len(shape)] = 1.0
    for grid in grids:
        full = fftconvolve(reach, grid)[tuple(slice(0, size) for size in shape)]
        reach = (full > 0.5).astype(np.float64)
    return reach


def possible_results(
    remainder: Sequence[int], rules: Sequence[Sequence[str]], min_pairs: int
) -> list[set[tuple[int, int]]] | None:
    """For each suppressed line (its published rules in `rules`), the results (b, c) it can
    have; None when the remainder is too large to search.

    >>> possible_results((5, 10, 0, 5), [("extreme_share",), ("extreme_share",)], 10)
    [{(5, 0)}, {(5, 0)}]
    >>> [len(found) > 1 for found in possible_results(
    ...     (5, 10, 0, 5), [("extreme_share",), ("extreme_share",), ("complementary",)], 5)]
    [True, True, True]
    """
    shape = tuple(int(r) + 1 for r in remainder)
    if math.prod(shape) > MAX_CELLS:
        return None
    grids = [_allowed(remainder, line, min_pairs) for line in rules]
    found = []
    for index, grid in enumerate(grids):
        others = _sum_of([g for i, g in enumerate(grids) if i != index], shape)
        fits = (grid > 0.5) & (others[::-1, ::-1, ::-1, ::-1] > 0.5)  # the others make R − x
        b_values, c_values = np.nonzero(fits.any(axis=(0, 3)))
        found.append({(int(b), int(c)) for b, c in zip(b_values, c_values, strict=True)})
    return found


def recovered(remainder: Sequence[int], rules: Sequence[Sequence[str]], min_pairs: int) -> bool:
    """Whether some suppressed line has a single possible result (or the search is too large
    to tell, which counts as recovered)."""
    found = possible_results(remainder, rules, min_pairs)
    return found is None or any(len(results) <= 1 for results in found)
