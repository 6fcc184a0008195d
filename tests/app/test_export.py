"""`mysteryguest export`: the bundle analysis reads, with no names, addresses or identities."""

from __future__ import annotations

import csv
import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlmodel import select

from analysis.bundle import read_bundle
from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.services.reports import intake as reports
from fieldwork.services.schedule.assignments import assignment_for_user

BASE = {
    "admitted": "yes",
    "id_asked": False,
    "wait_minutes": 4,
    "staff_tone": "friendly",
    "physical_contact": False,
    "notes": "Portier Jan Jansen was vriendelijk",
}


def report(username, test_id, **answers):
    session = get_session()
    user = session.exec(select(User).where(User.username == username)).one()
    result = reports.submit_report(
        session=session,
        assignment=assignment_for_user(session, user.id, test_id),
        user=user,
        submission=reports.ReportSubmission(
            uuid=reports.new_report_uuid(), answers={**BASE, **answers}
        ),
    )
    assert result.status == "created", result.errors


@pytest.fixture
def reported(app, world):
    with app.app_context():
        report("t01", world.test_p1, arrival_time="23:00", admitted="no", refusal_reasons=["full"])
        report("t02", world.test_p1, arrival_time="23:06")
        # The second pair's test ended in the past with one report: incomplete, not pending.
        session = get_session()
        test = session.get(Test, world.test_p2)
        test.window_end = datetime.now(UTC) - timedelta(minutes=1)
        session.commit()
        report("t03", world.test_p2, arrival_time="23:17")
    return world


def rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_writes_a_bundle_that_analysis_reads(app, runner, reported, tmp_path):
    folder = tmp_path / "bundle"
    result = runner.invoke(args=["export", "S1", str(folder)])
    assert result.exit_code == 0, result.output
    assert "2 tests (1 valid)" in result.output and "1 pending" in result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "mysteryguest-bundle" and manifest["version"] == 1
    pairs = {row["test_id"]: row for row in rows(folder / "pairs.csv")}
    first = pairs[str(reported.test_p1)]
    assert first["valid"] == "true" and first["interval_minutes"] == "6"
    assert first["admitted__protected"] == "no" and first["admitted__control"] == "yes"
    assert first["order_followed"] == "true" and first["sham"] == "false"
    second = pairs[str(reported.test_p2)]
    assert second["valid"] == "false" and second["invalid_reasons"] == "incomplete"
    bundle = read_bundle(folder)
    assert len(bundle.pairs) == 2
    with app.app_context():
        assert (
            get_session().exec(select(AuditEvent).where(AuditEvent.action == "study.export")).one()
        )


def test_bundle_holds_no_names_addresses_identities_or_free_text(app, runner, reported, tmp_path):
    folder = tmp_path / "bundle"
    assert runner.invoke(args=["export", "S1", str(folder)]).exit_code == 0
    everything = "".join(
        path.read_text() for path in folder.iterdir() if path.name != "instrument.toml"
    )
    for secret in ("Club Nachtuil", "Cafe De Kroeg", "Grote Markt 1", "Plein 7", "t01", "t02",
                   "Jan Jansen"):  # fmt: skip
        assert secret not in everything
    visits = rows(folder / "visits.csv")
    assert {row["tester_code"] for row in visits} == {"T-01", "T-02", "T-03"}
    assert "notes" not in visits[0]


def test_visits_and_codebook(runner, reported, tmp_path):
    folder = tmp_path / "bundle"
    runner.invoke(args=["export", "S1", str(folder)])
    visits = rows(folder / "visits.csv")
    assert len(visits) == 3 and {v["role"] for v in visits} == {"protected", "control"}
    codebook = rows(folder / "codebook.csv")
    admitted = [row for row in codebook if row["question"] == "admitted"]
    assert [row["value"] for row in admitted] == ["yes", "no", "conditional"]
    assert admitted[0]["outcome"] == "binary" and admitted[0]["primary"] == "true"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "NOPE", "{tmp}/b"], "No study with code 'NOPE'. Known studies: S1"),
        (["export", "S1", "{tmp}/full"], "is not an empty folder"),
    ],
)
def test_export_errors_are_clear_and_write_nothing(runner, reported, tmp_path, args, message):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    result = runner.invoke(args=[arg.format(tmp=tmp_path) for arg in args])
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "b").exists()
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]


def test_round_trip_export_read_write_gives_the_same_files(runner, reported, tmp_path):
    """One schema: what the export writes, the reader reads and the writer writes back as is."""
    folder = tmp_path / "bundle"
    assert runner.invoke(args=["export", "S1", str(folder)]).exit_code == 0
    bundle = read_bundle(folder)
    assert len(bundle.pair_records()) == 2 and len(bundle.visit_records()) == 3
    copy = bundle.write(tmp_path / "copy")
    names = sorted(path.name for path in folder.iterdir())
    assert names == sorted(path.name for path in copy.iterdir())
    assert names == ["codebook.csv", "instrument.toml", "manifest.json", "pairs.csv", "visits.csv"]
    for name in names:
        assert (copy / name).read_bytes() == (folder / name).read_bytes(), name
    assert read_bundle(copy).pairs.equals(bundle.pairs)
