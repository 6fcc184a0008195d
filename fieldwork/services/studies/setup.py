"""Creating and editing studies, and moving them through ``draft → fieldwork → closed``."""

from __future__ import annotations

import re
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select
from sqlmodel import update

from fieldwork.i18n import _
from fieldwork.labels import label
from fieldwork.models import DEFAULT_TARGET_TYPES
from fieldwork.models import ORDER_RULES
from fieldwork.models import PURPOSES
from fieldwork.models import STUDY_DOMAINS
from fieldwork.models import STUDY_STATUSES
from fieldwork.models import Study
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.studies import waves
from forms import InstrumentError
from forms import get_instrument

# Fixed once the first test is drawn: changing them would make the stored draws unreproducible.
DESIGN_FIELDS = ("domain", "instrument_id", "instrument_version", "order_rule", "seed")
TRANSITIONS = {"draft": ("fieldwork",), "fieldwork": ("closed",), "closed": ()}


@dataclass
class StudyInput:
    code: str
    title: str
    domain: str
    instrument_id: str
    instrument_version: int
    purpose: str = "monitoring"
    order_rule: str = "randomised"
    planned_gap_minutes: int = 5
    max_interval_minutes: int = 15
    seed: int = 1
    publication_min_cell: int = 10
    target_types: list[str] = field(default_factory=list)
    target_sample_size: dict[str, int] = field(default_factory=dict)
    planned_p10: float | None = None
    planned_p01: float | None = None
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""


PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{4,30}$")


def get_study(session: Session, study_id: int) -> Study | None:
    return session.get(Study, study_id)


def has_tests(session: Session, study: Study) -> bool:
    return bool(session.exec(select(func.count()).where(Test.study_id == study.id)).one())


def locked_fields(session: Session, study: Study) -> tuple[str, ...]:
    """The fields that may no longer change (all of them once the study is closed)."""
    if study.status == "closed":
        return tuple(StudyInput.__dataclass_fields__)
    if study.status != "draft" or has_tests(session, study):
        return DESIGN_FIELDS
    return ()


def _check(session: Session, data: StudyInput, study: Study | None) -> None:
    problems = []
    data.code = data.code.strip()
    data.title = data.title.strip()
    if not data.code or len(data.code) > 32:
        problems.append(_("Give the study a code of 1 to 32 characters."))
    clash = session.exec(select(Study).where(Study.code == data.code)).first()
    if clash is not None and (study is None or clash.id != study.id):
        problems.append(_("A study with code %(code)s exists already.", code=data.code))
    if not data.title or len(data.title) > 200:
        problems.append(_("Give the study a title of 1 to 200 characters."))
    for value, allowed, name in (
        (data.domain, STUDY_DOMAINS, _("domain")),
        (data.purpose, PURPOSES, _("purpose")),
        (data.order_rule, ORDER_RULES, _("order rule")),
    ):
        if value not in allowed:
            problems.append(_("Unknown %(label)s %(value)r.", label=name, value=value))
    try:
        instrument = get_instrument(data.instrument_id, data.instrument_version)
        if instrument.domain != data.domain:
            problems.append(
                _(
                    "Instrument %(id)s belongs to the domain '%(domain)s'.",
                    id=data.instrument_id,
                    domain=label(instrument.domain, "domain"),
                )
            )
    except InstrumentError:
        problems.append(
            _(
                "There is no instrument %(id)s version %(v)s.",
                id=data.instrument_id,
                v=data.instrument_version,
            )
        )
    if data.planned_gap_minutes < 0 or data.max_interval_minutes < 1:
        problems.append(_("The planned gap must be 0 or more and the maximum interval at least 1."))
    if data.planned_gap_minutes > data.max_interval_minutes:
        problems.append(_("The planned gap is longer than the maximum interval."))
    if data.publication_min_cell < 5:
        problems.append(
            _(
                "The publication minimum per line must be at least 5; the standard is 10, and "
                "below 10 a release asks for the reason."
            )
        )
    if not data.target_types:
        data.target_types = list(DEFAULT_TARGET_TYPES.get(data.domain, ["other"]))
    unknown = sorted(set(data.target_sample_size) - set(data.target_types))
    if unknown:
        problems.append(
            _(
                "Sample sizes are given for types the study does not list: %(types)s.",
                types=", ".join(unknown),
            )
        )
    if any(size < 0 for size in data.target_sample_size.values()):
        problems.append(_("Sample sizes must be 0 or more."))
    data.emergency_contact_name = data.emergency_contact_name.strip()
    data.emergency_contact_phone = " ".join(data.emergency_contact_phone.split())
    if len(data.emergency_contact_name) > 100:
        problems.append(_("The emergency contact's name is at most 100 characters."))
    if data.emergency_contact_phone and not PHONE_RE.match(data.emergency_contact_phone):
        problems.append(
            _(
                "Write the emergency phone number with digits only, spaces or dashes allowed, "
                "e.g. +31 70 123 4567."
            )
        )
    if bool(data.emergency_contact_name) != bool(data.emergency_contact_phone):
        problems.append(_("Give the emergency contact's name and phone number, or neither."))
    shares = [p for p in (data.planned_p10, data.planned_p01) if p is not None]
    if any(not 0 <= p <= 1 for p in shares) or sum(shares) > 1:
        problems.append(
            _("The planned shares p10 and p01 lie between 0 and 1 and add up to 1 or less.")
        )
    if problems:
        raise Refused(" ".join(problems))


