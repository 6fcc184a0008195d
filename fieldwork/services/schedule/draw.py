"""The schedule: which pair visits which target when, and which team goes first.

Two ideas, kept apart so that each can be checked:

- **Who goes first** (``first_role``) is drawn by balanced permuted blocks within target type:
  blocks of four (two ``protected``, two ``control``) shuffled by a ``random.Random`` seeded with
  ``f"{study.seed}:{target_type}"``. String seeds hash the same way in every run, so the draws can
  be replayed from the stored seed. Draws are consumed in placement order (chronological within a
  call) and continue across calls (``previous_draws``), so per type the two roles never differ by
  more than two at any point of the fieldwork.
- **Where and when** (target → night, slot, pair) is allocated greedily in time order from a
  seed-shuffled queue of visits. The allocation never looks at the drawn role, except that a pair
  sits out a slot when neither team timing fits (see below).

A visit occupies ``[planned time, planned time + slot_minutes)`` of its team. Teams can be in more
than one pair (a control team in a real pair and in a sham pair), so busy intervals are tracked per
team, not per pair; a pair whose teams are not both free sits the slot out, and when the order
flips between two consecutive tests of a pair the first team starts a few minutes into the slot
(a deterministic offset in steps of five minutes) rather than overlap its previous visit.
"""

from __future__ import annotations

import inspect
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import or_
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.labels import label
from fieldwork.models import ORDER_RULES
from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.services import audit

BLOCK_SIZE = 4
OFFSET_STEP_MINUTES = 5
RANDOMISATION_RULE = "permuted_blocks_4_within_target_type"

BusyInterval = tuple[int, datetime, datetime]


@dataclass(frozen=True)
class PlannedTest:
    """One planned test; all datetimes are timezone-aware (UTC)."""

    pair_id: int
    target_id: int
    night: date
    window_start: datetime
    window_end: datetime
    first_role: str
    planned_protected: datetime
    planned_control: datetime
    block: int  # 1, 2, ... within the target type; 0 when the order is fixed by the study
    retest: bool


class ScheduleError(ValueError):
    """The schedule cannot be made as asked; the message says what is wrong and how to fix it.

    Messages are made with :func:`fieldwork.i18n._`: English here, in the reader's language on
    a page (the coordinator's preview shows them).
    """


# --- who goes first -----------------------------------------------------------------------------


class _Draws:
    """The balanced permuted-block sequence of one target type, consumed one draw at a time."""

    def __init__(self, seed: int, target_type: str, already: int = 0) -> None:
        self._rng = random.Random(f"{seed}:{target_type}")
        self._roles: list[str] = []
        self.used = already

    def _extend(self) -> None:
        block = ["protected", "protected", "control", "control"]
        self._rng.shuffle(block)
        self._roles.extend(block)

    def peek(self) -> tuple[str, int]:
        """The next role and its (1-based) block number, without using it up."""
        while len(self._roles) <= self.used:
            self._extend()
        return self._roles[self.used], self.used // BLOCK_SIZE + 1

    def take(self) -> tuple[str, int]:
        drawn = self.peek()
        self.used += 1
        return drawn


def role_sequence(seed: int, target_type: str, count: int) -> list[str]:
    """The first ``count`` first roles drawn for ``target_type`` under ``seed`` (for audits).

    >>> sequence = role_sequence(7, "club", 8)
    >>> sequence[:4].count("protected"), sequence[4:].count("protected")
    (2, 2)
    """
    draws = _Draws(seed, target_type)
    return [draws.take()[0] for _ in range(count)]


# --- where and when -----------------------------------------------------------------------------


@dataclass
class _Visit:
    target: Target
    round: int  # 0 = first visit, 1.. = retests


class _Calendar:
    """Busy intervals per team."""

    def __init__(self, busy: Iterable[BusyInterval]) -> None:
        self._busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for team_id, start, end in busy:
            if start.tzinfo is None or end.tzinfo is None:
                raise ScheduleError(
                    _(
                        "A busy interval of team %(team)s has a time without a time zone "
                        "(%(start)s, %(end)s). Give times with a time zone.",
                        team=team_id,
                        start=str(start),
                        end=str(end),
                    )
                )
            self._busy[team_id].append((start, end))

    def free(self, team_id: int, start: datetime, end: datetime) -> bool:
        return all(end <= s or e <= start for s, e in self._busy[team_id])

    def book(self, team_id: int, start: datetime, end: datetime) -> None:
        self._busy[team_id].append((start, end))


