"""AnalysisResult, estimates.csv, SVG figures and report.html."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

import forms
from analysis.bundle import read_bundle
from analysis.figures import ForestRow
from analysis.figures import forest_svg
from analysis.outputs import MODEL_COLUMNS
from analysis.result import ESTIMATE_COLUMNS
from analysis.result import AnalysisResult
from analysis.result import analyze
from analysis.simulate import simulate_bundle
from tests.analysis.conftest import table_rows
from tests.analysis.conftest import write_bundle

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """A simulated study through `mysteryguest analyze`: (bundle folder, out folder)."""
    from click.testing import CliRunner

    from fieldwork.cli import main

    base = tmp_path_factory.mktemp("outputs")
    simulate_bundle(base / "bundle", pairs=600, seed=21)
    result = CliRunner().invoke(main, ["analyze", str(base / "bundle"), "--out", str(base / "out")])
    assert result.exit_code == 0, result.output
    return base / "bundle", base / "out"


def test_result_api(analysed) -> None:
    bundle, out = analysed
    result = analyze(bundle)
    assert result.to_dict() == json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert AnalysisResult.from_dict(result.to_dict()) == result
    frame = result.to_frame()
    assert tuple(frame.columns) == ESTIMATE_COLUMNS
    assert len(frame) == len(result.estimates)
    overall = frame[(frame.outcome == "admitted") & (frame.stratum_variable == "all")
                    & (frame["sample"] == "test")].iloc[0]  # fmt: skip
    assert overall.estimate == result.estimate("admitted")["net_difference"]
    # the headline interval: venue-robust (simulated venues are visited several times)
    assert overall.inference == "venue_robust"
    assert result.confidence_interval("admitted") == (overall.headline_ci_low,
                                                      overall.headline_ci_high)  # fmt: skip
    assert (overall.headline_ci_low, overall.headline_p) == (overall.ci_low_cluster,
                                                             overall.p_cluster)  # fmt: skip
    club = result.estimate("admitted", {"target_type": "club"})
    assert result.confidence_interval("admitted", "club") == (club["ci_low_cluster"],
                                                              club["ci_high_cluster"])  # fmt: skip
    wait = result.estimate("wait_minutes")
    assert result.confidence_interval("wait_minutes") == (wait["ci_low"], wait["ci_high"])
    text = result.summary()
    assert "admitted" in text and "target type: club" in text and "worse off" in text
    assert "<table>" in result._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.confidence = 0.5  # type: ignore[misc]


def test_estimates_csv_has_the_fixed_columns(analysed) -> None:
    _, out = analysed
    frame = pd.read_csv(out / "estimates.csv")
    assert tuple(frame.columns) == ESTIMATE_COLUMNS
    assert set(frame["kind"]) == {"binary", "continuous"}


def test_models_csv_has_one_row_per_term(analysed) -> None:
    _, out = analysed
    frame = pd.read_csv(out / "models.csv")
    assert tuple(frame.columns) == MODEL_COLUMNS
    admitted = frame[frame.outcome == "admitted"]
    assert set(admitted.term) == {"protected:bar", "protected:club", "protected:lounge",
                                  "protected_first"}  # fmt: skip
    row = admitted[admitted.term == "protected:club"].iloc[0]
    # b/c, as everywhere: e^−β (β = log(c/b) for "protected" being favoured)
    assert row.odds_ratio == pytest.approx(math.exp(-row.coef))
    assert row.cluster_se.startswith("CR1") and row.n_clusters > 1


def test_result_lookup_errors_name_the_alternatives(analysed) -> None:
    result = analyze(analysed[0])
    with pytest.raises(KeyError, match="outcomes are"):
        result.estimate("smile")
    with pytest.raises(KeyError, match="target type: club"):
        result.confidence_interval("admitted", "casino")
    with pytest.raises(ValueError, match="version"):
        AnalysisResult.from_dict({**result.to_dict(), "version": 2})


def test_analyze_a_tidy_frame_with_progress() -> None:
    rows = table_rows((20, 12, 2, 16), target_type="bar")
    frame = pd.DataFrame({
        "admitted__control": [row["admitted__control"] == "yes" for row in rows],
        "admitted__protected": [row["admitted__protected"] == "yes" for row in rows],
    })  # fmt: skip
    small = forms.parse_instrument(
        'id = "door"\nversion = 1\ndomain = "nightlife"\ntitle = { nl = "D", en = "D" }\n'
        '[[question]]\nid = "admitted"\ntype = "boolean"\nlabel = { nl = "B", en = "In?" }\n'
        'outcome = { kind = "binary", favourable = ["true"], primary = true }\n'
    )
    seen = []

    def progress(steps):
        seen.append(len(steps))
        return iter(steps)

    result = analyze(frame, instrument=small, progress=progress)
    assert seen and seen[0] >= 2
    # docs/methods.md V2 through the public API: Tango (0.0611, 0.3447)
    assert result.confidence_interval("admitted") == pytest.approx((0.0611, 0.3447), abs=5e-5)
    [model] = result.models
    assert [term["term"] for term in model["terms"]] == ["protected"]
    assert model["terms"][0]["coef"] == pytest.approx(math.log(2 / 12))
    with pytest.raises(ValueError, match="instrument="):
        analyze(frame)


def _rows_of(root):
    return [g for g in root.iter(f"{SVG}g") if "row" in g.get("class", "").split()]


def test_figures_are_valid_svg_and_every_point_has_its_interval(analysed) -> None:
    _, out = analysed
    figures = sorted((out / "figures").glob("*.svg"))
    assert len(figures) == 5
    for path in figures:
        root = ET.parse(path).getroot()
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
        rows = _rows_of(root)
        assert rows, path
        for row in rows:
            points = row.findall(f"{SVG}circle")
            intervals = [line for line in row.findall(f"{SVG}line")
                         if line.get("class") == "interval"]  # fmt: skip
            assert len(points) == len(intervals) <= 1, path
            for point, interval in zip(points, intervals, strict=True):
                low, high = sorted((float(interval.get("x1")), float(interval.get("x2"))))
                assert low <= float(point.get("cx")) <= high
            assert not row.findall(f"{SVG}rect")  # no bars


def test_a_stratum_without_interval_gets_text_not_a_point() -> None:
    rows = [ForestRow("ok", 1.0, 0.5, 1.5, 10), ForestRow("lonely", 2.0, None, None, 1, "one pair")]
    root = ET.fromstring(forest_svg(rows, title="t", description="d", axis_label="x", ident="f"))
    ok, lonely = _rows_of(root)
    assert len(ok.findall(f"{SVG}circle")) == 1
    assert not lonely.findall(f"{SVG}circle") and not lonely.findall(f"{SVG}line")
    assert "no interval (see the notes), n = 1" in "".join(lonely.itertext())
    assert lonely.find(f"{SVG}title").text == "one pair"


def test_report_is_self_contained(analysed) -> None:
    _, out = analysed
    text = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", text)
    assert not re.search(r"<(script|link|img|iframe)\b", text) and "src=" not in text
    assert text.count("<svg") == 5 and '<title id="figure-admitted-title">' in text
    for reference in ("Tango", "Newcombe", "Fagerland", "Hodges", "Connor",
                      "National Research Council"):  # fmt: skip
        assert reference in text
    assert "protected group was worse off" in text
    assert "Data quality" in text and "sham" in text


def test_report_leads_with_venue_robust_figures_and_explains_the_design_effect(analysed) -> None:
    from analysis.headline import headline
    from analysis.report import DESIGN_EFFECT_SENTENCE

    bundle, out = analysed
    text = (out / "report.html").read_text(encoding="utf-8")
    assert text.count(DESIGN_EFFECT_SENTENCE) >= 1
    assert "Obuchowski" in text and "CI if visits were independent (Tango)" in text
    entry = analyze(bundle).estimate("admitted")
    line = headline(entry)
    assert line.method == "venue_robust"
    # the first row of the admitted table: the venue-robust interval, then Tango's
    row = text.split("<td>all valid pairs</td>")[1].split("</tr>")[0]
    venue = f"{100 * line.ci_low:.1f} to {100 * line.ci_high:.1f}"
    tango = f"{100 * entry['ci_low']:.1f} to {100 * entry['ci_high']:.1f}"
    assert row.index(venue) < row.index(tango)
    assert "<td>venue-robust</td>" in row
    # the fee: compared where both teams were let in, the rest counted by reason
    assert "both teams met admitted = yes or conditional" in text
    assert "pairs with any difference" in text and "of the non-zero differences" in text
    assert "CR1" in text and "odds ratio b/c" in text


def test_report_on_a_tiny_bundle_with_undefined_estimates(tmp_path, run_cli) -> None:
    bundle = write_bundle(tmp_path / "tiny", table_rows((1, 0, 0, 0), target_type="bar"))
    result = run_cli("analyze", bundle, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    for path in (tmp_path / "out" / "figures").glob("*.svg"):
        ET.parse(path)
    assert read_bundle(bundle).pairs.shape[0] == 1


def test_a_housing_bundle_and_a_lower_is_adverse_outcome(tmp_path, run_cli) -> None:
    """Nothing is nightlife-specific; for units offered, below zero is worse off."""
    import csv

    instrument = forms.get_instrument("housing-access")
    folder = tmp_path / "housing"
    folder.mkdir()
    manifest = {"format": "mysteryguest-bundle", "version": 1, "study": {"code": "H1"}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "instrument.toml").write_text(instrument.text, encoding="utf-8")
    answers = {"any_response": ("true", "true"), "invited_to_viewing": ("false", "true"),
               "units_offered": ("1", "3"), "rent_quoted_eur": ("1450", "1400"),
               "courtesy": ("neutral", "good")}  # fmt: skip
    rows = []
    for index in range(12):
        row = {"test_id": str(index), "target_code": f"L{index % 4}", "target_type": "agency",
               "area": "", "date": "2026-05-01", "first_role": "", "interval_minutes": "",
               "valid": "true", "invalid_reasons": "", "sham": "false"}  # fmt: skip
        for question in instrument.outcomes():
            protected, control = answers[question.id]
            if index % 3 == 0:  # some pairs go the other way
                protected, control = control, protected
            row[f"{question.id}__protected"], row[f"{question.id}__control"] = protected, control
        rows.append(row)
    with (folder / "pairs.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run_cli("analyze", folder, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    results = AnalysisResult.from_dict(
        json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    )
    units = results.estimate("units_offered")
    assert units["adverse"] == "lower" and units["mean_difference"] < 0
    assert results.estimate("invited_to_viewing")["net_difference"] > 0
    figure = (tmp_path / "out" / "figures" / "units_offered.svg").read_text(encoding="utf-8")
    assert "← protected group worse off" in figure and "better off →" in figure
    ET.fromstring(figure.split("\n", 1)[1])
