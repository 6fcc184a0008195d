"""Malformed bundles and bad arguments: one clear line, non-zero exit, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.analysis.conftest import pair_row
from tests.analysis.conftest import write_bundle

SCRIPT = str(Path(sys.executable).with_name("mysteryguest"))


def _drop(name):
    def mutate(folder: Path) -> None:
        (folder / name).unlink()

    return mutate


def _manifest(**changes):
    def mutate(folder: Path) -> None:
        path = folder / "manifest.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))

    return mutate


def _rows(**changes):
    """Rebuild pairs.csv with the first row changed (a new key adds a column)."""

    def mutate(folder: Path) -> None:
        rows = [pair_row(i) for i in range(1, 4)]
        rows[0] = {**rows[0], **changes}
        write_bundle(folder, rows)

    return mutate


def _without(column: str):
    def mutate(folder: Path) -> None:
        rows = [pair_row(i) for i in range(1, 4)]
        write_bundle(folder, [{k: v for k, v in row.items() if k != column} for row in rows])

    return mutate


MALFORMED = {
    "missing manifest": (_drop("manifest.json"), ["manifest.json: missing"]),
    "missing instrument": (_drop("instrument.toml"), ["instrument.toml: missing"]),
    "missing pairs": (_drop("pairs.csv"), ["pairs.csv: missing"]),
    "missing column": (_without("sham"), ["pairs.csv", "missing column", "sham"]),
    "missing outcome column": (_without("wait_minutes__control"),
                               ["pairs.csv", "wait_minutes__control"]),
    "unknown outcome question": (_rows(smile__protected="yes", smile__control="no"),
                                 ["pairs.csv", "'smile__protected'", "'smile'"]),
    "value outside the choices": (_rows(admitted__protected="maybe"),
                                  ["pairs.csv", "admitted__protected", "'maybe'"]),
    "not a number": (_rows(wait_minutes__control="twelve"),
                     ["pairs.csv", "wait_minutes__control", "'twelve' is not a number"]),
    "outside the range": (_rows(wait_minutes__control="999"),
                          ["pairs.csv", "wait_minutes__control", "'999'", "range"]),
    "other version": (_manifest(version=2), ["manifest.json", "version is 2"]),
    "other format": (_manifest(format="odk"), ["manifest.json", "format is 'odk'"]),
    "manifest not json": (lambda f: (f / "manifest.json").write_text("{"),
                          ["manifest.json: not valid JSON"]),
}  # fmt: skip


@pytest.fixture
def bundle(tmp_path):
    return write_bundle(tmp_path / "bundle", [pair_row(i) for i in range(1, 4)])


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_bundle(tmp_path, bundle, run_cli, case) -> None:
    mutate, words = MALFORMED[case]
    mutate(bundle)
    before = sorted(path.name for path in tmp_path.iterdir())
    result = run_cli("analyze", bundle, "--out", tmp_path / "out")
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert sorted(path.name for path in tmp_path.iterdir()) == before  # nothing written


def test_non_empty_out_is_refused_unless_forced(tmp_path, bundle, run_cli) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = run_cli("analyze", bundle, "--out", out)
    assert result.exit_code != 0 and "not empty" in result.output and "--force" in result.output
    assert [path.name for path in out.iterdir()] == ["keep.txt"]
    assert run_cli("analyze", bundle, "--out", out, "--force").exit_code == 0
    assert not (out / "keep.txt").exists() and (out / "results.json").is_file()


def test_out_may_not_replace_the_bundle(bundle, run_cli) -> None:
    result = run_cli("analyze", bundle, "--out", bundle, "--force")
    assert result.exit_code != 0 and "holds the bundle" in result.output
    assert (bundle / "pairs.csv").is_file()


@pytest.mark.parametrize("level", ["1.5", "0", "-0.1"])
def test_bad_confidence(tmp_path, bundle, run_cli, level) -> None:
    result = run_cli("analyze", bundle, "--out", tmp_path / "out", "--confidence", level)
    assert result.exit_code != 0 and "--confidence" in result.output
    assert not (tmp_path / "out").exists()


def test_not_a_folder(tmp_path, run_cli) -> None:
    result = run_cli("analyze", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert result.exit_code != 0 and result.output.strip().endswith("nowhere: not a folder")
    assert not (tmp_path / "out").exists()


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "FLASK_APP")}  # fmt: skip
    env.update(MYSTERYGUEST_ENV="production", DATABASE_URL="postgresql+psycopg://nobody@nowhere/x")
    return env


def test_console_script_without_database_or_secret_key(tmp_path) -> None:
    env = _environment()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120, check=False)  # fmt: skip

    simulated = run("simulate", "--out", "sim", "--pairs", "120", "--seed", "4")
    assert simulated.returncode == 0, simulated.stderr
    analysed = run("analyze", "sim", "--out", "out")
    assert analysed.returncode == 0, analysed.stderr
    assert (tmp_path / "out" / "report.html").is_file()
    power = run("power", "--p10", "0.05", "--p01", "0.45", "--json")
    assert power.returncode == 0 and json.loads(power.stdout)["connor"] == 23
    listing = run("--help")
    assert listing.returncode == 0 and "Traceback" not in listing.stderr
    assert {"analyze", "power", "simulate"} <= set(listing.stdout.split())
    failed = run("analyze", "nowhere", "--out", "out2")
    assert failed.returncode != 0 and failed.stderr.strip().splitlines() == [
        "Error: nowhere: not a folder"
    ]


LAZY = """
import sys, click
from fieldwork.cli import main
context = click.Context(main)
assert {"analyze", "power", "simulate"} <= set(main.lazy_commands)
for name in ("analyze", "power", "simulate"):
    assert main.get_command(context, name).name == name
heavy = sorted(m for m in ("pandas", "scipy", "numpy", "analysis.estimate") if m in sys.modules)
assert not heavy, heavy
"""


def test_analysis_commands_are_imported_lazily() -> None:
    completed = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True,
                               env=_environment(), timeout=60, check=False)  # fmt: skip
    assert completed.returncode == 0, completed.stderr


def test_progress_bar_yields_every_step_in_order(capsys) -> None:
    from analysis.cli import _progress_bar

    assert list(_progress_bar([3, 1, 2])) == [3, 1, 2]
    assert "Estimating" in capsys.readouterr().err
