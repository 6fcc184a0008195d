"""Tester safety: incidents reported from the field, shown first on the coordinator's dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from fieldwork.models import Incident, Target, Test, User, utcnow
from fieldwork.services import audit
from fieldwork.services.schedule.assignments import Assignment

# What happened, as a tester picks it on the phone; the labels live in the templates.
INCIDENT_KINDS = ("threat", "violence", "unwell", "police", "other")
DESCRIPTION_MAX_LENGTH = 500


@dataclass(frozen=True)
class OpenIncident:
    """An unresolved incident with what the coordinator needs to act on it."""

    incident: Incident
    reporter: str  # username of the tester who raised it
    target_code: str | None  # the venue's code, when the incident concerns a test
    night: object | None  # the test's night (a date), when known

    @property
    def created_at(self) -> datetime:
        return self.incident.created_at


def record_incident(
    *,
    session: Session,
    user: User,
    kind: str,
    description: str = "",
    assignment: Assignment | None = None,
) -> Incident:
    """Store an incident (against the tester's test when given) and commit it at once."""
    if kind not in INCIDENT_KINDS:
        raise ValueError(f"incident kind {kind!r} is not one of {', '.join(INCIDENT_KINDS)}")
    incident = Incident(
        study_id=assignment.study.id if assignment else None,
        test_id=assignment.test.id if assignment else None,
        reported_by_id=user.id,
        kind=kind,
        description=description.strip()[:DESCRIPTION_MAX_LENGTH],
    )
    session.add(incident)
    session.flush()
    audit.record(
        session,
        action="incident.report",
        user=user,
        study_id=incident.study_id,
        object_type="incident",
        object_id=incident.id,
        after={"kind": kind, "test_id": incident.test_id},
    )
    session.commit()
    return incident


def open_incidents(session: Session, study_id: int | None = None) -> list[OpenIncident]:
    """Unresolved incidents, newest first; only one study's (plus unattached ones) when given."""
    statement = (
        select(Incident, User, Test, Target)
        .join(User, col(User.id) == col(Incident.reported_by_id), isouter=True)
        .join(Test, col(Test.id) == col(Incident.test_id), isouter=True)
        .join(Target, col(Target.id) == col(Test.target_id), isouter=True)
        .where(col(Incident.resolved_at).is_(None))
        .order_by(col(Incident.created_at).desc(), col(Incident.id).desc())
    )
    if study_id is not None:
        statement = statement.where(
            (col(Incident.study_id) == study_id) | col(Incident.study_id).is_(None)
        )
    return [
        OpenIncident(
            incident=incident,
            reporter=user.username if user else "",
            target_code=target.code if target else None,
            night=test.night if test else None,
        )
        for incident, user, test, target in session.exec(statement).all()
    ]


def resolve_incident(*, session: Session, incident: Incident, user: User) -> Incident:
    """Mark an incident as dealt with (audited); it leaves the dashboard."""
    incident.resolved_at = utcnow()
    session.add(incident)
    audit.record(
        session,
        action="incident.resolve",
        user=user,
        study_id=incident.study_id,
        object_type="incident",
        object_id=incident.id,
        after={"resolved_at": incident.resolved_at.isoformat()},
    )
    session.commit()
    return incident
