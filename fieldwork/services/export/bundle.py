"""The export bundle: the seam between fieldwork and analysis (DESIGN.md, "Export bundle").

A bundle is a folder that ``analysis`` reads without the database. It holds codes, types,
areas, nights and answers; never target names or addresses, tester identities, user names or
free-text answers (a verbatim quote can name a venue or a person, so text questions stay in the
app). Tests whose window has not ended yet and that lack a report are *pending* and left out.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from analysis import csvsafe
from fieldwork.models import (
    Amendment,
    Pair,
    PairReview,
    Study,
    Target,
    Team,
    Test,
    Tester,
    User,
    VisitReport,
    utcnow,
)
from fieldwork.services import audit
from fieldwork.services.reports.intake import effective_answers
from fieldwork.services.reports.validity import evaluate_pair
from forms import Instrument, Question, get_instrument

BUNDLE_FORMAT = "mysteryguest-bundle"
BUNDLE_VERSION = 1
FILES = ("manifest.json", "instrument.toml", "pairs.csv", "visits.csv", "codebook.csv")
PAIR_COLUMNS = [
    "test_id", "target_code", "target_type", "area", "date", "first_role", "interval_minutes",
    "valid", "invalid_reasons", "sham", "order_followed", "retest",
]  # fmt: skip


class ExportError(ValueError):
    """The export cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class ExportSummary:
    folder: Path
    tests: int
    pending: int
    valid: int
    reports: int


def csv_value(value: Any) -> str:
    """One answer as DESIGN.md's CSV convention writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(csv_value(item) for item in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _software() -> str:
    try:
        return f"mysteryguest {version('mysteryguest')}"
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "mysteryguest"


def export_study(
    *, session: Session, study_code: str, folder: Path, user: User | None = None
) -> ExportSummary:
    """Write the bundle of study ``study_code`` into ``folder`` (new, or empty)."""
    study = session.exec(select(Study).where(Study.code == study_code)).first()
    if study is None:
        known = ", ".join(session.exec(select(Study.code).order_by(col(Study.code))).all())
        raise ExportError(f"No study with code {study_code!r}. Known studies: {known or 'none'}.")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ExportError(f"{folder} exists and is not an empty folder. Choose a new folder.")
    instrument = get_instrument(study.instrument_id, study.instrument_version)
    rows = _collect(session, study, instrument)
    texts = {
        "instrument.toml": instrument.text,
        "pairs.csv": _pairs_csv(rows, instrument),
        "visits.csv": _visits_csv(rows, instrument),
        "codebook.csv": _codebook_csv(instrument),
    }
    exported = [row for row in rows if not row.pending]
    summary = ExportSummary(
        folder=folder,
        tests=len(exported),
        pending=len(rows) - len(exported),
        valid=sum(1 for row in exported if row.valid),
        reports=sum(len(row.reports) for row in exported),
    )
    texts["manifest.json"] = (
        json.dumps(_manifest(study, summary), indent=2, ensure_ascii=False) + "\n"
    )
    # Write into a temporary sibling, then rename: a failed export leaves no half bundle.
    staging = folder.with_name(folder.name + ".partial")
    staging.mkdir(parents=True, exist_ok=False)
    for name in FILES:
        (staging / name).write_text(texts[name], encoding="utf-8", newline="")
    if folder.exists():
        folder.rmdir()
    staging.rename(folder)
    audit.record(
        session,
        action="study.export",
        user=user,
        study_id=study.id,
        object_type="study",
        object_id=study.id,
        after={"tests": summary.tests, "pending": summary.pending, "valid": summary.valid},
    )
    session.commit()
    return summary


def _manifest(study: Study, summary: ExportSummary) -> dict[str, Any]:
    return {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "study": {
            "code": study.code,
            "title": study.title,
            "domain": study.domain,
            "instrument": study.instrument_id,
            "instrument_version": study.instrument_version,
            "purpose": study.purpose,
            "order_rule": study.order_rule,
            "planned_gap_minutes": study.planned_gap_minutes,
            "max_interval_minutes": study.max_interval_minutes,
            "publication_min_cell": study.publication_min_cell,
            "target_types": list(study.target_types),
            "status": study.status,
        },
        "counts": {
            "tests": summary.tests,
            "valid": summary.valid,
            "reports": summary.reports,
            "pending_not_exported": summary.pending,
        },
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "software": _software(),
    }


@dataclass
class _Report:
    report: VisitReport
    answers: dict[str, Any]
    team_code: str
    tester_code: str
    amended: bool


@dataclass
class _Row:
    test: Test
    target: Target
    pair: Pair
    reports: dict[str, _Report]  # by slot: protected | control
    valid: bool
    reasons: list[str]
    interval_minutes: float | None
    order_followed: bool | None
    pending: bool


def _collect(session: Session, study: Study, instrument: Instrument) -> list[_Row]:
    tests = session.exec(
        select(Test, Target, Pair)
        .join(Target, col(Target.id) == col(Test.target_id))
        .join(Pair, col(Pair.id) == col(Test.pair_id))
        .where(Test.study_id == study.id, Test.status == "planned")
        .order_by(col(Test.id))
    ).all()
    test_ids = [test.id for test, _, _ in tests]
    reports = session.exec(
        select(VisitReport).where(col(VisitReport.test_id).in_(test_ids or [-1]))
    ).all()
    amendments: dict[int, list[Amendment]] = {}
    for amendment in session.exec(
        select(Amendment)
        .where(col(Amendment.report_id).in_([r.id for r in reports] or [-1]))
        .order_by(col(Amendment.id))
    ).all():
        amendments.setdefault(amendment.report_id, []).append(amendment)
    teams = {
        team.id: team.code for team in session.exec(select(Team).where(Team.study_id == study.id))
    }
    testers = {
        tester.user_id: tester.code
        for tester in session.exec(select(Tester).where(Tester.study_id == study.id))
        if tester.user_id is not None
    }
    reviews = {
        review.test_id: review
        for review in session.exec(
            select(PairReview).where(col(PairReview.test_id).in_(test_ids or [-1]))
        )
    }
    by_test: dict[int, dict[str, _Report]] = {}
    for report in reports:
        by_test.setdefault(report.test_id, {})[report.role] = _Report(
            report=report,
            answers=effective_answers(report, amendments.get(report.id, [])),
            team_code=teams.get(report.team_id, ""),
            tester_code=testers.get(report.submitted_by_id, ""),
            amended=report.id in amendments,
        )
    now = utcnow()
    rows = []
    for test, target, pair in tests:
        slots = by_test.get(test.id, {})
        verdict = evaluate_pair(
            study=study,
            test=test,
            protected_answers=slots["protected"].answers if "protected" in slots else None,
            control_answers=slots["control"].answers if "control" in slots else None,
            instrument=instrument,
        )
        valid, reasons = verdict.valid, list(verdict.reasons)
        review = reviews.get(test.id)
        if review is not None and review.override_valid is not None:
            valid = review.override_valid
            reasons = [] if valid else (reasons or ["other"])
        rows.append(
            _Row(
                test=test,
                target=target,
                pair=pair,
                reports=slots,
                valid=valid,
                reasons=reasons,
                interval_minutes=verdict.interval_minutes,
                order_followed=verdict.order_followed,
                pending=len(slots) < 2 and test.window_end > now,
            )
        )
    return rows


def _outcome_questions(instrument: Instrument) -> list[Question]:
    return [question for question in instrument.outcomes() if question.type != "text"]


def _write(header: list[str], rows: Iterable[list[str]]) -> str:
    """One CSV of the bundle, spreadsheet-safe (people open these too; the analysis readers
    undo the apostrophes with ``analysis.csvsafe.restore_cell``)."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _pairs_csv(rows: list[_Row], instrument: Instrument) -> str:
    outcomes = _outcome_questions(instrument)
    header = PAIR_COLUMNS + [
        f"{q.id}__{slot}" for q in outcomes for slot in ("protected", "control")
    ]

    def line(row: _Row) -> list[str]:
        values = [
            row.test.id, row.target.code, row.target.target_type, row.target.area,
            row.test.night.isoformat(), row.test.first_role,
            "" if row.interval_minutes is None else f"{row.interval_minutes:g}",
            row.valid, row.reasons, row.pair.sham, row.order_followed, row.test.retest,
        ]  # fmt: skip
        for question in outcomes:
            for slot in ("protected", "control"):
                report = row.reports.get(slot)
                values.append(report.answers.get(question.id) if report else None)
        return [csv_value(value) for value in values]

    return _write(header, (line(row) for row in rows if not row.pending))


