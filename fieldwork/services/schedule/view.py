"""The stored schedule as pages show it: tests with their pair, target and teams, each test's
progress, the targets' visit history (for the picker), run sheets."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.models import Pair
from fieldwork.models import PairReview
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import Test
from fieldwork.models import VisitReport

# A test's progress, in order (labels: fieldwork.labels "test_progress").
PROGRESS = ("planned", "one_report", "both_reports", "reviewed", "cancelled")


@dataclass(frozen=True)
class ScheduledTest:
    test: Test
    pair: Pair
    target: Target
    protected: Team
    control: Team


def scheduled_tests(
    session: Session, *, study: Study, night: date | None = None, include_cancelled: bool = True
) -> list[ScheduledTest]:
    statement = (
        select(Test, Pair, Target)
        .join(Pair, col(Pair.id) == col(Test.pair_id))
        .join(Target, col(Target.id) == col(Test.target_id))
        .where(Test.study_id == study.id)
    )
    if night is not None:
        statement = statement.where(Test.night == night)
    if not include_cancelled:
        statement = statement.where(Test.status == "planned")
    teams = {t.id: t for t in session.exec(select(Team).where(Team.study_id == study.id))}
    rows = [
        ScheduledTest(
            test, pair, target, teams[pair.protected_team_id], teams[pair.control_team_id]
        )
        for test, pair, target in session.exec(statement).all()
    ]
    rows.sort(
        key=lambda r: (
            r.test.night,
            min(r.test.planned_protected, r.test.planned_control),
            r.test.id,
        )
    )
    return rows


def get_scheduled(session: Session, *, study: Study, test_id: int) -> ScheduledTest | None:
    test = session.get(Test, test_id)
    if test is None or test.study_id != study.id:
        return None
    pair = session.get(Pair, test.pair_id)
    target = session.get(Target, test.target_id)
    assert pair is not None and target is not None
    return ScheduledTest(
        test,
        pair,
        target,
        session.get(Team, pair.protected_team_id),  # type: ignore[arg-type]
        session.get(Team, pair.control_team_id),  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class RunSheetLine:
    night: date
    planned_time: datetime
    target: Target
    test_id: int


def run_sheet(session: Session, *, study: Study, team: Team) -> list[RunSheetLine]:
    """One team's planned visits with only that team's time: nothing about the partner team."""
    lines = []
    for row in scheduled_tests(session, study=study, include_cancelled=False):
        for role, member in (("protected", row.protected), ("control", row.control)):
            if member.id == team.id:
                moment = (
                    row.test.planned_protected if role == "protected" else row.test.planned_control
                )
                lines.append(RunSheetLine(row.test.night, moment, row.target, row.test.id or 0))
    return sorted(lines, key=lambda line: (line.planned_time, line.test_id))


def progress(session: Session, *, study: Study) -> dict[int, str]:
    """Each test's progress: cancelled, reviewed (a coordinator decided on the pair), both
    reports in, one report in, or planned (none yet). Three queries for the whole study."""
    reports = Counter(
        dict(
            session.exec(
                select(VisitReport.test_id, func.count(col(VisitReport.id)))
                .join(Test, col(Test.id) == col(VisitReport.test_id))
                .where(Test.study_id == study.id)
                .group_by(col(VisitReport.test_id))
            ).all()
        )
    )
    reviewed = set(
        session.exec(
            select(PairReview.test_id)
            .join(Test, col(Test.id) == col(PairReview.test_id))
            .where(Test.study_id == study.id, col(PairReview.reviewed_by_id).isnot(None))
        ).all()
    )
    states = {}
    for test_id, status in session.exec(
        select(Test.id, Test.status).where(Test.study_id == study.id)
    ).all():
        if status == "cancelled":
            states[test_id] = "cancelled"
        elif test_id in reviewed:
            states[test_id] = "reviewed"
        else:
            states[test_id] = PROGRESS[min(reports[test_id], 2)]
    return states


@dataclass(frozen=True)
class TargetHistory:
    """How often a target was tested (a test with a report), when last, and what is still ahead."""

    target: Target
    tested: int = 0
    last_tested: date | None = None
    upcoming: int = 0  # planned tests without a report, from ``today`` on


def target_history(
    session: Session, *, study: Study, today: date, active_only: bool = True
) -> list[TargetHistory]:
    """Every (active) target of the study with its visits so far, by code."""
    statement = select(Target).where(Target.study_id == study.id)
    if active_only:
        statement = statement.where(col(Target.active).is_(True))
    targets = session.exec(statement.order_by(col(Target.code))).all()
    reported = set(
        session.exec(
            select(VisitReport.test_id)
            .join(Test, col(Test.id) == col(VisitReport.test_id))
            .where(Test.study_id == study.id)
        ).all()
    )
    tested: Counter[int] = Counter()
    last: dict[int, date] = {}
    upcoming: Counter[int] = Counter()
    for test_id, target_id, night in session.exec(
        select(Test.id, Test.target_id, Test.night).where(
            Test.study_id == study.id, Test.status == "planned"
        )
    ).all():
        if test_id in reported:
            tested[target_id] += 1
            last[target_id] = max(night, last.get(target_id, night))
        elif night >= today:
            upcoming[target_id] += 1
    return [
        TargetHistory(t, tested[t.id or 0], last.get(t.id or 0), upcoming[t.id or 0])
        for t in targets
    ]
