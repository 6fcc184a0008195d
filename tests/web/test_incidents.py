"""Help / incident: a tester raises it from the phone; it tops the coordinator's dashboard."""

from __future__ import annotations

from flask import render_template
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent, Incident
from fieldwork.services.monitoring.incidents import open_incidents, resolve_incident
from tests.support import csrf_from


def test_every_tester_page_has_the_help_button(client, auth, world):
    auth.login("t01")
    for path in ("/tester/", f"/tester/tests/{world.test_p1}/report"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="button help-button"' in html
    assert f"/tester/incident?test={world.test_p1}" in html


def test_an_incident_is_recorded_against_the_test_and_listed(app, client, auth, world):
    auth.login("t01")
    path = f"/tester/incident?test={world.test_p1}"
    page = client.get(path).get_data(as_text=True)
    assert "112" in page
    response = client.post(
        path,
        data={"csrf_token": csrf_from(page), "kind": "threat", "description": "Portier dreigde"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tester/tests/{world.test_p1}/report")
    with app.app_context():
        session = get_session()
        incident = session.exec(select(Incident)).one()
        assert (incident.kind, incident.test_id, incident.study_id) == (
            "threat",
            world.test_p1,
            world.study_id,
        )
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "incident.report")).one()
        listed = open_incidents(session, world.study_id)
        assert [(item.reporter, item.target_code) for item in listed] == [("t01", "V-001")]
        with app.test_request_context("/coordinator/"):
            html = render_template("partials/incidents.html", incidents=listed)
        assert "Portier dreigde" in html and "V-001" in html and 'role="alert"' in html
        resolve_incident(session=session, incident=incident, user=incident_user(session))
        assert open_incidents(session) == []


def incident_user(session):
    from fieldwork.models import User

    return session.exec(select(User).where(User.username == "coord")).one()


def test_an_incident_needs_a_kind_and_another_teams_test_is_404(client, auth, world):
    auth.login("t01")
    page = client.get("/tester/incident").get_data(as_text=True)
    response = client.post("/tester/incident", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert client.get(f"/tester/incident?test={world.test_p2}").status_code == 404


def test_incident_without_a_test_goes_back_to_the_list(app, client, auth, world):
    auth.login("t01")
    page = client.get("/tester/incident").get_data(as_text=True)
    response = client.post(
        "/tester/incident", data={"csrf_token": csrf_from(page), "kind": "unwell"}
    )
    assert response.headers["Location"].endswith("/tester/")
    with app.app_context():
        assert open_incidents(get_session(), world.study_id)[0].target_code is None
