"""What testers' phones say about their outboxes, so a coordinator sees reports stuck on a device.

A device becomes known when a tester signs in on it (the sign-in form carries the phone's
``device_id``); the newest ``MAX_DEVICES`` per tester are kept. Only a known device may report
its outbox, with a count of at most ``MAX_UNSENT``: made-up devices and numbers are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.models import DeviceStatus
from fieldwork.models import User
from fieldwork.models import utcnow

DEVICE_ID_MAX_LENGTH = 64
USER_AGENT_MAX_LENGTH = 200
MAX_UNSENT = 200
MAX_DEVICES = 3


class UnknownDevice(ValueError):
    """The device never signed in for this tester (or was pushed out by newer ones)."""


@dataclass(frozen=True)
class DeviceWithUnsent:
    status: DeviceStatus
    username: str

    @property
    def unsent_count(self) -> int:
        return self.status.unsent_count


def _clean(device_id: str) -> str:
    device_id = device_id.strip()
    if not 0 < len(device_id) <= DEVICE_ID_MAX_LENGTH or not device_id.isprintable():
        raise ValueError(f"a device id is 1 to {DEVICE_ID_MAX_LENGTH} printable characters")
    return device_id


def remember_device(
    *, session: Session, user: User, device_id: str, user_agent: str = ""
) -> DeviceStatus:
    """Note that ``user`` signed in on ``device_id`` now; keep their newest MAX_DEVICES only."""
    device_id = _clean(device_id)
    rows = list(session.exec(select(DeviceStatus).where(DeviceStatus.user_id == user.id)))
    status = next((row for row in rows if row.device_id == device_id), None)
    if status is None:
        status = DeviceStatus(user_id=user.id, device_id=device_id)
        rows.append(status)
    now = utcnow()
    status.signed_in_at = now
    status.last_seen_at = now
    status.user_agent = user_agent[:USER_AGENT_MAX_LENGTH]
    session.add(status)
    oldest_first = sorted(
        rows, key=lambda row: (row.signed_in_at is not None, row.signed_in_at or now, row.id or 0)
    )
    for stale in oldest_first[: max(0, len(rows) - MAX_DEVICES)]:
        if stale.id is not None:
            session.delete(stale)
    session.commit()
    return status


def record_device_status(
    *, session: Session, user: User, device_id: str, unsent_count: int, user_agent: str = ""
) -> DeviceStatus:
    """Store the count a known device of ``user`` reported just now."""
    device_id = _clean(device_id)
    if not 0 <= unsent_count <= MAX_UNSENT:
        raise ValueError(f"unsent_count must be between 0 and {MAX_UNSENT}")
    status = session.exec(
        select(DeviceStatus).where(
            DeviceStatus.user_id == user.id,
            DeviceStatus.device_id == device_id,
            col(DeviceStatus.signed_in_at).isnot(None),
        )
    ).first()
    if status is None:
        raise UnknownDevice(device_id)
    status.unsent_count = unsent_count
    status.user_agent = user_agent[:USER_AGENT_MAX_LENGTH]
    status.last_seen_at = utcnow()
    session.add(status)
    session.commit()
    return status


def devices_with_unsent(session: Session) -> list[DeviceWithUnsent]:
    """Devices whose last word was that they hold unsent reports, most unsent first."""
    rows = session.exec(
        select(DeviceStatus, User)
        .join(User, col(User.id) == col(DeviceStatus.user_id))
        .where(col(DeviceStatus.unsent_count) > 0, col(DeviceStatus.signed_in_at).isnot(None))
        .order_by(col(DeviceStatus.unsent_count).desc(), col(DeviceStatus.last_seen_at))
    ).all()
    return [DeviceWithUnsent(status=status, username=user.username) for status, user in rows]
