"""The data-subject access export (GDPR art. 15): everything held about one tester, as JSON.

A tester is known by their pseudonym code (``T-07``) in a study; the export follows the pseudonym
to its account and gathers the account, the matching attributes, team memberships, the reports
and amendments of their teams (they were at the door for those), conflicts, incidents they
reported, messages to their teams, device records and the audit events about or by them. Password
hashes are never exported.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from fieldwork.models import (
    Amendment,
    AuditEvent,
    DeviceStatus,
    Incident,
    ReportConflict,
    ReviewMessage,
    Study,
    Team,
    TeamMember,
    Tester,
    User,
    VisitReport,
    utcnow,
)
from fieldwork.services.errors import RetentionError

EXPORT_FORMAT = "mysteryguest-tester-export"


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
    tester = testers[0]
    study = session.get(Study, tester.study_id)
    assert study is not None
    account = session.get(User, tester.user_id) if tester.user_id is not None else None
    team_ids = list(
        session.exec(select(TeamMember.team_id).where(TeamMember.tester_id == tester.id)).all()
    )
    teams = _rows(session, Team, Team.id, team_ids)
    reports = _rows(session, VisitReport, VisitReport.team_id, team_ids)
    report_ids = [report.id for report in reports]
    amendments = _rows(session, Amendment, Amendment.report_id, report_ids)
    conflicts = _rows(session, ReportConflict, ReportConflict.team_id, team_ids)
    messages = _rows(session, ReviewMessage, ReviewMessage.team_id, team_ids)
    incidents: list[Incident] = []
    devices: list[DeviceStatus] = []
    events: list[AuditEvent] = list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == "tester", AuditEvent.object_id == tester.id)
            .order_by(col(AuditEvent.id))
        ).all()
    )
    if account is not None:
        incidents = _rows(session, Incident, Incident.reported_by_id, [account.id])
        devices = _rows(session, DeviceStatus, DeviceStatus.user_id, [account.id])
        events += session.exec(
            select(AuditEvent)
            .where(
                (AuditEvent.user_id == account.id)
                | ((AuditEvent.object_type == "user") & (AuditEvent.object_id == account.id))
            )
            .order_by(col(AuditEvent.id))
        ).all()
    unique_events = {event.id or 0: event for event in events}
    return {
        "format": EXPORT_FORMAT,
        "version": 1,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "study": {"code": study.code, "title": study.title, "status": study.status},
        "tester": _plain(tester),
        "account": _plain(account, leave_out=("password_hash",)) if account else None,
        "teams": [_plain(team) for team in teams],
        "reports": [_plain(report) for report in reports],
        "amendments": [_plain(amendment) for amendment in amendments],
        "conflicts": [_plain(conflict) for conflict in conflicts],
        "review_messages": [_plain(message) for message in messages],
        "incidents": [_plain(incident) for incident in incidents],
        "devices": [_plain(device) for device in devices],
        "audit_events": [_plain(unique_events[key]) for key in sorted(unique_events)],
    }


def _rows(session: Session, model: Any, column: Any, ids: list[Any]) -> list[Any]:
    if not ids:
        return []
    return list(session.exec(select(model).where(col(column).in_(ids)).order_by(model.id)).all())
