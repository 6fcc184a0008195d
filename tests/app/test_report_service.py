"""The intake service itself: the same rules as the web form, and race-safe idempotency."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlmodel import func
from sqlmodel import select

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import ReportConflict
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.reports import intake as reports
from fieldwork.services.schedule.assignments import assignment_for_user

ANSWERS = {
    "arrival_time": "23:01",
    "admitted": "yes",
    "id_asked": False,
    "wait_minutes": 4,
    "staff_tone": "friendly",
    "physical_contact": False,
}


@pytest.fixture
def ctx(app, world):
    with app.app_context():
        session = get_session()
        user = session.exec(select(User).where(User.username == "t01")).one()
        assignment = assignment_for_user(session, user.id, world.test_p1)
        yield session, user, assignment


def submit(ctx, answers=ANSWERS, report_uuid=None, **extra):
    session, user, assignment = ctx
    return reports.submit_report(
        session=session,
        assignment=assignment,
        user=user,
        submission=reports.ReportSubmission(
            uuid=report_uuid or str(uuid.uuid4()), answers=answers, **extra
        ),
    )


def rows(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_created_then_same(ctx):
    key = str(uuid.uuid4())
    assert submit(ctx, report_uuid=key).status == "created"
    assert submit(ctx, report_uuid=key).status == "same"
    assert rows(ctx[0], VisitReport) == 1


def test_same_uuid_other_content_is_a_conflict_kept_once(ctx):
    key = str(uuid.uuid4())
    submit(ctx, report_uuid=key)
    changed = {**ANSWERS, "wait_minutes": 30}
    first = submit(ctx, changed, report_uuid=key)
    again = submit(ctx, changed, report_uuid=key)
    assert first.status == again.status == "conflict"
    assert first.conflict.reason == "same_uuid_other_content"
    assert rows(ctx[0], ReportConflict) == 1 and rows(ctx[0], VisitReport) == 1


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**ANSWERS, "wait_minutes": "soon"}, "wait_minutes"),
        ({**ANSWERS, "wait_minutes": 241}, "wait_minutes"),
        ({**ANSWERS, "admitted": "perhaps"}, "admitted"),
        ({**ANSWERS, "admitted": "no"}, "refusal_reasons"),  # required once relevant
        ({k: v for k, v in ANSWERS.items() if k != "staff_tone"}, "staff_tone"),
    ],
)
def test_invalid_answers_store_nothing(ctx, answers, field):
    result = submit(ctx, answers)
    assert result.status == "invalid" and field in result.errors
    assert rows(ctx[0], VisitReport) == 0


def test_irrelevant_answers_are_dropped_by_the_service(ctx):
    result = submit(ctx, {**ANSWERS, "refusal_reasons": ["full"], "refusal_stage": "door"})
    assert result.status == "created"
    assert "refusal_reasons" not in result.report.answers
    assert "refusal_stage" not in result.report.answers


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"instrument_id": "housing-access"}, "instrument"),
        ({"instrument_version": 9}, "instrument_version"),
        ({"elapsed_seconds": -1}, "elapsed_seconds"),
    ],
)
def test_metadata_is_checked(ctx, extra, field):
    result = submit(ctx, **extra)
    assert result.status == "invalid" and field in result.errors


def test_bad_uuid_is_refused(ctx):
    result = submit(ctx, report_uuid="not-a-uuid")
    assert result.status == "invalid" and "uuid" in result.errors


def test_clock_skew_is_stored_and_flagged(app, ctx):
    """The flag follows the app's threshold (taken from the configuration, not copied here): a
    phone a minute within it is not flagged, a minute beyond it is."""
    threshold = app.config["CLOCK_SKEW_THRESHOLD_SECONDS"]
    session, user, assignment = ctx
    now = datetime(2026, 3, 6, 22, 30, tzinfo=UTC)
    for seconds, flagged in ((threshold - 60, False), (threshold + 60, True)):
        with clock.frozen(now):
            result = reports.submit_report(
                session=session, assignment=assignment, user=user,
                skew_threshold_seconds=threshold,
                submission=reports.ReportSubmission(
                    uuid=str(uuid.uuid4()), answers=ANSWERS, elapsed_seconds=95,
                    device_time=now - timedelta(seconds=seconds),
                ),
            )  # fmt: skip
        report = result.report
        assert report.clock_skew_seconds == -seconds
        assert report.clock_skew_flag is flagged
        assert report.elapsed_seconds == 95 and report.device_time is not None
        session.delete(report)
        session.commit()


def test_a_lost_race_ends_in_one_row(ctx, monkeypatch):
    """Two requests pass the "already stored?" check together; the database's unique
    constraint refuses the second insert and the service answers "same" instead of failing."""
    key = str(uuid.uuid4())
    assert submit(ctx, report_uuid=key).status == "created"
    real = reports._settle_against_stored
    calls = []

    def blind_first_time(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(reports, "_settle_against_stored", blind_first_time)
    result = submit(ctx, report_uuid=key)
    assert result.status == "same" and len(calls) == 2
    assert rows(ctx[0], VisitReport) == 1


def test_a_closed_study_takes_no_reports_and_no_amendments(ctx):
    session, user, assignment = ctx
    created = submit(ctx)
    assignment.study.status = "closed"
    session.commit()
    refused = submit(ctx, {**ANSWERS, "wait_minutes": 9})
    assert refused.status == "study_closed" and refused.report is None
    amended = reports.amend_report(
        session=session,
        assignment=assignment,
        report=created.report,
        user=user,
        answers={**ANSWERS, "wait_minutes": 9},
        reason="late correction",
    )
    assert amended.amendment is None and "study" in amended.errors
    assert rows(session, VisitReport) == 1
