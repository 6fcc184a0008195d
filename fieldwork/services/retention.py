"""Backups and the retention purge.

- :func:`backup_database` copies a live SQLite database with SQLite's online backup API (a
  consistent snapshot while the app keeps writing), or runs ``pg_dump`` for PostgreSQL.
- :func:`purge_study` is what happens when a study's retention date has passed: tester identities
  (the accounts behind the pseudonyms), free text and the text of amendments are removed; the
  pseudonymous outcomes (coded answers), reviews and releases stay, so published figures can still
  be checked. The audit log is append-only with this one exception: purged text and account names
  are overwritten in it too (data protection outranks the log), and the purge itself is audited.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
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
        "message_to_testers",
        "override_reason",
        "cancel_reason",
        "username",
    }
)
PG_DUMP_HELP = (
    "For PostgreSQL make the backup with pg_dump, e.g.\n"
    "  pg_dump --format=custom --no-owner --file OUT 'postgresql://USER@HOST/DB'\n"
    "and restore it into an empty database with\n"
    "  pg_restore --no-owner --dbname 'postgresql://USER@HOST/NEWDB' OUT"
)


class RetentionError(ValueError):
    """A backup or purge cannot be done; the message says why and what to do."""


# --- backups -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    method: str  # "sqlite-online-backup" | "pg_dump"
    size_bytes: int


def backup_database(*, url: str, out: Path) -> BackupResult:
    """Write a consistent copy of the database at ``url`` to ``out`` (which must not exist)."""
    if out.exists():
        raise RetentionError(f"{out} exists already. Choose a new file name for the backup.")
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise RetentionError("An in-memory SQLite database cannot be backed up.")
        return _backup_sqlite(Path(parsed.database), out)
    if backend == "postgresql":
        return _backup_postgresql(url, out)
    raise RetentionError(f"Backups of {backend!r} databases are not supported. {PG_DUMP_HELP}")


def _backup_sqlite(source: Path, out: Path) -> BackupResult:
    if not source.exists():
        raise RetentionError(f"There is no database at {source}. Check DATABASE_URL.")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(out.name + ".partial")
    staging.unlink(missing_ok=True)
    # Read-only source; the backup API copies page by page and restarts when a writer interferes,
    # so the copy is one committed state of the database, never a torn file.
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(staging)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if verdict != "ok":
        staging.unlink(missing_ok=True)
        raise RetentionError(f"The copy failed SQLite's integrity check: {verdict}")
    staging.rename(out)
    return BackupResult(out, "sqlite-online-backup", out.stat().st_size)


def pg_tool(name: str) -> str | None:
    """The path of a PostgreSQL client program (PATH first, then Debian's versioned folders)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=_pg_version)
    return str(versions[-1]) if versions else None


def _pg_version(path: Path) -> int:
    version = path.parts[-3]
    return int(version) if version.isdigit() else 0


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq reads it (no ``+driver``)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _backup_postgresql(url: str, out: Path) -> BackupResult:
    pg_dump = os.environ.get("PG_DUMP") or pg_tool("pg_dump")
    if pg_dump is None:
        raise RetentionError(f"pg_dump is not installed here. {PG_DUMP_HELP}")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(out.name + ".partial")
    command = [pg_dump, "--format=custom", "--no-owner", "--file", str(staging), libpq_url(url)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        staging.unlink(missing_ok=True)
        raise RetentionError(f"pg_dump failed: {done.stderr.strip()}\n{PG_DUMP_HELP}")
    staging.rename(out)
    return BackupResult(out, "pg_dump", out.stat().st_size)


# --- retention ---------------------------------------------------------------------------------


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
        incident.reported_by_id = None
        session.add(incident)
        texts += 1
    for message in _in(session, ReviewMessage, ReviewMessage.test_id, test_ids):
        message.body = PURGED
        session.add(message)
        texts += 1
    for review in _in(session, PairReview, PairReview.test_id, test_ids):
        review.message_to_testers = PURGED if review.message_to_testers else ""
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
