"""`mysteryguest power` (docs/methods.md V13a) and `mysteryguest simulate` (determinism, truth)."""

from __future__ import annotations

import json

import pytest

from analysis.bundle import read_bundle
from analysis.result import analyze


def test_power_v13a_connor(run_cli) -> None:
    # Connor (1987 p. 209): p10 0.05, p01 0.45, α 0.05 two-sided, power 0.80: n = 22.0113 → 23
    result = run_cli("power", "--p10", "0.05", "--p01", "0.45")
    assert result.exit_code == 0, result.output
    assert "Connor (1987)" in result.output and "23 pairs (n = 22.0113)" in result.output
    assert "mid-p" in result.output and "exact" in result.output


def test_power_json_keys(run_cli) -> None:
    result = run_cli("power", "--p10", "0.05", "--p01", "0.45", "--alpha", "0.05",
                     "--power", "0.8", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"connor", "miettinen", "exact", "midp"} <= set(data)
    assert data["connor"] == 23 and data["connor_unrounded"] == pytest.approx(22.0113, abs=5e-5)
    assert data["midp"] <= data["exact"]  # mid-p needs no more pairs than the exact test


def test_power_strata_use_holm_first_step(run_cli) -> None:
    one = json.loads(run_cli("power", "--p10", "0.2", "--p01", "0.05", "--json").output)
    three = run_cli("power", "--p10", "0.2", "--p01", "0.05", "--strata", "3", "--json")
    data = json.loads(three.output)
    assert data["alpha_per_test"] == pytest.approx(0.05 / 3) and data["strata"] == 3
    assert all(data[key] > one[key] for key in ("connor", "miettinen", "exact", "midp"))
    text = run_cli("power", "--p10", "0.2", "--p01", "0.05", "--strata", "3").output
    assert "Holm across 3 types" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--p10", "0.6", "--p01", "0.6"], "p10 + p01 ≤ 1"),
        (["--p10", "0.1", "--p01", "0.1", "--alpha", "2"], "alpha"),
        (["--p10", "0.1", "--p01", "0.05", "--strata", "0"], "--strata"),
    ],
)
def test_power_bad_input(run_cli, args, message) -> None:
    result = run_cli("power", *args)
    assert result.exit_code != 0 and message in result.output


def test_simulate_is_deterministic(tmp_path, run_cli) -> None:
    for name, seed in (("one", "7"), ("two", "7"), ("other", "8")):
        result = run_cli("simulate", "--out", tmp_path / name, "--pairs", "300", "--seed", seed,
                         "--effect", "club=0.2,0.05", "--effect", "bar=0.1,0.1",
                         "--targets", "30")  # fmt: skip
        assert result.exit_code == 0, result.output
    names = sorted(path.name for path in (tmp_path / "one").iterdir())
    assert names == ["codebook.csv", "instrument.toml", "manifest.json", "pairs.csv",
                     "truth.json", "visits.csv"]  # fmt: skip
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert (tmp_path / "one" / "pairs.csv").read_bytes() != (
        tmp_path / "other" / "pairs.csv"
    ).read_bytes()


