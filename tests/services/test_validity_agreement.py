"""One definition of a valid pair: on every test of the demo, the review pages, monitoring, the
export bundle, the analysis input and the release agree on valid or not and on the reasons, also
after a tester moves to another team (matching is judged on the membership of the night)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from analysis.bundle import read_bundle
from analysis.publication import build_release
from fieldwork import clock
from fieldwork.db import make_engine
from fieldwork.demo import build_demo
from fieldwork.migrate import upgrade
from fieldwork.models import Study
from fieldwork.models import Team
from fieldwork.models import TeamMember
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.errors import Refused
from fieldwork.services.export.bundle import export_study
from fieldwork.services.monitoring.dashboard import dashboard
from fieldwork.services.people.testers import move_member
from fieldwork.services.reports.review import study_statuses

TODAY = date(2026, 3, 14)  # a Saturday: tonight's tests are still pending at noon
NOON = datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
# It builds the whole demo: make test runs it, make test-fast leaves it out.
pytestmark = pytest.mark.slow
ZONE = "Europe/Amsterdam"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    url = f"sqlite:///{tmp_path_factory.mktemp('agreement') / 'demo.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    with clock.frozen(NOON), Session(engine) as session:
        build_demo(session=session, seed=2026, password="demo password", today=TODAY)
        yield session
    engine.dispose()


Views = dict[int, tuple[bool, tuple[str, ...]]]  # test id -> (valid, reasons)


def every_view(session: Session, study: Study, folder: Path) -> dict[str, Views]:
    """What each consumer says about each test it shows."""
    statuses = study_statuses(session, study=study, timezone=ZONE)
    review = {s.test.id: (s.valid, tuple(s.reasons)) for s in statuses}
    board = dashboard(session, study=study, timezone=ZONE, now=clock.now())
    flagged = {s.test.id for s in board.invalid}
    monitoring = {
        s.test.id: (s.test.id not in flagged, tuple(s.reasons))
        for s in statuses
        if s.reviewable(clock.now())
    }
    export_study(session=session, study_code=study.code, folder=folder)
    pairs = read_bundle(folder).pairs
    analysis = {
        int(row.test_id): (bool(row.valid), tuple(row.invalid_reasons))
        for row in pairs.itertuples()
    }
    # The release is built from the same bundle and counts the same valid pairs.
    content = build_release(folder, min_pairs=study.publication_min_cell).content
    sham = {s.test.id for s in statuses if s.pair.sham}
    expected = {
        "valid": sum(v for t, (v, _) in analysis.items() if t not in sham),
        "sham_valid": sum(v for t, (v, _) in analysis.items() if t in sham),
    }
    assert {key: content["counts"][key] for key in expected} == expected
    assert board.total.valid + board.sham.valid == sum(v for v, _ in review.values())
    return {"review": review, "monitoring": monitoring, "analysis": analysis}


def assert_agree(views: dict[str, Views]) -> set[int]:
    review = views["review"]
    for name in ("monitoring", "analysis"):
        view = views[name]
        assert view, f"{name} shows no test"
        disagree = {t: (review[t], view[t]) for t in view if view[t] != review[t]}
        assert disagree == {}, f"{name} disagrees with the review on {disagree}"
    # The bundle leaves out only pending tests (tonight's, no report yet), which are incomplete.
    left_out = set(review) - set(views["analysis"])
    assert all(not review[t][0] and "incomplete" in review[t][1] for t in left_out)
    return left_out


def test_every_consumer_agrees_on_every_test_of_the_demo(demo: Session, tmp_path: Path) -> None:
    with clock.frozen(NOON):
        for study in demo.exec(select(Study).order_by(col(Study.id))).all():
            views = every_view(demo, study, tmp_path / study.code)
            pending = assert_agree(views)
            assert bool(pending) == (study.code == "DEMO-NL")  # only nightlife has tonight
            valid = [t for t, (v, _) in views["review"].items() if v]
            invalid = [t for t, (v, _) in views["review"].items() if not v]
            assert len(valid) > 20 and len(invalid) > 5  # both kinds are really compared


def test_they_still_agree_after_a_move_judged_on_the_night(demo: Session, tmp_path: Path) -> None:
    """A control tester moves from C1 to C2 of DEMO-NL on a past night. From that night on,
    PAIR-1 and PAIR-2 are no longer matched (matching_failed); earlier nights keep their
    verdicts, and every consumer says the same."""
    study = demo.exec(select(Study).where(Study.code == "DEMO-NL")).one()
    teams = {team.code: team for team in demo.exec(select(Team).where(Team.study_id == study.id))}
    coordinator = demo.exec(select(User).where(User.username == "coordinator")).one()
    with clock.frozen(NOON):
        before = every_view(demo, study, tmp_path / "before")["review"]
        nights = sorted({t.night for t in demo.exec(select(Test).where(Test.study_id == study.id))})
        members = demo.exec(
            select(Tester)
            .join(TeamMember, col(TeamMember.tester_id) == col(Tester.id))
            .where(TeamMember.team_id == teams["C1"].id)
        ).all()
        # The last two past nights: C1's reports of those nights were all sent by its first
        # member, so its last member can move to C2 from the first of them.
        moved_on = [n for n in nights if n < TODAY][-2]
        first, last = members[0], members[-1]
        for report in demo.exec(
            select(VisitReport)
            .join(Test, col(Test.id) == col(VisitReport.test_id))
            .where(VisitReport.team_id == teams["C1"].id, col(Test.night) >= moved_on)
        ).all():
            report.submitted_by_id = first.user_id
            demo.add(report)
        demo.commit()
        with pytest.raises(Refused, match="sent reports"):  # not from a night they reported for C1
            move_member(
                session=demo, study=study, tester=first, to_team=teams["C2"], on=moved_on,
                reason="C2 is one short", user=coordinator,
            )  # fmt: skip
        demo.rollback()
        move_member(
            session=demo, study=study, tester=last, to_team=teams["C2"], on=moved_on,
            reason="C2 is one short", user=coordinator,
        )  # fmt: skip
        assert moved_on is not None and moved_on < TODAY
        after = every_view(demo, study, tmp_path / "after")
        assert_agree(after)

    tests = {t.id: t for t in demo.exec(select(Test).where(Test.study_id == study.id))}
    pair_of_team = {teams["C1"].id, teams["C2"].id}
    from fieldwork.models import Pair

    affected_pairs = {
        p.id
        for p in demo.exec(select(Pair).where(Pair.study_id == study.id))
        if {p.protected_team_id, p.control_team_id} & pair_of_team
    }
    changed = {t for t in before if after["review"][t] != before[t]}
    assert changed, "the move changed no verdict"
    for test_id in changed:
        test = tests[test_id]
        assert test.night >= moved_on and test.pair_id in affected_pairs
        assert "matching_failed" in after["review"][test_id][1]
    for test_id, test in tests.items():
        if test.night < moved_on:
            assert after["review"][test_id] == before[test_id]
        elif test.pair_id in affected_pairs and test.status == "planned":
            assert "matching_failed" in after["review"][test_id][1]
    # The moved tester's earlier reports stay with C1, and C1 kept its reports.
    assert demo.exec(select(VisitReport).where(VisitReport.team_id == teams["C1"].id)).first()
