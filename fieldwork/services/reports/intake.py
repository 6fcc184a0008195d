"""Intake of visit reports: validated, idempotent by UUID, locked, corrected only by amendments.

One function serves the HTML form and the JSON API, so both apply the same rules:

- same UUID, same content → the stored report ("same");
- same UUID, other content, or a second different report for the same team and test →
  kept as a :class:`ReportConflict` for the coordinator ("conflict"), never an overwrite;
- the database's unique constraints (UUID; test + team) settle concurrent submissions, so a
  race between two requests ends in one row, not two.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from fieldwork.models import Amendment, ReportConflict, User, VisitReport, utcnow
from fieldwork.services import audit
from fieldwork.services.schedule.assignments import Assignment
from forms import Instrument, get_instrument, validate_answers


@dataclass(frozen=True)
class ReportSubmission:
    """What a tester sends: raw answers (form strings or JSON values) plus metadata."""

    uuid: str
    answers: Mapping[str, Any]
    instrument_id: str | None = None
    instrument_version: int | None = None
    device_time: datetime | None = None
    elapsed_seconds: int | None = None
    submitted_at: datetime | None = None  # the phone's clock when the tester pressed submit


@dataclass
class SubmitResult:
    status: Literal["created", "same", "conflict", "invalid"]
    report: VisitReport | None = None
    conflict: ReportConflict | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def instrument_of(assignment: Assignment) -> Instrument:
    return get_instrument(assignment.study.instrument_id, assignment.study.instrument_version)


def submit_report(
    *,
    session: Session,
    assignment: Assignment,
    user: User,
    submission: ReportSubmission,
    skew_threshold_seconds: int = 300,
) -> SubmitResult:
    """Validate and store one team's report of one test; see the module docstring for the rules."""
    errors = _metadata_errors(assignment, submission)
    if errors:
        return SubmitResult("invalid", errors=errors)
    checked = validate_answers(instrument_of(assignment), submission.answers)
    if not checked.ok:
        return SubmitResult("invalid", errors=checked.errors)
    answers = checked.answers

    settled = _settle_against_stored(session, assignment, user, submission, answers)
    if settled is not None:
        return settled

    received_at = utcnow()
    skew = (
        int((submission.device_time - received_at).total_seconds())
        if submission.device_time is not None
        else None
    )
    report = VisitReport(
        uuid=submission.uuid,
        test_id=assignment.test.id,
        team_id=assignment.team.id,
        role=assignment.slot,
        instrument_id=assignment.study.instrument_id,
        instrument_version=assignment.study.instrument_version,
        answers=answers,
        device_time=submission.device_time,
        received_at=received_at,
        submitted_on_device_at=submission.submitted_at,
        clock_skew_seconds=skew,
        clock_skew_flag=skew is not None and abs(skew) > skew_threshold_seconds,
        elapsed_seconds=submission.elapsed_seconds,
        submitted_by_id=user.id,
    )
    session.add(report)
    try:
        session.flush()
    except IntegrityError:
        # Another request stored this UUID or this team's report first: answer as if we came second.
        session.rollback()
        settled = _settle_against_stored(session, assignment, user, submission, answers)
        if settled is not None:
            return settled
        raise
    audit.record(
        session,
        action="report.submit",
        user=user,
        study_id=assignment.study.id,
        object_type="visitreport",
        object_id=report.id,
        after={"uuid": report.uuid, "test_id": report.test_id, "team": assignment.team.code},
    )
    session.commit()
    return SubmitResult("created", report=report)


STUDY_CLOSED = "This study is closed: its reports are locked and can no longer be sent or changed."


def _metadata_errors(assignment: Assignment, submission: ReportSubmission) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if assignment.study.status == "closed":
        errors["study"] = [STUDY_CLOSED]
    try:
        uuidlib.UUID(str(submission.uuid))
    except ValueError:
        errors["uuid"] = ["The report id is not a UUID. Reload the form to get a new one."]
    study = assignment.study
    if submission.instrument_id is not None and submission.instrument_id != study.instrument_id:
        errors["instrument"] = [
            f"This test uses questionnaire {study.instrument_id!r}, not {submission.instrument_id!r}."
        ]
    if (
        submission.instrument_version is not None
        and submission.instrument_version != study.instrument_version
    ):
        errors["instrument_version"] = [
            f"This test uses questionnaire version {study.instrument_version}, "
            f"not {submission.instrument_version}. Reload the form."
        ]
    if submission.elapsed_seconds is not None and not 0 <= submission.elapsed_seconds <= 86400 * 7:
        errors["elapsed_seconds"] = ["Time spent on the form must be between 0 and 604800 seconds."]
    return errors


