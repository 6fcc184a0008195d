"""Order statistics of the Walsh averages (x_i + x_j)/2, i ≤ j, without building all n(n+1)/2.

The Hodges–Lehmann estimate and its interval are order statistics of the M = n(n + 1)/2 Walsh
averages; for 10,000 pairs that is 50 million numbers. Two exact representations avoid them:

- :class:`CompactWalsh`, when x has few distinct values (whole minutes, euros): each distinct
  sum is stored once with its multiplicity.
- :class:`SelectedWalsh`, otherwise: the k-th smallest is found by selection over the implicit
  sorted rows (x sorted, row i = the averages with x_j, j ≥ i), counting by vectorised binary
  search (after Monahan 1984, ACM TOMS 10:265–270).

Both compute every average as (x_i + x_j)/2 from the same floats as the full list would, so every
order statistic is identical to the one of ``np.sort`` on the full list.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

COMPACT_LIMIT = 4_000_000  # distinct-value pairs kept in memory by CompactWalsh

Step = Callable[[float, float], bool]


class CompactWalsh:
    """Distinct Walsh averages with their multiplicities (c_i·c_j, or c_i(c_i + 1)/2)."""

    def __init__(self, x: np.ndarray) -> None:
        values, counts = np.unique(x, return_counts=True)
        rows, cols = np.triu_indices(values.size)
        averages = (values[rows] + values[cols]) / 2.0
        if values.size == x.size:  # no ties: every multiplicity is 1
            self.values = np.sort(averages)
            self.cumulative = np.arange(1, averages.size + 1, dtype=np.int64)
        else:
            weights = np.where(
                rows == cols, counts[rows] * (counts[rows] + 1) // 2, counts[rows] * counts[cols]
            ).astype(np.int64)
            order = np.argsort(averages, kind="stable")
            self.values = averages[order]
            self.cumulative = np.cumsum(weights[order])
        self.size = int(self.cumulative[-1])  # n(n + 1)/2
        self.lowest, self.highest = float(self.values[0]), float(self.values[-1])

    def order_statistic(self, k: int) -> float:
        """The k-th smallest Walsh average, 1-based (counting multiplicities)."""
        return float(self.values[np.searchsorted(self.cumulative, k, side="left")])

    def first_step(self, holds: Step) -> float:
        """Smallest distinct average b with ``holds(b, next distinct average)``; else the highest.

        `holds` must be monotone (False … False True … True) along the sorted averages.
        """
        keep = np.concatenate(([True], np.diff(self.values) > 0))
        steps = self.values[keep]
        lo, hi = 0, steps.size - 1  # index steps.size - 1 (the highest) counts as holding
        while lo < hi:
            middle = (lo + hi) // 2
            if holds(float(steps[middle]), float(steps[middle + 1])):
                hi = middle
            else:
                lo = middle + 1
        return float(steps[lo])


class SelectedWalsh:
    """Walsh averages of many distinct values, never materialised (selection by counting)."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = np.sort(np.asarray(x, dtype=float))
        n = self.x.size
        self.size = n * (n + 1) // 2
        self.lowest, self.highest = float(self.x[0]), float(self.x[-1])

    def _count(self, lo: np.ndarray, hi: np.ndarray, value: float, *, strict: bool) -> np.ndarray:
        """Per row i: how many j in [lo_i, hi_i) have (x_i + x_j)/2 < value (or ≤ value)."""
        x, last = self.x, self.x.size - 1
        left, right = lo.copy(), hi.copy()
        active = left < right
        while active.any():
            middle = (left + right) // 2
            averages = (x + x[np.minimum(middle, last)]) / 2.0
            below = (averages < value) if strict else (averages <= value)
            left = np.where(active & below, middle + 1, left)
            right = np.where(active & ~below, middle, right)
            active = left < right
        return left - lo

    def count_at_most(self, value: float) -> int:
        """Number of Walsh averages ≤ value."""
        n = self.x.size
        return int(self._count(np.arange(n), np.full(n, n), value, strict=False).sum())

    def order_statistic(self, k: int) -> float:
        """The k-th smallest Walsh average, 1-based."""
        if not 1 <= k <= self.size:
            raise ValueError(f"k must lie in 1..{self.size}; got {k}")
        x, n = self.x, self.x.size
        lo, hi = np.arange(n), np.full(n, n)
        rng = np.random.default_rng(k)  # random pivots, reproducible
        while True:
            sizes = hi - lo
            ends = np.cumsum(sizes)
            total = int(ends[-1])
            if total <= max(4 * n, 4096):
                rows = np.repeat(np.arange(n), sizes)
                cols = lo[rows] + np.arange(total) - (ends - sizes)[rows]
                averages = (x[rows] + x[cols]) / 2.0
                return float(np.partition(averages, k - 1)[k - 1])
            pick = int(rng.integers(total))
            row = int(np.searchsorted(ends, pick, side="right"))
            pivot = (x[row] + x[lo[row] + pick - (ends[row] - sizes[row])]) / 2.0
            below = self._count(lo, hi, pivot, strict=True)
            at_most = self._count(lo, hi, pivot, strict=False)
            n_below, n_at_most = int(below.sum()), int(at_most.sum())
            if k <= n_below:
                hi = lo + below
            elif k <= n_at_most:
                return float(pivot)
            else:
                k -= n_at_most
                lo = lo + at_most

    def first_step(self, holds: Step) -> float:
        """As :meth:`CompactWalsh.first_step`, by binary search over ranks 1..M."""

        def holds_at(rank: int) -> bool:
            step = self.order_statistic(rank)
            if step >= self.highest:
                return True
            return holds(step, self.order_statistic(self.count_at_most(step) + 1))

        lo, hi = 1, self.size
        while lo < hi:
            middle = (lo + hi) // 2
            if holds_at(middle):
                hi = middle
            else:
                lo = middle + 1
        return self.order_statistic(lo)


def walsh_averages(
    x: np.ndarray, *, compact_limit: int | None = None
) -> CompactWalsh | SelectedWalsh:
    """The representation that fits: compact for few distinct values, selection otherwise.

    Examples
    --------
    >>> walsh = walsh_averages(np.array([1.0, 2.0, 4.0]))
    >>> [walsh.order_statistic(k) for k in range(1, walsh.size + 1)]
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
    >>> big = walsh_averages(np.array([1.0, 2.0, 4.0]), compact_limit=0)
    >>> [big.order_statistic(k) for k in range(1, big.size + 1)]
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
    """
    limit = COMPACT_LIMIT if compact_limit is None else compact_limit
    distinct = np.unique(x).size
    if distinct * (distinct + 1) // 2 <= limit:
        return CompactWalsh(x)
    return SelectedWalsh(x)


def median(walsh: CompactWalsh | SelectedWalsh) -> float:
    """np.median of the full list of Walsh averages."""
    middle = (walsh.size + 1) // 2
    if walsh.size % 2:
        return walsh.order_statistic(middle)
    return (walsh.order_statistic(middle) + walsh.order_statistic(middle + 1)) / 2.0