def _visits_csv(rows: list[_Row], instrument: Instrument) -> str:
    questions = [question for question in instrument.questions if question.type != "text"]
    header = [
        "report_uuid", "test_id", "role", "team_code", "tester_code", "received_at",
        "device_time", "elapsed_seconds", "clock_skew_flag", "status", "amended",
    ] + [question.id for question in questions]  # fmt: skip
    lines = []
    for row in rows:
        if row.pending:
            continue
        for slot in ("protected", "control"):
            item = row.reports.get(slot)
            if item is None:
                continue
            report = item.report
            values: list[Any] = [
                report.uuid, row.test.id, slot, item.team_code, item.tester_code,
                report.received_at.isoformat(timespec="seconds"),
                report.device_time.isoformat(timespec="seconds") if report.device_time else None,
                report.elapsed_seconds, report.clock_skew_flag, report.status, item.amended,
            ]  # fmt: skip
            values += [item.answers.get(question.id) for question in questions]
            lines.append([csv_value(value) for value in values])
    return _write(header, lines)


def _codebook_csv(instrument: Instrument) -> str:
    header = [
        "question", "type", "label_nl", "label_en", "value", "value_label_nl", "value_label_en",
        "outcome", "favourable", "adverse", "primary", "relevant_when", "in_bundle",
    ]  # fmt: skip
    lines = []
    for question in instrument.questions:
        outcome = question.outcome
        relevant = (
            f"{question.relevant.question} in {';'.join(question.relevant.values)}"
            if question.relevant
            else ""
        )
        common = [
            outcome.kind if outcome else "",
            ";".join(outcome.favourable) if outcome else "",
            (outcome.adverse or "") if outcome else "",
            csv_value(outcome.primary) if outcome else "",
            relevant,
            "false" if question.type == "text" else "true",
        ]
        labels = [question.label_in("nl"), question.label_in("en")]
        values = (
            question.choice_values if question.type in ("choice", "multichoice", "boolean") else ()
        )
        if not values:
            lines.append([question.id, question.type, *labels, "", "", "", *common])
        for value in values:
            lines.append(
                [
                    question.id,
                    question.type,
                    *labels,
                    value,
                    question.choice_label(value, "nl"),
                    question.choice_label(value, "en"),
                    *common,
                ]  # fmt: skip
            )
    return _write(header, lines)
