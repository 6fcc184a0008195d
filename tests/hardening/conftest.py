"""Helpers for the hardening tests: a report (with free text) submitted through the service, and
a sign-in as a browser posts it."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import User
from fieldwork.services.reports import intake as reports
from fieldwork.services.schedule.assignments import assignment_for_user
from tests.support import PASSWORD
from tests.support import csrf_from

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


def sign_in(client, username: str, password: str = PASSWORD, **environ):
    """POST the sign-in form as a browser would (its CSRF token first); ``environ`` sets e.g.
    REMOTE_ADDR, HTTP_X_FORWARDED_FOR or HTTP_ACCEPT_LANGUAGE."""
    environ = {"REMOTE_ADDR": "127.0.0.1", **environ}
    token = csrf_from(client.get("/login", environ_base=environ).get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def in_app(app, function):
    with app.app_context():
        return function(get_session())
