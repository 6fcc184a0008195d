"""Tester safety: incidents raised from the field, shown first to the coordinator until handled.

An incident belongs to a study (the one the tester chose, or their only open study) and, where
chosen, to one of their tests. It arrives once: the phone gives it a UUID (the HTML form too), so
the same incident sent again — a retry after a lost answer, a double tap — is stored once. A
coordinator marks it handled with a note (audited); then it leaves the open list.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.models import Incident
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import utcnow
from fieldwork.security import MAX_ID
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.schedule.assignments import assignment_for_user

# What happened, as a tester picks it on the phone (labels: fieldwork.labels, "incident_kind").
INCIDENT_KINDS = ("threat", "violence", "unwell", "police", "other")
DESCRIPTION_MAX_LENGTH = 500
NOTE_MIN_LENGTH, NOTE_MAX_LENGTH = 3, 1000


@dataclass(frozen=True)
class OpenIncident:
    """An incident with what the coordinator needs to act on it."""

    incident: Incident
    reporter: str  # username of the tester who raised it
    target_code: str | None  # the venue's code, when the incident concerns a test
    night: date | None  # the test's night, when known
    handled_by: str = ""  # username of the coordinator who handled it

    @property
    def created_at(self) -> datetime:
        return self.incident.created_at


@dataclass
class IncidentResult:
    status: Literal["created", "same", "invalid"]
    incident: Incident | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def tester_studies(session: Session, user: User) -> list[Study]:
    """The open studies the user is a tester of, by code (where their incidents can go)."""
    return list(
        session.exec(
            select(Study)
            .join(Tester, col(Tester.study_id) == col(Study.id))
            .where(Tester.user_id == user.id, Study.status != "closed")
            .order_by(col(Study.code))
        ).all()
    )


def emergency_contacts(session: Session, user: User) -> list[Study]:
    """The user's open studies that name an emergency contact (for the call buttons)."""
    return [study for study in tester_studies(session, user) if study.emergency_contact_phone]


def record_incident(
    *,
    session: Session,
    user: User,
    uuid: str | None,
    kind: str,
    description: str = "",
    study_id: int | None = None,
    test_id: int | None = None,
    device_time: datetime | None = None,
    via: str = "form",
) -> IncidentResult:
    """Store an incident once per UUID and commit it at once; see the module docstring."""
    errors: dict[str, list[str]] = {}
    key = str(uuid).strip() if uuid is not None else str(uuidlib.uuid4())
    try:
        key = str(uuidlib.UUID(key))
    except ValueError:
        errors["uuid"] = [_("The message id is not a UUID. Reload the page and send again.")]
    if kind not in INCIDENT_KINDS:
        errors["kind"] = [_("Choose what happened.")]
    description = description.strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [_("Write at most %(n)d characters.", n=DESCRIPTION_MAX_LENGTH)]
    study: Study | None = None
    test: Test | None = None
    if test_id is not None:
        # an id outside the INTEGER range names no test (and is not looked up: PostgreSQL refuses)
        in_range = 0 < test_id <= MAX_ID
        assignment = assignment_for_user(session, user.id or 0, test_id) if in_range else None
        if assignment is None:
            errors["test_id"] = [_("This test is not one of yours. Choose one of your tests.")]
        else:
            test, study = assignment.test, assignment.study
    if study_id is not None:
        chosen = session.get(Study, study_id) if 0 < study_id <= MAX_ID else None
        mine = (
            chosen is not None
            and session.exec(
                select(Tester).where(Tester.study_id == study_id, Tester.user_id == user.id)
            ).first()
        )
        if not mine:
            errors["study_id"] = [_("You are not a tester of this study. Choose one of yours.")]
        elif study is not None and study.id != study_id:
            errors["study_id"] = [_("The test you chose belongs to another study.")]
        else:
            study = chosen
    if study is None and not errors:
        studies = tester_studies(session, user)
        study = studies[0] if len(studies) == 1 else None
    if errors:
        return IncidentResult("invalid", errors=errors)

    stored = _by_uuid(session, key)
    if stored is not None:
        return _same(stored, user)
    incident = Incident(
        uuid=key,
        study_id=study.id if study else None,
        test_id=test.id if test else None,
        reported_by_id=user.id,
        kind=kind,
        description=description,
        device_time=device_time,
    )
    session.add(incident)
    try:
        session.flush()
    except IntegrityError:  # the same incident, sent twice at once: the other request stored it
        session.rollback()
        stored = _by_uuid(session, key)
        if stored is None:
            raise
        return _same(stored, user)
    audit.record(session, action="incident.report", user=user, about=incident,
                 after={"kind": kind, "test_id": incident.test_id, "uuid": key, "via": via})  # fmt: skip
    session.commit()
    return IncidentResult("created", incident=incident)


