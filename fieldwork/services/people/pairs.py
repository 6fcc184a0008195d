"""Pairs of a protected and a control team (or sham pairs), with the matching check that warns
on every difference in group size, gender mix, age bands and language."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.people.testers import CODE_RE
from fieldwork.services.people.testers import TeamProfile
from fieldwork.services.people.testers import list_teams
from fieldwork.services.studies.setup import ensure_open


@dataclass(frozen=True)
class MatchingCheck:
    """Each difference between two teams that matching should rule out, as readable warnings."""

    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.warnings


def matching_check(first: TeamProfile, second: TeamProfile) -> MatchingCheck:
    warnings = []
    if first.size == 0 or second.size == 0:
        warnings.append(_("A team has no members."))
    if first.size != second.size:
        warnings.append(_("Group size differs: %(a)d vs %(b)d.", a=first.size, b=second.size))
    if first.gender_mix != second.gender_mix:
        warnings.append(
            _(
                "Gender mix differs: %(a)s vs %(b)s.",
                a=first.gender_mix or "-",
                b=second.gender_mix or "-",
            )
        )
    if first.age_bands != second.age_bands:
        warnings.append(
            _(
                "Age bands differ: %(a)s vs %(b)s.",
                a=", ".join(first.age_bands) or "-",
                b=", ".join(second.age_bands) or "-",
            )
        )
    if first.languages != second.languages:
        warnings.append(
            _(
                "Language differs: %(a)s vs %(b)s.",
                a=", ".join(first.languages) or "-",
                b=", ".join(second.languages) or "-",
            )
        )
    return MatchingCheck(warnings)


@dataclass(frozen=True)
class PairRow:
    pair: Pair
    protected: TeamProfile
    control: TeamProfile
    check: MatchingCheck
    tests: int


def list_pairs(session: Session, *, study: Study) -> list[PairRow]:
    profiles = {profile.team.id: profile for profile in list_teams(session, study=study)}
    pairs = session.exec(
        select(Pair).where(Pair.study_id == study.id).order_by(col(Pair.code))
    ).all()
    counts = Counter(
        session.exec(
            select(Test.pair_id).where(Test.study_id == study.id, Test.status == "planned")
        ).all()
    )
    return [
        PairRow(
            pair,
            profiles[pair.protected_team_id],
            profiles[pair.control_team_id],
            matching_check(profiles[pair.protected_team_id], profiles[pair.control_team_id]),
            counts.get(pair.id, 0),
        )
        for pair in pairs
    ]


def pair_matching(session: Session, *, study: Study, pair: Pair) -> MatchingCheck:
    profiles = {profile.team.id: profile for profile in list_teams(session, study=study)}
    return matching_check(profiles[pair.protected_team_id], profiles[pair.control_team_id])


def check_new_pair(
    session: Session, *, study: Study, protected_team_id: int, control_team_id: int, sham: bool
) -> tuple[TeamProfile, TeamProfile, MatchingCheck]:
    """The two teams and their matching check; raises :class:`Refused` when they cannot pair."""
    profiles = {profile.team.id: profile for profile in list_teams(session, study=study)}
    first, second = profiles.get(protected_team_id), profiles.get(control_team_id)
    if first is None or second is None:
        raise Refused(_("Choose two teams of this study."))
    if first.team.id == second.team.id:
        raise Refused(_("A pair needs two different teams."))
    if sham:
        if first.team.role != second.team.role:
            raise Refused(_("A sham pair joins two teams of the same group."))
    elif first.team.role != "protected" or second.team.role != "control":
        raise Refused(
            _(
                "A pair joins a protected team (first) and a control team (second); for two teams of one group, mark it as a sham pair."
            )
        )
    return first, second, matching_check(first, second)


def create_pair(
    *,
    session: Session,
    study: Study,
    code: str,
    protected_team_id: int,
    control_team_id: int,
    sham: bool,
    accept_differences: bool,
    user: User,
) -> Pair:
    ensure_open(study)
    code = code.strip()
    if not CODE_RE.match(code):
        raise Refused(_("A code is 1-16 letters, digits, '-' or '_' (e.g. P-01)."))
    if session.exec(select(Pair).where(Pair.study_id == study.id, Pair.code == code)).first():
        raise Refused(_("Code %(code)s is taken in this study.", code=code))
    first, second, check = check_new_pair(
        session,
        study=study,
        protected_team_id=protected_team_id,
        control_team_id=control_team_id,
        sham=sham,
    )
    if not check.ok and not accept_differences:
        raise Refused(
            _(
                "The teams differ: %(w)s Tick 'pair them anyway' to accept this.",
                w=" ".join(check.warnings),
            )
        )
    pair = Pair(
        study_id=study.id,
        code=code,
        protected_team_id=first.team.id,
        control_team_id=second.team.id,
        sham=sham,
    )
    session.add(pair)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Refused(_("Code %(code)s is taken in this study.", code=code)) from None
    audit.record(
        session,
        action="pair.create",
        user=user,
        about=pair,
        after={
            "code": code,
            "protected_team": first.team.code,
            "control_team": second.team.code,
            "sham": sham,
            "matching_warnings": check.warnings,
        },
    )
    session.commit()
    return pair
