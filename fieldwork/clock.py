"""The app's one clock: every "now" in the app comes from :func:`now`.

Tests freeze it (:func:`frozen`) to run a night at a chosen moment — the night the clocks go
back, a date 60 days ahead — instead of depending on the day the suite happens to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime

_frozen_at: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware, in UTC (the frozen instant while frozen)."""
    return _frozen_at if _frozen_at is not None else datetime.now(UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Make :func:`now` answer ``at`` (an aware datetime) inside the block, in every thread."""
    global _frozen_at
    if at.tzinfo is None:
        raise ValueError("Give an aware datetime (with a time zone) to freeze the clock at.")
    previous, _frozen_at = _frozen_at, at.astimezone(UTC)
    try:
        yield _frozen_at
    finally:
        _frozen_at = previous
