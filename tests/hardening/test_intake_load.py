"""The small version of ``benchmarks/intake_load.py``: gunicorn on SQLite (WAL) on 127.0.0.1,
a few simulated testers with duplicate retries, then a SIGKILL of the server half-way; no report
acknowledged with 2xx may be lost, none may be stored twice, and the file must stay intact."""

from __future__ import annotations

import shutil

import pytest

from benchmarks import intake_load

pytestmark = pytest.mark.skipif(
    shutil.which("gunicorn") is None and not intake_load.gunicorn_path().exists(),
    reason="gunicorn is not installed (pip install -e '.[dev]')",
)
# load and crash runs with gunicorn: not in make test-fast
pytestmark = [pytestmark, pytest.mark.slow]


def test_load_then_crash_loses_and_duplicates_nothing(tmp_path):
    common = {"testers": 6, "duration": 2.5, "trivial_duration": 0.5, "duplicate_rate": 0.2,
              "client_processes": 2, "folder": tmp_path}  # fmt: skip
    load = intake_load.run("load", **common)
    crash = intake_load.run("crash", crash_after=1.2, **common)
    print("\n".join(load.lines() + crash.lines()))
    for report in (load, crash):
        assert report.errors == []
        assert report.acknowledged > 0 and report.duplicates_sent > 0
        assert report.lost == 0 and report.duplicates == 0
        assert report.integrity == "ok"
    assert crash.retries_after_failure > 0  # the kill did land while testers were sending
