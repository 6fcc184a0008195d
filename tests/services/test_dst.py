"""The night the clocks go back (Europe/Amsterdam, Sunday 25 October 2026: 03:00 summer time
becomes 02:00 winter time, so 02:00-03:00 happens twice). A 22:00-03:00 window that night lasts
six real hours, a report made at the second 02:30 is inside it, and lateness is measured in real
elapsed time, not on the wall clock."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from fieldwork.models import Test
from fieldwork.models import VisitReport
from fieldwork.services.monitoring.tonight import late_after
from fieldwork.services.monitoring.tonight import tonight
from fieldwork.services.reports.timing import is_late
from fieldwork.services.schedule.draw import create_schedule

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NIGHT = date(2026, 10, 24)  # Saturday; the clocks go back in the early Sunday morning
START = datetime(2026, 10, 24, 22, 0, tzinfo=AMSTERDAM)  # 20:00 UTC (summer time)
END = datetime(2026, 10, 25, 3, 0, tzinfo=AMSTERDAM)  # 02:00 UTC (winter time)
FIRST_0230 = datetime(2026, 10, 25, 2, 30, tzinfo=AMSTERDAM)  # 00:30 UTC
SECOND_0230 = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMSTERDAM)  # 01:30 UTC


def test_the_hour_is_repeated_that_night() -> None:
    assert FIRST_0230.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert SECOND_0230.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def schedule(session: Session, world: Any) -> list[Test]:
    return create_schedule(
        session=session, study=world.study, pairs=world.real_pairs, targets=world.targets[:8],
        nights=[NIGHT], window_start=time(22, 0), window_end=time(3, 0),
    )  # fmt: skip


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_the_window_lasts_six_real_hours_and_holds_every_visit(session, nightlife) -> None:
    tests = schedule(session, nightlife)
    assert tests
    for test in tests:
        assert utc(test.window_start) == START.astimezone(UTC)
        assert utc(test.window_end) == END.astimezone(UTC)
        assert utc(test.window_end) - utc(test.window_start) == timedelta(hours=6)
        for planned in (test.planned_protected, test.planned_control):
            assert utc(test.window_start) <= utc(planned) < utc(test.window_end)


def report(test: Test, made_at: datetime) -> VisitReport:
    return VisitReport(
        uuid=str(uuid.uuid4()), test_id=test.id, team_id=1, role="protected",
        instrument_id="nightlife-door", instrument_version=1, answers={},
        received_at=made_at.astimezone(UTC),
    )  # fmt: skip


def test_a_report_at_the_second_half_past_two_is_inside_the_window(session, nightlife) -> None:
    test = schedule(session, nightlife)[0]
    assert not is_late(report(test, FIRST_0230), test)
    assert not is_late(report(test, SECOND_0230), test)  # 01:30 UTC, half an hour before the end
    assert is_late(report(test, datetime(2026, 10, 25, 3, 1, tzinfo=AMSTERDAM)), test)


def test_a_missing_report_is_late_after_real_minutes(session, nightlife) -> None:
    """A visit planned at the first 02:40 is late 30 real minutes on: at the second 02:10
    (though on the wall clock that is half an hour *before* the planned time)."""
    test = schedule(session, nightlife)[0]
    planned = datetime(2026, 10, 25, 2, 40, tzinfo=AMSTERDAM)  # 00:40 UTC
    test.planned_protected, test.planned_control = planned, planned + timedelta(minutes=5)
    test.first_role = "protected"
    session.add(test)
    session.commit()
    grace = late_after(nightlife.study)
    assert grace == timedelta(minutes=30)

    def protected_late(now: datetime) -> bool:
        night = tonight(session, study=nightlife.study, night=NIGHT, now=now.astimezone(UTC))
        pair = next(pair for pair in night.pairs if pair.row.test.id == test.id)
        return next(visit.late for visit in pair.visits if visit.slot == "protected")

    assert not protected_late(datetime(2026, 10, 25, 2, 59, tzinfo=AMSTERDAM))  # 19 min on
    assert not protected_late(datetime(2026, 10, 25, 2, 9, fold=1, tzinfo=AMSTERDAM))  # 29 min
    assert protected_late(datetime(2026, 10, 25, 2, 10, fold=1, tzinfo=AMSTERDAM))  # 30 min on
