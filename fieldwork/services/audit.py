"""The append-only audit log. There is an insert path and deliberately no update or delete path."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from fieldwork.models import AuditEvent, User


def record(
    session: Session,
    *,
    action: str,
    user: User | None = None,
    study_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an event to ``session``; it is written when the caller commits its own change."""
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
