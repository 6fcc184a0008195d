"""The coordinator's side of the schedule: preview and save a draw, edit or cancel a test, run sheets.

Drawing is :mod:`fieldwork.services.schedule.draw`'s job. Here: the preview is the same pure
:func:`plan_schedule` the save runs (with the same busy times and draw counts), and its fingerprint
travels with the form, so a schedule is only saved when it is still the one that was previewed.
An edit may move planned times but never the drawn ``first_role``: the order can only change by
cancelling the test and drawing a new one, and both steps are audited.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.labels import label
from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.schedule.draw import PlannedTest
from fieldwork.services.schedule.draw import ScheduleError
from fieldwork.services.schedule.draw import create_schedule
from fieldwork.services.schedule.draw import existing_busy
from fieldwork.services.schedule.draw import plan_schedule
from fieldwork.services.schedule.draw import previous_draws
from fieldwork.services.studies.setup import ensure_open


@dataclass(frozen=True)
class ScheduleRequest:
    nights: list[date]
    window_start: time
    window_end: time
    slot_minutes: int
    visits_per_target: int
    pair_ids: list[int]
    target_ids: list[int]
    retest: bool = False  # the coordinator means to visit targets that were visited before

    def draw(
        self, study: Study, pairs: list[Pair], targets: list[Target], timezone: str
    ) -> dict[str, Any]:
        """The draw, as the keyword arguments of :func:`plan_schedule` and
        :func:`create_schedule` (the preview and the save draw with the same ones)."""
        return {
            "study": study,
            "pairs": pairs,
            "targets": targets,
            "nights": self.nights,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "slot_minutes": self.slot_minutes,
            "visits_per_target": self.visits_per_target,
            "timezone": timezone,
        }


@dataclass(frozen=True)
class RepeatVisit:
    """A team that would stand at the same door more than once (the staff may know its face)."""

    target_code: str
    team_code: str
    nights: list[date]  # every night this team visits the target, earlier tests included


@dataclass(frozen=True)
class Preview:
    planned: list[PlannedTest]
    fingerprint: str
    revisited: list[str]  # codes of targets with an earlier planned test
    repeats: list[RepeatVisit] = field(default_factory=list)


def _chosen(
    session: Session, study: Study, request: ScheduleRequest
) -> tuple[list[Pair], list[Target]]:
    pairs = list(
        session.exec(
            select(Pair).where(
                Pair.study_id == study.id, col(Pair.id).in_(request.pair_ids or [-1])
            )
        )
    )
    targets = list(
        session.exec(
            select(Target).where(
                Target.study_id == study.id, col(Target.id).in_(request.target_ids or [-1])
            )
        )
    )
    if len(pairs) != len(set(request.pair_ids)) or len(targets) != len(set(request.target_ids)):
        raise Refused(
            _("Some chosen pairs or targets are not part of this study. Reload the page.")
        )
    return pairs, targets


def _fingerprint(planned: list[PlannedTest]) -> str:
    rows = [
        [
            p.pair_id,
            p.target_id,
            p.night.isoformat(),
            p.first_role,
            p.planned_protected.isoformat(),
            p.planned_control.isoformat(),
            p.block,
            p.retest,
        ]
        for p in planned
    ]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def preview_schedule(
    session: Session, *, study: Study, request: ScheduleRequest, timezone: str
) -> Preview:
    """What saving would store now; changes nothing. Raises :class:`Refused`."""
    ensure_open(study)
    pairs, targets = _chosen(session, study, request)
    visited = set(
        session.exec(
            select(Test.target_id).where(
                Test.study_id == study.id,
                Test.status == "planned",
                col(Test.target_id).in_([t.id for t in targets] or [-1]),
            )
        ).all()
    )
    revisited = sorted(t.code for t in targets if t.id in visited)
    if revisited and not request.retest:
        raise Refused(
            _(
                "These targets have a planned test already: %(codes)s. Leave them out, or tick "
                "'retest' to visit them again.",
                codes=", ".join(revisited),
            )
        )
    try:
        busy = existing_busy(session, pairs, request.slot_minutes)
        draws = previous_draws(session, study)
        planned = plan_schedule(
            **request.draw(study, pairs, targets, timezone), busy=busy, previous_draws=draws
        )
    except ScheduleError as error:
        raise Refused(*error.args) from None
    return Preview(
        planned,
        _fingerprint(planned),
        revisited,
        repeat_visits(session, study=study, pairs=pairs, targets=targets, planned=planned),
    )


def repeat_visits(
    session: Session,
    *,
    study: Study,
    pairs: list[Pair],
    targets: list[Target],
    planned: list[PlannedTest],
) -> list[RepeatVisit]:
    """Teams that ``planned`` sends to a target they visit in another test too (planned or done,
    in this draw or earlier). Teams shared by two pairs (a sham pair) count as one team."""
    visits: dict[tuple[int, int], list[date]] = {}
    fresh: set[tuple[int, int]] = set()
    teams_of = {pair.id: (pair.protected_team_id, pair.control_team_id) for pair in pairs}
    for plan in planned:
        for team_id in teams_of[plan.pair_id]:
            visits.setdefault((team_id, plan.target_id), []).append(plan.night)
            fresh.add((team_id, plan.target_id))
    target_ids = sorted({plan.target_id for plan in planned}) or [-1]
    for test, pair in session.exec(
        select(Test, Pair)
        .join(Pair, col(Pair.id) == col(Test.pair_id))
        .where(
            Test.study_id == study.id,
            Test.status == "planned",
            col(Test.target_id).in_(target_ids),
        )
    ).all():
        for team_id in (pair.protected_team_id, pair.control_team_id):
            if (team_id, test.target_id) in fresh:
                visits[(team_id, test.target_id)].append(test.night)
    codes = {t.id: t.code for t in targets}
    team_codes = dict(
        session.exec(select(Team.id, Team.code).where(Team.study_id == study.id)).all()
    )
    repeats = [
        RepeatVisit(codes[target_id], team_codes[team_id], sorted(nights))
        for (team_id, target_id), nights in visits.items()
        if len(nights) > 1
    ]
    return sorted(repeats, key=lambda r: (r.target_code, r.team_code))


def save_schedule(
    *,
    session: Session,
    study: Study,
    request: ScheduleRequest,
    fingerprint: str,
    timezone: str,
    user: User,
) -> list[Test]:
    """Store the previewed schedule, if it is still what the preview showed."""
    preview = preview_schedule(session, study=study, request=request, timezone=timezone)
    if preview.fingerprint != fingerprint:
        raise Refused(
            _(
                "The schedule changed since the preview (other tests were planned). Preview it again."
            )
        )
    pairs, targets = _chosen(session, study, request)
    try:
        draw = request.draw(study, pairs, targets, timezone)
        tests = create_schedule(session=session, user=user, **draw)
    except ScheduleError as error:
        session.rollback()
        raise Refused(*error.args) from None
    revisited = {t.id for t in targets if t.code in preview.revisited}
    marked = [test for test in tests if test.target_id in revisited and not test.retest]
    for test in marked:
        test.retest = True
        audit.record(session, action="test.mark_retest", user=user, about=test,
                     before={"retest": False}, after={"retest": True})  # fmt: skip
    if marked:
        session.commit()
    return tests


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < 5:
        raise Refused(_("Give a reason of at least 5 characters."))
    return reason[:500]


def _snapshot(test: Test) -> dict[str, str]:
    return {
        "status": test.status,
        "planned_protected": test.planned_protected.isoformat(),
        "planned_control": test.planned_control.isoformat(),
        "first_role": test.first_role,
    }


def _audited(
    session: Session,
    *,
    study: Study,
    test: Test,
    user: User,
    action: str,
    before: dict,
    reason: str,
) -> Test:
    """Store a change of a planned test with its audit event (before/after and the reason)."""
    audit.record(session, action=action, user=user, about=test, before=before,
                 after={**_snapshot(test), "reason": reason})  # fmt: skip
    session.commit()
    return test


def cancel_test(*, session: Session, study: Study, test: Test, reason: str, user: User) -> Test:
    ensure_open(study)
    reason = _reason(reason)
    if test.status != "planned":
        raise Refused(_("This test is cancelled already."))
    before = _snapshot(test)
    test.status, test.cancel_reason = "cancelled", reason
    return _audited(session, study=study, test=test, user=user, action="test.cancel",
                    before=before, reason=reason)  # fmt: skip


def move_test(
    *,
    session: Session,
    study: Study,
    test: Test,
    protected_at: time,
    control_at: time,
    reason: str,
    slot_minutes: int,
    timezone: str,
    user: User,
) -> Test:
    """Move the two planned times within the test's night; the drawn order stays as it is."""
    ensure_open(study)
    reason = _reason(reason)
    if test.status != "planned":
        raise Refused(_("A cancelled test cannot be moved."))
    zone = ZoneInfo(timezone)
    start = test.window_start.astimezone(zone)

    def on_night(clock: time) -> datetime:
        day = start.date()
        if clock < start.time().replace(second=0, microsecond=0):
            day += timedelta(days=1)
        return datetime.combine(day, clock, tzinfo=zone).astimezone(test.window_start.tzinfo)

    new = {"protected": on_night(protected_at), "control": on_night(control_at)}
    second = "control" if test.first_role == "protected" else "protected"
    problems = []
    if not new[test.first_role] < new[second]:
        problems.append(
            _(
                "The drawn order is fixed: the team of the %(role)s goes first. To change the "
                "order, cancel this test and plan a new one.",
                role=label(test.first_role, "team_role"),
            )
        )
    if (new[second] - new[test.first_role]) > timedelta(minutes=study.max_interval_minutes):
        problems.append(_("The two times lie further apart than the study's maximum interval."))
    if any(not test.window_start <= moment < test.window_end for moment in new.values()):
        problems.append(_("Both times must lie inside the test's window."))
    pair = session.get(Pair, test.pair_id)
    assert pair is not None
    slot = timedelta(minutes=slot_minutes)
    team_of = {"protected": pair.protected_team_id, "control": pair.control_team_id}
    for other, other_pair in session.exec(
        select(Test, Pair)
        .join(Pair, col(Pair.id) == col(Test.pair_id))
        .where(Test.status == "planned", Test.id != test.id)
    ).all():
        for role, moment in new.items():
            for other_role, other_moment in (
                ("protected", other.planned_protected),
                ("control", other.planned_control),
            ):
                other_team = (
                    other_pair.protected_team_id
                    if other_role == "protected"
                    else other_pair.control_team_id
                )
                if (
                    other_team == team_of[role]
                    and moment < other_moment + slot
                    and other_moment < moment + slot
                ):
                    problems.append(
                        _(
                            "The team of the %(role)s is booked for another test then.",
                            role=label(role, "team_role"),
                        )
                    )
    if problems:
        raise Refused(" ".join(dict.fromkeys(problems)))
    before = _snapshot(test)
    test.planned_protected, test.planned_control = new["protected"], new["control"]
    return _audited(
        session, study=study, test=test, user=user, action="test.move", before=before, reason=reason
    )
