"""The retention purge.

:func:`purge_study` is what happens when a study's retention date has passed: tester identities
  (the accounts behind the pseudonyms), free text and the text of amendments are removed; the
  pseudonymous outcomes (coded answers), reviews and releases stay, so published figures can still
  be checked. The audit log is append-only with this one exception: purged text and account names
  are overwritten in it too (data protection outranks the log), and the purge itself is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from fieldwork.models import (
    Amendment,
    AuditEvent,
    DeviceStatus,
    Incident,
    PairReview,
    ReportConflict,
    ReviewMessage,
    Study,
    Test,
    Tester,
    User,
    VisitReport,
)
from fieldwork.services import audit
from fieldwork.services.errors import RetentionError
from forms import get_instrument

PURGED = "[purged]"
# Keys whose values are free text (or account names) wherever they appear in audit events.
FREE_TEXT_KEYS = frozenset(
    {
        "reason",
        "description",
        "message",
        "messages",
        "body",
        "override_reason",
        "cancel_reason",
        "resolution_note",
        "username",
    }
)


def study_by_code(session: Session, code: str) -> Study:
    study = session.exec(select(Study).where(Study.code == code)).first()
    if study is None:
        known = ", ".join(session.exec(select(Study.code).order_by(col(Study.code))).all())
        raise RetentionError(f"No study with code {code!r}. Known studies: {known or 'none'}.")
    return study


def set_retention(
    *, session: Session, study_code: str, until: date, user: User | None = None
) -> Study:
    """Set the date after which ``purge`` may remove the study's personal data (audited)."""
    study = study_by_code(session, study_code)
    before = study.retention_until
    study.retention_until = until
    session.add(study)
    audit.record(
        session,
        action="study.retention",
        user=user,
        study_id=study.id,
        object_type="study",
        object_id=study.id,
        before={"retention_until": before.isoformat() if before else None},
        after={"retention_until": until.isoformat()},
    )
    session.commit()
    return study


@dataclass(frozen=True)
class PurgeSummary:
    study: str
    accounts: int  # user accounts anonymised
    testers: int  # tester pseudonyms unlinked from their accounts
    reports: int  # reports whose free-text answers were removed
    amendments: int
    texts: int  # other free-text fields cleared (incidents, messages, reasons, conflicts)
    audit_events: int


def purge_study(
    *, session: Session, study_code: str, today: date, user: User | None = None
) -> PurgeSummary:
    """Remove the personal data of a study whose retention date has passed (see module doc)."""
    study = study_by_code(session, study_code)
    if study.retention_until is None:
        raise RetentionError(
            f"Study {study.code} has no retention date. Set one first: "
            f"mysteryguest retention {study.code} YYYY-MM-DD."
        )
    if today <= study.retention_until:
        raise RetentionError(
            f"Study {study.code} is kept until {study.retention_until.isoformat()}; "
            "it can be purged from the day after."
        )
    if study.status != "closed":
        raise RetentionError(f"Study {study.code} is not closed. Close it before purging it.")
    text_ids = _text_question_ids(study)
    accounts = _anonymise_accounts(session, study)
    testers = list(session.exec(select(Tester).where(Tester.study_id == study.id)).all())
    unlinked = sum(1 for tester in testers if tester.user_id is not None)
    for tester in testers:
        tester.user_id = None
        session.add(tester)

    test_ids = list(session.exec(select(Test.id).where(Test.study_id == study.id)).all())
    reports = _in(session, VisitReport, VisitReport.test_id, test_ids)
    cleaned_reports = 0
    for report in reports:
        kept = _without(report.answers, text_ids)
        if kept != report.answers:
            cleaned_reports += 1
        report.answers = kept
        report.submitted_by_id = None
        session.add(report)
    amendments = _in(session, Amendment, Amendment.report_id, [r.id for r in reports])
    for amendment in amendments:
        amendment.changes = _without(amendment.changes, text_ids)
        amendment.reason = PURGED
        amendment.created_by_id = None
        session.add(amendment)
    texts = 0
    for conflict in _in(session, ReportConflict, ReportConflict.test_id, test_ids):
        conflict.answers = _without(conflict.answers, text_ids)
        conflict.submitted_by_id = None
        session.add(conflict)
        texts += 1
    for incident in session.exec(select(Incident).where(Incident.study_id == study.id)).all():
        incident.description = PURGED if incident.description else ""
        incident.resolution_note = PURGED if incident.resolution_note else ""
        incident.reported_by_id = None
        session.add(incident)
        texts += 1
    for message in _in(session, ReviewMessage, ReviewMessage.test_id, test_ids):
        message.body = PURGED
        session.add(message)
        texts += 1
    for review in _in(session, PairReview, PairReview.test_id, test_ids):
        review.override_reason = PURGED if review.override_reason else ""
        session.add(review)
    for test in session.exec(select(Test).where(Test.study_id == study.id)).all():
        if test.cancel_reason:
            test.cancel_reason = PURGED
            session.add(test)
            texts += 1
    events = _scrub_audit(session, study, text_ids, accounts)
    summary = PurgeSummary(
        study=study.code,
        accounts=len(accounts),
        testers=unlinked,
        reports=cleaned_reports,
        amendments=len(amendments),
        texts=texts,
        audit_events=events,
    )
    audit.record(
        session,
        action="study.purge",
        user=user,
        study_id=study.id,
        object_type="study",
        object_id=study.id,
        after={
            "retention_until": study.retention_until.isoformat(),
            "accounts": summary.accounts,
            "testers": summary.testers,
            "reports": summary.reports,
            "amendments": summary.amendments,
            "texts": summary.texts,
            "audit_events": summary.audit_events,
        },
    )
    session.commit()
    return summary


