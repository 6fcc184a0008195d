"""Concurrent duplicate submissions end in one row: the database's unique constraints decide,
not a read-then-write check (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import ENGINE_KEY
from fieldwork.models import ReportConflict
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.reports import intake as reports
from fieldwork.services.schedule.assignments import assignment_for_user
from tests.hardening.conftest import ANSWERS

THREADS = 8


def _race(engine, username: str, test_id: int, submissions: list[tuple[str, dict]]):
    """Each submission from its own thread and session, all released at the same moment."""
    barrier = threading.Barrier(len(submissions))

    def send(submission: tuple[str, dict]) -> str:
        key, answers = submission
        with Session(engine) as session:
            user = session.exec(select(User).where(User.username == username)).one()
            assignment = assignment_for_user(session, user.id, test_id)
            barrier.wait()
            result = reports.submit_report(
                session=session,
                assignment=assignment,
                user=user,
                submission=reports.ReportSubmission(uuid=key, answers=answers),
            )
            return result.status

    with ThreadPoolExecutor(max_workers=len(submissions)) as pool:
        return list(pool.map(send, submissions))


def _rows(engine, model, **where) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.exec(query).one()


@pytest.mark.parametrize("round_", range(3))
def test_the_same_uuid_sent_at_once_is_stored_once(app, world, round_):
    engine = app.extensions[ENGINE_KEY]
    key = str(uuid.uuid4())
    statuses = _race(engine, "t01", world.test_p1, [(key, dict(ANSWERS))] * THREADS)
    assert sorted(statuses) == ["created"] + ["same"] * (THREADS - 1)
    assert _rows(engine, VisitReport, uuid=key) == 1
    assert _rows(engine, VisitReport) == 1 and _rows(engine, ReportConflict) == 0


def test_two_phones_of_one_team_sending_at_once_store_one_report(app, world):
    """Different UUIDs, same team and test: one report; the same answers count as the same
    report, other answers are kept as conflicts, never as a second report."""
    engine = app.extensions[ENGINE_KEY]
    same = [(str(uuid.uuid4()), dict(ANSWERS)) for _ in range(THREADS // 2)]
    other = [(str(uuid.uuid4()), {**ANSWERS, "wait_minutes": 30 + n}) for n in range(THREADS // 2)]
    statuses = _race(engine, "t01", world.test_p1, same + other)
    assert statuses.count("created") == 1
    assert set(statuses) <= {"created", "same", "conflict"}
    assert _rows(engine, VisitReport) == 1
    assert _rows(engine, VisitReport, team_id=world.team_a, test_id=world.test_p1) == 1
    assert _rows(engine, ReportConflict) == statuses.count("conflict")