def _by_uuid(session: Session, key: str) -> Incident | None:
    return session.exec(select(Incident).where(Incident.uuid == key)).first()


def _same(stored: Incident, user: User) -> IncidentResult:
    if stored.reported_by_id != user.id:
        return IncidentResult(
            "invalid",
            errors={"uuid": [_("This message id is taken. Reload the page and send again.")]},
        )
    return IncidentResult("same", incident=stored)


def _listed(
    session: Session, *conditions: Any, order: Any, limit: int | None = None
) -> list[OpenIncident]:
    statement = (
        select(Incident, User, Test, Target)
        .join(User, col(User.id) == col(Incident.reported_by_id), isouter=True)
        .join(Test, col(Test.id) == col(Incident.test_id), isouter=True)
        .join(Target, col(Target.id) == col(Test.target_id), isouter=True)
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
    )
    rows = session.exec(statement).all()
    handler_ids = [incident.resolved_by_id for incident, *_rest in rows if incident.resolved_by_id]
    handlers = dict(
        session.exec(
            select(User.id, User.username).where(col(User.id).in_(handler_ids or [-1]))
        ).all()
    )
    return [
        OpenIncident(
            incident=incident,
            reporter=user.username if user else "",
            target_code=target.code if target else None,
            night=test.night if test else None,
            handled_by=handlers.get(incident.resolved_by_id, ""),
        )
        for incident, user, test, target in rows
    ]


def open_incidents(session: Session, study_id: int | None = None) -> list[OpenIncident]:
    """Unhandled incidents, newest first: of one study when given, else of no study."""
    in_study = (
        Incident.study_id == study_id if study_id is not None else col(Incident.study_id).is_(None)
    )
    return _listed(
        session,
        col(Incident.resolved_at).is_(None),
        in_study,
        order=(col(Incident.created_at).desc(), col(Incident.id).desc()),
    )


def handled_incidents(session: Session, study_id: int, limit: int = 50) -> list[OpenIncident]:
    """The study's handled incidents, last handled first."""
    return _listed(
        session,
        Incident.study_id == study_id,
        col(Incident.resolved_at).isnot(None),
        order=(col(Incident.resolved_at).desc(), col(Incident.id).desc()),
        limit=limit,
    )


def get_incident(session: Session, *, study_id: int | None, incident_id: int) -> Incident | None:
    incident = session.get(Incident, incident_id)
    return incident if incident is not None and incident.study_id == study_id else None


def resolve_incident(*, session: Session, incident: Incident, user: User, note: str) -> Incident:
    """Mark an incident handled, with what was done (audited); it leaves the open list."""
    note = note.strip()
    if incident.resolved_at is not None:
        raise Refused(_("This incident was handled already."))
    if not NOTE_MIN_LENGTH <= len(note) <= NOTE_MAX_LENGTH:
        raise Refused(
            _(
                "Write what was done (%(min)d to %(max)d characters).",
                min=NOTE_MIN_LENGTH,
                max=NOTE_MAX_LENGTH,
            )
        )
    incident.resolved_at = utcnow()
    incident.resolved_by_id = user.id
    incident.resolution_note = note
    audit.record(session, action="incident.resolve", user=user, about=incident,
                 after={"resolved_at": incident.resolved_at.isoformat(), "resolution_note": note})  # fmt: skip
    session.commit()
    return incident
