"""The retention purge.

:func:`purge_study` is what happens when a study's retention date has passed: tester identities
(the accounts behind the pseudonyms), free text and the text of amendments are removed; the name
and address of every private landlord (a person) — and of targets of the types the study names
in ``generalise_target_types`` — are replaced by a code and a postcode area, including the names
and addresses they had before an edit. The pseudonymous outcomes (coded answers), reviews and
releases stay, so published figures can still be checked. The audit log is append-only with this
one exception: purged text, account names and landlords' names and addresses are overwritten in
it too (data protection outranks the log), and the purge itself is audited.

Removed data must not linger in the database files either: on SQLite the purge writes with
``PRAGMA secure_delete=ON`` (freed space is zeroed), then checkpoints the write-ahead log into
the main file and truncates it, runs ``VACUUM`` (no free pages left) and truncates the log
again; on PostgreSQL it runs ``VACUUM`` on the tables it changed. Backups made before the purge
still hold the data: see the README on how long to keep them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.models import Amendment
from fieldwork.models import AuditEvent
from fieldwork.models import DeviceStatus
from fieldwork.models import Incident
from fieldwork.models import PairReview
from fieldwork.models import ReportConflict
from fieldwork.models import ReviewMessage
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services import audit
from fieldwork.services.errors import RetentionError
from fieldwork.services.studies.overview import study_by_code
from forms import get_instrument

PURGED = "[purged]"
# Targets that are people: their name and address always go in the purge.
PERSON_TARGET_TYPES = ("private_landlord",)
POSTCODE_AREA = re.compile(r"\b(\d{4})\s?[A-Z]{2}\b")
# Tables whose rows the purge changes (VACUUMed on PostgreSQL).
CHANGED_TABLES = (
    "user", "tester", "visitreport", "amendment", "reportconflict", "incident", "reviewmessage",
    "pairreview", "test", "target", "auditevent", "devicestatus",
)  # fmt: skip
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


def set_retention(
    *, session: Session, study_code: str, until: date, user: User | None = None,
    generalise_types: Iterable[str] | None = None,
) -> Study:  # fmt: skip
    """Set the date after which ``purge`` may remove the study's personal data (audited), and
    optionally the target types whose names and addresses the purge removes besides private
    landlords'."""
    study = study_by_code(session, study_code, error=RetentionError)
    before: dict[str, Any] = {
        "retention_until": study.retention_until.isoformat() if study.retention_until else None
    }
    after: dict[str, Any] = {"retention_until": until.isoformat()}
    if generalise_types is not None:
        kinds = sorted(set(generalise_types))
        unknown = [kind for kind in kinds if kind not in study.target_types]
        if unknown:
            raise RetentionError(
                f"Study {study.code} has no target type {', '.join(map(repr, unknown))}; "
                f"its types are: {', '.join(study.target_types)}."
            )
        before["generalise_target_types"] = list(study.generalise_target_types or [])
        after["generalise_target_types"] = kinds
        study.generalise_target_types = kinds
    study.retention_until = until
    audit.record(session, action="study.retention", user=user, about=study, before=before,
                 after=after)  # fmt: skip
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
    targets: int  # targets whose name and address were generalised (private landlords, …)
    audit_events: int
    storage: str  # what was done to the database files: how freed space was wiped


def purge_study(
    *, session: Session, study_code: str, today: date, user: User | None = None
) -> PurgeSummary:
    """Remove the personal data of a study whose retention date has passed (see module doc)."""
    study = study_by_code(session, study_code, error=RetentionError)
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
    _secure_delete(session)
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
    targets, forgotten = _generalise_targets(session, study)
    events = _scrub_audit(session, study, text_ids, accounts, forgotten)
    summary = PurgeSummary(
        study=study.code,
        accounts=len(accounts),
        testers=unlinked,
        reports=cleaned_reports,
        amendments=len(amendments),
        texts=texts,
        targets=targets,
        audit_events=events,
        storage="",
    )
    audit.record(
        session,
        action="study.purge",
        user=user,
        about=study,
        after={
            "retention_until": study.retention_until.isoformat(),
            "accounts": summary.accounts,
            "testers": summary.testers,
            "reports": summary.reports,
            "amendments": summary.amendments,
            "texts": summary.texts,
            "targets": summary.targets,
            "audit_events": summary.audit_events,
        },
    )
    session.commit()
    return dataclasses.replace(summary, storage=wipe_free_space(session.get_bind()))


