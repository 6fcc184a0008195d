"""A phone's exported unsent reports, taken in by the server: idempotent, as their tester."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import ReportConflict, VisitReport
from fieldwork.services.reports.outbox_import import OutboxFileError, import_unsent_reports

ANSWERS = {
    "arrival_time": "23:02",
    "admitted": "yes",
    "id_asked": "false",
    "staff_tone": "neutral",
    "physical_contact": "false",
}


def export(world, **changes):
    """What app.js's "export unsent reports" writes for one queued report of t01."""
    report_uuid = str(uuid.uuid4())
    item = {
        "uuid": report_uuid,
        "user": "t01",
        "draftKey": f"t01:{world.test_p1}",
        "state": "unsent",
        "body": {
            "uuid": report_uuid,
            "test_id": world.test_p1,
            "instrument": "nightlife-door",
            "instrument_version": 1,
            "answers": dict(ANSWERS),
            "device_time": "2026-01-01T23:05:00.000Z",
            "elapsed_seconds": 80,
        },
    }
    item.update(changes)
    return {"format": "mysteryguest-outbox", "version": 1, "reports": [item]}


def test_an_export_is_taken_in_once(app, world):
    data = export(world)
    with app.app_context():
        session = get_session()
        [first] = import_unsent_reports(session=session, data=data)
        [again] = import_unsent_reports(session=session, data=data)
        assert (first.status, again.status) == ("created", "same")
        stored = session.exec(select(VisitReport)).one()
        assert stored.elapsed_seconds == 80 and stored.device_time is None


def test_a_different_report_becomes_a_conflict_and_unknown_tests_are_reported(app, world):
    with app.app_context():
        session = get_session()
        import_unsent_reports(session=session, data=export(world))
        other = export(world)
        other["reports"][0]["body"]["answers"]["staff_tone"] = "hostile"
        [clash] = import_unsent_reports(session=session, data=other)
        assert clash.status == "conflict"
        assert len(session.exec(select(ReportConflict)).all()) == 1
        stranger = export(world)
        stranger["reports"][0]["body"]["test_id"] = world.test_p2  # not t01's test
        assert import_unsent_reports(session=session, data=stranger)[0].status == "not_found"


def test_something_else_is_refused(app):
    with app.app_context(), pytest.raises(OutboxFileError):
        import_unsent_reports(session=get_session(), data={"format": "other", "reports": []})
