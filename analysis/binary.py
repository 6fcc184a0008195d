"""Binary outcomes of matched pairs: gross and net measures, their intervals and McNemar tests.

Orientation and sign conventions: docs/methods.md §0 — rows control, columns protected, 1 = favourable;
b = control-only favourable; net_difference = (b − c)/n > 0 means the protected group is worse off.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis._common import ConfidenceInterval
from analysis._common import ResultMixin
from analysis._common import check_confidence
from analysis._common import scipy_alias
from analysis.paired_tests import mcnemar_tests
from analysis.paired_tests import newcombe_interval
from analysis.paired_tests import tango_interval
from analysis.proportions import clopper_pearson_interval
from analysis.proportions import midp_interval
from analysis.proportions import wilson_interval
from analysis.table import PairedTable


@dataclass(frozen=True)
class PairedBinaryResult(ResultMixin):
    """Everything reported for one binary outcome in one stratum (results.json keys).

    Attributes
    ----------
    n_pairs, both_favourable, control_only_favourable, protected_only_favourable, neither_favourable
        n and the cells a, b, c, d.
    gross_adverse_protected, gross_adverse_control
        G = b/n and Rv = c/n, with Wilson intervals ``*_ci_low``/``*_ci_high``.
    net_difference, ci_low, ci_high, ci_method
        N = (b − c)/n (> 0: protected worse off) with the Tango (1998) score interval.
    newcombe_ci_low, newcombe_ci_high
        Newcombe (1998) method 10 interval for N.
    discordance
        (b + c)/n.
    p_value, p_exact, p_asymptotic, chi_square
        McNemar mid-p (the default test), exact conditional p, asymptotic χ² (no continuity
        correction) and its p.
    p_adjusted
        Filled by multiplicity adjustment in :mod:`analysis.estimate`; None otherwise.
    odds_ratio, odds_ratio_ci_low, odds_ratio_ci_high
        b/c with the transformed mid-p interval; ``odds_ratio_exact_ci_*`` is the transformed
        Clopper–Pearson interval. None where infinite or undefined.
    confidence, note
        The confidence level of every interval, and why anything is None.
    """

    n_pairs: int
    both_favourable: int
    control_only_favourable: int
    protected_only_favourable: int
    neither_favourable: int
    gross_adverse_protected: float | None
    gross_adverse_protected_ci_low: float | None
    gross_adverse_protected_ci_high: float | None
    gross_adverse_control: float | None
    gross_adverse_control_ci_low: float | None
    gross_adverse_control_ci_high: float | None
    net_difference: float | None
    ci_low: float | None
    ci_high: float | None
    ci_method: str
    newcombe_ci_low: float | None
    newcombe_ci_high: float | None
    discordance: float | None
    p_value: float | None
    p_exact: float | None
    p_asymptotic: float | None
    chi_square: float | None
    p_adjusted: float | None
    odds_ratio: float | None
    odds_ratio_ci_low: float | None
    odds_ratio_ci_high: float | None
    odds_ratio_exact_ci_low: float | None
    odds_ratio_exact_ci_high: float | None
    confidence: float
    note: str | None

    _title = "Paired binary outcome (rows control, columns protected)"

    @property
    def table(self) -> PairedTable:
        """The 2×2 table (a, b, c, d)."""
        return PairedTable(
            self.both_favourable,
            self.control_only_favourable,
            self.protected_only_favourable,
            self.neither_favourable,
        )

    statistic = scipy_alias("net_difference", "Net difference (b − c)/n")
    pvalue = scipy_alias("p_value", "McNemar mid-p")

    def confidence_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Tango interval for the net difference, at `level` (default: this result's level)."""
        if level is None:
            return ConfidenceInterval(self.ci_low, self.ci_high)
        return tango_interval(self.table, level)


def _ratio_interval(interval: ConfidenceInterval) -> tuple[float | None, float | None]:
    """Map an interval for π = b/(b+c) to one for b/c = π/(1 − π); 1 maps to None (infinite)."""
    low, high = interval
    if low is None or high is None:
        return None, None
    return (low / (1 - low) if low < 1 else None), (high / (1 - high) if high < 1 else None)


