"""Help / incident: raised from the phone (form or JSON), stored once per UUID, in the tester's
study and test; open on that study's dashboard until a coordinator marks it handled with a note."""

from __future__ import annotations

import re
import uuid

from flask import render_template
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.labels import label
from fieldwork.models import AuditEvent
from fieldwork.models import Incident
from fieldwork.models import Study
from fieldwork.services.monitoring.incidents import open_incidents
from fieldwork.services.monitoring.incidents import resolve_incident
from tests.coordinator.conftest import post
from tests.support import csrf_from


def count(app) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(Incident)).one()


def test_every_tester_page_has_the_help_button_and_the_calls(app, client, auth, world):
    with app.app_context():
        session = get_session()
        study = session.get(Study, world.study_id)
        study.emergency_contact_name, study.emergency_contact_phone = "Sanne", "+31 70 123 4567"
        session.add(study)
        session.commit()
    auth.login("t01")
    for path in ("/tester/", f"/tester/tests/{world.test_p1}/report", "/tester/incident"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="button help-button"' in html
        calls = re.search(r'<nav class="safety-bar".*?</nav>', html, re.S).group(0)
        assert 'href="tel:112"' in calls and 'href="tel:+31701234567"' in calls
        assert "Bel Sanne" in calls  # Dutch first
    assert "/tester/incident" in html


def test_an_incident_is_recorded_once_against_the_test_and_listed(app, client, auth, world):
    auth.login("t01")
    path = f"/tester/incident?test={world.test_p1}"
    page = client.get(path).get_data(as_text=True)
    assert "112" in page
    key = re.search(r'name="uuid" type="hidden" value="([^"]+)"', page).group(1)
    data = {
        "csrf_token": csrf_from(page),
        "uuid": key,
        "test_id": str(world.test_p1),
        "kind": "threat",
        "description": "Portier dreigde",
    }
    response = client.post(path, data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tester/tests/{world.test_p1}/report")
    assert client.post(path, data=data).status_code == 303  # sent twice: stored once
    assert count(app) == 1
    with app.app_context():
        session = get_session()
        incident = session.exec(select(Incident)).one()
        assert (incident.kind, incident.test_id, incident.study_id, incident.uuid) == (
            "threat",
            world.test_p1,
            world.study_id,
            key,
        )
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "incident.report")).one()
        listed = open_incidents(session, world.study_id)
        assert [(item.reporter, item.target_code) for item in listed] == [("t01", "V-001")]
        with app.test_request_context("/coordinator/"):
            html = render_template(
                "partials/incidents.html",
                incidents=listed,
                study=session.get(Study, world.study_id),
                names_visible=True,
            )
            kind = label("threat", "incident_kind")
        assert "Portier dreigde" in html and "V-001" in html and "t01" in html
        assert kind in html and ">threat<" not in html


def test_an_incident_needs_a_kind_and_another_teams_test_is_404(client, auth, world):
    auth.login("t01")
    page = client.get("/tester/incident").get_data(as_text=True)
    response = client.post("/tester/incident", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert client.get(f"/tester/incident?test={world.test_p2}").status_code == 404


def test_incident_without_a_test_goes_to_the_testers_only_study(app, client, auth, world):
    auth.login("t01")
    page = client.get("/tester/incident").get_data(as_text=True)
    response = client.post(
        "/tester/incident",
        data={"csrf_token": csrf_from(page), "kind": "unwell", "test_id": ""},
    )
    assert response.headers["Location"].endswith("/tester/")
    with app.app_context():
        [item] = open_incidents(get_session(), world.study_id)
        assert item.target_code is None and item.incident.study_id == world.study_id


def api_post(client, auth, body):
    if client.get("/tester/").status_code != 200:
        auth.login("t01")
    token = csrf_from(client.get("/tester/").get_data(as_text=True))
    return client.post("/api/incidents", json=body, headers={"X-CSRFToken": token})


def test_the_api_stores_an_incident_once_by_uuid(app, client, auth, world):
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "violence",
        "description": "Geduwd bij de deur",
        "study_id": None,
        "test_id": world.test_p1,
        "device_time": "2026-03-14T00:40:00+01:00",
    }
    first = api_post(client, auth, body)
    assert first.status_code == 201 and first.json["status"] == "created"
    assert first.json["uuid"] == body["uuid"] and first.json["message"]
    token = csrf_from(client.get("/tester/").get_data(as_text=True))
    again = client.post("/api/incidents", json=body, headers={"X-CSRFToken": token})
    assert again.status_code == 200 and again.json["status"] == "same"
    assert count(app) == 1
    with app.app_context():
        stored = get_session().exec(select(Incident)).one()
        assert (stored.study_id, stored.test_id, stored.kind) == (
            world.study_id,
            world.test_p1,
            "violence",
        )
        assert stored.device_time.isoformat() == "2026-03-13T23:40:00+00:00"


