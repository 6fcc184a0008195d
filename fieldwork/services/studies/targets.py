"""Targets (venues, providers) of a study: listing with filters and editing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import User
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.studies.setup import ensure_open

MAX_AREA = 64


@dataclass(frozen=True)
class TargetFilter:
    target_type: str = ""
    area: str = ""
    text: str = ""  # matched against code (and name/address for those who may see them)
    active: str = ""  # "" | "yes" | "no"


def list_targets(
    session: Session, *, study: Study, filters: TargetFilter, names_visible: bool
) -> list[Target]:
    statement = select(Target).where(Target.study_id == study.id)
    if filters.target_type:
        statement = statement.where(Target.target_type == filters.target_type)
    if filters.area:
        statement = statement.where(Target.area == filters.area)
    if filters.active in ("yes", "no"):
        statement = statement.where(Target.active == (filters.active == "yes"))
    if filters.text:
        pattern = f"%{filters.text.strip()}%"
        matches = [col(Target.code).ilike(pattern)]
        if names_visible:
            matches += [col(Target.name).ilike(pattern), col(Target.address).ilike(pattern)]
        statement = statement.where(or_(*matches))
    return list(session.exec(statement.order_by(col(Target.code))).all())


def areas_of(session: Session, *, study: Study) -> list[str]:
    rows = session.exec(
        select(Target.area).where(Target.study_id == study.id).distinct().order_by(col(Target.area))
    ).all()
    return list(rows)


def get_target(session: Session, *, study: Study, target_id: int) -> Target | None:
    target = session.get(Target, target_id)
    return target if target is not None and target.study_id == study.id else None


def area_problem(area: str) -> str | None:
    """Why an area value is unusable, or None."""
    if not area.strip():
        return _("the area is missing")
    if len(area) > MAX_AREA:
        return _("the area is longer than %(n)d characters", n=MAX_AREA)
    if any(ch in area for ch in ";|\t") or not area.isprintable():
        return _("the area contains ';', '|', a tab or a control character")
    return None


def update_target(
    *,
    session: Session,
    study: Study,
    target: Target,
    name: str,
    address: str,
    target_type: str,
    area: str,
    active: bool,
    user: User,
) -> Target:
    ensure_open(study)
    name, address, area = name.strip(), address.strip(), area.strip()
    problems = []
    if not name or len(name) > 200:
        problems.append(_("Give a name of 1 to 200 characters."))
    if len(address) > 300:
        problems.append(_("The address is longer than 300 characters."))
    if target_type not in study.target_types:
        problems.append(_("Unknown type %(type)r for this study.", type=target_type))
    problem = area_problem(area)
    if problem:
        problems.append(problem.capitalize() + ".")
    if problems:
        raise Refused(" ".join(problems))
    fields = ("name", "address", "target_type", "area", "active")
    before = {name_: getattr(target, name_) for name_ in fields}
    target.name, target.address, target.target_type = name, address, target_type
    target.area, target.active = area, active
    after = {name_: getattr(target, name_) for name_ in fields}
    if audit.record_changes(
        session, action="target.update", user=user, about=target, before=before, after=after
    ):
        session.commit()
    return target
