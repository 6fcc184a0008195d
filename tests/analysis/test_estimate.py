"""analyze_bundle: results.json structure, strata, adjustment, sham, invalid and incomplete pairs."""

from __future__ import annotations

import json

import pytest

from analysis.binary import paired_binary
from analysis.bundle import read_bundle
from analysis.estimate import analyze_bundle
from analysis.headline import headline_p
from analysis.multiplicity import holm

# admitted per target type, (a, b, c, d) with rows control, columns protected
TABLES = {"club": (10, 6, 1, 3), "bar": (8, 3, 2, 7)}
CELLS = {"a": ("yes", "yes"), "b": ("no", "yes"), "c": ("yes", "no"), "d": ("no", "no")}


@pytest.fixture
def study(tmp_path, bundle_writer, make_row):
    rows, test_id = [], 0
    for target_type, counts in TABLES.items():
        for cell, count in zip("abcd", counts, strict=True):
            protected, control = CELLS[cell]
            for _ in range(count):
                test_id += 1
                rows.append(make_row(test_id, target_type=target_type,
                                     admitted__protected=protected, admitted__control=control,
                                     wait_minutes__protected=str(test_id % 5 + 3),
                                     wait_minutes__control=str(test_id % 4)))  # fmt: skip
    extra = [
        make_row(900, valid="false", invalid_reasons="interval_exceeded", target_type="club"),
        make_row(901, valid="false", invalid_reasons="interval_exceeded;deviation"),
        make_row(902, sham="true", admitted__protected="no"),
        make_row(903, sham="true"),
        make_row(904, target_type="club", admitted__control=""),  # incomplete
    ]
    return bundle_writer(tmp_path / "bundle", rows + extra)


def _find(results, outcome, stratum, sample="test"):
    matches = [
        e for e in results["estimates"]
        if e["outcome"] == outcome and e["stratum"] == stratum and e["sample"] == sample
    ]  # fmt: skip
    assert len(matches) == 1, (outcome, stratum, sample)
    return matches[0]


def test_structure_and_json_safety(study, assert_json_safe) -> None:
    results = analyze_bundle(study)
    assert_json_safe(results)
    assert results["format"] == "mysteryguest-results" and results["version"] == 1
    assert results["study"]["code"] == "NL-TEST" and results["confidence"] == 0.95
    json.dumps(results, allow_nan=False)


def test_overall_and_per_type_tables(study) -> None:
    results = analyze_bundle(study)
    overall = _find(results, "admitted", {})
    assert (overall["both_favourable"], overall["control_only_favourable"]) == (18, 9)
    assert (overall["protected_only_favourable"], overall["neither_favourable"]) == (3, 10)
    expected = paired_binary(a=18, b=9, c=3, d=10).to_dict()
    for key in ("net_difference", "ci_low", "ci_high", "p_value", "odds_ratio"):
        assert overall[key] == pytest.approx(expected[key])
    club = _find(results, "admitted", {"target_type": "club"})
    assert club["n_pairs"] == 20 and club["control_only_favourable"] == 6
    assert _find(results, "admitted", {"first_role": "protected"})["n_pairs"] > 0
    assert _find(results, "admitted", {"area": "centrum"})["n_pairs"] > 0


def test_holm_within_outcome_across_target_types(study) -> None:
    results = analyze_bundle(study)
    family = [_find(results, "admitted", {"target_type": t}) for t in ("bar", "club")]
    # every line visits its targets more than once: Holm adjusts Obuchowski's p (the headline)
    assert all(entry["inference"] == "venue_robust" for entry in family)
    assert [headline_p(entry) for entry in family] == [e["p_cluster"] for e in family]
    expected = holm([entry["p_cluster"] for entry in family])
    assert [entry["p_adjusted"] for entry in family] == pytest.approx(expected)
    assert all(entry["adjustment"] == "holm" for entry in family)


def test_bh_across_secondary_outcomes(study) -> None:
    results = analyze_bundle(study)
    assert _find(results, "admitted", {})["adjustment"] is None  # primary, confirmatory
    secondary = [
        _find(results, o, {}) for o in ("id_asked", "fee_eur", "wait_minutes", "staff_tone")
    ]
    assert all(entry["adjustment"] == "benjamini_hochberg" for entry in secondary)
    assert _find(results, "wait_minutes", {})["p_adjusted"] is not None