def plan_schedule(
    *,
    study: Study,
    pairs: Sequence[Pair],
    targets: Sequence[Target],
    nights: Sequence[date],
    window_start: time,
    window_end: time,
    slot_minutes: int = 30,
    visits_per_target: int = 1,
    timezone: str = "Europe/Amsterdam",
    busy: Iterable[BusyInterval] = (),
    previous_draws: Mapping[str, int] | None = None,
) -> list[PlannedTest]:
    """Plan tests: pure and deterministic (the same inputs and ``study.seed`` give the same list).

    ``nights`` are the evenings' dates; a window that ends at or before it starts (22:00-02:00)
    ends on the next calendar day. ``busy`` holds ``(team_id, start, end)`` intervals the teams
    are already booked for. ``previous_draws`` maps a target type to the number of first-role
    draws made for it by earlier calls, so the block sequence continues instead of restarting.
    Each target gets ``visits_per_target`` visits on different nights; repeat visits go to other
    pairs where possible and are marked ``retest``. The list is in draw order, which is
    chronological within a call. Raises :class:`ScheduleError`.
    """
    zone = _zone(timezone)
    pairs = sorted(_checked_pairs(study, pairs), key=lambda pair: (pair.code, pair.id))
    targets = sorted(_checked_targets(study, targets), key=lambda target: (target.code, target.id))
    nights = _checked_nights(nights, visits_per_target)
    if study.status == "closed":
        raise ScheduleError(
            _(
                "Study %(code)s is closed, so no tests can be added. Plan in a study that is in "
                "draft or in the field.",
                code=study.code,
            )
        )
    if study.order_rule not in ORDER_RULES:
        raise ScheduleError(
            _(
                "Study %(code)s has the unknown order rule '%(rule)s'. Choose one of: %(rules)s.",
                code=study.code,
                rule=study.order_rule,
                rules=", ".join(label(rule, "order_rule") for rule in ORDER_RULES),
            )
        )
    if window_start == window_end:
        raise ScheduleError(
            _(
                "The window starts and ends at %(time)s. Give an end time after the start (an end "
                "before the start means the window runs past midnight).",
                time=window_start.strftime("%H:%M"),
            )
        )
    slot = timedelta(minutes=slot_minutes)
    gap = timedelta(minutes=study.planned_gap_minutes)
    if slot_minutes < 1:
        raise ScheduleError(
            _(
                "The slot per visit is %(minutes)s minutes. Give a positive number of minutes.",
                minutes=slot_minutes,
            )
        )
    if study.planned_gap_minutes < 0:
        raise ScheduleError(
            _(
                "Study %(code)s has a negative planned gap between the teams (%(gap)s min). Set "
                "it to 0 minutes or more in the study's settings.",
                code=study.code,
                gap=study.planned_gap_minutes,
            )
        )
    windows = {night: _window(night, window_start, window_end, zone) for night in nights}
    slots = {night: _slot_starts(*windows[night], slot, gap) for night in nights}
    slots_per_night = min(len(starts) for starts in slots.values())
    if slots_per_night == 0:
        length = windows[nights[0]][1] - windows[nights[0]][0]
        raise ScheduleError(
            _(
                "The window %(start)s-%(end)s (%(length)s min) holds no slot of %(slot)s min with "
                "the second team %(gap)s min later. Widen the window or shorten the slot per "
                "visit.",
                start=window_start.strftime("%H:%M"),
                end=window_end.strftime("%H:%M"),
                length=_minutes(length),
                slot=slot_minutes,
                gap=study.planned_gap_minutes,
            )
        )

    needed = len(targets) * visits_per_target
    capacity = sum(len(starts) for starts in slots.values()) * len(pairs)
    if needed > capacity:
        per_night = slots_per_night * len(pairs)
        raise ScheduleError(
            _(
                "%(needed)s visits are needed (%(targets)s targets x %(visits)s), but the plan "
                "holds at most %(capacity)s (nights x slots per night x pairs: %(nights)s x "
                "%(slots)s x %(pairs)s). Add nights (at least %(more)s more), widen the window, "
                "shorten the slot per visit, add pairs, or plan fewer targets.",
                needed=needed,
                targets=len(targets),
                visits=visits_per_target,
                nights=len(nights),
                slots=slots_per_night,
                pairs=len(pairs),
                capacity=capacity,
                more=math.ceil((needed - capacity) / per_night),
            )
        )

    planner = _Planner(study, pairs, slot, gap, _Calendar(busy), previous_draws or {})
    rng = random.Random(f"{study.seed}:allocation")
    queue: list[_Visit] = []
    for round_ in range(visits_per_target):
        shuffled = list(targets)
        rng.shuffle(shuffled)
        queue.extend(_Visit(target, round_) for target in shuffled)

    for index, night in enumerate(nights):
        quota = math.ceil(len(queue) / (len(nights) - index))
        planner.fill(night, windows[night], slots[night], queue, quota, strict=True)
    if queue:  # Second pass: a repeat visit may go to a pair that was there before.
        for night in nights:
            planner.fill(night, windows[night], slots[night], queue, len(queue), strict=False)
    if queue:
        placed = needed - len(queue)
        per_night = slots_per_night * len(pairs)
        raise ScheduleError(
            _(
                "Only %(placed)s of %(needed)s visits fit without booking a team twice at once or "
                "a target twice in one night (teams shared between pairs and existing tests take "
                "capacity). Add nights (at least %(more)s more), widen the window, or add pairs "
                "with their own teams.",
                placed=placed,
                needed=needed,
                more=math.ceil(len(queue) / per_night),
            )
        )
    return planner.planned