def _result(table: PairedTable, confidence: float) -> PairedBinaryResult:
    level = check_confidence(confidence)
    a, b, c, d, n = table.a, table.b, table.c, table.d, table.n
    notes: list[str] = []
    cells: dict[str, Any] = {
        "n_pairs": n,
        "both_favourable": a,
        "control_only_favourable": b,
        "protected_only_favourable": c,
        "neither_favourable": d,
        "ci_method": "tango",
        "confidence": level,
        "p_adjusted": None,
    }
    if n == 0:
        empty: dict[str, Any] = {f.name: None for f in dataclasses.fields(PairedBinaryResult)}
        empty.update(cells, note="no pairs: every estimate is undefined")
        return PairedBinaryResult(**empty)

    wilson_b = wilson_interval(b, n, level)
    wilson_c = wilson_interval(c, n, level)
    tango = tango_interval(table, level)
    newcombe = newcombe_interval(table, level)
    tests = mcnemar_tests(table)
    if tests is None:
        notes.append("no discordant pairs (b + c = 0): McNemar p set to 1, b/c undefined")
        p_values: dict[str, Any] = {
            "p_value": 1.0, "p_exact": 1.0, "p_asymptotic": 1.0, "chi_square": None,
        }  # fmt: skip
    else:
        p_values = {
            "p_value": tests.p_midp,
            "p_exact": tests.p_exact,
            "p_asymptotic": tests.p_asymptotic,
            "chi_square": tests.chi_square,
        }
    m = b + c
    odds_ratio = b / c if c > 0 else None
    if m > 0:
        or_low, or_high = _ratio_interval(midp_interval(b, m, level))
        exact_low, exact_high = _ratio_interval(clopper_pearson_interval(b, m, level))
        if c == 0:
            notes.append("c = 0: b/c and its upper limits are infinite, reported as None")
    else:
        or_low = or_high = exact_low = exact_high = None
    if abs(b - c) == n:
        notes.append("all pairs discordant in one direction: net difference is ±1")
    return PairedBinaryResult(
        **cells,
        gross_adverse_protected=b / n,
        gross_adverse_protected_ci_low=wilson_b.low,
        gross_adverse_protected_ci_high=wilson_b.high,
        gross_adverse_control=c / n,
        gross_adverse_control_ci_low=wilson_c.low,
        gross_adverse_control_ci_high=wilson_c.high,
        net_difference=(b - c) / n,
        ci_low=tango.low,
        ci_high=tango.high,
        newcombe_ci_low=newcombe.low,
        newcombe_ci_high=newcombe.high,
        discordance=m / n,
        **p_values,
        odds_ratio=odds_ratio,
        odds_ratio_ci_low=or_low,
        odds_ratio_ci_high=or_high,
        odds_ratio_exact_ci_low=exact_low,
        odds_ratio_exact_ci_high=exact_high,
        note="; ".join(notes) or None,
    )


def paired_binary(
    table: Any = None,
    *,
    a: int | None = None,
    b: int | None = None,
    c: int | None = None,
    d: int | None = None,
    confidence: float = 0.95,
) -> PairedBinaryResult:
    """Gross and net measures, intervals and McNemar tests for a paired 2×2 table.

    Parameters
    ----------
    table
        A :class:`~analysis.table.PairedTable` or a 2×2 array-like ``[[a, b], [c, d]]`` with
        rows = control, columns = protected, 1 = favourable. Give either this or ``a``–``d``.
    a, b, c, d
        Counts: both favourable, control only, protected only, neither.
    confidence
        Level of every interval, in (0, 1).

    Returns
    -------
    PairedBinaryResult
        Undefined quantities are None with a ``note``; never NaN, never an exception for a
        valid table.

    Notes
    -----
    net_difference = (b − c)/n > 0 means the protected group was worse off. CI: Tango (1998);
    p_value: McNemar mid-p (Fagerland et al. 2013); odds_ratio = b/c with the transformed
    mid-p interval for b/(b + c).

    References
    ----------
    docs/methods.md §1–2; Tango (1998); Newcombe (1998); Fagerland, Lydersen & Laake (2013).

    Examples
    --------
    >>> result = paired_binary(a=20, b=12, c=2, d=16)
    >>> round(result.net_difference, 4), round(result.p_value, 4)
    (0.2, 0.0074)
    """
    counts = (a, b, c, d)
    if table is not None:
        if any(value is not None for value in counts):
            raise ValueError("give either table or a, b, c, d — not both")
        paired = table if isinstance(table, PairedTable) else PairedTable.from_array(table)
    elif any(value is None for value in counts):
        missing = [name for name, value in zip("abcd", counts, strict=True) if value is None]
        raise ValueError(f"give table or all four counts a, b, c, d; missing {', '.join(missing)}")
    else:
        paired = PairedTable(a, b, c, d)  # type: ignore[arg-type]
    return _result(paired, confidence)


def paired_binary_from_frame(
    frame: pd.DataFrame,
    *,
    control: str,
    protected: str,
    confidence: float = 0.95,
) -> PairedBinaryResult:
    """:func:`paired_binary` from a tidy frame with one row per pair.

    Parameters
    ----------
    frame
        One row per test (pair).
    control, protected
        Names of the columns holding each team's outcome as 0/1 or booleans (1/True =
        favourable). Missing values are an error: incomplete pairs are bounded separately.
    confidence
        Level of every interval, in (0, 1).

    Returns
    -------
    PairedBinaryResult
    """
    for column in (control, protected):
        if column not in frame.columns:
            raise ValueError(f"column {column!r} not in frame; columns are {list(frame.columns)}")
    paired = PairedTable.from_outcomes(frame[control], frame[protected], names=(control, protected))
    return _result(paired, confidence)
