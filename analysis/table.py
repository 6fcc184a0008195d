"""The paired 2×2 table — built here and nowhere else.

Orientation (docs/methods.md §0): rows = control team, columns = protected team, 1 = favourable.

====================  ==============  ==============
..                    P favourable    P not
====================  ==============  ==============
R (control) fav.      a               b
R (control) not       c               d
====================  ==============  ==============

b counts pairs where only the control team was treated favourably (the protected team was worse
off); c counts the reverse.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a non-negative integer count; got {value!r}")
    number = float(value)
    if not number.is_integer():
        raise ValueError(f"{name} must be a non-negative integer count; got {value!r}")
    if number < 0:
        raise ValueError(f"{name} must be a non-negative integer count; got {value!r}")
    return int(number)


@dataclass(frozen=True)
class PairedTable:
    """Counts of a matched-pairs 2×2 table (a, b, c, d), oriented as in docs/methods.md §0.

    Examples
    --------
    >>> PairedTable.from_outcomes(control=[1, 1, 0, 0], protected=[1, 0, 1, 0])
    PairedTable(a=1, b=1, c=1, d=1)
    """

    a: int
    b: int
    c: int
    d: int

    def __post_init__(self) -> None:
        for name in "abcd":
            object.__setattr__(self, name, _count(name, getattr(self, name)))

    @property
    def n(self) -> int:
        """Number of pairs."""
        return self.a + self.b + self.c + self.d

    @property
    def discordant(self) -> int:
        """b + c."""
        return self.b + self.c

    def as_array(self) -> np.ndarray:
        """[[a, b], [c, d]] as an integer array."""
        return np.array([[self.a, self.b], [self.c, self.d]], dtype=np.int64)

    @classmethod
    def from_array(cls, table: Any) -> PairedTable:
        """From a 2×2 array-like [[a, b], [c, d]] (rows control, columns protected)."""
        array = np.asarray(table, dtype=object)
        if array.shape != (2, 2):
            raise ValueError(
                f"table must be 2×2 [[a, b], [c, d]] (rows control, columns protected); "
                f"got shape {array.shape}"
            )
        return cls(a=array[0, 0], b=array[0, 1], c=array[1, 0], d=array[1, 1])

    @classmethod
    def from_outcomes(
        cls,
        control: Sequence[Any] | pd.Series | np.ndarray,
        protected: Sequence[Any] | pd.Series | np.ndarray,
        *,
        names: tuple[str, str] = ("control", "protected"),
    ) -> PairedTable:
        """Cross-tabulate two aligned 0/1 (or boolean) outcome vectors, one entry per pair."""
        control_values = as_binary(control, names[0])
        protected_values = as_binary(protected, names[1])
        if control_values.shape != protected_values.shape:
            raise ValueError(
                f"{names[0]} and {names[1]} must have the same length; got "
                f"{control_values.size} and {protected_values.size}"
            )
        return cls(
            a=int(np.sum(control_values & protected_values)),
            b=int(np.sum(control_values & ~protected_values)),
            c=int(np.sum(~control_values & protected_values)),
            d=int(np.sum(~control_values & ~protected_values)),
        )


def as_binary(values: Any, name: str) -> np.ndarray:
    """A boolean array from 0/1 or True/False values; anything else is a ValueError."""
    series = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    if series.dtype == bool:  # already checked: nothing to convert, value by value
        return series.to_numpy(dtype=bool)
    result = np.zeros(len(series), dtype=bool)
    for position, value in enumerate(series.tolist()):
        if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
            raise ValueError(
                f"column {name!r} has a missing value at position {position}; drop incomplete "
                "pairs first (they are bounded separately, docs/methods.md §2)"
            )
        if isinstance(value, (bool, np.bool_)) or value in (0, 1):
            result[position] = bool(value)
        else:
            raise ValueError(
                f"column {name!r} must hold 0/1 or true/false; got {value!r} at position {position}"
            )
    return result
