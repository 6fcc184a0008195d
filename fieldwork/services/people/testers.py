"""Testers (pseudonymous) and teams of a study (pairs: :mod:`fieldwork.services.people.pairs`).

A tester is a code and coarse attributes (gender, age band, language, group); the link to a user
account is the only identity, and only coordinators and admins see it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.labels import label
from fieldwork.models import TEAM_ROLES
from fieldwork.models import Study
from fieldwork.models import Team
from fieldwork.models import TeamMember
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
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
    audit.record(session, action="tester.create" if creating else "tester.update", user=user,
                 about=tester, before=None if creating else before, after=after)  # fmt: skip
    session.commit()
    return tester


def _teams_of_tester(session: Session, tester: Tester) -> list[int]:
    """The teams the tester is a member of now (open memberships)."""
    return [membership.team_id for membership in open_memberships(session, tester)]


# --- teams --------------------------------------------------------------------------------------


@dataclass
class TeamProfile:
    """A team as the matching check sees it: derived from its members (now, or on a night)."""

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


def _study_memberships(
    session: Session, study: Study
) -> tuple[list[Team], list[tuple[TeamMember, Tester]]]:
    teams = list(
        session.exec(select(Team).where(Team.study_id == study.id).order_by(col(Team.code)))
    )
    rows = session.exec(
        select(TeamMember, Tester)
        .join(Tester, col(Tester.id) == col(TeamMember.tester_id))
        .where(col(TeamMember.team_id).in_([team.id for team in teams] or [-1]))
        .order_by(col(Tester.code), col(TeamMember.id))
    ).all()
    return teams, list(rows)


def list_teams(session: Session, *, study: Study, on: date | None = None) -> list[TeamProfile]:
    """The study's teams with their members on night ``on`` (None: the members now, i.e. every
    membership that has not ended, including moves dated ahead)."""
    teams, rows = _study_memberships(session, study)
    profiles = {team.id: TeamProfile(team) for team in teams}
    for membership, tester in rows:
        current = membership.left_on is None if on is None else membership.member_on(on)
        if current:
            profiles[membership.team_id].members.append(tester)
    return list(profiles.values())


def teams_on_nights(
    session: Session, *, study: Study, nights: set[date]
) -> dict[date, dict[int, TeamProfile]]:
    """For each night, every team of the study with its members on that night (two queries)."""
    teams, rows = _study_memberships(session, study)
    result: dict[date, dict[int, TeamProfile]] = {}
    for night in nights:
        profiles = {team.id or 0: TeamProfile(team) for team in teams}
        for membership, tester in rows:
            if membership.member_on(night):
                profiles[membership.team_id].members.append(tester)
        result[night] = profiles
    return result


def team_profile(session: Session, *, study: Study, team_id: int) -> TeamProfile | None:
    for profile in list_teams(session, study=study):
        if profile.team.id == team_id:
            return profile
    return None


@dataclass(frozen=True)
class MembershipRow:
    """One line of a team's membership history, for the team page."""

    membership: TeamMember
    tester: Tester


def membership_history(session: Session, *, team: Team) -> list[MembershipRow]:
    rows = session.exec(
        select(TeamMember, Tester)
        .join(Tester, col(Tester.id) == col(TeamMember.tester_id))
        .where(TeamMember.team_id == team.id)
        .order_by(col(TeamMember.id))
    ).all()
    return [MembershipRow(membership, tester) for membership, tester in rows]


def current_teams(session: Session, *, study: Study) -> dict[int, str]:
    """Tester id → the code of the team they are in now (their open membership)."""
    rows = session.exec(
        select(TeamMember.tester_id, Team.code)
        .join(Team, col(Team.id) == col(TeamMember.team_id))
        .where(Team.study_id == study.id, col(TeamMember.left_on).is_(None))
    ).all()
    return dict(rows)


def open_memberships(session: Session, tester: Tester) -> list[TeamMember]:
    """The tester's memberships that have not ended (at most one per study, by the rules)."""
    return list(
        session.exec(
            select(TeamMember).where(
                TeamMember.tester_id == tester.id, col(TeamMember.left_on).is_(None)
            )
        )
    )


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
    audit.record(session, action="team.create", user=user, about=team,
                 after={"code": code, "role": role})  # fmt: skip
    session.commit()
    return team


# --- membership -----------------------------------------------------------------------------------
#
# A tester is in one team of a study on any night. Adding them to a second team is refused; a
# move ends the old membership and starts the new one on the same night, with a reason. Dates are
# nights (the evening a test starts on): a move "on" night N makes the tester a member of the new
# team from night N on.


def _overlapping(
    session: Session, study: Study, tester: Tester, since: date | None
) -> list[tuple[TeamMember, Team]]:
    """The tester's memberships in teams of ``study`` still running on or after ``since``."""
    rows = session.exec(
        select(TeamMember, Team)
        .join(Team, col(Team.id) == col(TeamMember.team_id))
        .where(TeamMember.tester_id == tester.id, Team.study_id == study.id)
    ).all()
    return [
        (membership, team)
        for membership, team in rows
        if membership.left_on is None or since is None or membership.left_on > since
    ]


