"""The last resort: reports a phone could not send, exported as a file, taken in by the server.

The file is what the tester's "export unsent reports" button saves (``format`` =
``mysteryguest-outbox``). A coordinator uploads it on the study page, or an operator runs
``mysteryguest import-unsent FILE``; both show a dry run first. Each report goes through
:func:`fieldwork.services.reports.intake.file_report`, the intake of the API, so the same rules
hold and importing a file twice changes nothing (idempotent by UUID).

The file is not trusted: who wrote a report is what its author block and its body say
(``author.user_id``, ``author.username``, ``body.author``), and they must agree with each other
and with the older ``user`` field; the author must have been a member of the named team on the
test's night, and the team must be in the test's pair. A report that claims another author, or
a team its author was not in, is refused and nothing of it is stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlmodel import Session

from fieldwork.i18n import _
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.security import MAX_ID
from fieldwork.services import audit
from fieldwork.services.reports.intake import ReportSubmission
from fieldwork.services.reports.intake import file_report
from fieldwork.timeutil import aware_datetime

OUTBOX_FORMAT = "mysteryguest-outbox"
MAX_FILE_BYTES = 2_000_000
MAX_REPORTS = 500
# What each outcome answers, as the API would (201 created, 200 same, 409, 422, 404).
HTTP_STATUS = {
    "created": 201,
    "same": 200,
    "conflict": 409,
    "study_closed": 409,
    "author_mismatch": 409,
    "author_not_in_team": 409,
    "foreign_report": 409,
    "invalid": 422,
    "not_found": 404,
}


class OutboxFileError(ValueError):
    """The file is not an outbox export; the message says what is wrong."""


@dataclass
class ImportedReport:
    """One report of the file and what happened to it (or would happen, in a dry run)."""

    uuid: str
    username: str
    test_id: int | None
    team: str
    status: str  # a key of HTTP_STATUS
    errors: dict[str, list[str]] = field(default_factory=dict)
    target_code: str = ""
    night: str = ""

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.status]

    @property
    def stored(self) -> bool:
        return self.status in ("created", "same")

    @property
    def message(self) -> str:
        """What happened to the report, for the coordinator or operator who imports the file."""
        if self.errors:
            return " ".join(" ".join(messages) for messages in self.errors.values())
        return {
            "study_closed": _("The study is closed: its reports can no longer come in."),
            "author_mismatch": _(
                "The file names two different authors for this report; nothing was stored."
            ),
            "author_not_in_team": _(
                "The author was not in this team on the night of the test, or the team is not "
                "in the test's pair; nothing was stored."
            ),
            "foreign_report": _(
                "The report's id belongs to another team's report; nothing was stored."
            ),
            "created": _("Stored."),
            "same": _("Already stored (the phone's answer was lost); stored once."),
            "conflict": _(
                "The team had sent a different report for this test; kept for review as a "
                "conflict, nothing overwritten."
            ),
            "not_found": _("No such test in this study."),
        }.get(self.status, "")


def read_outbox(raw: bytes) -> dict[str, Any]:
    """The parsed file; raises OutboxFileError saying what is wrong with it."""
    if len(raw) > MAX_FILE_BYTES:
        raise OutboxFileError(
            _("The file is larger than %(n)d MB; export fewer reports at once.", n=2)
        )
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise OutboxFileError(
            _("The file is not the JSON file the app's 'Export unsent reports' button saves.")
        ) from None
    _check_format(data)
    return data


def _check_format(data: Any) -> None:
    if (
        not isinstance(data, Mapping)
        or data.get("format") != OUTBOX_FORMAT
        or not isinstance(data.get("reports"), list)
    ):
        raise OutboxFileError(
            _(
                "This is not an export of unsent reports: expected format %(format)s with a list "
                "of reports.",
                format=OUTBOX_FORMAT,
            )
        )
    if len(data["reports"]) > MAX_REPORTS:
        raise OutboxFileError(_("The file holds more than %(n)d reports.", n=MAX_REPORTS))
    if any(
        not isinstance(item, Mapping) or not isinstance(item.get("body"), Mapping)
        for item in data["reports"]
    ):
        raise OutboxFileError(_("A report in the file has no body; the file is damaged."))


def import_unsent_reports(
    *,
    session: Session,
    data: Mapping[str, Any],
    study: Study | None = None,
    actor: User | None = None,
    dry_run: bool = False,
    skew_threshold_seconds: int = 300,
) -> list[ImportedReport]:
    """File every report of an outbox export as its (checked) author; only tests of ``study``
    when given. With ``dry_run`` nothing is stored: the list says what would happen."""
    _check_format(data)
    outcomes = [
        _one(session, item, study, actor, dry_run, skew_threshold_seconds)
        for item in data["reports"]
    ]
    if not dry_run:
        audit.record(
            session,
            action="report.import_unsent",
            user=actor,
            about=study,
            after={
                "reports": len(outcomes),
                "results": {
                    status: sum(1 for o in outcomes if o.status == status)
                    for status in sorted({o.status for o in outcomes})
                },
                "uuids": [o.uuid for o in outcomes if o.stored],
            },
        )
        session.commit()
    return outcomes


def _one(
    session: Session,
    item: Mapping[str, Any],
    study: Study | None,
    actor: User | None,
    dry_run: bool,
    skew_threshold_seconds: int,
) -> ImportedReport:
    body: Mapping[str, Any] = item["body"]
    author = item.get("author") if isinstance(item.get("author"), Mapping) else {}
    test_id = _whole(body.get("test_id"))
    team = author.get("team") if isinstance(author.get("team"), str) else body.get("team")
    outcome = ImportedReport(
        uuid=str(body.get("uuid", ""))[:36],
        username=str(author.get("username") or item.get("user") or ""),
        test_id=test_id,
        team=team if isinstance(team, str) else "",
        status="not_found",
    )
    test = session.get(Test, test_id) if _in_id_range(test_id) else None
    if test is None or (study is not None and test.study_id != study.id):
        return outcome
    target = session.get(Target, test.target_id)
    outcome.target_code, outcome.night = (target.code if target else ""), test.night.isoformat()

    writer, consistent = _author(session, item, author, body)
    if writer is None:
        outcome.status = "invalid"
        outcome.errors = {
            "author": [
                _(
                    "The file does not say who wrote this report, or names no known tester. "
                    "Ask the tester to sign in on that phone and send it from there."
                )
            ]
        }
        return outcome
    if not consistent:  # the file names two different people as the author: store nothing
        outcome.status = "author_mismatch"
        return outcome
    outcome.username = writer.username
    submitted_at = aware_datetime(body.get("submitted_at"))
    if body.get("submitted_at") is not None and submitted_at is None:
        outcome.status = "invalid"
        outcome.errors = {
            "submitted_at": [
                _(
                    "The moment of submitting is not an ISO 8601 time with a time zone between "
                    "1970 and 2100, so the file was changed after the phone wrote it. Ask the "
                    "tester to export the report again from the phone."
                )
            ]
        }
        return outcome
    answers = body.get("answers")
    elapsed = _whole(body.get("elapsed_seconds"))
    version = body.get("instrument_version")
    result = file_report(
        session=session,
        user=writer,
        test_id=test.id or 0,
        team_code=outcome.team or None,
        author_id=writer.id,
        submission=ReportSubmission(
            uuid=outcome.uuid,
            answers=answers if isinstance(answers, Mapping) else {},
            instrument_id=body.get("instrument")
            if isinstance(body.get("instrument"), str)
            else None,
            instrument_version=_whole(version),
            # The phone's clock at export time says nothing about its skew at import time.
            device_time=None,
            elapsed_seconds=elapsed,
            # When the tester pressed submit, by the phone's clock (the late rule reads it).
            submitted_at=submitted_at,
        ),
        skew_threshold_seconds=skew_threshold_seconds,
        via="import",
        actor=actor,
        dry_run=dry_run,
        keep_refusals=False,
    )
    outcome.status = result.status
    outcome.errors = result.errors
    return outcome


def _author(
    session: Session,
    item: Mapping[str, Any],
    author: Mapping[str, Any],
    body: Mapping[str, Any],
) -> tuple[User | None, bool]:
    """The tester account the item names as its writer (``author.user_id``, else the body's
    ``author``), and whether every other name and id in the item names that same account."""
    claimed_ids = [_whole(author.get("user_id")), _whole(body.get("author"))]
    user_id = next((value for value in claimed_ids if value is not None), None)
    writer = session.get(User, user_id) if _in_id_range(user_id) else None
    if writer is None or writer.role != "tester":
        return None, False
    names = [
        author.get("username"),
        item.get("user"),
        str(item.get("draftKey", "")).partition(":")[0] or None,
    ]
    consistent = all(value in (None, writer.id) for value in claimed_ids) and all(
        name in (None, writer.username) for name in names
    )
    return writer, consistent


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _in_id_range(value: int | None) -> bool:
    """Whether ``value`` can be a database id (larger numbers fit no INTEGER column: PostgreSQL
    would refuse the lookup, and no such row exists)."""
    return value is not None and 0 < value <= MAX_ID
