"""Fixtures shared by the analysis tests."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from analysis.bundle.schema import outcome_column


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


NIGHTLIFE = Path(__file__).resolve().parents[2] / "forms" / "instruments" / "nightlife-door.toml"
OUTCOMES = ("admitted", "id_asked", "fee_eur", "wait_minutes", "staff_tone")


def pair_row(test_id: int, **values: str) -> dict[str, str]:
    """A pairs.csv row with sane defaults (a valid nightlife test, both admitted)."""
    row = {
        "test_id": f"T{test_id:04d}",
        "target_code": f"V-{test_id % 7:03d}",
        "target_type": ("club", "bar")[test_id % 2],
        "area": ("centrum", "scheveningen")[test_id % 3 == 0],
        "date": "2026-05-01",
        "first_role": ("protected", "control")[test_id % 2 == 0],
        "interval_minutes": "5",
        "valid": "true",
        "invalid_reasons": "",
        "sham": "false",
    }
    for outcome, (protected, control) in {
        "admitted": ("yes", "yes"),
        "id_asked": ("false", "false"),
        "fee_eur": ("10", "10"),
        "wait_minutes": ("3", "2"),
        "staff_tone": ("friendly", "neutral"),
    }.items():
        row[outcome_column(outcome, "protected")] = protected
        row[outcome_column(outcome, "control")] = control
    row.update(values)
    return row


def write_bundle(folder: Path, rows: list[dict[str, str]], *, manifest: dict | None = None) -> Path:
    """A bundle folder with the shipped nightlife instrument and the given pairs rows."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = manifest or {
        "format": "mysteryguest-bundle",
        "version": 1,
        "study": {"code": "NL-TEST", "title": "test study"},
        "exported_at": "2026-06-01T12:00:00Z",
        "software": "mysteryguest 0.1.0",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "instrument.toml").write_text(NIGHTLIFE.read_text(encoding="utf-8"), encoding="utf-8")
    columns = list(rows[0]) if rows else list(pair_row(0))
    with (folder / "pairs.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return folder


@pytest.fixture
def bundle_writer() -> Callable[..., Path]:
    return write_bundle


@pytest.fixture
def make_row() -> Callable[..., dict[str, str]]:
    return pair_row


CELLS = {"a": ("yes", "yes"), "b": ("no", "yes"), "c": ("yes", "no"), "d": ("no", "no")}


def table_rows(counts: tuple[int, int, int, int], *, start: int = 0, **values: str) -> list[dict]:
    """pairs.csv rows whose `admitted` table (rows control, columns protected) is (a, b, c, d).

    `admitted__protected`/`__control` per cell from CELLS (protected, control); first_role empty,
    so that the model has no order term and β = log(c/b).
    """
    rows = []
    for cell, count in zip("abcd", counts, strict=True):
        protected, control = CELLS[cell]
        for _ in range(count):
            start += 1
            rows.append(pair_row(start, admitted__protected=protected, admitted__control=control,
                                 first_role="", **values))  # fmt: skip
    return rows


@pytest.fixture
def run_cli() -> Callable[..., Any]:
    """Invoke the console script's group (fieldwork.cli:main) in-process with click's runner."""
    from click.testing import CliRunner

    from fieldwork.cli import main

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)

    return invoke
