"""Helpers for the coordinator pages: a CSRF token from any signed-in page, and ids of the world."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from fieldwork.db import get_session
from tests.support import csrf_from


def shown(response: Any) -> str:
    """The page without its CSRF tokens (random text that may contain any short string)."""
    html = response.get_data(as_text=True)
    return re.sub(r"<(input|meta)[^>]*csrf[^>]*>", "", html, flags=re.IGNORECASE)


def token(client: FlaskClient) -> str:
    return csrf_from(client.get("/coordinator/").get_data(as_text=True))


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any):
    """POST like a browser: with the session's CSRF token."""
    return client.post(url, data={"csrf_token": token(client), **(data or {})}, **kwargs)


class Ids:
    """The world's ids, plus the first target/tester of the study."""

    def __init__(self, app: Flask, world: Any) -> None:
        from fieldwork.models import Target
        from fieldwork.models import Tester

        self.world = world
        self.study = world.study_id
        with app.app_context():
            session = get_session()
            self.target = session.exec(select(Target.id).where(Target.code == "V-001")).one()
            self.tester = session.exec(select(Tester.id).where(Tester.code == "T-01")).one()


@pytest.fixture
def ids(app: Flask, world: Any) -> Ids:
    return Ids(app, world)


VALID_ANSWERS = {
    "arrival_time": "23:00",
    "admitted": "yes",
    "wait_minutes": 3,
    "staff_tone": "neutral",
    "id_asked": False,
    "physical_contact": False,
}


def add_report(app: Flask, test_id: int, slot: str, **answers: Any) -> int:
    """Store one team's report of a test directly (the intake itself is tested elsewhere)."""
    import uuid

    from fieldwork.models import Pair
    from fieldwork.models import Test
    from fieldwork.models import VisitReport

    with app.app_context():
        session = get_session()
        test = session.get(Test, test_id)
        pair = session.get(Pair, test.pair_id)
        team_id = pair.protected_team_id if slot == "protected" else pair.control_team_id
        report = VisitReport(
            uuid=str(uuid.uuid4()),
            test_id=test_id,
            team_id=team_id,
            role=slot,
            instrument_id="nightlife-door",
            instrument_version=1,
            answers={**VALID_ANSWERS, **answers},
        )
        session.add(report)
        session.commit()
        return report.id


def move_to_past(app: Flask, test_id: int, days: int = 7) -> None:
    """Shift a test a week back, so that its window is over."""
    from datetime import timedelta

    from fieldwork.models import Test

    with app.app_context():
        session = get_session()
        test = session.get(Test, test_id)
        shift = timedelta(days=days)
        test.night -= shift
        test.window_start -= shift
        test.window_end -= shift
        test.planned_protected -= shift
        test.planned_control -= shift
        session.add(test)
        session.commit()


@pytest.fixture(autouse=True)
def _english(client: FlaskClient) -> None:
    """Coordinator pages in English, so the tests can read the source texts."""
    client.set_cookie("lang", "en")
