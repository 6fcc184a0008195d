"""The data-subject access export (GDPR art. 15): everything held about one tester, as JSON —
and nothing about anyone else (art. 15(4): the rights of others are not to be harmed).

A tester is known by their pseudonym code (``T-07``) in a study; the export follows the pseudonym
to its account and gathers:

- the account (never the password hash), the tester record and their teams (no teammates' ids);
- every test their teams were sent to: when (the night, the window, their own planned time),
  where (the target's code, name, address, type and area), the order, cancellations and moves
  with their reasons, and the review of each test (validity, reasons, overrides and their
  reasons);
- their teams' reports, amendments and conflicts — a teammate's free text and ids redacted;
- the coordinators' messages to their teams, and any other message about their tests that names
  them;
- incidents they reported, and incidents about their tests reported by staff (a teammate's or
  the partner team's description is redacted);
- their devices;
- every audit event about them, their account or their teams, by them, about their tests and
  reports, or naming their code, username or team code — with other testers' names, ids and
  free text, and messages to other teams, redacted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

from sqlmodel import Session
from sqlmodel import SQLModel
from sqlmodel import col
from sqlmodel import or_
from sqlmodel import select

from fieldwork.models import Amendment
from fieldwork.models import AuditEvent
from fieldwork.models import DeviceStatus
from fieldwork.models import Incident
from fieldwork.models import Pair
from fieldwork.models import PairReview
from fieldwork.models import ReportConflict
from fieldwork.models import ReviewMessage
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import TeamMember
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.models import utcnow
from fieldwork.services.errors import RetentionError
from fieldwork.services.retention.purge import FREE_TEXT_KEYS
from forms import get_instrument

EXPORT_FORMAT = "mysteryguest-tester-export"
REDACTED = "[redacted: another person]"


def _plain(row: SQLModel, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    data = {}
    for key, value in row.model_dump().items():
        if key in leave_out:
            continue
        data[key] = value.isoformat() if isinstance(value, datetime | date) else value
    return data


def testers_with_code(session: Session, code: str, study_code: str | None) -> list[Tester]:
    query = select(Tester).join(Study, col(Study.id) == col(Tester.study_id))
    query = query.where(Tester.code == code)
    if study_code is not None:
        query = query.where(Study.code == study_code)
    return list(session.exec(query.order_by(col(Tester.id))).all())


@dataclass
class _Subject:
    """The tester, and what tells their data from other people's."""

    tester: Tester
    study: Study
    account: User | None
    team_ids: list[int]
    text_ids: frozenset[str]
    others: set[int] = field(default_factory=set)  # accounts of other testers of the study
    names: set[str] = field(default_factory=set)  # their code, username and team codes

    @property
    def account_id(self) -> int | None:
        return self.account.id if self.account is not None else None

    def mine(self, user_id: int | None) -> bool:
        return user_id is not None and user_id == self.account_id

    def redact_id(self, user_id: int | None) -> Any:
        """Another tester's account id is not the subject's data; staff ids stay."""
        return REDACTED if user_id in self.others else user_id

    def redact_text(self, answers: dict[str, Any]) -> dict[str, Any]:
        return {key: (REDACTED if key in self.text_ids and value not in (None, "") else value)
                for key, value in answers.items()}  # fmt: skip


def _subject(session: Session, tester: Tester) -> _Subject:
    study = session.get(Study, tester.study_id)
    assert study is not None
    account = session.get(User, tester.user_id) if tester.user_id is not None else None
    team_ids = list(
        session.exec(select(TeamMember.team_id).where(TeamMember.tester_id == tester.id)).all()
    )
    instrument = get_instrument(study.instrument_id, study.instrument_version)
    text_ids = frozenset(q.id for q in instrument.questions if q.type == "text")
    subject = _Subject(tester, study, account, team_ids, text_ids)
    subject.others = {
        uid for uid in session.exec(
            select(Tester.user_id).where(Tester.study_id == study.id, Tester.id != tester.id)
        ).all() if uid is not None and uid != subject.account_id
    }  # fmt: skip
    codes = session.exec(select(Team.code).where(col(Team.id).in_(team_ids or [-1]))).all()
    subject.names = {tester.code, *codes} | ({account.username} if account else set())
    return subject