class _Planner:
    def __init__(
        self,
        study: Study,
        pairs: list[Pair],
        slot: timedelta,
        gap: timedelta,
        calendar: _Calendar,
        previous_draws: Mapping[str, int],
    ) -> None:
        self.study = study
        self.pairs = pairs
        self.slot = slot
        self.gap = gap
        self.calendar = calendar
        self.previous_draws = previous_draws
        self.draws: dict[str, _Draws] = {}
        self.planned: list[PlannedTest] = []
        self.visitors: dict[int, set[int]] = defaultdict(set)  # target id -> pair ids
        self.nightly: dict[date, set[int]] = defaultdict(set)  # night -> target ids
        self.load: dict[int, int] = defaultdict(int)  # pair id -> tests placed
        rng = random.Random(f"{study.seed}:pairs")
        order = list(range(len(pairs)))
        rng.shuffle(order)
        self.rank = {pair.id: order[i] for i, pair in enumerate(pairs)}

    def role(self, target_type: str) -> tuple[str, int, _Draws | None]:
        if self.study.order_rule == "protected_first":
            return "protected", 0, None
        if self.study.order_rule == "control_first":
            return "control", 0, None
        if target_type not in self.draws:
            self.draws[target_type] = _Draws(
                self.study.seed, target_type, self.previous_draws.get(target_type, 0)
            )
        draws = self.draws[target_type]
        first_role, block = draws.peek()
        return first_role, block, draws

    def fill(
        self,
        night: date,
        window: tuple[datetime, datetime],
        starts: list[datetime],
        queue: list[_Visit],
        quota: int,
        *,
        strict: bool,
    ) -> None:
        placed = 0
        for start in starts:
            # The pair with the fewest tests so far goes first, so the work is shared evenly.
            for pair in sorted(self.pairs, key=lambda p: (self.load[p.id], self.rank[p.id])):
                if placed >= quota or not queue:
                    return
                index = self._pick(pair, night, queue, strict)
                if index is None:
                    continue
                visit = queue[index]
                if self._place(pair, visit, night, window, start):
                    del queue[index]
                    placed += 1

    def _pick(self, pair: Pair, night: date, queue: list[_Visit], strict: bool) -> int | None:
        for index, visit in enumerate(queue):
            target_id = visit.target.id
            if target_id in self.nightly[night]:
                continue
            if pair.id in self.visitors[target_id] and (strict or visit.round == 0):
                continue
            return index
        return None

    def _place(
        self,
        pair: Pair,
        visit: _Visit,
        night: date,
        window: tuple[datetime, datetime],
        start: datetime,
    ) -> bool:
        first_role, block, draws = self.role(visit.target.target_type)
        team_of = {"protected": pair.protected_team_id, "control": pair.control_team_id}
        second_role = "control" if first_role == "protected" else "protected"
        offset = timedelta(0)
        while offset < self.slot:
            first_at = start + offset
            second_at = first_at + self.gap
            if second_at >= window[1]:
                return False
            if self.calendar.free(
                team_of[first_role], first_at, first_at + self.slot
            ) and self.calendar.free(team_of[second_role], second_at, second_at + self.slot):
                break
            offset += timedelta(minutes=OFFSET_STEP_MINUTES)
        else:
            return False
        if draws is not None:
            draws.take()
        self.calendar.book(team_of[first_role], first_at, first_at + self.slot)
        self.calendar.book(team_of[second_role], second_at, second_at + self.slot)
        planned = {first_role: first_at, second_role: second_at}
        self.planned.append(
            PlannedTest(
                pair_id=pair.id,
                target_id=visit.target.id,
                night=night,
                window_start=window[0],
                window_end=window[1],
                first_role=first_role,
                planned_protected=planned["protected"],
                planned_control=planned["control"],
                block=block,
                retest=visit.round > 0,
            )
        )
        self.visitors[visit.target.id].add(pair.id)
        self.nightly[night].add(visit.target.id)
        self.load[pair.id] += 1
        return True


