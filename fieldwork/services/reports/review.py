"""Pair review: the rule engine's verdict, the coordinator's override, review states and messages.

The verdict is computed live by :func:`fieldwork.services.reports.validity.judge_tests` (the one
definition of a valid pair, which the export and the release use too). The :class:`PairReview`
row keeps what the coordinator decided (state, override) and a snapshot of the verdict at that
moment. Messages go to one team each
(:class:`ReviewMessage`), so a team never reads what was said about its partner's report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.labels import label
from fieldwork.models import Amendment
from fieldwork.models import Pair
from fieldwork.models import PairReview
from fieldwork.models import ReportConflict
from fieldwork.models import ReviewMessage
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.models import utcnow
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.reports.intake import effective_answers
from fieldwork.services.reports.validity import Judgement
from fieldwork.services.reports.validity import Verdict
from fieldwork.services.reports.validity import judge_tests
from fieldwork.services.studies.setup import ensure_open

STATES = ("received", "has_issues", "approved", "rejected")
# A review moves "has issues" → message → the team's amendment → decision. "has_issues" again is
# a follow-up message without a decision; nothing is approved by default (the form has no default).
NEXT_STATES = {
    "received": ("has_issues", "approved", "rejected"),
    "has_issues": ("has_issues", "approved", "rejected"),
    "approved": ("has_issues",),
    "rejected": ("has_issues",),
}
# Extra filters of the review list besides the states: waiting on a team, answered by amendment.
WAITING, ANSWERED = "waiting", "answered"
MIN_REASON = 10


@dataclass
class TestStatus:
    """Everything the review and the dashboard need to know about one test."""

    __test__ = False  # not a pytest test class

    test: Test
    pair: Pair
    target: Target
    teams: dict[str, Team]  # slot -> team
    reports: dict[str, VisitReport] = field(default_factory=dict)  # slot -> report
    amendments: dict[int, list[Amendment]] = field(default_factory=dict)  # report id -> list
    judgement: Judgement | None = None
    review: PairReview | None = None
    messages: list[ReviewMessage] = field(default_factory=list)  # to either team, oldest first

    @property
    def complete(self) -> bool:
        return len(self.reports) == 2

    def window_over(self, now: datetime) -> bool:
        return self.test.window_end <= now

    def reviewable(self, now: datetime) -> bool:
        return self.complete or self.window_over(now)

    @property
    def verdict(self) -> Verdict | None:
        """The rules' verdict alone (matching on the night included), before any override."""
        return self.judgement.computed if self.judgement else None

    @property
    def matching_warnings(self) -> list[str]:
        return self.judgement.matching_warnings if self.judgement else []

    @property
    def reasons(self) -> list[str]:
        """Why the test does not count as a valid pair ([] when it does)."""
        return self.judgement.reasons if self.judgement else ["incomplete"]

    @property
    def computed_valid(self) -> bool:
        return self.judgement is not None and self.judgement.computed_valid

    @property
    def valid(self) -> bool:
        """The verdict that counts: the coordinator's override where there is one."""
        return self.judgement is not None and self.judgement.valid

    @property
    def state(self) -> str:
        return self.review.state if self.review is not None else "received"

    def answers(self, slot: str) -> dict | None:
        report = self.reports.get(slot)
        if report is None:
            return None
        return effective_answers(report, self.amendments.get(report.id or 0, []))

    @property
    def waiting_on(self) -> list[Team]:
        """Teams asked about their report ('has issues') that have not amended it since."""
        if self.state != "has_issues":
            return []
        last: dict[int, datetime] = {}
        for message in self.messages:
            if message.state == "has_issues":
                last[message.team_id] = message.created_at
        waiting = []
        for slot, team in self.teams.items():
            asked = last.get(team.id or 0)
            if asked is None:
                continue
            report = self.reports.get(slot)
            amended = report is not None and any(
                amendment.created_at > asked
                for amendment in self.amendments.get(report.id or 0, [])
            )
            if not amended:
                waiting.append(team)
        return waiting

    @property
    def answered(self) -> bool:
        """'Has issues', and every team that was asked has amended since: ready for a decision."""
        return self.state == "has_issues" and not self.waiting_on


