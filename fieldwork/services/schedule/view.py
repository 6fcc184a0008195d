"""The stored schedule as pages show it: tests with their pair, target and teams; run sheets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from fieldwork.models import Pair, Study, Target, Team, Test


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