def tester_export(*, session: Session, code: str, study_code: str | None = None) -> dict[str, Any]:
    """Everything held about tester ``code`` (in ``study_code``, needed when codes repeat)."""
    testers = testers_with_code(session, code, study_code)
    if not testers:
        where = f" in study {study_code}" if study_code else ""
        raise RetentionError(f"No tester with code {code!r}{where}. Check the code.")
    if len(testers) > 1:
        studies = ", ".join(sorted(session.get(Study, t.study_id).code for t in testers))
        raise RetentionError(
            f"Tester code {code!r} is used in several studies ({studies}); name one with --study."
        )
    subject = _subject(session, testers[0])
    teams = _rows(session, Team, Team.id, subject.team_ids)
    pairs = session.exec(select(Pair).where(or_(col(Pair.protected_team_id).in_(subject.team_ids
                                                                                or [-1]),
                                                col(Pair.control_team_id).in_(subject.team_ids
                                                                              or [-1])))).all()  # fmt: skip
    tests = _rows(session, Test, Test.pair_id, [pair.id for pair in pairs])
    test_ids = [test.id for test in tests]
    reports = _rows(session, VisitReport, VisitReport.team_id, subject.team_ids)
    conflicts = _rows(session, ReportConflict, ReportConflict.team_id, subject.team_ids)
    amendments = _rows(session, Amendment, Amendment.report_id, [r.id for r in reports])
    incidents = _incidents(session, subject, test_ids)
    return {
        "format": EXPORT_FORMAT,
        "version": 2,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "study": {
            "code": subject.study.code,
            "title": subject.study.title,
            "status": subject.study.status,
        },  # fmt: skip
        "tester": _plain(subject.tester),
        "account": _plain(subject.account, leave_out=("password_hash",))
        if subject.account
        else None,
        "teams": [_team(session, team) for team in teams],
        "tests": [_test(session, subject, test, pairs) for test in tests],
        "reviews": [
            _plain(review) for review in _rows(session, PairReview, PairReview.test_id, test_ids)
        ],  # fmt: skip
        "reports": [_submitted(subject, report) for report in reports],
        "amendments": [_amendment(subject, amendment) for amendment in amendments],
        "conflicts": [_submitted(subject, conflict) for conflict in conflicts],
        "review_messages": _messages(session, subject, test_ids),
        "incidents": incidents,
        "devices": [
            _plain(device)
            for device in (
                _rows(session, DeviceStatus, DeviceStatus.user_id, [subject.account_id])
                if subject.account
                else []
            )
        ],  # fmt: skip
        "audit_events": _events(session, subject, tests, reports, conflicts, pairs),
    }


def _team(session: Session, team: Team) -> dict[str, Any]:
    members = session.exec(select(TeamMember).where(TeamMember.team_id == team.id)).all()
    return {**_plain(team), "members": len(members)}  # teammates' ids are theirs


def _test(session: Session, subject: _Subject, test: Test, pairs: Iterable[Pair]) -> dict:
    pair = next(pair for pair in pairs if pair.id == test.pair_id)
    role = "protected" if pair.protected_team_id in subject.team_ids else "control"
    target = session.get(Target, test.target_id)
    planned = test.planned_protected if role == "protected" else test.planned_control
    return {
        "test_id": test.id, "night": test.night.isoformat(),
        "window_start": test.window_start.isoformat(), "window_end": test.window_end.isoformat(),
        "your_team_role": role, "your_planned_time": planned.isoformat(),
        "first_role": test.first_role, "status": test.status, "cancel_reason": test.cancel_reason,
        "retest": test.retest,
        "target": {"code": target.code, "name": target.name, "address": target.address,
                   "type": target.target_type, "area": target.area} if target else None,
    }  # fmt: skip


def _submitted(subject: _Subject, row: VisitReport | ReportConflict) -> dict[str, Any]:
    """A report or a conflict: another tester's free text and id redacted."""
    data = _plain(row)
    if not subject.mine(row.submitted_by_id):
        data["answers"] = subject.redact_text(row.answers)
        data["submitted_by_id"] = subject.redact_id(row.submitted_by_id)
    return data


