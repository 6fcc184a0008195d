"""Pair review: the rule engine's verdict, the coordinator's override, review states and messages.

The verdict is computed live from the two reports' effective answers (amendments applied) by
:func:`fieldwork.services.reports.validity.evaluate_pair`, plus the pair's matching check
(``matching_failed``). The :class:`PairReview` row keeps what the coordinator decided (state,
override) and a snapshot of the verdict at that moment. Messages go to one team each
(:class:`ReviewMessage`), so a team never reads what was said about its partner's report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from fieldwork.i18n import _
from fieldwork.labels import label
from fieldwork.models import (
    INVALID_REASONS,
    Amendment,
    Pair,
    PairReview,
    ReportConflict,
    ReviewMessage,
    Study,
    Target,
    Team,
    Test,
    User,
    VisitReport,
    utcnow,
)
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.people.pairs import matching_check
from fieldwork.services.people.testers import list_teams
from fieldwork.services.reports.intake import effective_answers
from fieldwork.services.reports.validity import Verdict, evaluate_pair
from fieldwork.services.studies.setup import ensure_open
from forms import get_instrument

STATES = ("received", "has_issues", "approved", "rejected")
NEXT_STATES = {
    "received": ("has_issues", "approved", "rejected"),
    "has_issues": ("approved", "rejected"),
    "approved": ("has_issues",),
    "rejected": ("has_issues",),
}
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
    verdict: Verdict | None = None
    matching_warnings: list[str] = field(default_factory=list)
    review: PairReview | None = None

    @property
    def complete(self) -> bool:
        return len(self.reports) == 2

    def window_over(self, now: datetime) -> bool:
        return self.test.window_end <= now

    def reviewable(self, now: datetime) -> bool:
        return self.complete or self.window_over(now)

    @property
    def reasons(self) -> list[str]:
        return self.verdict.reasons if self.verdict else ["incomplete"]

    @property
    def computed_valid(self) -> bool:
        return self.verdict is not None and self.verdict.valid

    @property
    def valid(self) -> bool:
        """The verdict that counts: the coordinator's override where there is one."""
        if self.review is not None and self.review.override_valid is not None:
            return self.review.override_valid
        return self.computed_valid

    @property
    def state(self) -> str:
        return self.review.state if self.review is not None else "received"

    def answers(self, slot: str) -> dict | None:
        report = self.reports.get(slot)
        if report is None:
            return None
        return effective_answers(report, self.amendments.get(report.id or 0, []))


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
    profiles = {profile.team.id: profile for profile in list_teams(session, study=study)}
    ids = [test.id for test, _pair, _target in rows] or [-1]
    reports: dict[int, dict[str, VisitReport]] = defaultdict(dict)
    for report in session.exec(select(VisitReport).where(col(VisitReport.test_id).in_(ids))):
        reports[report.test_id][report.role] = report
    report_ids = [r.id for by_slot in reports.values() for r in by_slot.values()] or [-1]
    amendments: dict[int, list[Amendment]] = defaultdict(list)
    for amendment in session.exec(
        select(Amendment)
        .where(col(Amendment.report_id).in_(report_ids))
        .order_by(col(Amendment.id))
    ):
        amendments[amendment.report_id].append(amendment)
    reviews = {
        review.test_id: review
        for review in session.exec(select(PairReview).where(col(PairReview.test_id).in_(ids)))
    }
    instrument = get_instrument(study.instrument_id, study.instrument_version)
    statuses = []
    for test, pair, target in rows:
        status = TestStatus(
            test=test,
            pair=pair,
            target=target,
            teams={
                "protected": profiles[pair.protected_team_id].team,
                "control": profiles[pair.control_team_id].team,
            },
            reports=reports.get(test.id or 0, {}),
            review=reviews.get(test.id or 0),
        )
        status.amendments = {
            r.id or 0: amendments.get(r.id or 0, []) for r in status.reports.values()
        }
        status.matching_warnings = matching_check(
            profiles[pair.protected_team_id], profiles[pair.control_team_id]
        ).warnings
        verdict = evaluate_pair(
            study=study,
            test=test,
            protected_answers=status.answers("protected"),
            control_answers=status.answers("control"),
            instrument=instrument,
            timezone=timezone,
        )
        if status.matching_warnings:
            reasons = set(verdict.reasons) | {"matching_failed"}
            verdict = Verdict(
                valid=False,
                reasons=[r for r in INVALID_REASONS if r in reasons],
                interval_minutes=verdict.interval_minutes,
                order_followed=verdict.order_followed,
            )
        status.verdict = verdict
        statuses.append(status)
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


def messages_of(session: Session, *, test_id: int) -> list[ReviewMessage]:
    return list(
        session.exec(
            select(ReviewMessage)
            .where(ReviewMessage.test_id == test_id)
            .order_by(col(ReviewMessage.id))
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
    audit.record(
        session,
        action="review.state",
        user=user,
        study_id=study.id,
        object_type="test",
        object_id=status.test.id,
        before=before,
        after={**_snapshot(review), "messages": {str(k): v for k, v in messages.items()}},
    )
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
    session.flush()
    audit.record(
        session,
        action="review.override",
        user=user,
        study_id=study.id,
        object_type="test",
        object_id=status.test.id,
        before=before,
        after=_snapshot(review) | {"reason": reason},
    )
    session.commit()
    return review


@dataclass(frozen=True)
class ReviewFilter:
    state: str = ""  # "" or a review state
    validity: str = ""  # "" | "valid" | "invalid"
    reason: str = ""  # an invalid reason
    ready: str = "yes"  # "yes": only tests that can be reviewed now; "": all


def filter_statuses(
    statuses: list[TestStatus], filters: ReviewFilter, now: datetime
) -> list[TestStatus]:
    kept = []
    for status in statuses:
        if filters.ready == "yes" and not status.reviewable(now):
            continue
        if filters.state and status.state != filters.state:
            continue
        if filters.validity == "valid" and not status.valid:
            continue
        if filters.validity == "invalid" and status.valid:
            continue
        if filters.reason and filters.reason not in status.reasons:
            continue
        kept.append(status)
    return kept


def amended_since_message(session: Session, status: TestStatus) -> bool:
    """True when a report was amended after the last message to its team."""
    last: dict[int, datetime] = {}
    for message in messages_of(session, test_id=status.test.id or 0):
        last[message.team_id] = message.created_at
    for slot, report in status.reports.items():
        sent = last.get(status.teams[slot].id or 0)
        if sent and any(a.created_at > sent for a in status.amendments.get(report.id or 0, [])):
            return True
    return False
