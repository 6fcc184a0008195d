"""docs/results.md documents every key of results.json, estimates.csv and models.csv."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.compare import CSV_COLUMNS as COMPARISON_COLUMNS
from analysis.outputs import MODEL_COLUMNS
from analysis.result import ESTIMATE_COLUMNS
from analysis.result import analyze
from analysis.simulate import simulate_bundle
from tests.analysis.conftest import pair_row
from tests.analysis.conftest import write_bundle

DOC = Path(__file__).resolve().parents[2] / "docs" / "results.md"
EXPORT_STUDY_KEYS = (  # the manifest study block of the app's export (fieldwork/services/export)
    "code", "title", "domain", "instrument", "instrument_version", "purpose", "order_rule",
    "planned_gap_minutes", "max_interval_minutes", "publication_min_cell", "target_types", "status",
)  # fmt: skip


def _keys(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            if key not in {"stratum", "invalid_by_reason", "invalid_by_target_type"}:  # data
                _keys(item, found)
    elif isinstance(value, list):
        for item in value:
            _keys(item, found)
    return found


@pytest.fixture(scope="module")
def documented() -> set[str]:
    return set(re.findall(r"`([a-z_0-9]+)`", DOC.read_text(encoding="utf-8")))


def test_every_results_key_is_documented(tmp_path, documented) -> None:
    simulate_bundle(tmp_path / "sim", pairs=300, seed=2, icc=0.1)
    keys = _keys(analyze(tmp_path / "sim").to_dict(), set())
    # an incomplete pair brings `bounds` and its two keys
    rows = [pair_row(i) for i in range(1, 30)] + [pair_row(30, admitted__control="")]
    keys |= _keys(analyze(write_bundle(tmp_path / "b", rows)).to_dict(), set())
    assert {"bounds", "net_difference_all_control_only", "excluded_by_condition"} <= keys
    keys |= set(EXPORT_STUDY_KEYS)
    assert sorted(keys - documented) == []


def test_every_csv_column_is_documented(documented) -> None:
    assert sorted(set(ESTIMATE_COLUMNS) - documented) == []
    assert sorted(set(MODEL_COLUMNS) - documented) == []
    assert sorted(set(COMPARISON_COLUMNS) - documented) == []


def test_every_comparison_and_summary_key_is_documented(tmp_path, documented) -> None:
    from analysis.compare import compare
    from analysis.simulate_summary import simulate_summaries
    from analysis.summary import read_summary

    files = simulate_summaries(tmp_path / "sums", pairs=200, seed=1, cities=2, waves=2)
    keys = _keys(compare(files).to_dict(), set()) | _keys(read_summary(files[0]).data, set())
    keys -= {"admitted", "id_asked", "staff_tone"}  # the keys of `counts` are outcome ids (data)
    assert sorted(keys - documented) == []
