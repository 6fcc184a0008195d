"""The coordinator's review message reaches only its team's tester page, and an amendment answers it."""

from __future__ import annotations

from fieldwork.db import get_session
from fieldwork.models import ReviewMessage
from tests.support import csrf_from
from tests.web.test_tester_pages import VALID
from tests.web.test_tester_pages import open_form
from tests.web.test_tester_pages import post_report


def message(app, test_id, team_id, body, state="has_issues"):
    with app.app_context():
        session = get_session()
        session.add(ReviewMessage(test_id=test_id, team_id=team_id, state=state, body=body))
        session.commit()


def test_message_shows_for_its_team_only_until_answered(app, client, world, auth):
    auth.login("t01")
    _, token, report_uuid = open_form(client, world.test_p1)
    post_report(client, world.test_p1, VALID, token=token, report_uuid=report_uuid)
    message(app, world.test_p1, world.team_a, "Check de wachttijd XQ9")
    message(app, world.test_p1, world.team_b, "Alleen voor de partner ZZ8")

    listing = client.get("/tester/").get_data(as_text=True)
    assert 'id="attention"' in listing
    page = client.get(f"/tester/tests/{world.test_p1}/report").get_data(as_text=True)
    assert "Check de wachttijd XQ9" in page and "ZZ8" not in page

    response = client.post(
        f"/tester/tests/{world.test_p1}/amendments",
        data={
            **VALID,
            "wait_minutes": "30",
            "reason": "Wachttijd verbeterd",
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 303
    assert 'id="attention"' not in client.get("/tester/").get_data(as_text=True)


def test_the_done_list_shows_the_newest_few_and_links_to_all(app, client, world, auth, monkeypatch):
    import fieldwork.tester.routes as routes

    monkeypatch.setattr(routes, "DONE_SHOWN", 1)
    auth.login("t01")
    for test_id in (world.test_p1, world.test_p1_upcoming):
        _, token, report_uuid = open_form(client, test_id)
        post_report(client, test_id, VALID, token=token, report_uuid=report_uuid)
    short = client.get("/tester/").get_data(as_text=True)
    assert short.count(">View report<") + short.count(">Rapport bekijken<") == 1
    assert "done=all" in short
    full = client.get("/tester/?done=all").get_data(as_text=True)
    assert full.count(">View report<") + full.count(">Rapport bekijken<") == 2
