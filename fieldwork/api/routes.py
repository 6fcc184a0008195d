"""``POST /api/reports`` (the outbox's intake), ``POST /api/incidents`` and
``POST /api/device-status``, as JSON.

Same rules as the HTML forms: reports go through :func:`file_report`, incidents through
:func:`record_incident`; CSRF is checked by Flask-WTF from the ``X-CSRFToken`` header. Every
answer is JSON with a ``message`` (or ``errors``: field → messages) in the user's language.
A refusal the phone must not retry carries an ``error`` code of ``FINAL_REFUSALS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import jsonify
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldwork.db import get_session
from fieldwork.i18n import translate_errors
from fieldwork.models import User
from fieldwork.security import MAX_ID
from fieldwork.services.monitoring import devices as device_service
from fieldwork.services.monitoring import incidents as incident_service
from fieldwork.services.reports import intake as report_service
from fieldwork.timeutil import aware_datetime
from forms import unknown_keys

bp = Blueprint("api", __name__, url_prefix="/api")

REPORT_KEYS = frozenset(
    {
        "uuid",
        "test_id",
        "instrument",
        "instrument_version",
        "answers",
        "device_time",
        "elapsed_seconds",
        # The phone's outbox (issues 10 and 14): who wrote it, for which team, and when the
        # tester pressed submit. The membership checks on author/team are the intake's.
        "author",
        "team",
        "submitted_at",
    }
)
DEVICE_KEYS = frozenset({"device_id", "unsent_count"})
INCIDENT_KEYS = frozenset({"uuid", "kind", "description", "study_id", "test_id", "device_time"})


def _reply(http_status: int, /, **body: Any) -> tuple[Response, int]:
    return jsonify(body), http_status


@bp.before_request
def _signed_in_tester() -> tuple[Response, int] | None:
    if not current_user.is_authenticated:
        return _reply(
            401, error="unauthorized", message=_("You are signed out. Sign in again to send.")
        )
    if current_user.role != "tester":
        return _reply(403, error="forbidden", message=_("Only testers send reports."))
    return None


def _json_object() -> dict[str, Any]:
    """The request's JSON object; any other body ends the request with 400 ``malformed``."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        response = jsonify(
            error="malformed",
            message=_("The request body is not a JSON object. Nothing was saved."),
        )
        response.status_code = 400
        abort(response)
    return data


def _invalid(errors: dict[str, list[str]]) -> tuple[Response, int]:
    return _reply(422, error="invalid", errors=errors)


def _unknown_key_errors(data: dict[str, Any], allowed: frozenset[str]) -> dict[str, list[str]]:
    return {
        key: [_("Unknown field %(name)s. Leave it out.", name=key)]
        for key in sorted(set(data) - allowed)
    }


def _whole_number(value: Any) -> int | None:
    """``value`` when it is a whole number (not a bool, not a float) of at most 64 bits, else
    None (larger numbers fit no database column)."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**63 - 1:
        return None
    return value


@dataclass(frozen=True)
class ReportBody:
    """A well-formed ``POST /api/reports`` body (the answers themselves are not checked yet):
    the report for the intake, and the test, the author and the team it claims."""

    submission: report_service.ReportSubmission
    test_id: int
    author: int | None
    team: str | None


def _report_body(data: dict[str, Any]) -> tuple[ReportBody | None, dict[str, list[str]]]:
    """The body's fields, or the errors by field name (unknown and missing keys included)."""
    errors = _unknown_key_errors(data, REPORT_KEYS)
    for key in ("uuid", "test_id", "answers"):
        if key not in data:
            errors[key] = [_("This field is required.")]
    test_id = _whole_number(data.get("test_id"))
    if "test_id" in data and test_id is None:
        errors["test_id"] = [_("Give the test as a whole number.")]
    if "uuid" in data and not isinstance(data["uuid"], str):
        errors["uuid"] = [_("Give the report id as a text (a UUID).")]
    answers = data.get("answers")
    if "answers" in data and not isinstance(answers, dict):
        errors["answers"] = [_("Give the answers as an object: question id → answer.")]
    instrument_version = data.get("instrument_version")
    if instrument_version is not None and _whole_number(instrument_version) is None:
        errors["instrument_version"] = [_("Give the questionnaire version as a whole number.")]
    instrument_id = data.get("instrument")
    if instrument_id is not None and not isinstance(instrument_id, str):
        errors["instrument"] = [_("Give the questionnaire as a text.")]
    elapsed = data.get("elapsed_seconds")
    if elapsed is not None and _whole_number(elapsed) is None:
        errors["elapsed_seconds"] = [_("Give the time spent on the form in whole seconds.")]
    device_time = aware_datetime(data.get("device_time"))
    if data.get("device_time") is not None and device_time is None:
        errors["device_time"] = [_device_time_error()]
    submitted_at = aware_datetime(data.get("submitted_at"))
    if data.get("submitted_at") is not None and submitted_at is None:
        errors["submitted_at"] = [
            _(
                "Give the moment of submitting as ISO 8601 with a time zone, between the years "
                "1970 and 2100, e.g. 2025-05-17T23:45:00+02:00."
            )
        ]
    author = _whole_number(data.get("author"))
    if data.get("author") is not None and author is None:
        errors["author"] = [_("Give the author as a user id (a whole number).")]
    team = data.get("team")
    if team is not None and not (isinstance(team, str) and 0 < len(team.strip()) <= 16):
        errors["team"] = [_("Give the team as its code, 1 to 16 characters, e.g. TM-A.")]
    if errors or test_id is None or not isinstance(answers, dict):
        return None, errors
    body = ReportBody(
        submission=report_service.ReportSubmission(
            uuid=data["uuid"],
            answers=answers,
            instrument_id=instrument_id,
            instrument_version=instrument_version,
            device_time=device_time,
            elapsed_seconds=elapsed,
            submitted_at=submitted_at,
        ),
        test_id=test_id,
        author=author,
        team=team.strip() if isinstance(team, str) else None,
    )
    return body, {}