def _amendment(subject: _Subject, amendment: Amendment) -> dict[str, Any]:
    data = _plain(amendment)
    if not subject.mine(amendment.created_by_id):
        data["changes"] = subject.redact_text(amendment.changes)
        data["reason"] = REDACTED if amendment.created_by_id in subject.others else amendment.reason
        data["created_by_id"] = subject.redact_id(amendment.created_by_id)
    return data


def _messages(session: Session, subject: _Subject, test_ids: list[int]) -> list[dict]:
    """Messages to their teams, and messages to others about their tests that name them."""
    found = []
    for message in _rows(session, ReviewMessage, ReviewMessage.test_id, test_ids):
        if message.team_id in subject.team_ids or any(
            name in message.body for name in subject.names
        ):
            found.append(_plain(message))
    return found


def _incidents(session: Session, subject: _Subject, test_ids: list[int]) -> list[dict]:
    query = select(Incident).where(
        or_(col(Incident.test_id).in_(test_ids or [-1]),
            Incident.reported_by_id == (subject.account_id or -1))
    ).order_by(col(Incident.id))  # fmt: skip
    found = []
    for incident in session.exec(query).all():
        data = _plain(incident)
        if not subject.mine(incident.reported_by_id) and incident.reported_by_id in subject.others:
            data["description"] = REDACTED
            data["reported_by_id"] = REDACTED
        found.append(data)
    return found


def _events(session: Session, subject: _Subject, tests: list[Test], reports: list[VisitReport],
            conflicts: list[ReportConflict], pairs: Iterable[Pair]) -> list[dict]:  # fmt: skip
    about = [
        ("tester", [subject.tester.id]), ("team", subject.team_ids),
        ("test", [t.id for t in tests]), ("visitreport", [r.id for r in reports]),
        ("reportconflict", [c.id for c in conflicts]), ("pair", [p.id for p in pairs]),
    ]  # fmt: skip
    if subject.account is not None:
        about.append(("user", [subject.account.id]))
    condition = or_(*[
        (AuditEvent.object_type == kind) & col(AuditEvent.object_id).in_(ids or [-1])
        for kind, ids in about
    ])  # fmt: skip
    if subject.account is not None:
        condition = or_(condition, AuditEvent.user_id == subject.account.id)
    found = {event.id: event for event in session.exec(select(AuditEvent).where(condition))}
    # Events elsewhere in the study that name them (a schedule, a draw, a list of codes).
    for event in session.exec(
        select(AuditEvent).where(AuditEvent.study_id == subject.study.id)
    ).all():  # fmt: skip
        values = json.dumps([event.before, event.after], ensure_ascii=False)
        if any(json.dumps(name, ensure_ascii=False) in values for name in subject.names):
            found[event.id] = event
    return [_event(subject, found[key]) for key in sorted(found)]


def _event(subject: _Subject, event: AuditEvent) -> dict[str, Any]:
    data = _plain(event)
    other = event.user_id in subject.others
    if other:
        data["user_id"], data["actor"] = REDACTED, REDACTED
    for side in ("before", "after"):
        data[side] = _redact_values(subject, event.before if side == "before" else event.after,
                                    other)  # fmt: skip
    return data


def _redact_values(subject: _Subject, value: Any, by_other: bool) -> Any:
    """Messages to other teams, and another tester's free text, out of an event's values."""
    if not isinstance(value, dict):
        return value
    found = {}
    for key, item in value.items():
        if key == "messages" and isinstance(item, dict):
            found[key] = {team: (text if team.isdigit() and int(team) in subject.team_ids
                                 else REDACTED) for team, text in item.items()}  # fmt: skip
        elif by_other and (key in FREE_TEXT_KEYS or key in subject.text_ids):
            found[key] = REDACTED if item not in (None, "", [], {}) else item
        elif isinstance(item, dict):
            found[key] = _redact_values(subject, item, by_other)
        elif key in ("user_id", "submitted_by_id", "created_by_id", "reported_by_id"):
            found[key] = subject.redact_id(item)
        else:
            found[key] = item
    return found


def _rows(session: Session, model: Any, column: Any, ids: list[Any]) -> list[Any]:
    if not ids:
        return []
    return list(session.exec(select(model).where(col(column).in_(ids)).order_by(model.id)).all())
