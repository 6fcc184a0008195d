"""The seam end to end: the demo study, exported from the database, analysed by `analysis`.

The demo plants a larger refusal effect at clubs than at cafes; the analysis of the exported
bundle must see it, and its counts must equal a count made here from the database."""

from __future__ import annotations

import csv

import pytest
from sqlmodel import select

from analysis.result import analyze
from fieldwork.db import get_session
from fieldwork.demo import build_demo
from fieldwork.models import Pair
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.models import VisitReport
from fieldwork.services.export.bundle import export_study

# builds the whole demo: make test runs it, make test-fast leaves it out
pytestmark = pytest.mark.slow


@pytest.fixture
def demo_bundle(app, tmp_path):
    with app.app_context():
        session = get_session()
        build_demo(session=session, seed=5, password="demo-password")
        export_study(session=session, study_code="DEMO-NL", folder=tmp_path / "bundle")
        admitted: dict[int, dict[str, bool]] = {}
        for report in session.exec(select(VisitReport)).all():
            admitted.setdefault(report.test_id, {})[report.role] = (
                report.answers.get("admitted") == "yes"
            )
        kinds = {
            test.id: (target.target_type, pair.sham)
            for test, target, pair in session.exec(
                select(Test, Target, Pair)
                .join(Target, Target.id == Test.target_id)
                .join(Pair, Pair.id == Test.pair_id)
            ).all()
        }
    return tmp_path / "bundle", admitted, kinds


def test_demo_bundle_analyses_and_shows_the_planted_effect(demo_bundle):
    folder, _, _ = demo_bundle
    result = analyze(folder)
    overall = {
        e["outcome"]: e
        for e in result.estimates
        if e["stratum"] == {} and e.get("sample", "test") == "test"
    }
    primary = overall["admitted"]
    assert primary["n_pairs"] >= 100
    assert primary["net_difference"] > 0  # the protected groups were refused more often
    by_type = {
        e["stratum"]["target_type"]: e
        for e in result.estimates
        if e["outcome"] == "admitted"
        and set(e["stratum"]) == {"target_type"}
        and e.get("sample", "test") == "test"
    }
    assert by_type["club"]["net_difference"] > by_type["cafe"]["net_difference"]


def test_demo_headline_is_venue_robust(demo_bundle, tmp_path):
    """The demo visits each venue several times: its headline allows for that (issue 11)."""
    from click.testing import CliRunner

    from analysis.cli import primary_sentence
    from fieldwork.cli import main

    folder, _, _ = demo_bundle
    primary = analyze(folder).estimate("admitted")
    assert primary["inference"] == "venue_robust" and primary["max_pairs_per_target"] >= 2
    assert primary["n_targets"] < primary["n_pairs"] and primary["design_effect"] is not None
    printed = CliRunner().invoke(main, ["analyze", str(folder), "--out", str(tmp_path / "out")])
    assert printed.exit_code == 0, printed.output
    assert primary_sentence(primary, 0.95) in printed.output
    assert "venue-robust" in printed.output and "if the visits were independent" in printed.output


def test_exported_cells_equal_a_count_from_the_database(demo_bundle):
    folder, admitted, kinds = demo_bundle
    result = analyze(folder)
    valid_ids = set()
    with (folder / "pairs.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["valid"] == "true" and row["sham"] == "false":
                valid_ids.add(int(row["test_id"]))
    b = sum(1 for t in valid_ids if admitted[t]["control"] and not admitted[t]["protected"])
    c = sum(1 for t in valid_ids if admitted[t]["protected"] and not admitted[t]["control"])
    [primary] = [
        e
        for e in result.estimates
        if e["outcome"] == "admitted" and e["stratum"] == {} and e.get("sample", "test") == "test"
    ]
    assert primary["n_pairs"] == len(valid_ids)
    assert primary["control_only_favourable"] == b
    assert primary["protected_only_favourable"] == c
    assert all(not kinds[t][1] for t in valid_ids)
