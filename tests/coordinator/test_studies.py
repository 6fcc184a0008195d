"""Studies: create, edit (design fields fixed once tests exist), and draft → fieldwork → closed."""

from __future__ import annotations

from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import VisitReport
from tests.coordinator.conftest import add_report
from tests.coordinator.conftest import post

NEW = {
    "code": "S2",
    "title": "Second study",
    "domain": "nightlife",
    "instrument": "nightlife-door:1",
    "purpose": "monitoring",
    "order_rule": "randomised",
    "planned_gap_minutes": "5",
    "max_interval_minutes": "15",
    "seed": "42",
    "publication_min_cell": "10",
    "target_types": "club, bar",
    "target_sample_size": "club=40, bar=30",
    "planned_p10": "0.15",
    "planned_p01": "0.03",
}


def study(app, code):
    with app.app_context():
        return get_session().exec(select(Study).where(Study.code == code)).first()


def test_create_a_study(app, client, auth, world):
    auth.login("coord")
    response = post(client, "/coordinator/studies/new", NEW)
    assert response.status_code == 303
    created = study(app, "S2")
    assert created.status == "draft" and created.seed == 42
    assert created.target_types == ["club", "bar"]
    assert created.target_sample_size == {"club": 40, "bar": 30}
    assert (created.planned_p10, created.planned_p01) == (0.15, 0.03)
    with app.app_context():
        event = get_session().exec(select(AuditEvent).where(AuditEvent.action == "study.create"))
        assert event.one().after["seed"] == 42


def test_bad_study_input_creates_nothing(app, client, auth, world):
    auth.login("coord")
    for bad in (
        {"code": "S1"},  # taken
        {"instrument": "housing-access:1"},  # instrument of another domain
        {"target_sample_size": "disco=3"},  # a type the study does not list
        {"target_sample_size": "club=many"},
        {"planned_p10": "0.8", "planned_p01": "0.5"},
        {"instrument": "nope:9"},
    ):
        response = post(client, "/coordinator/studies/new", {**NEW, **bad})
        assert response.status_code == 422, bad
        assert study(app, "S2") is None


def test_edit_keeps_the_design_fixed_once_tests_are_drawn(app, client, auth, world):
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert "Fixed now" in form
    data = {
        **NEW,
        "code": "S1",
        "seed": "7",
        "target_types": "club, bar, cafe, other",
        "target_sample_size": "club=10",
        "title": "Renamed",
    }
    assert post(client, url, data).status_code == 303
    assert study(app, "S1").title == "Renamed"
    response = post(client, url, {**data, "seed": "8"})
    assert response.status_code == 422
    assert "fixed now (tests were drawn or the study is closed): randomisation seed." in (
        response.get_data(as_text=True)
    )  # the field by its label, not its code
    assert study(app, "S1").seed == 7