def _secure_delete(session: Session) -> None:
    """On SQLite, zero the space that this transaction frees (the purged text)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("PRAGMA secure_delete=ON")


def wipe_free_space(engine: Engine) -> str:
    """After the purge: leave no purged bytes in free pages or in the write-ahead log."""
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "sqlite":
            first = autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            autocommit.exec_driver_sql("VACUUM")
            last = autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            if first[0] or last[0]:
                return (
                    "SQLite: VACUUM done, but another connection kept the write-ahead log busy; "
                    "stop the app and run the purge again to truncate it"
                )
            return "SQLite: secure_delete, wal_checkpoint(TRUNCATE), VACUUM"
        if engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{name}"' for name in CHANGED_TABLES)
            autocommit.exec_driver_sql(f"VACUUM {tables}")
            return "PostgreSQL: VACUUM of the changed tables"
    return f"{engine.dialect.name}: no clean-up of free space known for this database"


def _generalise_targets(session: Session, study: Study) -> tuple[int, set[str]]:
    """Replace the name and address of private landlords (and of the study's chosen types) by
    the type and code and the postcode area; return how many, and every name and address they
    had (now and before an edit), for the audit log."""
    kinds = set(PERSON_TARGET_TYPES) | set(study.generalise_target_types or [])
    targets = session.exec(
        select(Target).where(Target.study_id == study.id, col(Target.target_type).in_(kinds))
    ).all()
    forgotten: set[str] = set()
    changed = 0
    for target in targets:
        name, address = f"{target.target_type} {target.code}", _postcode_area(target)
        if (target.name, target.address) == (name, address):
            continue  # purged before
        forgotten |= {value for value in (target.name, target.address) if value}
        forgotten |= _earlier_values(session, target)
        target.name, target.address = name, address
        session.add(target)
        changed += 1
    forgotten.discard("")
    return changed, forgotten


def _postcode_area(target: Target) -> str:
    """The four digits of the postcode (thousands of households), else the target's area."""
    address = target.address or ""
    if re.fullmatch(r"\d{4}", address):
        return address  # generalised before
    match = POSTCODE_AREA.search(address)
    return match.group(1) if match else target.area


def _earlier_values(session: Session, target: Target) -> set[str]:
    found = set()
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.object_type == "target", AuditEvent.object_id == target.id
        )  # fmt: skip
    ).all()
    for event in events:
        for values in (event.before or {}, event.after or {}):
            found |= {values[key] for key in ("name", "address")
                      if isinstance(values.get(key), str)}  # fmt: skip
    return found


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


def _scrub(value: Any, keys: frozenset[str], forgotten: frozenset[str] = frozenset()) -> Any:
    if isinstance(value, dict):
        return {
            key: (
                PURGED
                if key in keys and item not in (None, "", {}, [])
                else _scrub(item, keys, forgotten)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, keys, forgotten) for item in value]
    if isinstance(value, str) and any(secret in value for secret in forgotten):
        return PURGED
    return value


def _scrub_audit(
    session: Session, study: Study, text_ids: frozenset[str], accounts: set[int],
    forgotten: set[str],
) -> int:  # fmt: skip
    keys = FREE_TEXT_KEYS | text_ids
    secrets = frozenset(forgotten)
    changed = 0
    target_ids = list(session.exec(select(Target.id).where(Target.study_id == study.id)).all())
    events = session.exec(
        select(AuditEvent).where(
            (AuditEvent.study_id == study.id)
            | (col(AuditEvent.user_id).in_(accounts))
            | ((AuditEvent.object_type == "user") & col(AuditEvent.object_id).in_(accounts))
            | ((AuditEvent.object_type == "target") & col(AuditEvent.object_id).in_(target_ids))
        )
    ).all()
    for event in events:
        before = _scrub(event.before, keys, secrets)
        after = _scrub(event.after, keys, secrets)
        actor = f"purged-{event.user_id}" if event.user_id in accounts else event.actor
        if (before, after, actor) != (event.before, event.after, event.actor):
            event.before, event.after, event.actor = before, after, actor
            session.add(event)
            changed += 1
    return changed
