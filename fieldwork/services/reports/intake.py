"""Intake of visit reports: validated, idempotent by UUID, locked, corrected only by amendments.

:func:`file_report` serves the HTML form, the JSON API and the import of unsent reports, so all
three apply the same rules. First, who files it for whom (the author owns the report):

- the test's study is closed → "study_closed", nothing stored;
- the author the phone names is not the signed-in user → "author_mismatch";
- the user was not a member of the named team on the test's night, or the team is not in the
  test's pair → "author_not_in_team";
  both kept as a :class:`ReportConflict` where the test and the team are real, never as a report;
- the report's UUID belongs to another team's report → "foreign_report", nothing stored.

Then, against what is stored (:func:`submit_report`):

- same UUID, same content → the stored report ("same");
- same UUID, other content, or a second different report for the same team and test →
  kept as a :class:`ReportConflict` for the coordinator ("conflict"), never an overwrite;
- a UUID that names another team's report ("foreign_report") is refused and stores nothing:
  it is not this team's conflict, and a row about that other team's report would mislead;
- report ids are stored canonical (lower-case, hyphenated: ``str(uuid.UUID(...))``), so
  ``{…}``, ``urn:uuid:…`` or upper-case spellings of one id are one report;
- the database's unique constraints (UUID; test + team) settle concurrent submissions, so a
  race between two requests ends in one row, not two.
"""

from __future__ import annotations

import contextlib
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from typing import Any
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import N_
from fieldwork.i18n import _
from fieldwork.i18n import error_message
from fieldwork.models import Amendment
from fieldwork.models import ReportConflict
from fieldwork.models import Study
from fieldwork.models import Team
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.models import utcnow
from fieldwork.services import audit
from fieldwork.services.schedule.assignments import Assignment
from fieldwork.services.schedule.assignments import assignment_for_user
from fieldwork.services.studies.instruments import InstrumentChanged
from fieldwork.services.studies.instruments import instrument_for
from forms import Instrument
from forms import get_instrument
from forms import validate_answers


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


Status = Literal[
    "created",
    "same",
    "conflict",
    "invalid",
    "not_found",
    "study_closed",
    "author_mismatch",
    "author_not_in_team",
    "foreign_report",
]
# Answers the phone must not send again: it keeps the item for export and shows the message.
FINAL_REFUSALS = ("study_closed", "author_mismatch", "author_not_in_team", "foreign_report")


@dataclass
class SubmitResult:
    status: Status
    report: VisitReport | None = None
    conflict: ReportConflict | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    assignment: Assignment | None = None
    dry_run: bool = False


def refusal_message(status: str) -> str:
    """What the tester reads when the server refuses a report for good (see FINAL_REFUSALS)."""
    messages = {
        "study_closed": _(
            "This study is closed, so your report was not stored. Export it with 'Export unsent "
            "reports' and give the file to your coordinator."
        ),
        "author_mismatch": _(
            "This report was written by someone else who used this phone, so it was not stored "
            "under your name. It stays on this phone until its author signs in again; you can "
            "also export it and give the file to your coordinator."
        ),
        "author_not_in_team": _(
            "You were not in this team on the night of this test, so the report was not stored "
            "under it. Export it and give the file to your coordinator."
        ),
        "foreign_report": _(
            "This report's id belongs to a report of another team, so nothing was stored. Export "
            "the report and give the file to your coordinator."
        ),
    }
    return messages[status]


