"""`mysteryguest analyze` on bundles built to hold docs/methods.md §4 vectors (results.json, 4 dp)."""

from __future__ import annotations

import json

import pytest

from tests.analysis.conftest import pair_row
from tests.analysis.conftest import table_rows
from tests.analysis.conftest import write_bundle

FOUR = 5e-5  # "at 4 decimals"
V1 = (794, 150, 86, 570)  # Agresti (2013) §11.1
V2 = (20, 12, 2, 16)  # Armitage & Berry (1994) / Newcombe (1998)
V14 = {"bar": (30, 12, 3, 55), "club": (20, 25, 5, 50), "lounge": (40, 8, 6, 46)}
# R's sleep data, shifted by +2 so that they are valid fees (differences unchanged)
G1 = (0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0)
G2 = (1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4)


def analyze(run_cli, bundle, out, *extra):
    result = run_cli("analyze", bundle, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def overall(results, outcome="admitted"):
    [entry] = [
        e
        for e in results["estimates"]
        if e["outcome"] == outcome and e["stratum"] == {} and e["sample"] == "test"
    ]
    return entry  # fmt: skip


def test_v1_through_the_cli(tmp_path, run_cli) -> None:
    bundle = write_bundle(tmp_path / "v1", table_rows(V1, target_type="club"))
    results = analyze(run_cli, bundle, tmp_path / "out")
    entry = overall(results)
    cells = ("both_favourable", "control_only_favourable", "protected_only_favourable",
             "neither_favourable")  # fmt: skip
    assert tuple(entry[key] for key in cells) == V1 and entry["n_pairs"] == 1600
    assert entry["net_difference"] == pytest.approx(0.0400, abs=FOUR)
    assert entry["chi_square"] == pytest.approx(17.3559, abs=FOUR)
    assert entry["p_asymptotic"] == pytest.approx(3.0993e-05, rel=FOUR)
    assert entry["p_exact"] == pytest.approx(3.7159e-05, rel=FOUR)
    assert entry["p_value"] == pytest.approx(2.8934e-05, rel=FOUR)  # mid-p, the default
    assert (entry["newcombe_ci_low"], entry["newcombe_ci_high"]) == pytest.approx(
        (0.0212, 0.0587), abs=FOUR
    )
    assert entry["ci_method"] == "tango"
    assert (entry["ci_low"], entry["ci_high"]) == pytest.approx((0.0214, 0.0590), abs=FOUR)
    assert entry["odds_ratio"] == pytest.approx(1.7442, abs=FOUR)
    assert (entry["odds_ratio_exact_ci_low"], entry["odds_ratio_exact_ci_high"]) == pytest.approx(
        (1.3292, 2.3010), abs=FOUR
    )
    [model] = [m for m in results["models"] if m["outcome"] == "admitted"]
    [term] = model["terms"]
    assert term["term"] == "protected:club"
    assert (term["coef"], term["se"]) == pytest.approx((-0.5563, 0.1353), abs=FOUR)
    assert model["score_statistic"] == pytest.approx(17.3559, abs=FOUR)
    assert model["lr_statistic"] == pytest.approx(17.5752, abs=FOUR)


def test_v2_through_the_cli(tmp_path, run_cli) -> None:
    rows = table_rows(V2)
    for index, row in enumerate(rows):  # one pair per target: Tango and mid-p lead
        row["target_code"] = f"V-{index:03d}"
    bundle = write_bundle(tmp_path / "v2", rows)
    printed = run_cli("analyze", bundle, "--out", tmp_path / "printed").output
    assert (
        "admitted (primary): net difference 20.0 percentage points (95% CI 6.1 to 34.5), "
        "mid-p McNemar p = 0.0074"
    ) in printed
    entry = overall(analyze(run_cli, bundle, tmp_path / "out"))
    assert entry["inference"] == "independent" and entry["n_targets"] == 50
    assert entry["chi_square"] == pytest.approx(7.1429, abs=FOUR)
    assert entry["p_asymptotic"] == pytest.approx(0.0075, abs=FOUR)
    assert entry["p_exact"] == pytest.approx(0.0129, abs=FOUR)
    assert entry["p_value"] == pytest.approx(0.0074, abs=FOUR)
    assert entry["odds_ratio"] == pytest.approx(6.0)
    assert (entry["odds_ratio_exact_ci_low"], entry["odds_ratio_exact_ci_high"]) == pytest.approx(
        (1.3357, 55.1971), abs=FOUR
    )
    assert (entry["newcombe_ci_low"], entry["newcombe_ci_high"]) == pytest.approx(
        (0.0562, 0.3292), abs=FOUR
    )
    assert (entry["ci_low"], entry["ci_high"]) == pytest.approx((0.0611, 0.3447), abs=FOUR)


def test_v2_visited_more_than_once_leads_with_venue_robust_figures(tmp_path, run_cli) -> None:
    # the same table at 7 targets (conftest: target V-(test_id mod 7)): the venue-robust
    # interval and Obuchowski's test lead; Tango and mid-p follow as "if independent"
    bundle = write_bundle(tmp_path / "v2", table_rows(V2))
    printed = run_cli("analyze", bundle, "--out", tmp_path / "printed").output
    entry = overall(analyze(run_cli, bundle, tmp_path / "out"))
    assert entry["inference"] == "venue_robust" and entry["n_targets"] == 7
    low, high = entry["ci_low_cluster"], entry["ci_high_cluster"]
    assert (
        f"net difference 20.0 percentage points (95% CI {100 * low:.1f} to {100 * high:.1f}, "
        "venue-robust, 7 targets, design effect"
    ) in printed
    assert "if the visits were independent: 95% CI 6.1 to 34.5, mid-p McNemar p = 0.0074" in printed
    assert "Note: fewer than 20 targets: the venue-robust interval is approximate" in printed


def test_v14_models_through_the_cli(tmp_path, run_cli) -> None:
    rows, start = [], 0
    for target_type, counts in V14.items():
        rows += table_rows(counts, start=start, target_type=target_type)
        start += sum(counts)
    results = analyze(run_cli, write_bundle(tmp_path / "v14", rows), tmp_path / "out")
    [model] = [m for m in results["models"] if m["outcome"] == "admitted"]
    coefficients = {term["term"]: term["coef"] for term in model["terms"]}
    assert [coefficients[f"protected:{t}"] for t in V14] == pytest.approx(
        [-1.3863, -1.6094, -0.2877], abs=FOUR
    )
    assert model["heterogeneity_lr"] == pytest.approx(3.4890, abs=FOUR)
    assert model["heterogeneity_df"] == 2
    assert model["heterogeneity_p"] == pytest.approx(0.1747, abs=FOUR)


def test_v7_v8_sleep_through_the_cli(tmp_path, run_cli) -> None:
    rows = [
        pair_row(index + 1, fee_eur__protected=f"{g1 + 2:.1f}", fee_eur__control=f"{g2 + 2:.1f}")
        for index, (g1, g2) in enumerate(zip(G1, G2, strict=True))
    ]
    entry = overall(analyze(run_cli, write_bundle(tmp_path / "sleep", rows), tmp_path / "out"),
                    "fee_eur")  # fmt: skip
    # R: t.test(g1, g2, paired = TRUE): mean −1.58, p 0.002833, CI (−2.4599, −0.7001)
    assert entry["n_pairs"] == 10 and entry["mean_difference"] == pytest.approx(-1.58)
    assert entry["t_statistic"] == pytest.approx(-4.0621, abs=FOUR)
    assert entry["ttest_p"] == pytest.approx(0.002833, abs=5e-7)
    assert (entry["ci_low"], entry["ci_high"]) == pytest.approx((-2.4599, -0.7001), abs=FOUR)
    # R: wilcox.test(g1, g2, paired = TRUE, conf.int = TRUE): V = 0, p 0.009091
    assert entry["wilcoxon_statistic"] == 0
    assert entry["p_value"] == pytest.approx(0.009091, abs=5e-7)
    assert entry["hodges_lehmann"] == pytest.approx(-1.4, abs=FOUR)
    # R's limits (−2.949921, −1.050018) come from uniroot(tol = 1e-4) on a step function; we
    # return the step itself (see test_continuous.py), equal within R's own tolerance.
    assert (entry["hl_ci_low"], entry["hl_ci_high"]) == pytest.approx((-2.9499, -1.0500), abs=1e-4)
    assert (entry["hl_ci_low"], entry["hl_ci_high"]) == pytest.approx((-2.95, -1.05), abs=FOUR)


def test_outputs_and_confidence(tmp_path, run_cli) -> None:
    bundle = write_bundle(tmp_path / "v2", table_rows(V2, target_type="bar"))
    out = tmp_path / "out"
    results = analyze(run_cli, bundle, out, "--confidence", "0.9")
    assert results["format"] == "mysteryguest-results" and results["version"] == 1
    assert results["confidence"] == 0.9 and overall(results)["confidence"] == 0.9
    assert {path.name for path in out.iterdir()} == {
        "results.json", "estimates.csv", "models.csv", "figures", "report.html"
    }  # fmt: skip
    figures = {path.name for path in (out / "figures").iterdir()}
    assert figures == {f"{o}.svg" for o in ("admitted", "id_asked", "fee_eur", "wait_minutes",
                                           "staff_tone")}  # fmt: skip
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".partial")]


@pytest.mark.parametrize(
    ("counts", "wilson"),
    [
        # docs/methods.md V16 through the gross measure b/n: R prop.test(0, 20, correct = FALSE)
        ((10, 0, 5, 5), (0.0000, 0.1611)),
        ((14, 1, 4, 10), (0.0061, 0.1718)),  # 1/29
    ],
)
def test_v16_wilson_through_the_cli(tmp_path, run_cli, counts, wilson) -> None:
    entry = overall(analyze(run_cli, write_bundle(tmp_path / "b", table_rows(counts)),
                            tmp_path / "out"))  # fmt: skip
    assert entry["control_only_favourable"] == counts[1] and entry["n_pairs"] == sum(counts)
    assert (
        entry["gross_adverse_protected_ci_low"],
        entry["gross_adverse_protected_ci_high"],
    ) == pytest.approx(wilson, abs=FOUR)