def test_simulated_bundle_has_truth_clustering_and_all_outcomes(tmp_path, run_cli) -> None:
    out = tmp_path / "sim"
    assert (
        run_cli(
            "simulate",
            "--out",
            out,
            "--pairs",
            "3000",
            "--seed",
            "11",
            "--effect",
            "club=0.2,0.04",
            "--effect",
            "bar=0.06,0.06",
        ).exit_code
        == 0
    )
    truth = json.loads((out / "truth.json").read_text())
    assert set(truth["types"]) == {"club", "bar"}
    assert truth["types"]["club"]["admitted"]["nominal_net_difference"] == pytest.approx(0.16)
    bundle = read_bundle(out)
    pairs = bundle.pairs
    assert pairs["target_code"].nunique() < len(pairs) / 4  # venues are visited repeatedly
    assert (~pairs["valid"]).any() and pairs["sham"].any()
    assert set(pairs["first_role"].dropna()) == {"protected", "control"}
    assert {q.id for q in bundle.outcomes()} == {
        "admitted", "id_asked", "fee_eur", "wait_minutes", "staff_tone"
    }  # fmt: skip
    result = analyze(bundle)
    for kind in ("club", "bar"):
        low, high = result.confidence_interval("admitted", kind)
        assert low <= truth["types"][kind]["admitted"]["net_difference"] <= high
    low, high = result.confidence_interval("wait_minutes")
    assert low <= truth["overall"]["wait_minutes"]["mean_difference"] <= high
    [model] = [m for m in result.models if m["outcome"] == "admitted"]
    club = next(term for term in model["terms"] if term["term"] == "protected:club")
    assert club["se_cluster_target"] is not None and club["coef"] < 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--effect", "club"], "TYPE=P10,P01"),
        (["--effect", "club=0.7,0.6"], "p10 + p01 < 1"),
        (["--pairs", "0"], "--pairs"),
    ],
)
def test_simulate_bad_arguments_write_nothing(tmp_path, run_cli, args, message) -> None:
    base = {"--out": str(tmp_path / "sim"), "--pairs": "50", "--seed": "1"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = run_cli("simulate", *[item for pair in base.items() for item in pair])
    assert result.exit_code != 0 and message in result.output
    assert list(tmp_path.iterdir()) == []


def test_simulate_refuses_a_non_empty_folder(tmp_path, run_cli) -> None:
    (tmp_path / "sim").mkdir()
    (tmp_path / "sim" / "x").write_text("x")
    result = run_cli("simulate", "--out", tmp_path / "sim", "--pairs", "50", "--seed", "1")
    assert result.exit_code != 0 and "not empty" in result.output


def test_power_with_visits_per_target(run_cli) -> None:
    result = run_cli("power", "--p10", "0.2", "--p01", "0.05", "--visits-per-target", "3")
    assert result.exit_code == 0, result.output
    assert "design effect is 1 + (3 − 1) × 0.1 = 1.2" in result.output
    assert "102 pairs at 34 targets per stratum" in result.output
    assert "intra-venue correlation is the share of the variation" in result.output
    data = json.loads(run_cli("power", "--p10", "0.2", "--p01", "0.05", "--visits-per-target",
                              "3", "--icc", "0.2", "--json").output)  # fmt: skip
    assert data["design_effect"] == pytest.approx(1.4) and data["icc"] == 0.2
    assert data["clustered_pairs"] == 119 and data["clustered_targets"] == 40
    bad = run_cli("power", "--p10", "0.2", "--p01", "0.05", "--icc", "1.5")
    assert bad.exit_code != 0 and "icc" in bad.output


def test_simulate_with_a_venue_effect_in_the_direction(tmp_path, run_cli) -> None:
    for name, icc in (("none", "0"), ("some", "0.1")):
        result = run_cli("simulate", "--out", tmp_path / name, "--pairs", "400", "--seed", "5",
                         "--targets", "40", "--icc", icc)  # fmt: skip
        assert result.exit_code == 0, result.output
    plain = (tmp_path / "none" / "pairs.csv").read_text()
    clustered = (tmp_path / "some" / "pairs.csv").read_text()
    assert plain != clustered
    assert json.loads((tmp_path / "some" / "truth.json").read_text())["icc"] == 0.1
    # the direction effect has its own random stream: the venues, nights and waits are the same
    assert [line.split(",")[:5] for line in plain.splitlines()] == [
        line.split(",")[:5] for line in clustered.splitlines()
    ]
    bad = run_cli("simulate", "--out", tmp_path / "bad", "--pairs", "50", "--seed", "1",
                  "--icc", "0.9")  # fmt: skip
    assert bad.exit_code != 0 and "out of reach" in bad.output
