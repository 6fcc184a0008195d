"""The scheduler: deterministic, balanced per target type, never booking a team twice at once."""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.models import AuditEvent
from fieldwork.models import Pair
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.services.schedule.draw import PlannedTest
from fieldwork.services.schedule.draw import ScheduleError
from fieldwork.services.schedule.draw import create_schedule
from fieldwork.services.schedule.draw import plan_schedule
from fieldwork.services.schedule.draw import role_sequence

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FRIDAYS = [date(2026, 1, 9), date(2026, 1, 16), date(2026, 1, 23)]
SLOT = timedelta(minutes=30)


def plan(world: Any, **overrides: Any) -> list[PlannedTest]:
    arguments: dict[str, Any] = {
        "study": world.study,
        "pairs": world.pairs,
        "targets": world.targets,
        "nights": FRIDAYS,
        "window_start": time(22, 0),
        "window_end": time(2, 0),
    }
    arguments.update(overrides)
    return plan_schedule(**arguments)


def team_visits(planned: list[PlannedTest], pairs: list[Pair]) -> dict[int, list[datetime]]:
    by_id = {pair.id: pair for pair in pairs}
    visits: dict[int, list[datetime]] = defaultdict(list)
    for test in planned:
        pair = by_id[test.pair_id]
        visits[pair.protected_team_id].append(test.planned_protected)
        visits[pair.control_team_id].append(test.planned_control)
    return visits


def assert_no_double_booking(
    planned: list[PlannedTest], pairs: list[Pair], slot: timedelta
) -> None:
    for team_id, starts in team_visits(planned, pairs).items():
        for i, first in enumerate(starts):
            for second in starts[i + 1 :]:
                assert first + slot <= second or second + slot <= first, (team_id, first, second)


def test_same_seed_gives_the_same_schedule(nightlife: Any) -> None:
    assert plan(nightlife) == plan(nightlife)


def test_input_order_does_not_matter(nightlife: Any) -> None:
    shuffled = plan(
        nightlife,
        targets=list(reversed(nightlife.targets)),
        pairs=list(reversed(nightlife.pairs)),
        nights=list(reversed(FRIDAYS)),
    )
    assert shuffled == plan(nightlife)


def test_another_seed_gives_another_schedule(nightlife: Any, session: Session) -> None:
    first = plan(nightlife)
    nightlife.study.seed = 12
    assert plan(nightlife) != first


def test_every_target_visited_once_with_aware_times_in_the_window(nightlife: Any) -> None:
    planned = plan(nightlife)
    assert sorted(test.target_id for test in planned) == sorted(t.id for t in nightlife.targets)
    for test in planned:
        assert not test.retest
        for moment in (
            test.window_start,
            test.window_end,
            test.planned_protected,
            test.planned_control,
        ):
            assert moment.tzinfo is not None
        assert test.window_start <= min(test.planned_protected, test.planned_control)
        assert max(test.planned_protected, test.planned_control) < test.window_end


def test_window_across_midnight_uses_the_evening_as_night(nightlife: Any) -> None:
    planned = plan(nightlife, nights=[date(2026, 1, 9)], targets=nightlife.targets[:12])
    test = planned[0]
    assert test.night == date(2026, 1, 9)
    assert test.window_start == datetime(2026, 1, 9, 22, 0, tzinfo=AMSTERDAM)
    assert test.window_end == datetime(2026, 1, 10, 2, 0, tzinfo=AMSTERDAM)
    assert any(
        t.planned_protected.astimezone(AMSTERDAM).date() == date(2026, 1, 10) for t in planned
    )


def test_local_wall_clock_follows_summer_time(nightlife: Any) -> None:
    winter = plan(nightlife, nights=[date(2026, 1, 9)], targets=nightlife.targets[:2])
    summer = plan(nightlife, nights=[date(2026, 7, 10)], targets=nightlife.targets[:2])
    assert winter[0].window_start.astimezone(UTC).hour == 21
    assert summer[0].window_start.astimezone(UTC).hour == 20


