"""Local time for people: the study's time zone and the night a moment belongs to."""

from __future__ import annotations

from datetime import date, datetime, timedelta
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