def _settle_against_stored(
    session: Session,
    assignment: Assignment,
    user: User,
    submission: ReportSubmission,
    answers: dict[str, Any],
) -> SubmitResult | None:
    """The result when a stored report already answers this submission, else None."""
    by_uuid = session.exec(select(VisitReport).where(VisitReport.uuid == submission.uuid)).first()
    if by_uuid is not None:
        same_slot = by_uuid.test_id == assignment.test.id and by_uuid.team_id == assignment.team.id
        if same_slot and by_uuid.answers == answers:
            return SubmitResult("same", report=by_uuid)
        return _conflict(
            session, assignment, user, submission, answers, by_uuid, "same_uuid_other_content"
        )
    stored = session.exec(
        select(VisitReport).where(
            VisitReport.test_id == assignment.test.id, VisitReport.team_id == assignment.team.id
        )
    ).first()
    if stored is None:
        return None
    if stored.answers == answers:
        return SubmitResult("same", report=stored)
    return _conflict(
        session, assignment, user, submission, answers, stored, "second_report_for_team"
    )


def _conflict(
    session: Session,
    assignment: Assignment,
    user: User,
    submission: ReportSubmission,
    answers: dict[str, Any],
    existing: VisitReport,
    reason: str,
) -> SubmitResult:
    already = session.exec(
        select(ReportConflict).where(
            ReportConflict.uuid == submission.uuid,
            ReportConflict.existing_report_id == existing.id,
        )
    ).all()
    for conflict in already:
        if conflict.answers == answers:
            return SubmitResult("conflict", report=existing, conflict=conflict)
    conflict = ReportConflict(
        uuid=submission.uuid,
        test_id=assignment.test.id,
        team_id=assignment.team.id,
        existing_report_id=existing.id,
        reason=reason,
        answers=answers,
        device_time=submission.device_time,
        submitted_by_id=user.id,
    )
    session.add(conflict)
    session.flush()
    audit.record(
        session,
        action="report.conflict",
        user=user,
        study_id=assignment.study.id,
        object_type="reportconflict",
        object_id=conflict.id,
        after={"uuid": submission.uuid, "existing_report_id": existing.id, "reason": reason},
    )
    session.commit()
    return SubmitResult("conflict", report=existing, conflict=conflict)


def amendments_of(session: Session, report: VisitReport) -> list[Amendment]:
    return list(
        session.exec(
            select(Amendment).where(Amendment.report_id == report.id).order_by(col(Amendment.id))
        ).all()
    )


def effective_answers(report: VisitReport, amendments: list[Amendment]) -> dict[str, Any]:
    """The report's answers with every amendment applied in order (None removes an answer)."""
    answers = dict(report.answers)
    for amendment in amendments:
        for key, value in amendment.changes.items():
            if value is None:
                answers.pop(key, None)
            else:
                answers[key] = value
    return answers


@dataclass
class AmendResult:
    amendment: Amendment | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def amend_report(
    *,
    session: Session,
    assignment: Assignment,
    report: VisitReport,
    user: User,
    answers: Mapping[str, Any],
    reason: str,
) -> AmendResult:
    """Append a correction: the full corrected answers are validated, only the changes stored."""
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if assignment.study.status == "closed":
        return AmendResult(errors={"study": [STUDY_CLOSED]})
    if len(reason) < 3:
        errors["reason"] = ["Say briefly why you change the report (at least 3 characters)."]
    checked = validate_answers(instrument_of(assignment), answers)
    errors.update(checked.errors)
    if errors:
        return AmendResult(errors=errors)
    current = effective_answers(report, amendments_of(session, report))
    changes = {
        key: checked.answers.get(key)
        for key in sorted(set(current) | set(checked.answers))
        if current.get(key) != checked.answers.get(key)
    }
    if not changes:
        return AmendResult(
            errors={"__all__": ["Nothing was changed, so there is nothing to amend."]}
        )
    amendment = Amendment(
        report_id=report.id, changes=changes, reason=reason, created_by_id=user.id
    )
    session.add(amendment)
    session.flush()
    audit.record(
        session,
        action="report.amend",
        user=user,
        study_id=assignment.study.id,
        object_type="visitreport",
        object_id=report.id,
        before={key: current.get(key) for key in changes},
        after={"changes": changes, "reason": reason, "amendment_id": amendment.id},
    )
    session.commit()
    return AmendResult(amendment=amendment)


def new_report_uuid() -> str:
    """A fresh idempotency key for a report form (the offline client makes its own)."""
    return str(uuidlib.uuid4())