def file_report(
    *,
    session: Session,
    user: User,
    test_id: int,
    team_code: str | None,
    author_id: int | None,
    submission: ReportSubmission,
    skew_threshold_seconds: int = 300,
    via: str = "form",
    actor: User | None = None,
    dry_run: bool = False,
    keep_refusals: bool = True,
) -> SubmitResult:
    """File ``submission`` by ``user`` (its author) for team ``team_code`` (None: the user's team
    in the test) of test ``test_id``; see the module docstring for the rules.

    ``via`` ("form", "api", "import") and ``actor`` (who imported it) go into the audit trail;
    ``dry_run`` says what would happen and stores nothing; without ``keep_refusals`` a report
    refused for its author or team leaves no conflict row (an imported file proves nothing).
    """
    with contextlib.suppress(ValueError):  # one spelling of the id, in a refusal's row too
        submission = replace(submission, uuid=canonical_uuid(str(submission.uuid)))
    test = session.get(Test, test_id)
    study = session.get(Study, test.study_id) if test is not None else None
    if test is None or study is None or _tester_in(session, study, user) is None:
        return SubmitResult("not_found")
    if study.status == "closed":
        return SubmitResult("study_closed")
    assignment = assignment_for_user(session, user.id or 0, test_id, team_code=team_code)
    if author_id is not None and author_id != user.id:
        return _refused(
            session, "author_mismatch", study, test, team_code, assignment, user, submission,
            via=via, actor=actor, dry_run=dry_run or not keep_refusals,
        )  # fmt: skip
    if assignment is None and team_code is None:
        return SubmitResult("not_found")  # none of the user's teams is in this test
    if assignment is None:
        return _refused(
            session, "author_not_in_team", study, test, team_code, None, user, submission,
            via=via, actor=actor, dry_run=dry_run or not keep_refusals,
        )  # fmt: skip
    result = submit_report(
        session=session,
        assignment=assignment,
        user=user,
        submission=submission,
        skew_threshold_seconds=skew_threshold_seconds,
        via=via,
        actor=actor,
        dry_run=dry_run,
    )
    result.assignment = assignment
    return result


def test_instrument(session: Session, *, user: User, test_id: int) -> Instrument | None:
    """The questionnaire of test ``test_id`` when the user is a tester of its study, else None
    (the test does not exist or is none of theirs)."""
    test = session.get(Test, test_id)
    study = session.get(Study, test.study_id) if test is not None else None
    if study is None or _tester_in(session, study, user) is None:
        return None
    return get_instrument(study.instrument_id, study.instrument_version)


def _tester_in(session: Session, study: Study, user: User) -> Tester | None:
    return session.exec(
        select(Tester).where(Tester.study_id == study.id, Tester.user_id == user.id)
    ).first()


def _refused(
    session: Session,
    reason: Literal["author_mismatch", "author_not_in_team"],
    study: Study,
    test: Test,
    team_code: str | None,
    assignment: Assignment | None,
    user: User,
    submission: ReportSubmission,
    *,
    via: str,
    actor: User | None,
    dry_run: bool,
) -> SubmitResult:
    """Refuse a report filed under the wrong author or team; keep it as a conflict row when the
    test and the team are real (the team named, else the user's team in the test)."""
    team: Team | None = assignment.team if assignment is not None else None
    if team_code is not None:
        team = session.exec(
            select(Team).where(Team.study_id == study.id, Team.code == team_code)
        ).first()
    if team is None or dry_run:
        return SubmitResult(reason, dry_run=dry_run)
    answers = dict(submission.answers) if isinstance(submission.answers, Mapping) else {}
    stored = session.exec(
        select(VisitReport).where(VisitReport.test_id == test.id, VisitReport.team_id == team.id)
    ).first()
    conflict = _keep_conflict(
        session, study=study, test_id=test.id or 0, team_id=team.id or 0, user=user,
        submission=submission, answers=answers, existing=stored, reason=reason, via=via,
        actor=actor,
    )  # fmt: skip
    return SubmitResult(reason, report=None, conflict=conflict)


def instrument_of(assignment: Assignment) -> Instrument:
    return get_instrument(assignment.study.instrument_id, assignment.study.instrument_version)