def test_second_team_follows_after_the_planned_gap(nightlife: Any) -> None:
    for test in plan(nightlife):
        first, second = (
            (test.planned_protected, test.planned_control)
            if test.first_role == "protected"
            else (test.planned_control, test.planned_protected)
        )
        assert second - first == timedelta(minutes=nightlife.study.planned_gap_minutes)


def test_first_roles_are_balanced_in_blocks_of_four_within_type(
    make_world: Callable[..., Any],
) -> None:
    world = make_world(per_type=10)
    planned = plan(world, nights=FRIDAYS + [date(2026, 1, 30)])
    types = {target.id: target.target_type for target in world.targets}
    by_type: dict[str, list[PlannedTest]] = defaultdict(list)
    for test in planned:
        by_type[types[test.target_id]].append(test)
    for tests in by_type.values():
        roles = Counter(test.first_role for test in tests)
        assert abs(roles["protected"] - roles["control"]) <= 2
        blocks = defaultdict(list)
        for test in tests:
            blocks[test.block].append(test.first_role)
        for block, roles_in_block in blocks.items():
            assert block >= 1
            if len(roles_in_block) == 4:
                assert roles_in_block.count("protected") == 2


def test_role_sequence_is_balanced_per_block_and_seeded_by_type() -> None:
    club = role_sequence(5, "club", 40)
    for start in range(0, 40, 4):
        assert club[start : start + 4].count("protected") == 2
    assert club == role_sequence(5, "club", 40)
    assert club != role_sequence(5, "bar", 40)
    assert club != role_sequence(6, "club", 40)


def test_no_team_is_booked_twice_at_once_even_when_shared(nightlife: Any) -> None:
    planned = plan(nightlife)
    assert_no_double_booking(planned, nightlife.pairs, SLOT)
    shared = nightlife.teams["C1"].id
    pairs_of_shared = {
        test.pair_id
        for test in planned
        if shared
        in {p.protected_team_id for p in nightlife.pairs if p.id == test.pair_id}
        | {p.control_team_id for p in nightlife.pairs if p.id == test.pair_id}
    }
    assert len(pairs_of_shared) == 2  # the real pair and the sham pair both got tests


def test_tight_schedule_with_long_gap_never_double_books(make_world: Callable[..., Any]) -> None:
    world = make_world(planned_gap_minutes=20, per_type=5)
    planned = plan(world, slot_minutes=30)
    assert_no_double_booking(planned, world.pairs, SLOT)


def test_busy_intervals_are_respected(nightlife: Any) -> None:
    night = date(2026, 1, 9)
    team = nightlife.teams["P1"].id
    busy = [
        (team, datetime(2026, 1, 9, 21, 0, tzinfo=UTC), datetime(2026, 1, 10, 1, 0, tzinfo=UTC))
    ]
    planned = plan(nightlife, nights=[night], targets=nightlife.targets[:6], busy=busy)
    pair_1 = next(pair for pair in nightlife.pairs if pair.code == "PAIR-1")
    assert all(test.pair_id != pair_1.id for test in planned)
    assert len(planned) == 6


def test_repeat_visits_go_to_other_pairs_on_other_nights(nightlife: Any) -> None:
    planned = plan(nightlife, visits_per_target=2, nights=[*FRIDAYS, date(2026, 1, 30)])
    by_target: dict[int, list[PlannedTest]] = defaultdict(list)
    for test in planned:
        by_target[test.target_id].append(test)
    assert len(by_target) == len(nightlife.targets)
    for tests in by_target.values():
        assert len(tests) == 2
        assert len({test.pair_id for test in tests}) == 2
        assert len({test.night for test in tests}) == 2
        assert sorted(test.retest for test in tests) == [False, True]
    assert_no_double_booking(planned, nightlife.pairs, SLOT)


