"""Tonight: each team's next target and time, each pair's state (not started, one in, both in,
late), open incidents first; the study opens on it during fieldwork hours. The clock is frozen
at a moment of the world's night, so nothing depends on the day the suite runs."""

from __future__ import annotations

from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import Incident
from fieldwork.models import Study
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.services.monitoring.tonight import in_fieldwork_hours
from fieldwork.services.monitoring.tonight import tonight
from tests.coordinator.conftest import add_report
from tests.coordinator.conftest import shown

ZONE = ZoneInfo("Europe/Amsterdam")


def night_of(app, test_id):
    with app.app_context():
        return get_session().get(Test, test_id).night


def at(app, world, hour, minute, days=0):
    """A moment of the world's night (tonight's tests: windows 22:00-02:00)."""
    night = night_of(app, world.test_p1) + timedelta(days=days)
    day = night + timedelta(days=1) if hour < 12 else night
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def states(app, world, moment):
    with app.app_context(), clock.frozen(moment):
        session = get_session()
        study = session.get(Study, world.study_id)
        data = tonight(session, study=study, night=night_of(app, world.test_p1), now=clock.now())
        return data, {pair.row.test.id: pair.state for pair in data.pairs}


def test_pair_states_through_the_night(app, world):
    p1, p2 = world.test_p1, world.test_p2  # P1: 23:00/23:05 at V-001; P2: 23:17/23:22 at V-002
    data, found = states(app, world, at(app, world, 22, 30))
    assert found == {p1: "not_started", p2: "not_started"}
    assert [pair.row.test.id for pair in data.pairs] == [p1, p2]  # by planned time
    add_report(app, p1, "protected")
    data, found = states(app, world, at(app, world, 23, 20))
    assert found == {p1: "one_in", p2: "not_started"}
    # 30 minutes after the control team's 23:05 its report is late; P2's are not yet.
    data, found = states(app, world, at(app, world, 23, 36))
    assert found == {p1: "late", p2: "not_started"}
    assert data.counts == {"late": 1, "not_started": 1, "one_in": 0, "both_in": 0}
    add_report(app, p1, "control")
    data, found = states(app, world, at(app, world, 23, 40))
    assert found == {p1: "both_in", p2: "not_started"}
    # After the window (02:00) a missing report is late, whatever the planned time.
    data, found = states(app, world, at(app, world, 2, 1))
    assert found == {p1: "both_in", p2: "late"}


def test_each_team_and_its_next_visit(app, world):
    add_report(app, world.test_p1, "protected")
    data, _ = states(app, world, at(app, world, 23, 10))
    nexts = {item.team.code: item for item in data.teams}
    assert set(nexts) == {"TM-A", "TM-B", "TM-C", "TM-D"}
    assert nexts["TM-A"].visit is None and nexts["TM-A"].remaining == 0  # reported tonight
    assert nexts["TM-B"].visit.planned.astimezone(ZONE).time() == time(23, 5)
    assert nexts["TM-B"].pair.row.target.code == "V-001"
    assert nexts["TM-C"].pair.row.target.code == "V-002"
    assert [item.team.code for item in data.teams] == ["TM-B", "TM-C", "TM-D", "TM-A"]


def test_the_page_for_coordinator_and_researcher(app, client, auth, world):
    add_report(app, world.test_p1, "protected")
    with app.app_context():
        session = get_session()
        reporter = session.exec(select(User).where(User.username == "t03")).one()
        session.add(Incident(study_id=world.study_id, test_id=world.test_p2, kind="threat",
                             reported_by_id=reporter.id, description="Bouncer shouted"))  # fmt: skip
        session.commit()
    url = f"/coordinator/studies/{world.study_id}/tonight"
    with clock.frozen(at(app, world, 23, 36)):  # signed in on that clock: sessions end after 16 h
        auth.login("coord")
        response = client.get(url)
    assert response.status_code == 200
    html = shown(response)
    assert html.index("1 open incident") < html.index("Where each team goes next")
    assert "Bouncer shouted" in html and "t03" in html and "Threatened or intimidated" in html
    row = html.split(f'data-test="{world.test_p1}"')[1].split("</tr>")[0]
    assert "late" in row and "report in at" in row and "Club Nachtuil" in row
    row = html.split(f'data-test="{world.test_p2}"')[1].split("</tr>")[0]
    assert "not started" in row
    assert "data-live=" in html and "live.js?v=" in html
    with clock.frozen(at(app, world, 23, 36)):
        auth.logout()
        auth.login("res")
        html = shown(client.get(url))
    assert "Where each team goes next" in html and "V-001" in html
    assert "Club Nachtuil" not in html and "t03" not in html  # codes only for researchers
    assert "Bouncer shouted" in html


def test_a_night_without_tests_and_another_night(app, client, auth, world):
    url = f"/coordinator/studies/{world.study_id}/tonight"
    with clock.frozen(at(app, world, 23, 0, days=3)):
        auth.login("coord")
        html = shown(client.get(url))
    assert "No tests are planned for this night." in html
    auth.login("coord")  # again today: the session above starts in three days
    night = night_of(app, world.test_p1_upcoming).isoformat()
    html = shown(client.get(f"{url}?night={night}"))
    assert f'data-test="{world.test_p1_upcoming}"' in html and "live.js" not in html
    assert client.get(f"{url}?night=not-a-date").status_code == 200


@pytest.mark.parametrize(
    ("hour", "minute", "days", "expected"),
    [(18, 59, 0, False), (19, 0, 0, True), (23, 30, 0, True), (3, 0, 0, True),
     (3, 1, 0, False), (23, 0, 2, False)],
)  # fmt: skip
def test_fieldwork_hours(app, world, hour, minute, days, expected):
    """From three hours before the first window (22:00) to an hour after the last (02:00)."""
    moment = at(app, world, hour, minute, days)
    with app.app_context():
        session = get_session()
        study = session.get(Study, world.study_id)
        night = (moment - timedelta(hours=6)).date()
        assert in_fieldwork_hours(session, study=study, night=night, now=moment) is expected


def test_the_study_opens_on_tonight_during_fieldwork_hours(app, client, auth, world):
    study = f"/coordinator/studies/{world.study_id}"
    with clock.frozen(at(app, world, 23, 0)):
        auth.login("coord")
        assert f'href="{study}/tonight"' in shown(client.get("/coordinator/"))
    with clock.frozen(at(app, world, 12, 0, days=2)):
        auth.login("coord")  # a session ends after 16 hours
        html = shown(client.get("/coordinator/"))
    assert f'href="{study}"' in html and f'href="{study}/tonight"' not in html
