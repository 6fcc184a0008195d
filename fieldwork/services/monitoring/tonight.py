"""A fieldwork night as the coordinator follows it: open incidents, where each team goes next,
and the state of each pair's test (not started, one report in, both in, late).

A team's report is *late* when it is still missing ``late_after`` its planned time (30 minutes,
or the study's maximum interval when that is longer, as for housing), or when the test's window
has ended. A pair is late when one of its reports is.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.models import Study
from fieldwork.models import Team
from fieldwork.models import Test
from fieldwork.models import VisitReport
from fieldwork.services.monitoring.incidents import OpenIncident
from fieldwork.services.monitoring.incidents import open_incidents
from fieldwork.services.schedule.view import ScheduledTest
from fieldwork.services.schedule.view import scheduled_tests

LATE_AFTER_MINUTES = 30
# The order pairs are counted in at the top of the page (labels: "pair_state").
PAIR_STATES = ("late", "not_started", "one_in", "both_in")
# When a study's coordinator lands on "tonight" rather than on the settings.
HOURS_BEFORE_FIRST_WINDOW = 3
HOURS_AFTER_LAST_WINDOW = 1


def late_after(study: Study) -> timedelta:
    return timedelta(minutes=max(LATE_AFTER_MINUTES, study.max_interval_minutes))


@dataclass(frozen=True)
class Visit:
    """One team's part of a test tonight."""

    slot: str  # protected | control
    team: Team
    planned: datetime
    report: VisitReport | None
    late: bool


@dataclass(frozen=True)
class PairTonight:
    row: ScheduledTest
    visits: list[Visit]  # in the order of the planned times
    state: str  # a PAIR_STATES code

    @property
    def starts(self) -> datetime:
        return self.visits[0].planned


@dataclass(frozen=True)
class TeamNext:
    """Where a team goes next tonight: its first visit without a report (None: all reported)."""

    team: Team
    visit: Visit | None
    pair: PairTonight | None
    remaining: int  # visits without a report, this one included


@dataclass
class Tonight:
    night: date
    now: datetime
    incidents: list[OpenIncident]
    pairs: list[PairTonight]
    teams: list[TeamNext]
    cancelled: list[ScheduledTest] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {state: sum(1 for p in self.pairs if p.state == state) for state in PAIR_STATES}


def tonight(session: Session, *, study: Study, night: date, now: datetime) -> Tonight:
    """The night ``night`` of ``study`` as it stands at ``now``."""
    rows = scheduled_tests(session, study=study, night=night)
    planned = [row for row in rows if row.test.status == "planned"]
    ids = [row.test.id for row in planned] or [-1]
    reports: dict[tuple[int, int], VisitReport] = {
        (report.test_id, report.team_id): report
        for report in session.exec(select(VisitReport).where(col(VisitReport.test_id).in_(ids)))
    }
    grace = late_after(study)
    pairs = []
    for row in planned:
        test = row.test
        visits = []
        for slot, team, moment in (
            ("protected", row.protected, test.planned_protected),
            ("control", row.control, test.planned_control),
        ):
            report = reports.get((test.id or 0, team.id or 0))
            late = report is None and now >= min(moment + grace, test.window_end)
            visits.append(Visit(slot, team, moment, report, late))
        visits.sort(key=lambda visit: (visit.planned, visit.slot != test.first_role))
        received = sum(visit.report is not None for visit in visits)
        if any(visit.late for visit in visits):
            state = "late"
        else:
            state = ("not_started", "one_in", "both_in")[received]
        pairs.append(PairTonight(row, visits, state))
    pairs.sort(key=lambda pair: (pair.starts, pair.row.test.id))
    return Tonight(
        night=night,
        now=now,
        incidents=open_incidents(session, study.id),
        pairs=pairs,
        teams=_next_per_team(pairs),
        cancelled=[row for row in rows if row.test.status == "cancelled"],
    )


def _next_per_team(pairs: list[PairTonight]) -> list[TeamNext]:
    open_visits: dict[int, list[tuple[Visit, PairTonight]]] = {}
    teams: dict[int, Team] = {}
    for pair in pairs:
        for visit in pair.visits:
            teams[visit.team.id or 0] = visit.team
            if visit.report is None:
                open_visits.setdefault(visit.team.id or 0, []).append((visit, pair))
    result = []
    for team_id, team in teams.items():
        waiting = sorted(open_visits.get(team_id, []), key=lambda item: item[0].planned)
        visit, pair = waiting[0] if waiting else (None, None)
        result.append(TeamNext(team, visit, pair, len(waiting)))
    # Teams with a visit ahead first, soonest first; then the teams that are done.
    return sorted(
        result,
        key=lambda t: (t.visit is None, t.visit.planned if t.visit else t.team.code, t.team.code),
    )


def in_fieldwork_hours(session: Session, *, study: Study, night: date, now: datetime) -> bool:
    """Whether ``now`` is during ``night``'s fieldwork: from a few hours before its first window
    to an hour after its last. Outside them, the study opens on its settings."""
    if study.status != "fieldwork":
        return False
    first, last = session.exec(
        select(func.min(col(Test.window_start)), func.max(col(Test.window_end))).where(
            Test.study_id == study.id, Test.night == night, Test.status == "planned"
        )
    ).one()
    if first is None or last is None:
        return False
    return (
        first - timedelta(hours=HOURS_BEFORE_FIRST_WINDOW)
        <= now
        <= last + timedelta(hours=HOURS_AFTER_LAST_WINDOW)
    )