def _check_joinable(session: Session, study: Study, team: Team, tester: Tester) -> None:
    if tester.study_id != study.id or team.study_id != study.id:
        raise Refused(_("Choose a tester and a team of this study."))
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
    size = len(
        session.exec(
            select(TeamMember).where(
                TeamMember.team_id == team.id, col(TeamMember.left_on).is_(None)
            )
        ).all()
    )
    if size >= MAX_TEAM_SIZE:
        raise Refused(_("A team has at most %(n)d members.", n=MAX_TEAM_SIZE))


def _reports_from(session: Session, tester: Tester, team_id: int, night: date) -> int:
    """How many reports the tester filed for the team about tests on or after ``night``."""
    if tester.user_id is None:
        return 0
    return len(
        session.exec(
            select(VisitReport.id)
            .join(Test, col(Test.id) == col(VisitReport.test_id))
            .where(
                VisitReport.team_id == team_id,
                VisitReport.submitted_by_id == tester.user_id,
                col(Test.night) >= night,
            )
        ).all()
    )


def add_member(
    *,
    session: Session,
    study: Study,
    team: Team,
    tester: Tester,
    user: User,
    on: date | None = None,
) -> TeamMember:
    """Make ``tester`` a member of ``team`` from night ``on`` (None: from the start).

    Refused when the tester is still in a team of this study (the message names it and says to
    move them instead).
    """
    ensure_open(study)
    _check_joinable(session, study, team, tester)
    for _membership, other in _overlapping(session, study, tester, on):
        if other.id == team.id:
            raise Refused(
                _("%(tester)s is in team %(team)s already.", tester=tester.code, team=team.code)
            )
        raise Refused(
            _(
                "%(tester)s is in team %(team)s of this study. A tester is in one team of a study "
                "at a time: move them instead (with the night of the move and a reason), or take "
                "them out of %(team)s first.",
                tester=tester.code,
                team=other.code,
            )
        )
    membership = TeamMember(team_id=team.id, tester_id=tester.id, joined_on=on)
    session.add(membership)
    audit.record(session, action="team.add_member", user=user, about=team,
                 after={"tester": tester.code, "joined_on": on.isoformat() if on else None})  # fmt: skip
    session.commit()
    return membership


def remove_member(
    *, session: Session, study: Study, team: Team, tester: Tester, user: User, on: date
) -> None:
    """End the tester's membership of ``team``: from night ``on`` they are no longer in it."""
    ensure_open(study)
    membership = session.exec(
        select(TeamMember).where(
            TeamMember.team_id == team.id,
            TeamMember.tester_id == tester.id,
            col(TeamMember.left_on).is_(None),
        )
    ).first()
    if membership is None:
        raise Refused(_("%(tester)s is not in team %(team)s.", tester=tester.code, team=team.code))
    _end(session, membership, team, tester, on)
    audit.record(session, action="team.remove_member", user=user, about=team,
                 before={"tester": tester.code}, after={"left_on": on.isoformat()})  # fmt: skip
    session.commit()


def _end(session: Session, membership: TeamMember, team: Team, tester: Tester, on: date) -> None:
    """Close ``membership`` on night ``on``; refused when that would orphan a filed report."""
    if membership.joined_on is not None and on < membership.joined_on:
        raise Refused(
            _(
                "%(tester)s joined %(team)s on %(date)s; choose that night or a later one.",
                tester=tester.code,
                team=team.code,
                date=membership.joined_on.isoformat(),
            )
        )
    filed = _reports_from(session, tester, team.id or 0, on)
    if filed:
        raise Refused(
            _(
                "%(tester)s sent reports for team %(team)s about tests on or after %(date)s "
                "(%(n)d). Choose a night after their last test with %(team)s.",
                tester=tester.code,
                n=filed,
                team=team.code,
                date=on.isoformat(),
            )
        )
    membership.left_on = on
    session.add(membership)


MIN_MOVE_REASON = 5


def move_member(
    *,
    session: Session,
    study: Study,
    tester: Tester,
    to_team: Team,
    on: date,
    reason: str,
    user: User,
) -> TeamMember:
    """Move ``tester`` from their current team of the study to ``to_team`` from night ``on``."""
    ensure_open(study)
    reason = reason.strip()
    if len(reason) < MIN_MOVE_REASON:
        raise Refused(_("Say why the tester moves (at least %(n)d characters).", n=MIN_MOVE_REASON))
    if len(reason) > 500:
        raise Refused(_("The reason is at most 500 characters."))
    _check_joinable(session, study, to_team, tester)
    running = _overlapping(session, study, tester, on)
    current = [(m, team) for m, team in running if m.left_on is None]
    if not current:
        raise Refused(
            _("%(tester)s is in no team of this study; add them instead.", tester=tester.code)
        )
    membership, from_team = current[0]
    if from_team.id == to_team.id:
        raise Refused(
            _("%(tester)s is in team %(team)s already.", tester=tester.code, team=to_team.code)
        )
    later = [m for m, _team in running if m.left_on is not None and m.id != membership.id]
    if later:
        raise Refused(
            _(
                "%(tester)s has team memberships after %(date)s already; choose a later night.",
                tester=tester.code,
                date=on.isoformat(),
            )
        )
    _end(session, membership, from_team, tester, on)
    moved = TeamMember(team_id=to_team.id, tester_id=tester.id, joined_on=on, reason=reason)
    session.add(moved)
    audit.record(session, action="team.move_member", user=user, about=tester,
                 before={"tester": tester.code, "team": from_team.code},
                 after={"team": to_team.code, "on": on.isoformat(), "reason": reason})  # fmt: skip
    session.commit()
    return moved
