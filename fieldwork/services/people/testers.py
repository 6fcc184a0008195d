"""Testers (pseudonymous) and teams of a study (pairs: :mod:`fieldwork.services.people.pairs`).

A tester is a code and coarse attributes (gender, age band, language, group); the link to a user
account is the only identity, and only coordinators and admins see it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from fieldwork.i18n import _
from fieldwork.labels import label
from fieldwork.models import TEAM_ROLES, Study, Team, TeamMember, Tester, User
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.studies.setup import ensure_open

GENDERS = ("m", "f", "x")
AGE_BANDS = ("18-20", "21-24", "25-29", "30-34", "35-44", "45+")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
MAX_TEAM_SIZE = 5


# --- testers ------------------------------------------------------------------------------------


def list_testers(session: Session, *, study: Study) -> list[Tester]:
    return list(
        session.exec(select(Tester).where(Tester.study_id == study.id).order_by(col(Tester.code)))
    )


def get_tester(session: Session, *, study: Study, tester_id: int) -> Tester | None:
    tester = session.get(Tester, tester_id)
    return tester if tester is not None and tester.study_id == study.id else None


def usernames(session: Session, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.username).where(col(User.id).in_(user_ids))).all()
    return {user_id: name for user_id, name in rows if user_id is not None}


def free_tester_accounts(session: Session, *, study: Study) -> list[User]:
    """Active tester accounts not yet linked to a tester of this study."""
    linked = select(Tester.user_id).where(
        Tester.study_id == study.id, col(Tester.user_id).isnot(None)
    )
    return list(
        session.exec(
            select(User)
            .where(User.role == "tester", col(User.active).is_(True), col(User.id).not_in(linked))
            .order_by(col(User.username))
        )
    )


def _tester_problems(session: Session, study: Study, tester: Tester, username: str) -> list[str]:
    problems = []
    if not CODE_RE.match(tester.code):
        problems.append(_("A code is 1-16 letters, digits, '-' or '_' (e.g. T-07)."))
    if tester.group not in TEAM_ROLES:
        problems.append(_("The group is protected or control."))
    if tester.gender not in GENDERS:
        problems.append(_("Gender is one of: %(v)s.", v=", ".join(GENDERS)))
    if tester.age_band not in AGE_BANDS:
        problems.append(_("Age band is one of: %(v)s.", v=", ".join(AGE_BANDS)))
    if len(tester.language) > 32:
        problems.append(_("The language is at most 32 characters."))
    clash = session.exec(
        select(Tester).where(Tester.study_id == study.id, Tester.code == tester.code)
    ).first()
    if clash is not None and clash.id != tester.id:
        problems.append(_("Code %(code)s is taken in this study.", code=tester.code))
    if username:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None or user.role != "tester":
            problems.append(_("There is no tester account %(name)s.", name=username))
        else:
            other = session.exec(
                select(Tester).where(Tester.study_id == study.id, Tester.user_id == user.id)
            ).first()
            if other is not None and other.id != tester.id:
                problems.append(
                    _(
                        "Account %(name)s is linked to %(code)s already.",
                        name=username,
                        code=other.code,
                    )
                )
            tester.user_id = user.id
    else:
        tester.user_id = None
    return problems


TESTER_FIELDS = ("code", "group", "gender", "age_band", "language", "active", "user_id")


def save_tester(
    *,
    session: Session,
    study: Study,
    tester: Tester | None,
    code: str,
    group: str,
    gender: str,
    age_band: str,
    language: str,
    active: bool,
    username: str,
    user: User,
) -> Tester:
    """Create (``tester`` None) or update a tester."""
    ensure_open(study)
    creating = tester is None
    if tester is None:
        tester = Tester(study_id=study.id, code="", group="")
    before = {name: getattr(tester, name) for name in TESTER_FIELDS}
    if not creating and group != tester.group and _teams_of_tester(session, tester):
        raise Refused(_("Take the tester out of their teams before changing the group."))
    with session.no_autoflush:  # check the new values before any of them reaches the database
        tester.code, tester.group, tester.gender = code.strip(), group, gender
        tester.age_band, tester.language = age_band, language.strip().lower()
        tester.active = active
        problems = _tester_problems(session, study, tester, username.strip())
    if problems:
        session.rollback()  # undo the assignments above
        raise Refused(" ".join(problems))
    after = {name: getattr(tester, name) for name in TESTER_FIELDS}
    if not creating and after == before:
        return tester
    session.add(tester)
    session.flush()
    audit.record(
        session,
        action="tester.create" if creating else "tester.update",
        user=user,
        study_id=study.id,
        object_type="tester",
        object_id=tester.id,
        before=None if creating else before,
        after=after,
    )
    session.commit()
    return tester


def _teams_of_tester(session: Session, tester: Tester) -> list[int]:
    return list(session.exec(select(TeamMember.team_id).where(TeamMember.tester_id == tester.id)))


# --- teams --------------------------------------------------------------------------------------


@dataclass
class TeamProfile:
    """A team as the matching check sees it: derived from its active members."""

    team: Team
    members: list[Tester] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def gender_mix(self) -> str:
        """The members' genders as people read them, sorted by code: "man, woman"."""
        genders = sorted(tester.gender for tester in self.members)
        return ", ".join(label(g, "gender") if g in GENDERS else "?" for g in genders)

    @property
    def age_bands(self) -> list[str]:
        return sorted(Counter(tester.age_band for tester in self.members))

    @property
    def languages(self) -> list[str]:
        return sorted({tester.language for tester in self.members if tester.language})


