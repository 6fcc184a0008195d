"""The append-only audit log: :func:`record` adds an event, :func:`list_events` reads them.

There is an insert path and deliberately no update or delete path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo
from typing import Any

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import SQLModel
from sqlmodel import col
from sqlmodel import select

from fieldwork.models import AuditEvent
from fieldwork.models import Study
from fieldwork.models import User

PER_PAGE = 50


def record(
    session: Session,
    *,
    action: str,
    user: User | None = None,
    about: SQLModel | None = None,
    study_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an event to ``session``; it is written when the caller commits its own change.

    ``about`` is the row the event is about, new or changed: it goes into ``session`` with the
    event (a new row is flushed first, for its id), and the event keeps its type, its id and,
    unless ``study_id`` says otherwise, its study. ``object_type`` and ``object_id`` name a row
    that is not at hand."""
    if about is not None:
        session.add(about)
        if about.id is None:  # type: ignore[attr-defined]
            session.flush()
        object_type, object_id = about.__tablename__, about.id  # type: ignore[attr-defined]
        if study_id is None:
            study_id = about.id if isinstance(about, Study) else getattr(about, "study_id", None)
    event = AuditEvent(
        action=action,
        user_id=user.id if user else None,
        actor=user.username if user else "system",
        study_id=study_id,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )
    session.add(event)
    return event


def record_changes(
    session: Session,
    *,
    action: str,
    user: User | None,
    about: SQLModel,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> bool:
    """Record an update of ``about`` with the fields whose value differs between ``before`` and
    ``after`` (their old and their new values); nothing when none differs. True if recorded."""
    changed = [name for name in after if after[name] != before[name]]
    if changed:
        record(
            session,
            action=action,
            user=user,
            about=about,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return bool(changed)


@dataclass(frozen=True)
class AuditFilter:
    study_id: int | None = None
    action: str = ""  # exact action, or a prefix ending in "." (e.g. "review.")
    actor: str = ""
    object_type: str = ""
    object_id: int | None = None
    since: date | None = None
    until: date | None = None


def list_events(
    session: Session,
    *,
    filters: AuditFilter,
    page: int = 1,
    per_page: int = PER_PAGE,
    zone: tzinfo = UTC,
) -> tuple[list[AuditEvent], int]:
    """One page of events, newest first, and the number of events that match.

    ``since`` and ``until`` are whole days in ``zone`` (the reader's local days)."""
    statement = select(AuditEvent)
    if filters.study_id is not None:
        statement = statement.where(AuditEvent.study_id == filters.study_id)
    if filters.action:
        if filters.action.endswith("."):
            statement = statement.where(col(AuditEvent.action).startswith(filters.action))
        else:
            statement = statement.where(AuditEvent.action == filters.action)
    if filters.actor:
        statement = statement.where(AuditEvent.actor == filters.actor)
    if filters.object_type:
        statement = statement.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        statement = statement.where(AuditEvent.object_id == filters.object_id)
    if filters.since:
        statement = statement.where(
            col(AuditEvent.at) >= datetime.combine(filters.since, time(0), tzinfo=zone)
        )
    if filters.until:
        statement = statement.where(
            col(AuditEvent.at)
            < datetime.combine(filters.until + timedelta(days=1), time(0), tzinfo=zone)
        )
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    page = max(page, 1)
    events = session.exec(
        statement.order_by(col(AuditEvent.id).desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(events), total


def actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).distinct().order_by(col(AuditEvent.action))))


def actors(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.actor).distinct().order_by(col(AuditEvent.actor))))
