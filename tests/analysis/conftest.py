"""Fixtures shared by the analysis tests."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest


def _walk(value: Any, path: str) -> None:
    if isinstance(value, float):
        assert math.isfinite(value), f"non-finite float at {path}: {value!r}"
    elif isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"non-string key at {path}: {key!r}"
            _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]")
    else:
        assert value is None or isinstance(value, (bool, int, str)), (
            f"not JSON-safe at {path}: {type(value).__name__}"
        )


@pytest.fixture
def assert_json_safe() -> Callable[[Any], None]:
    """Assert recursively: only JSON types, no NaN/inf, and json.dumps(allow_nan=False) works."""

    def check(value: Any) -> None:
        _walk(value, "$")
        json.dumps(value, allow_nan=False)

    return check