def test_fieldwork_then_closed_locks_every_report(app, client, auth, world):
    auth.login("coord")
    post(client, "/coordinator/studies/new", NEW)
    new = study(app, "S2")
    url = f"/coordinator/studies/{new.id}/status"
    assert post(client, url, {"status": "closed"}).status_code == 303  # draft cannot close
    assert study(app, "S2").status == "draft"
    post(client, url, {"status": "fieldwork"})
    assert study(app, "S2").status == "fieldwork"

    report_id = add_report(app, world.test_p1, "protected")
    with app.app_context():
        session = get_session()
        report = session.get(VisitReport, report_id)
        report.locked = False  # as if something had unlocked it
        session.add(report)
        session.commit()
    # Closing asks first, saying what it ends; nothing changes until it is confirmed.
    url = f"/coordinator/studies/{world.study_id}/status"
    asked = post(client, url, {"status": "closed"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Close study S1?" in html
    assert "Of 3 planned tests, 0 have both reports, 1 one report and 2 none." in html
    assert 'name="confirmed" value="yes"' in html and "administrator can reopen" in html
    assert study(app, "S1").status == "fieldwork"
    post(client, url, {"status": "closed", "confirmed": "yes"})
    assert study(app, "S1").status == "closed"
    with app.app_context():
        session = get_session()
        assert session.get(VisitReport, report_id).locked is True
        event = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "study.status")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.after == {"status": "closed", "reports_locked": 1}


def test_a_closed_study_refuses_changes(app, client, auth, ids):
    auth.login("coord")
    post(
        client, f"/coordinator/studies/{ids.study}/status", {"status": "closed", "confirmed": "yes"}
    )
    response = post(
        client,
        f"/coordinator/studies/{ids.study}/targets/{ids.target}/edit",
        {"name": "Other", "target_type": "club", "area": "x"},
        follow_redirects=True,
    )
    assert "is closed" in response.get_data(as_text=True)
    with app.app_context():
        assert get_session().get(Target, ids.target).name == "Club Nachtuil"
    response = post(
        client,
        f"/coordinator/studies/{ids.study}/tests/{ids.world.test_p1}/cancel",
        {"reason": "closing time"},
    )
    with app.app_context():
        from fieldwork.models import Test

        assert get_session().get(Test, ids.world.test_p1).status == "planned"


def test_study_pages_show_the_settings(client, auth, world):
    auth.login("res")
    html = client.get(f"/coordinator/studies/{world.study_id}").get_data(as_text=True)
    assert "nightlife-door v1" in html and "Start fieldwork" not in html and "Edit" not in html


def test_a_closed_study_cannot_be_edited(app, client, auth, world):
    auth.login("coord")
    post(
        client,
        f"/coordinator/studies/{world.study_id}/status",
        {"status": "closed", "confirmed": "yes"},
    )
    data = {
        **NEW,
        "code": "S1",
        "seed": "7",
        "target_types": "club, bar, cafe, other",
        "target_sample_size": "",
        "title": "Changed after closing",
    }
    response = post(client, f"/coordinator/studies/{world.study_id}/edit", data)
    assert response.status_code == 422 and "is closed" in response.get_data(as_text=True)
    assert study(app, "S1").title == "Test study"


def test_an_admin_reopens_a_closed_study_with_a_reason(app, client, auth, world):
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}"
    post(client, url + "/status", {"status": "closed", "confirmed": "yes"})
    assert "Reopen" not in client.get(url).get_data(as_text=True)
    assert post(client, url + "/reopen", {"reason": "Closed by mistake"}).status_code == 403
    auth.logout()
    auth.login("adm")
    assert "Reopen the study" in client.get(url).get_data(as_text=True)
    post(client, url + "/reopen", {"reason": "short"})
    assert study(app, "S1").status == "closed"
    response = post(client, url + "/reopen", {"reason": "Closed by mistake before the last night"})
    assert response.status_code == 303 and study(app, "S1").status == "fieldwork"
    with app.app_context():
        event = (
            get_session().exec(select(AuditEvent).where(AuditEvent.action == "study.reopen")).one()
        )
        assert event.actor == "adm"
        assert event.after == {
            "status": "fieldwork",
            "reason": "Closed by mistake before the last night",
        }


def test_the_emergency_contact_is_set_on_the_study_form_and_checked(app, client, auth, world):
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}"
    data = {
        **NEW,
        "code": "S1",
        "seed": "7",
        "target_types": "club, bar, cafe, other",
        "target_sample_size": "",
        "title": "Test study",
        "emergency_contact_name": "Sanne (coordinator)",
        "emergency_contact_phone": "call me",
    }
    response = post(client, base + "/edit", data)
    assert response.status_code == 422
    assert "digits only" in response.get_data(as_text=True)
    assert study(app, "S1").emergency_contact_phone == ""
    response = post(client, base + "/edit", {**data, "emergency_contact_phone": "+31 6 1234 5678"})
    assert response.status_code == 303
    saved = study(app, "S1")
    assert (saved.emergency_contact_name, saved.emergency_contact_phone) == (
        "Sanne (coordinator)",
        "+31 6 1234 5678",
    )
    assert 'href="tel:+31612345678"' in client.get(base).get_data(as_text=True)