@pytest.mark.parametrize(
    ("rule", "role"), [("protected_first", "protected"), ("control_first", "control")]
)
def test_fixed_order_rules_need_no_draw(
    make_world: Callable[..., Any], rule: str, role: str
) -> None:
    world = make_world(order_rule=rule)
    planned = plan(world)
    assert {test.first_role for test in planned} == {role}
    assert {test.block for test in planned} == {0}


def _other_study_target(session: Session, world: Any) -> Target:
    from fieldwork.models import Study

    other = Study(
        code="OTHER", title="Other", domain="nightlife", instrument_id="nightlife-door",
        instrument_version=1, seed=1,
    )  # fmt: skip
    session.add(other)
    session.flush()
    target = Target(study_id=other.id, code="V-900", name="Elsewhere", target_type="bar", area="X")
    session.add(target)
    session.flush()
    return target


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pairs": []}, "No pairs chosen"),
        ({"targets": []}, "No targets chosen"),
        ({"nights": []}, "No nights given"),
        ({"window_end": time(22, 0)}, "starts and ends at 22:00"),
        ({"slot_minutes": 0}, "slot per visit is 0 minutes"),
        ({"visits_per_target": 4}, "so 4 nights are needed"),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"nights": [date(2026, 1, 9), date(2026, 1, 9)]}, "given twice"),
        ({"window_start": time(22, 0), "window_end": time(22, 20)}, "holds no slot"),
    ],
)
def test_bad_input_is_refused_with_a_fix(
    nightlife: Any, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ScheduleError, match=message):
        plan(nightlife, **overrides)


def test_target_of_another_study_is_refused(nightlife: Any, session: Session) -> None:
    stranger = _other_study_target(session, nightlife)
    with pytest.raises(ScheduleError, match="V-900 belongs to another study"):
        plan(nightlife, targets=[*nightlife.targets, stranger])


def test_inactive_target_and_unlisted_type_are_refused(nightlife: Any) -> None:
    nightlife.targets[0].active = False
    with pytest.raises(ScheduleError, match="inactive"):
        plan(nightlife)
    nightlife.targets[0].active = True
    nightlife.targets[1].target_type = "casino"
    with pytest.raises(ScheduleError, match="'casino'"):
        plan(nightlife)


def test_a_closed_study_gets_no_tests(nightlife: Any) -> None:
    nightlife.study.status = "closed"
    with pytest.raises(ScheduleError, match="is closed"):
        plan(nightlife)


def test_naive_busy_interval_is_refused(nightlife: Any) -> None:
    busy = [(nightlife.teams["P1"].id, datetime(2026, 1, 9, 22), datetime(2026, 1, 9, 23))]
    with pytest.raises(ScheduleError, match="without a time zone"):
        plan(nightlife, busy=busy)


def test_too_many_visits_for_the_nights_say_how_many_fit(nightlife: Any) -> None:
    with pytest.raises(ScheduleError) as caught:
        plan(nightlife, nights=[date(2026, 1, 9)], window_start=time(22, 0), window_end=time(23, 0))
    text = str(caught.value)
    assert "24 visits are needed" in text
    assert "holds at most 6" in text
    assert "at least 3 more" in text


def test_shared_team_capacity_shortfall_is_explained(nightlife: Any) -> None:
    # 3 pairs x 4 slots = 12 nominal, but PAIR-1 and SHAM-1 share C1, so fewer fit.
    with pytest.raises(ScheduleError, match="Only .* of 12 visits fit"):
        plan(
            nightlife,
            targets=nightlife.targets[:12],
            nights=[date(2026, 1, 9)],
            window_start=time(22, 0),
            window_end=time(0, 0),
        )


