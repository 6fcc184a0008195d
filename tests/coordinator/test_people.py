"""Testers, teams and pairs, with the matching check that warns on every difference."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Pair
from fieldwork.models import Team
from fieldwork.models import TeamMember
from fieldwork.models import Tester
from fieldwork.models import User
from tests.conftest import PASSWORD  # noqa: F401  (documented: the world's password)
from tests.coordinator.conftest import post
from tests.coordinator.conftest import shown


def make_account(app, username):
    with app.app_context():
        session = get_session()
        session.add(User(username=username, password_hash="x", role="tester"))
        session.commit()


def test_create_and_edit_a_tester(app, client, auth, world):
    make_account(app, "t09")
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/testers"
    data = {
        "code": "T-09",
        "group": "control",
        "gender": "f",
        "age_band": "25-29",
        "language": "NL",
        "username": "t09",
        "active": "y",
    }
    assert post(client, base + "/new", data).status_code == 303
    with app.app_context():
        session = get_session()
        tester = session.exec(select(Tester).where(Tester.code == "T-09")).one()
        assert tester.language == "nl" and tester.user_id is not None
        tester_id = tester.id
    # A taken code, an unknown account and a bad age band change nothing.
    for bad in ({"code": "T-01"}, {"username": "nobody"}, {"age_band": "17"}):
        assert post(client, f"{base}/{tester_id}/edit", {**data, **bad}).status_code == 422
    with app.app_context():
        assert get_session().get(Tester, tester_id).code == "T-09"
    html = client.get(base).get_data(as_text=True)
    assert "T-09" in html and "t09" in html


def test_researcher_sees_tester_codes_but_no_accounts(client, auth, world):
    auth.login("res")
    html = shown(client.get(f"/coordinator/studies/{world.study_id}/testers"))
    assert "T-01" in html and "t01" not in html


def test_teams_and_members(app, client, auth, world):
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/teams"
    response = post(client, base, {"code": "TM-E", "role": "protected"})
    assert response.status_code == 303
    assert post(client, base, {"code": "TM-E", "role": "protected"}).status_code == 422
    make_account(app, "t09")
    with app.app_context():
        session = get_session()
        team_id = session.exec(select(Team.id).where(Team.code == "TM-E")).one()
        control = session.exec(select(Tester.id).where(Tester.code == "T-02")).one()
        newcomer = Tester(
            study_id=world.study_id, code="T-09", group="protected", gender="m", age_band="21-24"
        )
        session.add(newcomer)
        session.commit()
        protected = newcomer.id
    night = tonight_of(app)
    add = f"{base}/{team_id}/members"
    refused = post(client, add, {"tester_id": control, "on": night})  # wrong group
    assert refused.status_code == 422 and "control group" in refused.get_data(as_text=True)
    assert post(client, add, {"tester_id": protected, "on": night}).status_code == 303
    with app.app_context():
        members = get_session().exec(
            select(TeamMember.tester_id).where(TeamMember.team_id == team_id)
        )
        assert list(members) == [protected]
    post(client, f"{base}/{team_id}/members/{protected}/remove", {"on": night})
    with app.app_context():
        session = get_session()
        ended = session.exec(select(TeamMember).where(TeamMember.team_id == team_id)).one()
        assert (ended.joined_on, ended.left_on) == (date.fromisoformat(night),) * 2
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions[-3:] == ["team.create", "team.add_member", "team.remove_member"]
    page = client.get(f"{base}/{team_id}").get_data(as_text=True)
    assert "Membership history" in page and "T-09" in page


def tonight_of(app) -> str:
    from fieldwork.timeutil import tonight

    with app.test_request_context():
        return tonight().isoformat()


def test_a_tester_in_another_team_is_refused_on_the_form_and_moved_with_a_date(
    app, client, auth, world
):
    """T-03 is in TM-C. Adding them to TM-A as well is refused on the form (422, not 404) and
    changes nothing; a move with a night and a reason ends TM-C and starts TM-A (audited)."""
    auth.login("coord")
    with app.app_context():
        t03 = get_session().exec(select(Tester.id).where(Tester.code == "T-03")).one()
    team_a = f"/coordinator/studies/{world.study_id}/teams/{world.team_a}"
    night = tonight_of(app)
    response = post(client, team_a + "/members", {"tester_id": t03, "on": night})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "T-03 is in team TM-C of this study" in html and "move them instead" in html
    assert 'aria-invalid="true"' in html
    with app.app_context():
        rows = get_session().exec(select(TeamMember).where(TeamMember.tester_id == t03)).all()
        assert [(m.team_id, m.left_on) for m in rows] == [(world.team_c, None)]

    move = {"move-tester_id": t03, "move-on": night, "move-reason": ""}
    assert post(client, team_a + "/move", move).status_code == 422  # a reason is required
    response = post(client, team_a + "/move", {**move, "move-reason": "TM-C is one short"})
    assert response.status_code == 303
    with app.app_context():
        session = get_session()
        rows = session.exec(
            select(TeamMember).where(TeamMember.tester_id == t03).order_by(TeamMember.id)
        ).all()
        assert [(m.team_id, str(m.joined_on), str(m.left_on)) for m in rows] == [
            (world.team_c, "None", night),
            (world.team_a, night, "None"),
        ]
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "team.move_member")
        ).one()
        assert event.before == {"tester": "T-03", "team": "TM-C"}
        assert event.after == {"team": "TM-A", "on": night, "reason": "TM-C is one short"}
    # Tonight's tests: T-03 (t03) now sees TM-A's test and no longer TM-C's.
    auth.logout()
    auth.login("t03")
    tests = client.get("/tester/").get_data(as_text=True)
    assert "Club Nachtuil" in tests and "Cafe De Kroeg" not in tests.split("Upcoming")[0]


def test_pairing_warns_on_every_difference_and_needs_consent(app, client, auth, world):
    with app.app_context():
        session = get_session()
        tester = session.exec(select(Tester).where(Tester.code == "T-04")).one()
        tester.gender, tester.age_band, tester.language = "f", "30-34", "en"
        session.add(tester)
        session.commit()
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/pairs/new"
    html = client.get(f"{base}?protected_team_id={world.team_a}&control_team_id={world.team_d}")
    html = html.get_data(as_text=True)
    for warning in (
        "Gender mix differs: man vs woman",
        "Age bands differ: 21-24 vs 30-34",
        "Language differs: nl vs en",
    ):
        assert warning in html
    data = {"code": "P-09", "protected_team_id": world.team_a, "control_team_id": world.team_d}
    assert post(client, base, data).status_code == 422
    with app.app_context():
        assert get_session().exec(select(Pair).where(Pair.code == "P-09")).first() is None
    assert post(client, base, {**data, "accept_differences": "y"}).status_code == 303
    with app.app_context():
        session = get_session()
        assert session.exec(select(Pair).where(Pair.code == "P-09")).one().sham is False
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "pair.create")).one()
        assert len(event.after["matching_warnings"]) == 3
    pairs = client.get(f"/coordinator/studies/{world.study_id}/pairs").get_data(as_text=True)
    assert "Gender mix differs" in pairs


def test_group_size_difference_and_sham_rules(app, client, auth, world):
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/pairs/new"
    post(
        client, f"/coordinator/studies/{world.study_id}/teams", {"code": "TM-F", "role": "control"}
    )
    with app.app_context():
        team_f = get_session().exec(select(Team.id).where(Team.code == "TM-F")).one()
    html = client.get(f"{base}?protected_team_id={world.team_a}&control_team_id={team_f}")
    assert "Group size differs: 1 vs 0" in html.get_data(as_text=True)
    # Two control teams pair only as a sham pair; a sham pair needs two teams of one group.
    same_group = {"code": "P-S", "protected_team_id": world.team_b, "control_team_id": world.team_d}
    assert post(client, base, same_group).status_code == 422
    assert post(client, base, {**same_group, "sham": "y"}).status_code == 303
    mixed = {
        "code": "P-X",
        "protected_team_id": world.team_a,
        "control_team_id": world.team_d,
        "sham": "y",
    }
    assert post(client, base, mixed).status_code == 422
    with app.app_context():
        assert get_session().exec(select(Pair).where(Pair.code == "P-S")).one().sham is True