def study_statuses(
    session: Session, *, study: Study, timezone: str, test_ids: list[int] | None = None
) -> list[TestStatus]:
    """The status of every planned test of the study (or of ``test_ids``), in a few queries."""
    statement = (
        select(Test, Pair, Target)
        .join(Pair, col(Pair.id) == col(Test.pair_id))
        .join(Target, col(Target.id) == col(Test.target_id))
        .where(Test.study_id == study.id, Test.status == "planned")
    )
    if test_ids is not None:
        statement = statement.where(col(Test.id).in_(test_ids or [-1]))
    rows = session.exec(statement.order_by(col(Test.night), col(Test.id))).all()
    judged = judge_tests(
        session,
        study=study,
        tests=[(test, pair) for test, pair, _target in rows],
        timezone=timezone,
    )
    messages: dict[int, list[ReviewMessage]] = defaultdict(list)
    for message in session.exec(
        select(ReviewMessage)
        .where(col(ReviewMessage.test_id).in_([test.id for test, _pair, _target in rows] or [-1]))
        .order_by(col(ReviewMessage.id))
    ):
        messages[message.test_id].append(message)
    statuses = []
    for test, pair, target in rows:
        item = judged[test.id or 0]
        statuses.append(
            TestStatus(
                test=test,
                pair=pair,
                target=target,
                teams={slot: profile.team for slot, profile in item.teams.items()},
                reports=item.reports,
                amendments=item.amendments,
                judgement=item.judgement,
                review=item.review,
                messages=messages.get(test.id or 0, []),
            )
        )
    return statuses


def status_of(session: Session, *, study: Study, test_id: int, timezone: str) -> TestStatus | None:
    found = study_statuses(session, study=study, timezone=timezone, test_ids=[test_id])
    return found[0] if found else None


def conflicts_of(session: Session, *, test_id: int) -> list[ReportConflict]:
    return list(
        session.exec(
            select(ReportConflict)
            .where(ReportConflict.test_id == test_id)
            .order_by(col(ReportConflict.id))
        )
    )


def messages_for_team(session: Session, test_id: int, team_id: int) -> list[ReviewMessage]:
    """The coordinator's messages to one team about its report of one test, oldest first.

    For the tester's page: it holds only what was written to this team, never to the partner.
    """
    return list(
        session.exec(
            select(ReviewMessage)
            .where(ReviewMessage.test_id == test_id, ReviewMessage.team_id == team_id)
            .order_by(col(ReviewMessage.id))
        )
    )


def _row(session: Session, status: TestStatus) -> PairReview:
    review = status.review or PairReview(test_id=status.test.id)
    verdict = status.verdict
    assert verdict is not None
    review.computed_valid = verdict.valid
    review.computed_reasons = list(verdict.reasons)
    review.interval_minutes = verdict.interval_minutes
    review.updated_at = utcnow()
    return review


def _snapshot(review: PairReview) -> dict:
    return {
        "state": review.state,
        "override_valid": review.override_valid,
        "override_reason": review.override_reason,
        "computed_valid": review.computed_valid,
        "computed_reasons": list(review.computed_reasons),
    }


def _check_reviewable(study: Study, status: TestStatus) -> None:
    ensure_open(study)
    if not status.reviewable(utcnow()):
        raise Refused(
            _("This test can be reviewed when both reports are in or its window has ended.")
        )