def _text_question_ids(study: Study) -> frozenset[str]:
    instrument = get_instrument(study.instrument_id, study.instrument_version)
    return frozenset(q.id for q in instrument.questions if q.type == "text")


def _in(session: Session, model: Any, column: Any, ids: list[Any]) -> list[Any]:
    return list(session.exec(select(model).where(col(column).in_(ids))).all()) if ids else []


def _without(answers: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    drop = set(keys)
    return {key: value for key, value in answers.items() if key not in drop}


def _anonymise_accounts(session: Session, study: Study) -> set[int]:
    """Tester accounts used only in this study: name replaced, unusable, inactive. Accounts that
    another study still needs are only unlinked from this study's pseudonyms."""
    user_ids = {
        uid
        for uid in session.exec(
            select(Tester.user_id).where(
                Tester.study_id == study.id, col(Tester.user_id).is_not(None)
            )
        ).all()
        if uid is not None
    }
    elsewhere = set(
        session.exec(
            select(Tester.user_id).where(
                Tester.study_id != study.id, col(Tester.user_id).in_(user_ids)
            )
        ).all()
    )
    anonymised: set[int] = set()
    for user_id in sorted(user_ids - elsewhere):
        account = session.get(User, user_id)
        if account is None or account.role != "tester":
            continue
        account.username = f"purged-{account.id}"
        account.password_hash = "!purged"  # no password verifies against this
        account.active = False
        session.add(account)
        for device in session.exec(select(DeviceStatus).where(DeviceStatus.user_id == user_id)):
            session.delete(device)
        anonymised.add(user_id)
    session.flush()
    return anonymised


def _scrub(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: (PURGED if key in keys and item not in (None, "", {}, []) else _scrub(item, keys))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, keys) for item in value]
    return value


def _scrub_audit(
    session: Session, study: Study, text_ids: frozenset[str], accounts: set[int]
) -> int:
    keys = FREE_TEXT_KEYS | text_ids
    changed = 0
    events = session.exec(
        select(AuditEvent).where(
            (AuditEvent.study_id == study.id)
            | (col(AuditEvent.user_id).in_(accounts))
            | ((AuditEvent.object_type == "user") & col(AuditEvent.object_id).in_(accounts))
        )
    ).all()
    for event in events:
        before, after = _scrub(event.before, keys), _scrub(event.after, keys)
        actor = f"purged-{event.user_id}" if event.user_id in accounts else event.actor
        if (before, after, actor) != (event.before, event.after, event.actor):
            event.before, event.after, event.actor = before, after, actor
            session.add(event)
            changed += 1
    return changed
