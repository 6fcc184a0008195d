"""The demo builds a realistic, valid, reproducible data set in a fresh migrated database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork import models
from fieldwork.db import make_engine
from fieldwork.demo import DemoError
from fieldwork.demo import DemoResult
from fieldwork.demo import build_demo
from fieldwork.migrate import upgrade
from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import TeamMember
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.people.users import authenticate
from fieldwork.services.reports.validity import evaluate_pair
from forms import get_instrument
from forms import validate_answers

# builds the whole demo: make test runs it, make test-fast leaves it out
pytestmark = pytest.mark.slow


TODAY = date(2026, 3, 14)  # a Saturday: tonight's tests fall on a fieldwork night
PASSWORD = "demo password"


def fresh_engine(tmp_path_factory: pytest.TempPathFactory, name: str) -> Engine:
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'demo.sqlite'}"
    upgrade(url)
    return make_engine(url)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, DemoResult]]:
    engine = fresh_engine(tmp_path_factory, "demo")
    with Session(engine) as session:
        result = build_demo(session=session, seed=2026, password=PASSWORD, today=TODAY)
        yield session, result
    engine.dispose()


def study_of(session: Session, code: str) -> Study:
    return session.exec(select(Study).where(Study.code == code)).one()


def rows(session: Session, model: Any, study: Study) -> list[Any]:
    return list(session.exec(select(model).where(model.study_id == study.id)).all())


def schedule(session: Session) -> list[tuple[Any, ...]]:
    statement = (
        select(Test, Target, Pair, Study)
        .join(Target, col(Target.id) == col(Test.target_id))
        .join(Pair, col(Pair.id) == col(Test.pair_id))
        .join(Study, col(Study.id) == col(Test.study_id))
        .order_by(col(Test.id))
    )
    return [
        (
            study.code,
            target.code,
            pair.code,
            test.night,
            test.first_role,
            test.block,
            test.retest,
            test.planned_protected,
            test.planned_control,
        )  # fmt: skip
        for test, target, pair, study in session.exec(statement).all()
    ]


def test_accounts_and_studies(demo: tuple[Session, DemoResult]) -> None:
    session, result = demo
    assert result.password == PASSWORD
    assert result.studies == ["DEMO-NL-W1", "DEMO-NL-W2", "DEMO-NL", "DEMO-WON"]
    logins = dict(result.logins)
    assert logins["admin"] == "admin"
    assert logins["coordinator"] == "coordinator"
    assert logins["researcher"] == "researcher"
    testers = [name for name, role in result.logins if role == "tester"]
    assert testers[:2] == ["t01", "t02"]
    # A tester record per study; the same people (accounts) come back in every wave.
    assert len(testers) == len({t.user_id for t in session.exec(select(models.Tester)).all()})
    users = session.exec(select(User)).all()
    assert len(users) == len(result.logins)
    assert not any(user.must_change_password for user in users)  # printed logins to try
    assert authenticate(session=session, username="t01", password=PASSWORD) is not None


def test_nightlife_study(demo: tuple[Session, DemoResult]) -> None:
    session, _ = demo
    study = study_of(session, "DEMO-NL")
    assert study.instrument_id == "nightlife-door"
    assert (study.order_rule, study.planned_gap_minutes, study.max_interval_minutes) == (
        "randomised", 5, 15,
    )  # fmt: skip
    assert study.status == "fieldwork"
    venues = rows(session, Target, study)
    assert len(venues) >= 48
    assert {venue.target_type for venue in venues} == {"club", "bar", "cafe", "other"}
    assert set(study.target_sample_size) == {"club", "bar", "cafe", "other"}
    areas = {venue.area for venue in venues}
    assert len(areas) >= 5
    assert {"Plein", "Grote Markt", "Scheveningen"} <= areas
    assert [venue.code for venue in venues][:2] == ["V-001", "V-002"]
    assert len({venue.name for venue in venues}) == len(venues)
    pairs = rows(session, Pair, study)
    assert sum(not pair.sham for pair in pairs) >= 3
    assert sum(pair.sham for pair in pairs) == 1


def test_teams_are_matched_within_pairs(demo: tuple[Session, DemoResult]) -> None:
    session, _ = demo
    for study in session.exec(select(Study)).all():
        teams = {team.id: team for team in rows(session, Team, study)}
        testers = {tester.id: tester for tester in rows(session, models.Tester, study)}
        links = [link for link in session.exec(select(TeamMember)).all() if link.team_id in teams]
        pairs = {pair.id: pair for pair in rows(session, Pair, study)}
        checked = 0
        for test in rows(session, Test, study):  # matched on every night, substitutes included
            members: dict[int, list[models.Tester]] = {team_id: [] for team_id in teams}
            for link in links:
                if link.member_on(test.night):
                    members[link.team_id].append(testers[link.tester_id])
            pair = pairs[test.pair_id]
            for team_id in (pair.protected_team_id, pair.control_team_id):
                assert 1 <= len(members[team_id]) <= 3
                assert {person.group for person in members[team_id]} == {teams[team_id].role}
            assert profile(members[pair.protected_team_id]) == profile(
                members[pair.control_team_id]
            )
            roles = {teams[pair.protected_team_id].role, teams[pair.control_team_id].role}
            assert roles == ({"control"} if pair.sham else {"protected", "control"})
            checked += 1
        assert checked


def profile(people: list[models.Tester]) -> tuple[Any, ...]:
    """What must be equal within a pair: size, gender mix, age bands, language."""
    return (
        len(people),
        sorted(p.gender for p in people),
        sorted(p.age_band for p in people),
        sorted(p.language for p in people),
    )


def test_nightlife_schedule_and_tonight(demo: tuple[Session, DemoResult]) -> None:
    session, _ = demo
    study = study_of(session, "DEMO-NL")
    tests = rows(session, Test, study)
    past = [test for test in tests if test.night < TODAY]
    tonight = [test for test in tests if test.night == TODAY]
    assert len(past) >= 150
    nights = {test.night for test in past}
    assert len(nights) == 5
    assert {night.weekday() for night in nights} <= {4, 5}
    assert tonight
    pairs = {pair.id: pair for pair in rows(session, Pair, study)}
    teams_tonight = {pairs[t.pair_id].protected_team_id for t in tonight} | {
        pairs[t.pair_id].control_team_id for t in tonight
    }
    assert teams_tonight == {team.id for team in rows(session, Team, study)}
    reported = {report.test_id for report in session.exec(select(VisitReport)).all()}
    assert not reported & {test.id for test in tonight}


def test_first_roles_are_balanced_per_type(demo: tuple[Session, DemoResult]) -> None:
    session, _ = demo
    for study in session.exec(select(Study)).all():
        types = {target.id: target.target_type for target in rows(session, Target, study)}
        counts: dict[str, Counter[str]] = {}
        for test in rows(session, Test, study):
            counts.setdefault(types[test.target_id], Counter())[test.first_role] += 1
        for kind, roles in counts.items():
            assert abs(roles["protected"] - roles["control"]) <= 2, (study.code, kind, roles)


def test_no_team_is_booked_twice_at_once(demo: tuple[Session, DemoResult]) -> None:
    session, _ = demo
    for study in session.exec(select(Study)).all():
        pairs = {pair.id: pair for pair in rows(session, Pair, study)}
        slot = timedelta(minutes=30 if study.domain == "nightlife" else 60)
        visits: dict[int, list[Any]] = {}
        for test in rows(session, Test, study):
            pair = pairs[test.pair_id]
            visits.setdefault(pair.protected_team_id, []).append(test.planned_protected)
            visits.setdefault(pair.control_team_id, []).append(test.planned_control)
        for starts in visits.values():
            starts.sort()
            for earlier, later in zip(starts, starts[1:], strict=False):
                assert earlier + slot <= later


def test_housing_study(demo: tuple[Session, DemoResult]) -> None:
    session, _ = demo
    study = study_of(session, "DEMO-WON")
    assert study.instrument_id == "housing-access"
    assert study.max_interval_minutes == 2880
    listings = rows(session, Target, study)
    assert len(listings) >= 60
    assert {listing.target_type for listing in listings} == {
        "private_landlord", "letting_agent", "housing_association",
    }  # fmt: skip
    assert listings[0].code == "L-001"
    assert len({listing.area for listing in listings}) == 8
    pairs = rows(session, Pair, study)
    assert len(pairs) == 3 and not any(pair.sham for pair in pairs)
    tests = rows(session, Test, study)
    assert len(tests) == len(listings)
    for test in tests:
        assert test.night < TODAY and test.night.weekday() < 5
        local = test.planned_protected.astimezone(test.window_start.tzinfo)
        assert test.window_start <= test.planned_protected < test.window_end
        assert local.tzinfo is not None


def test_every_report_is_valid_and_plausible(demo: tuple[Session, DemoResult]) -> None:
    session, _ = demo
    studies = {study.id: study for study in session.exec(select(Study)).all()}
    tests = {test.id: test for test in session.exec(select(Test)).all()}
    reports = session.exec(select(VisitReport)).all()
    assert len(reports) > 2 * 150 * 0.9
    assert len({report.uuid for report in reports}) == len(reports)
    for report in reports:
        study = studies[tests[report.test_id].study_id]
        instrument = get_instrument(study.instrument_id, study.instrument_version)
        assert (report.instrument_id, report.instrument_version) == (
            instrument.id,
            instrument.version,
        )
        checked = validate_answers(instrument, report.answers)
        assert checked.ok, checked.errors
        assert checked.answers == report.answers
        assert report.device_time is not None and report.device_time.tzinfo is not None
        assert report.received_at >= tests[report.test_id].window_start
        assert report.elapsed_seconds is not None and 30 <= report.elapsed_seconds <= 600
        assert report.submitted_by_id is not None


def test_planted_problems_and_effect(demo: tuple[Session, DemoResult]) -> None:
    session, _ = demo
    study = study_of(session, "DEMO-NL")
    instrument = get_instrument("nightlife-door", 1)
    types = {target.id: target.target_type for target in rows(session, Target, study)}
    pairs = {pair.id: pair for pair in rows(session, Pair, study)}
    answers: dict[int, dict[str, Any]] = {}
    for report in session.exec(select(VisitReport)).all():
        answers.setdefault(report.test_id, {})[report.role] = report.answers
    reasons: Counter[str] = Counter()
    discordant: Counter[str] = Counter()
    past = [test for test in rows(session, Test, study) if test.night < TODAY]
    for test in past:
        pair_answers = answers.get(test.id, {})
        verdict = evaluate_pair(
            study=study, test=test, instrument=instrument,
            protected_answers=pair_answers.get("protected"),
            control_answers=pair_answers.get("control"),
        )  # fmt: skip
        reasons.update(verdict.reasons)
        if verdict.valid and not pairs[test.pair_id].sham and types[test.target_id] == "club":
            admitted = {role: pair_answers[role]["admitted"] == "yes" for role in pair_answers}
            if admitted["control"] and not admitted["protected"]:
                discordant["control_only"] += 1
            elif admitted["protected"] and not admitted["control"]:
                discordant["protected_only"] += 1
    n = len(past)
    assert 0.02 * n <= reasons["incomplete"] <= 0.10 * n
    assert 0.02 * n <= reasons["interval_exceeded"] <= 0.10 * n
    assert reasons["deviation"] >= 1
    assert discordant["control_only"] > 2 * discordant["protected_only"]


def test_same_seed_same_schedule_other_seed_other(
    demo: tuple[Session, DemoResult], tmp_path_factory: pytest.TempPathFactory
) -> None:
    session, _ = demo
    again = fresh_engine(tmp_path_factory, "again")
    other = fresh_engine(tmp_path_factory, "other")
    with Session(again) as second, Session(other) as third:
        build_demo(session=second, seed=2026, password=PASSWORD, today=TODAY)
        build_demo(session=third, seed=7, password=PASSWORD, today=TODAY)
        assert schedule(second) == schedule(session)
        assert schedule(third) != schedule(session)
        first_answers = [
            r.answers for r in session.exec(select(VisitReport).order_by(col(VisitReport.id)))
        ]
        second_answers = [
            r.answers for r in second.exec(select(VisitReport).order_by(col(VisitReport.id)))
        ]
        assert first_answers == second_answers
    again.dispose()
    other.dispose()


def test_a_random_password_when_none_is_given(tmp_path_factory: pytest.TempPathFactory) -> None:
    engine = fresh_engine(tmp_path_factory, "random")
    with Session(engine) as session:
        result = build_demo(session=session, seed=1, today=TODAY)
        assert len(result.password) >= 12
        assert authenticate(session=session, username="admin", password=result.password)
        with pytest.raises(DemoError, match="empty database"):
            build_demo(session=session, seed=1, today=TODAY)
        assert len(session.exec(select(User)).all()) == len(result.logins)
    engine.dispose()


def test_the_demo_plans_an_effect_so_the_dashboard_shows_power(demo) -> None:
    from datetime import UTC
    from datetime import datetime

    from fieldwork.services.monitoring.dashboard import dashboard

    session, _result = demo
    for code in ("DEMO-NL", "DEMO-WON"):
        study = study_of(session, code)
        assert study.planned_p10 is not None and study.planned_p01 is not None
        assert study.planned_p10 > study.planned_p01  # the protected group worse off
        board = dashboard(session, study=study, timezone="Europe/Amsterdam",
                          now=datetime(2026, 3, 14, 12, tzinfo=UTC))  # fmt: skip
        assert board.power.note == "" and 0 < board.power.value <= 1, (code, board.power)


def test_the_nightlife_waves_are_linked_and_the_earlier_ones_released(
    demo: tuple[Session, DemoResult],
) -> None:
    """Issue 16.4: DEMO-NL's previous wave a year earlier (and the one before), made with
    create_study(previous_wave=...): the same venues, closed, each with a published release made
    by the coordinator and approved by a second person."""
    from fieldwork.models import Release
    from fieldwork.services.studies.waves import series

    session, _ = demo
    current = study_of(session, "DEMO-NL")
    chain = series(session, current)
    assert [study.code for study in chain] == ["DEMO-NL-W1", "DEMO-NL-W2", "DEMO-NL"]
    venues = [sorted((t.code, t.name, t.target_type) for t in rows(session, Target, study))
              for study in chain]  # fmt: skip
    assert venues[0] == venues[1] == venues[2]
    nights = [min(test.night for test in rows(session, Test, study)) for study in chain]
    assert [(later - earlier).days for earlier, later in zip(nights, nights[1:], strict=False)] \
        == [364, 364]  # a year apart, on the same weekday  # fmt: skip
    users = {user.id: user.username for user in session.exec(select(User)).all()}
    for study in chain[:2]:
        assert study.status == "closed"
        (release,) = rows(session, Release, study)
        assert release.status == "published"
        assert (users[release.created_by_id], users[release.approved_by_id]) == (
            "coordinator", "admin",
        )  # fmt: skip
    assert current.status == "fieldwork" and rows(session, Release, current) == []


def test_every_step_went_through_the_services_and_their_audit(
    demo: tuple[Session, DemoResult],
) -> None:
    from fieldwork.models import AuditEvent
    from fieldwork.models import ReportConflict

    session, result = demo
    events = Counter(session.exec(select(AuditEvent.action)).all())
    count = {model: len(session.exec(select(model)).all())
             for model in (Study, Target, Team, Pair, Test, User, VisitReport, models.Tester,
                           TeamMember, ReportConflict)}  # fmt: skip
    assert events["study.create"] == count[Study] == 4
    assert events["study.next_wave"] == 2  # the venues came over with the previous wave
    assert events["targets.import"] == 2  # the first wave's venues and the housing adverts
    assert events["user.create"] == count[User] == len(result.logins)
    assert events["tester.create"] == count[models.Tester]
    assert events["team.create"] == count[Team]
    assert events["team.add_member"] == count[TeamMember]
    assert events["team.remove_member"] == 1  # a substitute took a tester's place
    assert events["pair.create"] == count[Pair]
    assert events["randomisation.draw"] == count[Test]
    assert events["report.submit"] == count[VisitReport]  # every report through the intake
    assert events["report.conflict"] == count[ReportConflict] == 1
    assert events["report.amend"] >= 5 and events["review.state"] >= 300
    assert events["review.override"] >= 1
    assert events["incident.report"] == 2 and events["incident.resolve"] == 1
    assert (events["release.create"], events["release.approve"], events["release.publish"]) \
        == (2, 2, 2)  # fmt: skip
    (build,) = session.exec(select(AuditEvent).where(AuditEvent.action == "demo.build")).all()
    assert build.after["studies"] == result.studies
    assert set(build.after["accounts"]) == {name for name, _role in result.logins}