def test_invalid_sham_and_incomplete(study) -> None:
    results = analyze_bundle(study)
    quality = results["data_quality"]
    assert quality["n_tests"] == 45 and quality["n_invalid"] == 2 and quality["n_sham"] == 2
    assert quality["invalid_by_reason"] == {"deviation": 1, "interval_exceeded": 2}
    sham = _find(results, "admitted", {}, sample="sham")
    assert sham["n_pairs"] == 2 and sham["control_only_favourable"] == 1
    overall = _find(results, "admitted", {})
    assert overall["n_pairs"] == 40 and overall["n_incomplete"] == 1
    assert overall["bounds"]["net_difference_all_control_only"] == pytest.approx((10 - 3) / 41)
    assert overall["bounds"]["net_difference_all_protected_only"] == pytest.approx((9 - 4) / 41)
    assert "incomplete" in overall["note"]
    assert {"outcome": "admitted", "stratum": {}, "n_pairs": 1} in quality["incomplete"]


def test_continuous_estimates(study) -> None:
    wait = _find(analyze_bundle(study), "wait_minutes", {})
    assert wait["kind"] == "continuous" and wait["n_pairs"] == 41
    assert wait["mean_difference"] > 0 and wait["hodges_lehmann"] is not None


def test_models(study) -> None:
    results = analyze_bundle(study)
    model = next(m for m in results["models"] if m["outcome"] == "admitted")
    assert model["model"] == "conditional_logit"
    terms = {term["term"]: term for term in model["terms"]}
    assert set(terms) == {"protected:bar", "protected:club", "protected_first"}
    assert model["heterogeneity_df"] == 1


def test_accepts_a_read_bundle_and_other_confidence(study) -> None:
    results = analyze_bundle(read_bundle(study), confidence=0.9)
    assert results["confidence"] == 0.9
    assert _find(results, "admitted", {})["confidence"] == 0.9


def test_empty_strata_are_json_safe(tmp_path, bundle_writer, make_row, assert_json_safe) -> None:
    rows = [make_row(1, valid="false", invalid_reasons="other"), make_row(2, sham="true")]
    results = analyze_bundle(bundle_writer(tmp_path, rows))
    assert_json_safe(results)
    assert _find(results, "admitted", {})["n_pairs"] == 0


def test_fee_is_compared_conditional_on_both_teams_let_in(tmp_path, bundle_writer, make_row):
    rows = [make_row(i, fee_eur__protected="12", fee_eur__control="10") for i in range(1, 11)]
    rows += [make_row(11, admitted__protected="no", fee_eur__protected=""),
             make_row(12, admitted__protected="no", fee_eur__protected=""),
             make_row(13, admitted__control="no", fee_eur__control=""),
             make_row(14, admitted__protected="no", admitted__control="no", fee_eur__protected="",
                      fee_eur__control=""),
             make_row(15, admitted__protected="conditional", fee_eur__protected="15"),
             make_row(16, fee_eur__control=""),  # let in, no fee given: missing
             make_row(17, admitted__control="")]  # fmt: skip
    results = analyze_bundle(bundle_writer(tmp_path / "fee", rows))
    fee = _find(results, "fee_eur", {})
    assert fee["condition"] == {"question": "admitted", "values": ["yes", "conditional"]}
    assert fee["excluded_by_condition"] == {"protected_not_met": 2, "control_not_met": 1,
                                            "both_not_met": 1, "unknown": 1}  # fmt: skip
    assert fee["n_pairs"] == 11 and fee["n_dropped"] == 1  # 10 + the conditional admission
    assert fee["note"].startswith("conditional on both teams meeting admitted = yes or conditional")
    # left-out pairs are not "incomplete": only the let-in pair without a fee is
    incomplete = [i for i in results["data_quality"]["incomplete"]
                  if i["outcome"] == "fee_eur" and not i["stratum"]]  # fmt: skip
    assert incomplete == [{"outcome": "fee_eur", "stratum": {}, "n_pairs": 1}]
    wait = _find(results, "wait_minutes", {})
    assert wait["condition"] is None and wait["excluded_by_condition"] is None
