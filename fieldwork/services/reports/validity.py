"""The rule engine that judges a test from its two reports (reference/domain.md §2.4).

A pair is invalid for each rule it breaks, with the reason codes of ``models.INVALID_REASONS``:

- ``incomplete``: a report is missing, or lacks the primary outcome or a required arrival time;
- ``interval_exceeded``: the two arrivals lie more than ``study.max_interval_minutes`` apart;
- ``order_violated``: the team that arrived first is not the test's ``first_role``
  (equal times count as followed);
- ``deviation``: either report names a deviation from the script.

Reports store wall-clock answers in the study's time zone. A ``time`` answer is placed on the
test's night; in an evening window (starting at or after noon) a time before 12:00 is taken to be
after midnight, i.e. on the next calendar day. A ``datetime`` answer is read as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldwork.models import INVALID_REASONS, Study, Test
from forms import Instrument

NOON = time(12, 0)


@dataclass(frozen=True)
class Verdict:
    """The engine's judgement of one test."""

    valid: bool
    reasons: list[str]  # in the order of models.INVALID_REASONS
    interval_minutes: float | None  # |arrival difference|, None when an arrival is unknown
    order_followed: bool | None  # None when an arrival is unknown


def evaluate_pair(
    *,
    study: Study,
    test: Test,
    protected_answers: Mapping[str, Any] | None,
    control_answers: Mapping[str, Any] | None,
    instrument: Instrument,
    timezone: str = "Europe/Amsterdam",
) -> Verdict:
    """Judge a test from the answers of its protected-slot and control-slot reports (pure).

    Pass the effective answers (amendments applied), or None for a report not received.
    """
    zone = ZoneInfo(timezone)
    reports = {"protected": protected_answers, "control": control_answers}
    reasons: set[str] = set()

    primary = instrument.primary_outcome()
    arrival_question = (
        instrument.question(instrument.arrival_question) if instrument.arrival_question else None
    )
    arrivals: dict[str, datetime | None] = {}
    for role, answers in reports.items():
        if answers is None:
            reasons.add("incomplete")
            arrivals[role] = None
            continue
        if primary is not None and _is_empty(answers.get(primary.id)):
            reasons.add("incomplete")
        arrivals[role] = None
        if arrival_question is not None:
            arrivals[role] = _arrival(
                answers.get(arrival_question.id), arrival_question.type, test, zone
            )
            if arrivals[role] is None and arrival_question.required:
                reasons.add("incomplete")
        if instrument.deviation_question and not _is_empty(
            answers.get(instrument.deviation_question)
        ):
            reasons.add("deviation")

    interval_minutes: float | None = None
    order_followed: bool | None = None
    protected_at, control_at = arrivals.get("protected"), arrivals.get("control")
    if protected_at is not None and control_at is not None:
        difference = (control_at - protected_at).total_seconds() / 60
        interval_minutes = abs(difference)
        if interval_minutes > study.max_interval_minutes:
            reasons.add("interval_exceeded")
        if difference != 0:
            first = "protected" if difference > 0 else "control"
            order_followed = first == test.first_role
        else:
            order_followed = True
        if not order_followed:
            reasons.add("order_violated")

    ordered = [reason for reason in INVALID_REASONS if reason in reasons]
    return Verdict(
        valid=not ordered,
        reasons=ordered,
        interval_minutes=interval_minutes,
        order_followed=order_followed,
    )


def _arrival(value: Any, question_type: str, test: Test, zone: ZoneInfo) -> datetime | None:
    """The arrival as a UTC instant, or None when it is missing or unreadable."""
    if _is_empty(value):
        return None
    try:
        if question_type == "time":
            clock = value if isinstance(value, time) else time.fromisoformat(str(value).strip())
            day = test.night
            if clock < NOON and _evening_window(test, zone):
                day = day + timedelta(days=1)
            moment = datetime.combine(day, clock.replace(tzinfo=None), tzinfo=zone)
        elif question_type == "datetime":
            moment = (
                value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
            )
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
        else:
            raise ValueError(f"arrival question of type {question_type!r}")
    except ValueError:
        return None
    # Subtracting aware datetimes that share a tzinfo ignores DST; UTC makes the interval true.
    return moment.astimezone(UTC)


def _evening_window(test: Test, zone: ZoneInfo) -> bool:
    start = test.window_start
    if start is None:
        return True
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start.astimezone(zone).time() >= NOON


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()
