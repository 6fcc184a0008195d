"""Study-level queries shared by pages and commands."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.models import VisitReport


@dataclass(frozen=True)
class StudyRow:
    study: Study
    targets: int
    tests: int
    complete: int  # tests with both teams' reports
    reports: int


def study_by_code(session: Session, code: str, *, error: type[Exception]) -> Study:
    """The study with code ``code``; else ``error`` with a message that names the known codes."""
    study = session.exec(select(Study).where(Study.code == code)).first()
    if study is None:
        known = ", ".join(session.exec(select(Study.code).order_by(col(Study.code))).all())
        raise error(f"No study with code {code!r}. Known studies: {known or 'none'}.")
    return study


def study_overview(session: Session) -> list[StudyRow]:
    """Every study with its counts, computed in four grouped queries (not one per study)."""
    studies = session.exec(select(Study).order_by(col(Study.code))).all()
    targets = dict(
        session.exec(select(Target.study_id, func.count()).group_by(col(Target.study_id))).all()
    )
    tests = dict(
        session.exec(
            select(Test.study_id, func.count())
            .where(Test.status == "planned")
            .group_by(col(Test.study_id))
        ).all()
    )
    per_test = (
        select(Test.study_id, VisitReport.test_id, func.count().label("n"))
        .join(Test, col(Test.id) == col(VisitReport.test_id))
        .group_by(col(Test.study_id), col(VisitReport.test_id))
        .subquery()
    )
    reports: dict[int, int] = {}
    complete: dict[int, int] = {}
    for study_id, n in session.exec(select(per_test.c.study_id, per_test.c.n)).all():
        reports[study_id] = reports.get(study_id, 0) + n
        complete[study_id] = complete.get(study_id, 0) + (1 if n >= 2 else 0)
    return [
        StudyRow(
            study=study,
            targets=targets.get(study.id, 0),
            tests=tests.get(study.id, 0),
            complete=complete.get(study.id, 0),
            reports=reports.get(study.id, 0),
        )
        for study in studies
    ]
