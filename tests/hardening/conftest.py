"""Helpers for the hardening tests: a report (with free text) submitted through the service."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import User
from fieldwork.services.reports import intake as reports
from fieldwork.services.schedule.assignments import assignment_for_user

ANSWERS = {
    "arrival_time": "23:01",
    "admitted": "no",
    "refusal_reasons": ["dress_code"],
    "reason_verbatim": "The doorman said: not you, Jan de Vries",
    "id_asked": False,
    "wait_minutes": 4,
    "staff_tone": "friendly",
    "physical_contact": False,
    "notes": "My cousin Piet was there too",
}


def submit(session, username: str, test_id: int, answers=None, report_uuid: str | None = None):
    user = session.exec(select(User).where(User.username == username)).one()
    assignment = assignment_for_user(session, user.id, test_id)
    assert assignment is not None
    return reports.submit_report(
        session=session,
        assignment=assignment,
        user=user,
        submission=reports.ReportSubmission(
            uuid=report_uuid or str(uuid.uuid4()), answers=dict(answers or ANSWERS)
        ),
    )


@pytest.fixture
def submit_report():
    return submit


def in_app(app, function):
    with app.app_context():
        return function(get_session())