def test_the_api_refuses_bad_incidents_and_stores_nothing(app, client, auth, world):
    good = {"uuid": str(uuid.uuid4()), "kind": "other", "description": ""}
    for bad, field in (
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"kind": "bored"}, "kind"),
        ({"test_id": world.test_p2}, "test_id"),  # another team's test
        ({"test_id": "7"}, "test_id"),
        ({"description": "x" * 501}, "description"),
        ({"device_time": "2026-03-14T00:40:00"}, "device_time"),  # no zone
        ({"colour": "red"}, "colour"),
    ):
        response = api_post(client, auth, {**good, **bad})
        assert response.status_code == 422, bad
        assert field in response.json["errors"], (bad, response.json)
    assert count(app) == 0


def test_a_handled_incident_leaves_the_open_list_with_its_note(app, client, auth, world):
    with app.app_context():
        session = get_session()
        other = Study(
            code="S9", title="Housing", domain="housing", instrument_id="housing-access",
            instrument_version=1, seed=1, status="fieldwork", target_types=["other"],
        )  # fmt: skip
        session.add(other)
        session.flush()
        session.add_all(
            [
                Incident(study_id=world.study_id, kind="unwell", description="Duizelig"),
                Incident(study_id=other.id, kind="police", description="Elders"),
            ]
        )
        session.commit()
        mine = session.exec(select(Incident).where(Incident.kind == "unwell")).one().id
        other_id = other.id
    auth.login("coord")
    client.get("/lang/en")
    base = f"/coordinator/studies/{world.study_id}"
    monitoring = client.get(base + "/monitoring").get_data(as_text=True)
    # The dashboard of one study shows only that study's incidents, in a region that refreshes.
    assert "Duizelig" in monitoring and "Elders" not in monitoring
    assert f'data-live-source="/coordinator/studies/{world.study_id}/incidents/open"' in monitoring
    assert "/static/live.js?v=" in monitoring
    fragment = client.get(base + "/incidents/open").get_data(as_text=True)
    assert "Duizelig" in fragment and "<html" not in fragment

    handle = f"{base}/incidents/{mine}/handle"
    refused = post(client, handle, {"note": ""})
    assert refused.status_code == 422 and "Duizelig" in refused.get_data(as_text=True)
    assert post(client, handle, {"note": "Gebeld; team is veilig naar huis."}).status_code == 303
    assert post(client, handle, {"note": "Again"}).status_code == 422  # handled already
    fragment = client.get(base + "/incidents/open").get_data(as_text=True)
    assert "Duizelig" not in fragment and "No open incidents" in fragment
    page = client.get(base + "/incidents").get_data(as_text=True)
    handled = page.split('id="handled-title"')[1]
    assert "Duizelig" in handled and "Gebeld; team is veilig naar huis." in handled
    with app.app_context():
        session = get_session()
        incident = session.get(Incident, mine)
        assert incident.resolved_at is not None and incident.resolved_by_id is not None
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "incident.resolve")
        ).one()
        assert event.after["resolution_note"] == "Gebeld; team is veilig naar huis."
        assert open_incidents(session, world.study_id) == []
        assert len(open_incidents(session, other_id)) == 1
        # Another study's incident cannot be handled from this study's pages.
        foreign = session.exec(select(Incident).where(Incident.kind == "police")).one().id
    assert post(client, f"{base}/incidents/{foreign}/handle", {"note": "x" * 5}).status_code == 404


def test_the_service_refuses_a_note_that_is_too_short(app, world):
    with app.app_context():
        session = get_session()
        incident = Incident(study_id=world.study_id, kind="other")
        session.add(incident)
        session.commit()
        from fieldwork.models import User
        from fieldwork.services.errors import Refused

        coord = session.exec(select(User).where(User.username == "coord")).one()
        try:
            resolve_incident(session=session, incident=incident, user=coord, note="ok")
        except Refused as error:
            assert "What was done" in str(error) or "Write what was done" in str(error)
        else:
            raise AssertionError("a two-letter note was accepted")
        assert session.get(Incident, incident.id).resolved_at is None
