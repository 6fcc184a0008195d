"""The export bundle: the seam between fieldwork and analysis (docs/design.md, "Export bundle").

A bundle is a folder that ``analysis`` reads without the database. It holds codes, types,
areas, nights and answers; never target names or addresses, tester identities, user names or
free-text answers (a verbatim quote can name a venue or a person, so text questions stay in the
app). Tests whose window has not ended yet and that lack a report are *pending* and left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from analysis.bundle import write_bundle
from analysis.bundle.schema import manifest as bundle_manifest
from fieldwork.models import Amendment
from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.models import utcnow
from fieldwork.services import audit
from fieldwork.services.reports.intake import effective_answers
from fieldwork.services.reports.validity import judge_tests
from fieldwork.services.studies.instruments import InstrumentChanged
from fieldwork.services.studies.instruments import instrument_for
from fieldwork.services.studies.overview import study_by_code
from forms import Instrument


class ExportError(ValueError):
    """The export cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class ExportSummary:
    folder: Path
    tests: int
    pending: int
    valid: int
    reports: int


def export_study(
    *, session: Session, study_code: str, folder: Path, user: User | None = None
) -> ExportSummary:
    """Write the bundle of study ``study_code`` into ``folder`` (new, or empty)."""
    study = study_by_code(session, study_code, error=ExportError)
    summary = write_study_bundle(session, study, folder)
    audit.record(session, action="study.export", user=user, about=study,
                 after={"tests": summary.tests, "pending": summary.pending, "valid": summary.valid})  # fmt: skip
    session.commit()
    return summary


def write_study_bundle(session: Session, study: Study, folder: Path) -> ExportSummary:
    """Write the bundle of ``study`` into ``folder`` (new, or empty); the caller audits."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ExportError(f"{folder} exists and is not an empty folder. Choose a new folder.")
    try:
        instrument = instrument_for(session, study)
    except InstrumentChanged as changed:
        raise ExportError(*changed.args) from None
    rows = _collect(session, study, instrument)
    exported = [row for row in rows if not row.pending]
    summary = ExportSummary(
        folder=folder,
        tests=len(exported),
        pending=len(rows) - len(exported),
        valid=sum(1 for row in exported if row.valid),
        reports=sum(len(row.reports) for row in exported),
    )
    # The bundle's format lives in analysis.bundle (one schema for export, analysis, simulator).
    write_bundle(folder, manifest=_manifest(study, summary), instrument=instrument,
                 pairs=map(_pair_record, exported), visits=_visit_records(exported))  # fmt: skip
    return summary


def _manifest(study: Study, summary: ExportSummary) -> dict[str, Any]:
    return bundle_manifest(
        study={
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
        counts={
            "tests": summary.tests,
            "valid": summary.valid,
            "reports": summary.reports,
            "pending_not_exported": summary.pending,
        },
        exported_at=utcnow().isoformat(timespec="seconds"),
    )


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
    # Validity has one definition, shared with the review pages, monitoring and the release.
    judged = judge_tests(session, study=study, tests=[(test, pair) for test, _, pair in tests],
                         instrument=instrument)  # fmt: skip
    rows = []
    for test, target, pair in tests:
        slots = by_test.get(test.id, {})
        verdict = judged[test.id].judgement
        assert verdict is not None
        valid, reasons = verdict.valid, list(verdict.reasons)
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


def _pair_record(row: _Row) -> dict[str, Any]:
    return {
        "test_id": row.test.id, "target_code": row.target.code,
        "target_type": row.target.target_type, "area": row.target.area,
        "date": row.test.night.isoformat(), "first_role": row.test.first_role,
        "interval_minutes": "" if row.interval_minutes is None else f"{row.interval_minutes:g}",
        "valid": row.valid, "invalid_reasons": row.reasons, "sham": row.pair.sham,
        "order_followed": row.order_followed, "retest": row.test.retest,
        "answers": {slot: report.answers for slot, report in row.reports.items()},
    }  # fmt: skip


def _visit_records(rows: list[_Row]) -> Iterator[dict[str, Any]]:
    for row in rows:
        for slot in ("protected", "control"):
            item = row.reports.get(slot)
            if item is None:
                continue
            report = item.report
            yield {
                "report_uuid": report.uuid, "test_id": row.test.id, "role": slot,
                "team_code": item.team_code, "tester_code": item.tester_code,
                "received_at": report.received_at.isoformat(timespec="seconds"),
                "device_time": report.device_time.isoformat(timespec="seconds")
                if report.device_time else None,
                "elapsed_seconds": report.elapsed_seconds,
                "clock_skew_flag": report.clock_skew_flag, "status": report.status,
                "amended": item.amended, "answers": item.answers,
            }  # fmt: skip
