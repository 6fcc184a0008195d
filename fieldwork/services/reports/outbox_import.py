"""The last resort: reports a phone could not send, exported as a file, taken in by the server.

The file is what the tester's "export unsent reports" button saves (``format`` =
``mysteryguest-outbox``). Each report goes through :func:`submit_report` as its tester, so the
usual rules hold: a report already received is answered "same", a different one is kept as a
conflict, and importing the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from fieldwork.models import User
from fieldwork.services.reports.intake import ReportSubmission, submit_report
from fieldwork.services.schedule.assignments import assignment_for_user

OUTBOX_FORMAT = "mysteryguest-outbox"


class OutboxFileError(ValueError):
    """The file is not an outbox export; the message says what is wrong."""


@dataclass
class ImportedReport:
    uuid: str
    username: str
    test_id: int | None
    status: str  # created | same | conflict | invalid | not_found
    errors: dict[str, list[str]] = field(default_factory=dict)


def import_unsent_reports(
    *, session: Session, data: Mapping[str, Any], skew_threshold_seconds: int = 300
) -> list[ImportedReport]:
    """Submit every report of an outbox export as the tester who wrote it."""
    if data.get("format") != OUTBOX_FORMAT or not isinstance(data.get("reports"), list):
        raise OutboxFileError(
            f"not an outbox export: expected format {OUTBOX_FORMAT!r} with a list of reports"
        )
    outcomes = []
    for item in data["reports"]:
        body = item.get("body") if isinstance(item, Mapping) else None
        if not isinstance(body, Mapping):
            raise OutboxFileError("a report in the file has no body")
        username = str(item.get("user") or str(item.get("draftKey", "")).partition(":")[0])
        test_id = body.get("test_id") if isinstance(body.get("test_id"), int) else None
        outcome = ImportedReport(
            uuid=str(body.get("uuid", "")), username=username, test_id=test_id, status="not_found"
        )
        outcomes.append(outcome)
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None or user.id is None or test_id is None:
            continue
        assignment = assignment_for_user(session, user.id, test_id)
        if assignment is None:
            continue
        result = submit_report(
            session=session,
            assignment=assignment,
            user=user,
            submission=ReportSubmission(
                uuid=outcome.uuid,
                answers=body.get("answers") if isinstance(body.get("answers"), Mapping) else {},
                instrument_id=body.get("instrument"),
                instrument_version=body.get("instrument_version"),
                # The phone's clock at export time says nothing about its skew at import time.
                device_time=None,
                elapsed_seconds=body.get("elapsed_seconds")
                if isinstance(body.get("elapsed_seconds"), int)
                else None,
            ),
            skew_threshold_seconds=skew_threshold_seconds,
        )
        outcome.status = result.status
        outcome.errors = result.errors
    return outcomes