def submit_report(
    *,
    session: Session,
    assignment: Assignment,
    user: User,
    submission: ReportSubmission,
    skew_threshold_seconds: int = 300,
    via: str = "form",
    actor: User | None = None,
    dry_run: bool = False,
) -> SubmitResult:
    """Validate and store one team's report of one test, as ``user`` of ``assignment`` (found
    from their membership); see the module docstring for the rules."""
    if assignment.study.status == "closed":
        return SubmitResult("study_closed", dry_run=dry_run)
    errors = _metadata_errors(assignment, submission)
    if errors:
        return SubmitResult("invalid", errors=errors, dry_run=dry_run)
    submission = replace(submission, uuid=canonical_uuid(str(submission.uuid)))
    try:
        instrument = instrument_for(session, assignment.study, first_report=not dry_run)
    except InstrumentChanged as changed:
        return SubmitResult("invalid", errors=_changed_errors(changed), dry_run=dry_run)
    checked = validate_answers(instrument, submission.answers)
    if not checked.ok:
        return SubmitResult("invalid", errors=checked.errors, dry_run=dry_run)
    answers = checked.answers

    context = _Context(via=via, actor=actor, dry_run=dry_run)
    settled = _settle_against_stored(session, assignment, user, submission, answers, context)
    if settled is not None:
        return settled
    if dry_run:
        return SubmitResult("created", dry_run=True)

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
        settled = _settle_against_stored(session, assignment, user, submission, answers, context)
        if settled is not None:
            return settled
        raise
    audit.record(
        session,
        action="report.submit",
        user=actor or user,
        study_id=assignment.study.id,
        about=report,
        after={
            "uuid": report.uuid,
            "test_id": report.test_id,
            "team": assignment.team.code,
            "via": via,
            **({"author": user.username} if actor is not None else {}),
        },
    )
    session.commit()
    return SubmitResult("created", report=report)


def canonical_uuid(value: str) -> str:
    """The one spelling of a report id: lower-case, hyphenated (ValueError if not a UUID)."""
    return str(uuidlib.UUID(value.strip()))


STUDY_CLOSED = N_(
    "This study is closed: its reports are locked and can no longer be sent or changed."
)


def _changed_errors(changed: InstrumentChanged) -> dict[str, list[str]]:
    """Nothing is stored while the questionnaire differs from the one the reports answered."""
    return {
        "instrument": [
            _(
                "The questionnaire was changed on the server, so no report can be stored now. "
                "Keep your report and tell your coordinator."
            ),
            error_message(changed),
        ]
    }


@dataclass(frozen=True)
class _Context:
    via: str = "form"
    actor: User | None = None
    dry_run: bool = False


def _metadata_errors(assignment: Assignment, submission: ReportSubmission) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        canonical_uuid(str(submission.uuid))
    except ValueError:
        errors["uuid"] = [_("The report id is not a UUID. Reload the form to get a new one.")]
    study = assignment.study
    if submission.instrument_id is not None and submission.instrument_id != study.instrument_id:
        errors["instrument"] = [
            _(
                "This test uses questionnaire %(expected)s, not %(got)s.",
                expected=study.instrument_id,
                got=submission.instrument_id,
            )
        ]
    if (
        submission.instrument_version is not None
        and submission.instrument_version != study.instrument_version
    ):
        errors["instrument_version"] = [
            _(
                "This test uses questionnaire version %(expected)s, not %(got)s. Reload the form.",
                expected=study.instrument_version,
                got=submission.instrument_version,
            )
        ]
    if submission.elapsed_seconds is not None and not 0 <= submission.elapsed_seconds <= 86400 * 7:
        errors["elapsed_seconds"] = [
            _("Time spent on the form must be between 0 and 604800 seconds.")
        ]
    return errors


def _settle_against_stored(
    session: Session,
    assignment: Assignment,
    user: User,
    submission: ReportSubmission,
    answers: dict[str, Any],
    context: _Context,
) -> SubmitResult | None:
    """The result when a stored report already answers this submission, else None."""
    by_uuid = session.exec(select(VisitReport).where(VisitReport.uuid == submission.uuid)).first()
    if by_uuid is not None:
        if by_uuid.team_id != assignment.team.id:
            # Another team's report: say nothing about it and keep nothing on its test.
            return SubmitResult("foreign_report", dry_run=context.dry_run)
        if by_uuid.test_id == assignment.test.id and by_uuid.answers == answers:
            return SubmitResult("same", report=by_uuid, dry_run=context.dry_run)
        return _conflict(
            session, assignment, user, submission, answers, by_uuid, "same_uuid_other_content",
            context,
        )  # fmt: skip
    stored = session.exec(
        select(VisitReport).where(
            VisitReport.test_id == assignment.test.id, VisitReport.team_id == assignment.team.id
        )
    ).first()
    if stored is None:
        return None
    if stored.answers == answers:
        return SubmitResult("same", report=stored, dry_run=context.dry_run)
    return _conflict(
        session, assignment, user, submission, answers, stored, "second_report_for_team", context
    )