# --- input checks and time arithmetic -----------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            _(
                "Unknown time zone '%(name)s'. Use an IANA name such as 'Europe/Amsterdam'.",
                name=name,
            )
        ) from None


def _of_study(study: Study, item: Pair | Target) -> None:
    """Refuse a pair or a target of another study."""
    if item.study_id == study.id:
        return
    values = {"code": item.code, "other": item.study_id, "study": study.code}
    if isinstance(item, Pair):
        message = _(
            "Pair %(code)s belongs to another study (id %(other)s), not %(study)s. Choose "
            "only this study's pairs.",
            **values,
        )
    else:
        message = _(
            "Target %(code)s belongs to another study (id %(other)s), not %(study)s. "
            "Choose only this study's targets.",
            **values,
        )
    raise ScheduleError(message)


def _checked_pairs(study: Study, pairs: Sequence[Pair]) -> list[Pair]:
    if not pairs:
        raise ScheduleError(
            _(
                "No pairs chosen for study %(code)s. Create at least one pair (a team of the "
                "protected group and one of the control group) and choose it.",
                code=study.code,
            )
        )
    seen: set[int] = set()
    for pair in pairs:
        if pair.id is None:
            raise ScheduleError(_("Pair %(code)s is not saved yet. Save it first.", code=pair.code))
        _of_study(study, pair)
        if pair.protected_team_id == pair.control_team_id:
            raise ScheduleError(
                _(
                    "Pair %(code)s has the same team on both sides. Give it two different teams.",
                    code=pair.code,
                )
            )
        if pair.id in seen:
            raise ScheduleError(
                _("Pair %(code)s is chosen twice. Choose each pair once.", code=pair.code)
            )
        seen.add(pair.id)
    return list(pairs)


def _checked_targets(study: Study, targets: Sequence[Target]) -> list[Target]:
    if not targets:
        raise ScheduleError(
            _(
                "No targets chosen for study %(code)s. Add or import targets, then plan again.",
                code=study.code,
            )
        )
    seen: set[int] = set()
    for target in targets:
        if target.id is None:
            raise ScheduleError(
                _("Target %(code)s is not saved yet. Save it first.", code=target.code)
            )
        _of_study(study, target)
        if not target.active:
            raise ScheduleError(
                _(
                    "Target %(code)s is inactive. Make it active again or leave it out of the "
                    "schedule.",
                    code=target.code,
                )
            )
        if study.target_types and target.target_type not in study.target_types:
            raise ScheduleError(
                _(
                    "Target %(code)s is of the type '%(type)s', which study %(study)s does not "
                    "list (%(types)s). Correct the target's type or add the type to the study.",
                    code=target.code,
                    type=label(target.target_type, "target_type"),
                    study=study.code,
                    types=", ".join(label(kind, "target_type") for kind in study.target_types),
                )
            )
        if target.id in seen:
            raise ScheduleError(
                _("Target %(code)s is chosen twice. Choose each target once.", code=target.code)
            )
        seen.add(target.id)
    return list(targets)


def _checked_nights(nights: Sequence[date], visits_per_target: int) -> list[date]:
    if not nights:
        raise ScheduleError(_("No nights given. Give at least one date to plan on."))
    unique = sorted(set(nights))
    if len(unique) != len(nights):
        raise ScheduleError(_("A night is given twice. Give each date once."))
    if visits_per_target < 1:
        raise ScheduleError(
            _(
                "The number of visits per target is %(visits)s. Give 1 or more.",
                visits=visits_per_target,
            )
        )
    if visits_per_target > len(unique):
        raise ScheduleError(
            _(
                "Visits per target: %(visits)s, so %(visits)s nights are needed (a target is "
                "visited at most once a night); nights given: %(nights)s. Add nights or lower the "
                "visits per target.",
                visits=visits_per_target,
                nights=len(unique),
            )
        )
    return unique