def change_state(
    *,
    session: Session,
    study: Study,
    status: TestStatus,
    state: str,
    messages: dict[int, str],
    user: User,
) -> PairReview:
    """Move the review on; ``messages`` maps a team id to what that team is told (may be empty)."""
    _check_reviewable(study, status)
    if not state:
        raise Refused(_("Choose the new state of the review."))
    if state not in NEXT_STATES.get(status.state, ()):
        raise Refused(
            _(
                "A review with status '%(old)s' cannot get status '%(new)s'.",
                old=label(status.state, "report_status"),
                new=label(state, "report_status") if state in STATES else state,
            )
        )
    team_ids = {team.id for team in status.teams.values()}
    messages = {team_id: text.strip() for team_id, text in messages.items() if text.strip()}
    if set(messages) - team_ids:
        raise Refused(_("A message is addressed to a team that is not in this pair."))
    if any(len(text) > 2000 for text in messages.values()):
        raise Refused(_("A message is at most 2000 characters."))
    if state == "has_issues" and not messages:
        raise Refused(_("Write the team(s) what the issue is: 'has issues' needs a message."))
    review = _row(session, status)
    before = _snapshot(review) if status.review is not None else None
    review.state = state
    review.reviewed_by_id = user.id
    session.add(review)
    for slot, report in status.reports.items():
        team_id = status.teams[slot].id
        if state == "has_issues":
            if team_id in messages:
                report.status = "has_issues"
        else:
            report.status = state
        session.add(report)
    session.flush()
    for team_id, text in messages.items():
        session.add(
            ReviewMessage(
                test_id=status.test.id,
                team_id=team_id,
                state=state,
                body=text,
                created_by_id=user.id,
            )
        )
    audit.record(session, action="review.state", user=user, about=status.test, before=before,
                 after={**_snapshot(review), "messages": {str(k): v for k, v in messages.items()}})  # fmt: skip
    session.commit()
    return review


def override(
    *,
    session: Session,
    study: Study,
    status: TestStatus,
    valid: bool | None,
    reason: str,
    user: User,
) -> PairReview:
    """Set (or with ``valid=None`` clear) the coordinator's verdict, with a written reason."""
    _check_reviewable(study, status)
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise Refused(_("Write why (at least %(n)d characters).", n=MIN_REASON))
    if len(reason) > 1000:
        raise Refused(_("The reason is at most 1000 characters."))
    review = _row(session, status)
    before = _snapshot(review) if status.review is not None else None
    if valid is None and review.override_valid is None:
        raise Refused(_("There is no override to remove."))
    review.override_valid = valid
    review.override_reason = reason
    review.reviewed_by_id = user.id
    session.add(review)
    audit.record(session, action="review.override", user=user, about=status.test, before=before,
                 after=_snapshot(review) | {"reason": reason})  # fmt: skip
    session.commit()
    return review


@dataclass(frozen=True)
class ReviewFilter:
    state: str = ""  # "" | a review state | WAITING | ANSWERED
    validity: str = ""  # "" | "valid" | "invalid"
    reason: str = ""  # an invalid reason
    # "reports": tests with a report in or ready for review (a single report shows as soon as it
    # arrives); "yes": only tests that can be reviewed now; "": all planned
    ready: str = "reports"


def filter_statuses(
    statuses: list[TestStatus], filters: ReviewFilter, now: datetime
) -> list[TestStatus]:
    kept = []
    for status in statuses:
        if filters.ready == "yes" and not status.reviewable(now):
            continue
        if filters.ready == "reports" and not (status.reports or status.reviewable(now)):
            continue
        if filters.state == WAITING:
            if not status.waiting_on:
                continue
        elif filters.state == ANSWERED:
            if not status.answered:
                continue
        elif filters.state and status.state != filters.state:
            continue
        if filters.validity == "valid" and not status.valid:
            continue
        if filters.validity == "invalid" and status.valid:
            continue
        if filters.reason and filters.reason not in status.reasons:
            continue
        kept.append(status)
    return kept


def amended_since_message(status: TestStatus) -> bool:
    """True when a report was amended after the last message to its team."""
    last: dict[int, datetime] = {}
    for message in status.messages:
        last[message.team_id] = message.created_at
    for slot, report in status.reports.items():
        sent = last.get(status.teams[slot].id or 0)
        if sent and any(a.created_at > sent for a in status.amendments.get(report.id or 0, [])):
            return True
    return False