def _conflict(
    session: Session,
    assignment: Assignment,
    user: User,
    submission: ReportSubmission,
    answers: dict[str, Any],
    existing: VisitReport,
    reason: str,
    context: _Context,
) -> SubmitResult:
    if context.dry_run:
        return SubmitResult("conflict", report=existing, dry_run=True)
    conflict = _keep_conflict(
        session, study=assignment.study, test_id=assignment.test.id or 0,
        team_id=assignment.team.id or 0, user=user, submission=submission, answers=answers,
        existing=existing, reason=reason, via=context.via, actor=context.actor,
    )  # fmt: skip
    return SubmitResult("conflict", report=existing, conflict=conflict)


def _keep_conflict(
    session: Session,
    *,
    study: Study,
    test_id: int,
    team_id: int,
    user: User,
    submission: ReportSubmission,
    answers: dict[str, Any],
    existing: VisitReport | None,
    reason: str,
    via: str,
    actor: User | None,
) -> ReportConflict:
    """Store the submission as a conflict for the coordinator (once: a retry finds it again)."""
    already = session.exec(
        select(ReportConflict).where(
            ReportConflict.uuid == submission.uuid,
            ReportConflict.test_id == test_id,
            ReportConflict.team_id == team_id,
            ReportConflict.reason == reason,
        )
    ).all()
    for conflict in already:
        if conflict.answers == answers and conflict.submitted_by_id == user.id:
            return conflict
    conflict = ReportConflict(
        uuid=str(submission.uuid)[:36],
        test_id=test_id,
        team_id=team_id,
        existing_report_id=existing.id if existing is not None else None,
        reason=reason,
        answers=answers,
        device_time=submission.device_time,
        submitted_by_id=user.id,
    )
    audit.record(
        session,
        action="report.conflict",
        user=actor or user,
        study_id=study.id,
        about=conflict,
        after={
            "uuid": conflict.uuid,
            "test_id": test_id,
            "existing_report_id": conflict.existing_report_id,
            "reason": reason,
            "via": via,
            **({"author": user.username} if actor is not None else {}),
        },
    )
    session.commit()
    return conflict


def report_count(session: Session, test_id: int) -> int:
    """How many team reports of the test are stored (0, 1 or 2)."""
    return len(session.exec(select(VisitReport.id).where(VisitReport.test_id == test_id)).all())


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
        return AmendResult(errors={"study": [_(STUDY_CLOSED)]})
    if len(reason) < 3:
        errors["reason"] = [_("Say briefly why you change the report (at least 3 characters).")]
    try:
        instrument = instrument_for(session, assignment.study)
    except InstrumentChanged as changed:
        return AmendResult(errors=_changed_errors(changed))
    checked = validate_answers(instrument, answers)
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
            errors={"__all__": [_("Nothing was changed, so there is nothing to amend.")]}
        )
    amendment = Amendment(
        report_id=report.id, changes=changes, reason=reason, created_by_id=user.id
    )
    session.add(amendment)
    session.flush()
    audit.record(session, action="report.amend", user=user, study_id=assignment.study.id,
                 about=report, before={key: current.get(key) for key in changes},
                 after={"changes": changes, "reason": reason, "amendment_id": amendment.id})  # fmt: skip
    session.commit()
    return AmendResult(amendment=amendment)


def new_report_uuid() -> str:
    """A fresh idempotency key for a report form (the offline client makes its own)."""
    return str(uuidlib.uuid4())