def _window(night: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The window as UTC instants; an end at or before the start falls on the next day."""
    end_day = night + timedelta(days=1) if end <= start else night
    return (
        datetime.combine(night, start, tzinfo=zone).astimezone(UTC),
        datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC),
    )


def _slot_starts(start: datetime, end: datetime, slot: timedelta, gap: timedelta) -> list[datetime]:
    """Slot starts whose first visit fits the window and whose second arrival is inside it."""
    starts = []
    moment = start
    while moment + slot <= end and moment + gap < end:
        starts.append(moment)
        moment += slot
    return starts


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


# --- the database side --------------------------------------------------------------------------


def create_schedule(*, session: Session, user: User | None = None, **plan: Any) -> list[Test]:
    """Plan and store tests, audit every draw and the schedule itself, and commit.

    ``plan`` holds :func:`plan_schedule`'s keyword arguments, its defaults too, but ``busy`` and
    ``previous_draws``: here the existing planned tests of the pairs' teams count as busy time
    (each visit ``slot_minutes`` long), and the first-role sequence of each target type
    continues where the study's earlier schedules left it.
    """
    bound = inspect.signature(plan_schedule).bind(**plan)
    bound.apply_defaults()
    draw = bound.arguments
    study, pairs, targets = draw["study"], draw["pairs"], draw["targets"]
    draw["busy"] = existing_busy(session, pairs, draw["slot_minutes"])
    draw["previous_draws"] = previous_draws(session, study)
    planned = plan_schedule(**draw)
    types = {target.id: target.target_type for target in targets}
    tests = [Test(study_id=study.id, **asdict(plan)) for plan in planned]  # the same fields
    session.add_all(tests)
    session.flush()
    rule = RANDOMISATION_RULE if study.order_rule == "randomised" else study.order_rule
    for test in tests:
        after = {"first_role": test.first_role, "block": test.block,
                 "target_type": types[test.target_id], "seed": study.seed, "rule": rule}  # fmt: skip
        audit.record(session, action="randomisation.draw", user=user, about=test, after=after)
    schedule = {
        "tests": len(tests),
        "nights": [night.isoformat() for night in sorted(set(draw["nights"]))],
        "window": f"{draw['window_start']:%H:%M}-{draw['window_end']:%H:%M}",
        "timezone": draw["timezone"],
        "slot_minutes": draw["slot_minutes"],
        "visits_per_target": draw["visits_per_target"],
        "pairs": sorted(pair.code for pair in pairs),
        "targets": len(targets),
        "order_rule": study.order_rule,
    }
    audit.record(session, action="schedule.create", user=user, about=study, after=schedule)
    session.commit()
    return tests


def existing_busy(session: Session, pairs: Sequence[Pair], slot_minutes: int) -> list[BusyInterval]:
    """The planned visits of the pairs' teams, as busy intervals for :func:`plan_schedule`."""
    team_ids = sorted(
        {pair.protected_team_id for pair in pairs} | {pair.control_team_id for pair in pairs}
    )
    rows = session.exec(
        select(Test, Pair)
        .join(Pair, col(Pair.id) == col(Test.pair_id))
        .where(
            Test.status == "planned",
            or_(col(Pair.protected_team_id).in_(team_ids), col(Pair.control_team_id).in_(team_ids)),
        )
    ).all()
    slot = timedelta(minutes=slot_minutes)
    busy: list[BusyInterval] = []
    for test, pair in rows:
        busy.append((pair.protected_team_id, test.planned_protected, test.planned_protected + slot))
        busy.append((pair.control_team_id, test.planned_control, test.planned_control + slot))
    return busy


def previous_draws(session: Session, study: Study) -> dict[str, int]:
    """How many first roles were drawn so far per target type, so new draws continue the blocks."""
    rows = session.exec(
        select(Target.target_type, func.count(col(Test.id)))
        .join(Target, col(Target.id) == col(Test.target_id))
        .where(Test.study_id == study.id, col(Test.block) > 0)
        .group_by(col(Target.target_type))
    ).all()
    return {target_type: count for target_type, count in rows}