def _snapshot(study: Study) -> dict[str, Any]:
    return {name: getattr(study, name) for name in StudyInput.__dataclass_fields__}


def create_study(
    *, session: Session, data: StudyInput, user: User, previous_wave: Study | None = None
) -> Study:
    """Create a draft study; with ``previous_wave``, as the next wave of that study, whose
    targets it takes over with their codes (:mod:`fieldwork.services.studies.waves`)."""
    _check(session, data, None)
    if previous_wave is not None:
        waves.check_next_wave(session, previous_wave, instrument_id=data.instrument_id,
                              instrument_version=data.instrument_version,
                              target_types=data.target_types)  # fmt: skip
    study = Study(**asdict(data), status="draft")
    audit.record(session, action="study.create", user=user, about=study, after=_snapshot(study))
    if previous_wave is not None:
        waves.carry_over(session, previous=previous_wave, study=study, user=user)
    session.commit()
    return study


def update_study(*, session: Session, study: Study, data: StudyInput, user: User) -> Study:
    ensure_open(study)
    locked = locked_fields(session, study)
    before = _snapshot(study)
    changed_locked = [name for name in locked if getattr(data, name) != before[name]]
    if changed_locked:
        raise Refused(
            _(
                "These fields are fixed now (tests were drawn or the study is closed): %(fields)s.",
                fields=", ".join(label(name, "field") for name in changed_locked),
            )
        )
    _check(session, data, study)
    for name, value in asdict(data).items():
        setattr(study, name, value)
    after = _snapshot(study)
    if audit.record_changes(
        session, action="study.update", user=user, about=study, before=before, after=after
    ):
        session.commit()
    return study


def change_status(*, session: Session, study: Study, status: str, user: User) -> Study:
    """Move the study on; closing locks every report of the study."""
    if status not in TRANSITIONS.get(study.status, ()):
        raise Refused(
            _(
                "A study with status '%(old)s' cannot get status '%(new)s'.",
                old=label(study.status, "study_status"),
                new=label(status, "study_status") if status in STUDY_STATUSES else status,
            )
        )
    before = study.status
    study.status = status
    session.add(study)
    locked = 0
    if status == "closed":
        test_ids = select(Test.id).where(Test.study_id == study.id)
        result = session.exec(  # type: ignore[call-overload]
            update(VisitReport).where(col(VisitReport.test_id).in_(test_ids)).values(locked=True)
        )
        locked = result.rowcount or 0
    audit.record(session, action="study.status", user=user, about=study, before={"status": before},
                 after={"status": status, **({"reports_locked": locked} if status == "closed" else {})})  # fmt: skip
    session.commit()
    return study


@dataclass(frozen=True)
class ClosingSummary:
    """What closing a study ends: its planned tests by how many reports are in."""

    planned: int
    both_in: int
    one_in: int
    none_in: int
    reports: int


def closing_summary(session: Session, study: Study) -> ClosingSummary:
    test_ids = list(
        session.exec(select(Test.id).where(Test.study_id == study.id, Test.status == "planned"))
    )
    counts = dict(
        session.exec(
            select(VisitReport.test_id, func.count())
            .where(col(VisitReport.test_id).in_(test_ids or [-1]))
            .group_by(col(VisitReport.test_id))
        ).all()
    )
    return ClosingSummary(
        planned=len(test_ids),
        both_in=sum(1 for t in test_ids if counts.get(t, 0) >= 2),
        one_in=sum(1 for t in test_ids if counts.get(t, 0) == 1),
        none_in=sum(1 for t in test_ids if counts.get(t, 0) == 0),
        reports=sum(counts.values()),
    )


MIN_REOPEN_REASON = 10


def reopen_study(*, session: Session, study: Study, reason: str, user: User) -> Study:
    """Back from closed to fieldwork, by an administrator, with a written reason (audited)."""
    if user.role != "admin":
        raise Refused(_("Only an administrator can reopen a closed study."))
    if study.status != "closed":
        raise Refused(_("Study %(code)s is not closed.", code=study.code))
    reason = reason.strip()
    if not MIN_REOPEN_REASON <= len(reason) <= 1000:
        raise Refused(
            _(
                "Say why the study is reopened (%(min)d to 1000 characters).",
                min=MIN_REOPEN_REASON,
            )
        )
    study.status = "fieldwork"
    audit.record(session, action="study.reopen", user=user, about=study, before={"status": "closed"},
                 after={"status": "fieldwork", "reason": reason})  # fmt: skip
    session.commit()
    return study


def ensure_open(study: Study) -> None:
    """Refuse changes to a closed study."""
    if study.status == "closed":
        raise Refused(_("Study %(code)s is closed; nothing in it can change.", code=study.code))
