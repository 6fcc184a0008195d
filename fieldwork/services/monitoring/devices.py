"""What testers' phones say about their outboxes, so a coordinator sees reports stuck on a device."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from fieldwork.models import DeviceStatus, User, utcnow

DEVICE_ID_MAX_LENGTH = 64
USER_AGENT_MAX_LENGTH = 200
MAX_UNSENT = 10_000


@dataclass(frozen=True)
class DeviceWithUnsent:
    status: DeviceStatus
    username: str

    @property
    def unsent_count(self) -> int:
        return self.status.unsent_count


def record_device_status(
    *, session: Session, user: User, device_id: str, unsent_count: int, user_agent: str = ""
) -> DeviceStatus:
    """Upsert the (user, device) row with the count the device reported just now."""
    device_id = device_id.strip()[:DEVICE_ID_MAX_LENGTH]
    if not device_id:
        raise ValueError("device_id is empty")
    if not 0 <= unsent_count <= MAX_UNSENT:
        raise ValueError(f"unsent_count must be between 0 and {MAX_UNSENT}")
    status = session.exec(
        select(DeviceStatus).where(
            DeviceStatus.user_id == user.id, DeviceStatus.device_id == device_id
        )
    ).first()
    if status is None:
        status = DeviceStatus(user_id=user.id, device_id=device_id)
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
        .where(col(DeviceStatus.unsent_count) > 0)
        .order_by(col(DeviceStatus.unsent_count).desc(), col(DeviceStatus.last_seen_at))
    ).all()
    return [DeviceWithUnsent(status=status, username=user.username) for status, user in rows]