def list_teams(session: Session, *, study: Study) -> list[TeamProfile]:
    teams = session.exec(
        select(Team).where(Team.study_id == study.id).order_by(col(Team.code))
    ).all()
    profiles = {team.id: TeamProfile(team) for team in teams}
    rows = session.exec(
        select(TeamMember.team_id, Tester)
        .join(Tester, col(Tester.id) == col(TeamMember.tester_id))
        .where(col(TeamMember.team_id).in_(list(profiles) or [-1]))
        .order_by(col(Tester.code))
    ).all()
    for team_id, tester in rows:
        profiles[team_id].members.append(tester)
    return list(profiles.values())


def team_profile(session: Session, *, study: Study, team_id: int) -> TeamProfile | None:
    for profile in list_teams(session, study=study):
        if profile.team.id == team_id:
            return profile
    return None


def create_team(*, session: Session, study: Study, code: str, role: str, user: User) -> Team:
    ensure_open(study)
    code = code.strip()
    if not CODE_RE.match(code):
        raise Refused(_("A code is 1-16 letters, digits, '-' or '_' (e.g. TM-A)."))
    if role not in TEAM_ROLES:
        raise Refused(_("The role is protected or control."))
    if session.exec(select(Team).where(Team.study_id == study.id, Team.code == code)).first():
        raise Refused(_("Code %(code)s is taken in this study.", code=code))
    team = Team(study_id=study.id, code=code, role=role)
    session.add(team)
    session.flush()
    audit.record(
        session,
        action="team.create",
        user=user,
        study_id=study.id,
        object_type="team",
        object_id=team.id,
        after={"code": code, "role": role},
    )
    session.commit()
    return team


def add_member(*, session: Session, study: Study, team: Team, tester: Tester, user: User) -> None:
    ensure_open(study)
    if tester.group != team.role:
        raise Refused(
            _(
                "%(tester)s belongs to the %(group)s; team %(team)s to the %(role)s.",
                tester=tester.code,
                group=label(tester.group, "team_role"),
                team=team.code,
                role=label(team.role, "team_role"),
            )
        )
    members = session.exec(select(TeamMember).where(TeamMember.team_id == team.id)).all()
    if any(member.tester_id == tester.id for member in members):
        raise Refused(
            _("%(tester)s is in team %(team)s already.", tester=tester.code, team=team.code)
        )
    if len(members) >= MAX_TEAM_SIZE:
        raise Refused(_("A team has at most %(n)d members.", n=MAX_TEAM_SIZE))
    session.add(TeamMember(team_id=team.id, tester_id=tester.id))
    audit.record(
        session,
        action="team.add_member",
        user=user,
        study_id=study.id,
        object_type="team",
        object_id=team.id,
        after={"tester": tester.code},
    )
    session.commit()


def remove_member(
    *, session: Session, study: Study, team: Team, tester: Tester, user: User
) -> None:
    ensure_open(study)
    member = session.get(TeamMember, (team.id, tester.id))
    if member is None:
        raise Refused(_("%(tester)s is not in team %(team)s.", tester=tester.code, team=team.code))
    session.delete(member)
    audit.record(
        session,
        action="team.remove_member",
        user=user,
        study_id=study.id,
        object_type="team",
        object_id=team.id,
        before={"tester": tester.code},
    )
    session.commit()
