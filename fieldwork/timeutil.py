"""Local time for people: the study's time zone and the night a moment belongs to."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from fieldwork.models import utcnow


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


def night_of(moment: datetime, night_ends_hour: int) -> date:
    """The evening a local moment belongs to: 01:30 on Sunday is still Saturday night."""
    return (moment - timedelta(hours=night_ends_hour)).date()


def tonight() -> date:
    return night_of(local(utcnow()), current_app.config["NIGHT_ENDS_HOUR"])


def aware_datetime(value: Any) -> datetime | None:
    """An ISO 8601 string with a time zone, in the years 1970–2100, as a UTC datetime, else None
    (naive times are refused; so are times like year 1 or 9999, which no phone clock shows and
    which overflow when converted to UTC)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            return None
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return parsed if 1970 <= parsed.year <= 2100 else None
