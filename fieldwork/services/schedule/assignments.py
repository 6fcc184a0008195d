"""What a tester may see: their own teams' tests, their own planned time, never the partner's.

Every lookup starts from the signed-in user, so a test of another team is simply not found
(the views answer 404, not 403, to avoid confirming that it exists). A tester sees a team's test
only when they were a member of the team on the test's night (memberships have a history), so a
tester who moves sees the new team's tests from the move on and never its earlier reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session
from sqlmodel import and_
from sqlmodel import col
from sqlmodel import or_
from sqlmodel import select

from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import TeamMember
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import VisitReport


@dataclass(frozen=True)
class Assignment:
    """One test as one team sees it."""

    test: Test
    study: Study
    target: Target
    team: Team
    slot: str  # the team's place in the pair: "protected" | "control"
    planned_time: datetime
    report: VisitReport | None

    @property
    def done(self) -> bool:
        return self.report is not None


def on_the_night() -> ColumnElement[bool]:
    """SQL: the membership (TeamMember) runs on the test's night (Test)."""
    return and_(
        or_(col(TeamMember.joined_on).is_(None), col(TeamMember.joined_on) <= col(Test.night)),
        or_(col(TeamMember.left_on).is_(None), col(TeamMember.left_on) > col(Test.night)),
    )


def assignments_for_user(
    session: Session, user_id: int, *, test_id: int | None = None, include_closed: bool = False
) -> list[Assignment]:
    """The planned tests of the teams the user was a member of on each test's night (one entry per
    team and test), ordered by planned time. Tests of closed studies are left out unless
    ``include_closed``: they are no longer the tester's to do."""
    statement = (
        select(Test, Pair, Study, Target, Team)
        .join(Pair, col(Pair.id) == col(Test.pair_id))
        .join(
            Team,
            or_(
                col(Team.id) == col(Pair.protected_team_id),
                col(Team.id) == col(Pair.control_team_id),
            ),
        )
        .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
        .join(Tester, col(Tester.id) == col(TeamMember.tester_id))
        .join(Study, col(Study.id) == col(Test.study_id))
        .join(Target, col(Target.id) == col(Test.target_id))
        .where(
            Test.status == "planned",
            Tester.user_id == user_id,
            col(Tester.active).is_(True),
            on_the_night(),
        )
    )
    if not include_closed:
        statement = statement.where(Study.status != "closed")
    if test_id is not None:
        statement = statement.where(Test.id == test_id)
    rows = session.exec(statement).all()
    team_ids = {team.id for *_, team in rows}
    reports = {
        (report.test_id, report.team_id): report
        for report in session.exec(
            select(VisitReport).where(
                col(VisitReport.team_id).in_(team_ids or [-1]),
                col(VisitReport.test_id).in_([test.id for test, *_ in rows] or [-1]),
            )
        ).all()
    }
    result = []
    seen: set[tuple[int | None, int | None]] = set()
    for test, pair, study, target, team in rows:
        if (test.id, team.id) in seen:
            continue
        seen.add((test.id, team.id))
        for slot, team_id in (
            ("protected", pair.protected_team_id),
            ("control", pair.control_team_id),
        ):
            if team_id == team.id:
                planned = test.planned_protected if slot == "protected" else test.planned_control
                result.append(
                    Assignment(
                        test=test,
                        study=study,
                        target=target,
                        team=team,
                        slot=slot,
                        planned_time=planned,
                        report=reports.get((test.id, team_id)),
                    )
                )
    result.sort(key=lambda a: (a.planned_time, a.test.id or 0))
    return result


def assignment_for_user(
    session: Session, user_id: int, test_id: int, *, team_code: str | None = None
) -> Assignment | None:
    """The user's assignment for one test (of a closed study too), or None when it is not theirs
    (or does not exist). With ``team_code``, only as a member of that team."""
    found = assignments_for_user(session, user_id, test_id=test_id, include_closed=True)
    if team_code is not None:
        found = [assignment for assignment in found if assignment.team.code == team_code]
    return found[0] if found else None


def awaiting_answer(session: Session, assignments: list[Assignment]) -> set[int]:
    """Tests whose report has a coordinator message newer than the team's last amendment."""
    from fieldwork.models import Amendment
    from fieldwork.models import ReviewMessage

    reported = {(a.test.id, a.team.id): a.report for a in assignments if a.report is not None}
    if not reported:
        return set()
    team_ids = {team_id for _, team_id in reported}
    last_message: dict[tuple[int, int], datetime] = {}
    for message in session.exec(
        select(ReviewMessage).where(
            col(ReviewMessage.team_id).in_(team_ids),
            col(ReviewMessage.test_id).in_([test_id for test_id, _ in reported]),
            ReviewMessage.state == "has_issues",
        )
    ).all():
        key = (message.test_id, message.team_id)
        last_message[key] = max(message.created_at, last_message.get(key, message.created_at))
    if not last_message:
        return set()
    report_ids = {report.id: key for key, report in reported.items() if key in last_message}
    last_amendment: dict[tuple[int, int], datetime] = {}
    for amendment in session.exec(
        select(Amendment).where(col(Amendment.report_id).in_(list(report_ids)))
    ).all():
        key = report_ids[amendment.report_id]
        last_amendment[key] = max(
            amendment.created_at, last_amendment.get(key, amendment.created_at)
        )
    return {
        test_id
        for (test_id, team_id), at in last_message.items()
        if (test_id, team_id) not in last_amendment or last_amendment[(test_id, team_id)] < at
    }