def test_create_schedule_stores_tests_and_audits_every_draw(
    nightlife: Any, session: Session
) -> None:
    tests = create_schedule(
        session=session,
        study=nightlife.study,
        pairs=nightlife.pairs,
        targets=nightlife.targets,
        nights=FRIDAYS,
        window_start=time(22, 0),
        window_end=time(2, 0),
    )
    assert len(tests) == len(nightlife.targets)
    stored = session.exec(select(Test)).all()
    assert {test.id for test in stored} == {test.id for test in tests}
    draws = session.exec(select(AuditEvent).where(AuditEvent.action == "randomisation.draw")).all()
    assert sorted(event.object_id for event in draws) == sorted(test.id for test in tests)
    types = {target.id: target.target_type for target in nightlife.targets}
    by_id = {test.id: test for test in tests}
    for event in draws:
        test = by_id[event.object_id]
        assert event.object_type == "test"
        assert event.study_id == nightlife.study.id
        assert event.after == {
            "first_role": test.first_role,
            "block": test.block,
            "target_type": types[test.target_id],
            "seed": nightlife.study.seed,
            "rule": "permuted_blocks_4_within_target_type",
        }
    created = session.exec(select(AuditEvent).where(AuditEvent.action == "schedule.create")).all()
    assert len(created) == 1
    assert created[0].after is not None and created[0].after["tests"] == len(tests)


def test_create_schedule_with_fixed_order_audits_the_rule(
    make_world: Callable[..., Any], session: Session
) -> None:
    world = make_world(order_rule="control_first")
    create_schedule(
        session=session, study=world.study, pairs=world.pairs, targets=world.targets[:4],
        nights=FRIDAYS[:1], window_start=time(22, 0), window_end=time(2, 0),
    )  # fmt: skip
    draws = session.exec(select(AuditEvent).where(AuditEvent.action == "randomisation.draw")).all()
    assert len(draws) == 4
    assert {(e.after or {}).get("rule") for e in draws} == {"control_first"}


def test_a_second_schedule_avoids_booked_teams_and_continues_the_blocks(
    nightlife: Any, session: Session
) -> None:
    common: dict[str, Any] = {
        "session": session,
        "study": nightlife.study,
        "pairs": nightlife.pairs,
        "window_start": time(22, 0),
        "window_end": time(2, 0),
    }
    first = create_schedule(**common, targets=nightlife.targets[:6], nights=[FRIDAYS[0]])
    second = create_schedule(**common, targets=nightlife.targets[6:12], nights=[FRIDAYS[0]])
    both = session.exec(select(Test).order_by(col(Test.id))).all()
    assert len(both) == len(first) + len(second) == 12
    planned = [
        PlannedTest(
            pair_id=t.pair_id,
            target_id=t.target_id,
            night=t.night,
            window_start=t.window_start,
            window_end=t.window_end,
            first_role=t.first_role,
            planned_protected=t.planned_protected,
            planned_control=t.planned_control,
            block=t.block,
            retest=t.retest,
        )  # fmt: skip
        for t in both
    ]
    assert_no_double_booking(planned, nightlife.pairs, SLOT)
    types = {target.id: target.target_type for target in nightlife.targets}
    for kind in ("club", "bar", "cafe", "other"):
        roles = [t.first_role for t in both if types[t.target_id] == kind]
        # Three draws per type: the second call continued the sequence instead of restarting it.
        assert roles == role_sequence(nightlife.study.seed, kind, len(roles))


@pytest.mark.parametrize("seed", range(1, 16))
def test_many_seeds_keep_the_invariants(make_world: Callable[..., Any], seed: int) -> None:
    world = make_world(seed=seed, per_type=5)
    nights = [*FRIDAYS, date(2026, 1, 30)]
    planned = plan(world, nights=nights, visits_per_target=2, window_end=time(3, 0))
    assert len(planned) == 2 * len(world.targets)
    assert_no_double_booking(planned, world.pairs, SLOT)
    types = {target.id: target.target_type for target in world.targets}
    for kind in ("club", "bar", "cafe", "other"):
        roles = Counter(test.first_role for test in planned if types[test.target_id] == kind)
        assert abs(roles["protected"] - roles["control"]) <= 2
    visits = Counter((test.pair_id, test.target_id) for test in planned)
    assert max(visits.values()) == 1
