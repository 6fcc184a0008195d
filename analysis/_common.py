"""Shared helpers: confidence levels, JSON-safe conversion, the result-object mixin."""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping
from typing import Any
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats


class ConfidenceInterval(NamedTuple):
    """A two-sided interval; either limit is None where it is undefined."""

    low: float | None
    high: float | None


def check_confidence(confidence: float) -> float:
    """Return `confidence` as a float, or raise ValueError unless 0 < confidence < 1."""
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(
            f"confidence must be a number in (0, 1), e.g. 0.95; got {confidence!r}"
        ) from None
    if not 0.0 < level < 1.0:
        raise ValueError(
            f"confidence must lie strictly between 0 and 1 (e.g. 0.95); got {confidence!r}"
        )
    return level


def z_value(confidence: float) -> float:
    """Two-sided normal quantile z(1 - alpha/2) for a confidence level."""
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def clean_float(value: Any) -> float | None:
    """A finite Python float, or None for None/NaN/inf."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def json_safe(value: Any) -> Any:
    """Recursively convert to JSON-safe Python types: NaN and inf become None."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return clean_float(value)
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_safe({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")


def _format(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4f}"
    return str(value)


def scipy_alias(field_name: str, meaning: str) -> Any:
    """A read-only property giving the field ``field_name`` under scipy's name: a result class
    says ``statistic = scipy_alias("net_difference", "Net difference (b − c)/n")``."""

    def get(result: Any) -> float | None:
        value: float | None = getattr(result, field_name)
        return value

    return property(get, doc=f"{meaning}, scipy-style alias.")


class ResultMixin:
    """to_dict / to_frame / summary / _repr_html_ for frozen result dataclasses."""

    _title = "Result"

    def to_dict(self) -> dict[str, Any]:
        """All fields as JSON-safe Python values (None where undefined, never NaN)."""
        converted = json_safe(self)
        assert isinstance(converted, dict)
        return converted

    def to_frame(self) -> pd.DataFrame:
        """One row; the columns are the field names, in declaration order."""
        row = self.to_dict()
        columns = [f.name for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        return pd.DataFrame([[row[name] for name in columns]], columns=columns)

    def _rows(self) -> list[tuple[str, str]]:
        return [(name, _format(value)) for name, value in self.to_dict().items()]

    def summary(self) -> str:
        """A plain-text table of all fields."""
        rows = self._rows()
        width = max(len(name) for name, _ in rows)
        lines = [self._title, "=" * len(self._title)]
        lines += [f"{name:<{width}}  {text}" for name, text in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th>{html.escape(name)}</th><td>{html.escape(text)}</td></tr>"
            for name, text in self._rows()
        )
        return f"<table><caption>{html.escape(self._title)}</caption>{body}</table>"