def _not_found() -> tuple[Response, int]:
    return _reply(404, error="not_found", message=_("This test does not exist or is not yours."))


@bp.post("/reports")
def reports() -> tuple[Response, int]:
    data = _json_object()
    body, errors = _report_body(data)
    if body is None:
        return _invalid(errors)

    session = get_session()
    if not 0 < body.test_id <= MAX_ID:  # outside the id range no test exists (none is looked up)
        return _not_found()
    instrument = report_service.test_instrument(session, user=_user(), test_id=body.test_id)
    if instrument is None:
        return _not_found()
    unknown = unknown_keys(instrument, body.submission.answers)
    if unknown:
        return _reply(
            422,
            error="invalid",
            errors={
                "answers": [
                    _("Unknown questions: %(names)s. Reload the form.", names=", ".join(unknown))
                ]
            },
        )
    result = report_service.file_report(
        session=session,
        user=_user(),
        test_id=body.test_id,
        team_code=body.team,
        author_id=body.author,
        submission=body.submission,
        skew_threshold_seconds=current_app.config["CLOCK_SKEW_THRESHOLD_SECONDS"],
        via="api",
    )
    if result.status == "not_found":
        return _not_found()
    if result.status in report_service.FINAL_REFUSALS:
        return _reply(
            409,
            error=result.status,
            uuid=body.submission.uuid,
            message=report_service.refusal_message(result.status),
        )
    report_url = url_for("tester.report", test_id=body.test_id)
    if result.status == "invalid":
        return _invalid(translate_errors(result.errors))
    if result.status == "conflict":
        return _reply(
            409,
            status="conflict",
            error="conflict",
            uuid=body.submission.uuid,
            report_url=report_url,
            message=_(
                "Your team had already sent a different report for this test. We kept this "
                "version for the coordinator; nothing was overwritten. To correct the report, "
                "open it and add an amendment."
            ),
        )
    assert result.report is not None
    return _reply(
        201 if result.status == "created" else 200,
        status=result.status,
        uuid=body.submission.uuid,
        report_url=report_url,
        received_at=result.report.received_at.isoformat(),
        message=_("Sent. Your report is saved and locked."),
    )


@bp.post("/incidents")
def incidents() -> tuple[Response, int]:
    """An incident from the phone (queued offline like a report): stored once per ``uuid``."""
    data = _json_object()
    errors = _unknown_key_errors(data, INCIDENT_KEYS)
    if not isinstance(data.get("uuid"), str):
        errors["uuid"] = [_("Give the message id as a text (a UUID).")]
    if not isinstance(data.get("kind"), str):
        errors["kind"] = [_("Choose what happened.")]
    description = data.get("description", "")
    if not isinstance(description, str):
        errors["description"] = [_("Give the description as a text.")]
    ids: dict[str, int | None] = {}
    for key in ("study_id", "test_id"):
        ids[key] = _whole_number(data.get(key))
        if data.get(key) is not None and ids[key] is None:
            errors[key] = [_("Give a whole number, or null.")]
    device_time = aware_datetime(data.get("device_time"))
    if data.get("device_time") is not None and device_time is None:
        errors["device_time"] = [_device_time_error()]
    if errors:
        return _invalid(errors)
    result = incident_service.record_incident(
        session=get_session(),
        user=_user(),
        uuid=data["uuid"],
        kind=data["kind"],
        description=description,
        study_id=ids["study_id"],
        test_id=ids["test_id"],
        device_time=device_time,
        via="api",
    )
    if result.status == "invalid":
        return _invalid(result.errors)
    assert result.incident is not None
    return _reply(
        201 if result.status == "created" else 200,
        status=result.status,
        uuid=result.incident.uuid,
        message=_(
            "Your coordinator can see your message now. If you are in danger, call 112. "
            "Stop the test if you do not feel safe."
        ),
    )


@bp.post("/device-status")
def device_status() -> tuple[Response, int]:
    data = _json_object()
    errors = _unknown_key_errors(data, DEVICE_KEYS)
    device_id = data.get("device_id")
    if not isinstance(device_id, str) or not 0 < len(device_id.strip()) <= 64:
        errors["device_id"] = [_("Give a device id of 1 to 64 characters.")]
    unsent = _whole_number(data.get("unsent_count"))
    if unsent is None or not 0 <= unsent <= device_service.MAX_UNSENT:
        errors["unsent_count"] = [
            _(
                "Give the number of unsent reports as a whole number from 0 to %(max)d.",
                max=device_service.MAX_UNSENT,
            )
        ]
    if errors:
        return _invalid(errors)
    assert isinstance(device_id, str) and unsent is not None
    try:
        device_service.record_device_status(
            session=get_session(),
            user=_user(),
            device_id=device_id,
            unsent_count=unsent,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except device_service.UnknownDevice:
        return _reply(
            422,
            error="invalid",
            errors={
                "device_id": [
                    _("This phone is not known for your account. Sign out and sign in on it again.")
                ]
            },
        )
    return _reply(200, status="ok")


def _device_time_error() -> str:
    """The rule of :func:`~fieldwork.timeutil.aware_datetime`, for a report's and an incident's ``device_time``."""
    return _(
        "Give the device time as ISO 8601 with a time zone, between the years 1970 "
        "and 2100, e.g. 2025-05-17T23:45:00+02:00."
    )


def _user() -> User:
    return current_user.record
