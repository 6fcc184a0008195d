"""The tester's pages: list, report form, idempotent submit, locking, amendments, blinding."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import Amendment
from fieldwork.models import AuditEvent
from fieldwork.models import ReportConflict
from fieldwork.models import VisitReport
from tests.support import csrf_from

VALID = {
    "arrival_time": "23:02",
    "admitted": "no",
    "refusal_stage": "door",
    "refusal_reasons": ["full", "regulars_only"],
    "reason_verbatim": "Vol vanavond",
    "id_asked": "true",
    "wait_minutes": "12",
    "staff_tone": "unfriendly",
    "physical_contact": "false",
}


def count(app, model) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(model)).one()


def open_form(client, test_id):
    response = client.get(f"/tester/tests/{test_id}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    report_uuid = html.split('name="report_uuid" type="hidden" value="')[1].split('"')[0]
    return html, csrf_from(html), report_uuid


def post_report(client, test_id, answers, *, token, report_uuid):
    return client.post(
        f"/tester/tests/{test_id}/report",
        data={**answers, "csrf_token": token, "report_uuid": report_uuid},
    )


def test_list_shows_own_tests_with_name_address_and_own_time(client, world, auth):
    auth.login("t01")
    html = client.get("/tester/").get_data(as_text=True)
    assert "Club Nachtuil" in html and "Grote Markt 1" in html
    assert "23:00" in html  # team A (protected) is planned at 23:00
    assert f"/tester/tests/{world.test_p1}/report" in html
    assert f"/tester/tests/{world.test_p1_upcoming}/report" in html
    assert f"/tester/tests/{world.test_p2}/report" not in html


def test_list_contains_nothing_about_the_partner_team(app, client, world, auth):
    # The partner (team B) reports first; team A's pages must still show nothing of it.
    auth.login("t02")
    _, token, report_uuid = open_form(client, world.test_p1)
    stored = post_report(
        client,
        world.test_p1,
        {**VALID, "arrival_time": "23:07"},
        token=token,
        report_uuid=report_uuid,
    )
    assert stored.status_code == 303  # the partner's report exists
    auth.logout()
    auth.login("t01")
    listing = client.get("/tester/")
    assert listing.status_code == 200
    pages = [listing.get_data(as_text=True), open_form(client, world.test_p1)[0]]
    for html in pages:
        assert "Club Nachtuil" in html and "23:00" in html  # team A's own page and time
        assert "TM-B" not in html and "T-02" not in html and "t02" not in html
        assert "23:05" not in html  # the partner's planned time
        assert "23:07" not in html  # the partner's reported arrival
        assert "Vol vanavond" not in html  # the partner's outcome text


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", "/report"), ("post", "/report"), ("post", "/amendments")],
)
def test_other_teams_tests_answer_404(client, world, auth, method, suffix):
    auth.login("t01")
    token = csrf_from(client.get("/tester/").get_data(as_text=True))
    for test_id in (world.test_p2, 999999):
        response = getattr(client, method)(
            f"/tester/tests/{test_id}{suffix}", data={"csrf_token": token}
        )
        assert response.status_code == 404


def test_partner_report_is_never_shown_even_after_own_submit(client, world, auth):
    auth.login("t02")
    _, token, report_uuid = open_form(client, world.test_p1)
    stored = post_report(
        client,
        world.test_p1,
        {**VALID, "reason_verbatim": "Partnerquote XQ7"},
        token=token,
        report_uuid=report_uuid,
    )
    assert stored.status_code == 303
    auth.logout()
    auth.login("t01")
    _, token, report_uuid = open_form(client, world.test_p1)
    own = {**VALID, "reason_verbatim": "Eigen citaat XQ8"}
    assert (
        post_report(client, world.test_p1, own, token=token, report_uuid=report_uuid).status_code
        == 303
    )
    response = client.get(f"/tester/tests/{world.test_p1}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Eigen citaat XQ8" in html  # the page shows the team's own report ...
    assert "Partnerquote XQ7" not in html  # ... and nothing of the partner's


def test_valid_report_is_stored_locked_and_shown(app, client, world, auth):
    auth.login("t01")
    _, token, report_uuid = open_form(client, world.test_p1)
    response = post_report(client, world.test_p1, VALID, token=token, report_uuid=report_uuid)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vol vanavond" in page
    with app.app_context():
        report = get_session().exec(select(VisitReport)).one()
        assert report.uuid == report_uuid and report.locked and report.role == "protected"
        assert report.answers["refusal_reasons"] == ["full", "regulars_only"]
        assert report.answers["wait_minutes"] == 12 and report.answers["id_asked"] is True
        events = (
            get_session().exec(select(AuditEvent).where(AuditEvent.action == "report.submit")).all()
        )
        assert len(events) == 1 and events[0].actor == "t01"


def test_same_report_posted_twice_leaves_one_row(app, client, world, auth):
    auth.login("t01")
    _, token, report_uuid = open_form(client, world.test_p1)
    first = post_report(client, world.test_p1, VALID, token=token, report_uuid=report_uuid)
    second = post_report(client, world.test_p1, VALID, token=token, report_uuid=report_uuid)
    assert first.status_code == second.status_code == 303
    assert count(app, VisitReport) == 1 and count(app, ReportConflict) == 0


def test_second_different_report_is_kept_as_conflict_not_overwrite(app, client, world, auth):
    auth.login("t01")
    _, token, report_uuid = open_form(client, world.test_p1)
    post_report(client, world.test_p1, VALID, token=token, report_uuid=report_uuid)
    other = {**VALID, "admitted": "yes"}
    response = post_report(client, world.test_p1, other, token=token, report_uuid=str(uuid.uuid4()))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "kept your new version" in page or "bewaard" in page
    with app.app_context():
        session = get_session()
        assert session.exec(select(VisitReport)).one().answers["admitted"] == "no"
        conflict = session.exec(select(ReportConflict)).one()
        assert conflict.answers["admitted"] == "yes" and conflict.reason == "second_report_for_team"


def test_report_post_without_csrf_token_is_400_and_stores_nothing(app, client, world, auth):
    auth.login("t01")
    _, _, report_uuid = open_form(client, world.test_p1)
    response = client.post(
        f"/tester/tests/{world.test_p1}/report", data={**VALID, "report_uuid": report_uuid}
    )
    assert response.status_code == 400
    assert count(app, VisitReport) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"wait_minutes": "twelve"}, "wait_minutes"),  # type
        ({"wait_minutes": "999"}, "wait_minutes"),  # range
        ({"admitted": "maybe"}, "admitted"),  # allowed choices
        ({"refusal_reasons": []}, "refusal_reasons"),  # required when relevant (admitted = no)
        ({"arrival_time": ""}, "arrival_time"),  # required
        ({"fee_eur": "-3"}, "fee_eur"),
    ],
)
def test_invalid_answers_show_field_errors_and_store_nothing(
    app, client, world, auth, change, field
):
    auth.login("t01")
    _, token, report_uuid = open_form(client, world.test_p1)
    response = post_report(
        client, world.test_p1, {**VALID, **change}, token=token, report_uuid=report_uuid
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in html
    assert count(app, VisitReport) == 0


def test_irrelevant_answers_are_dropped(app, client, world, auth):
    auth.login("t01")
    _, token, report_uuid = open_form(client, world.test_p1)
    answers = {**VALID, "admitted": "yes"}  # refusal questions are now irrelevant
    assert (
        post_report(
            client, world.test_p1, answers, token=token, report_uuid=report_uuid
        ).status_code
        == 303
    )
    with app.app_context():
        stored = get_session().exec(select(VisitReport)).one().answers
    assert "refusal_reasons" not in stored and "reason_verbatim" not in stored
    assert stored["admitted"] == "yes"


def test_amendment_is_appended_with_reason_and_audited(app, client, world, auth):
    auth.login("t01")
    _, token, report_uuid = open_form(client, world.test_p1)
    post_report(client, world.test_p1, VALID, token=token, report_uuid=report_uuid)
    page = client.get(f"/tester/tests/{world.test_p1}/report").get_data(as_text=True)
    token = csrf_from(page)
    no_reason = client.post(
        f"/tester/tests/{world.test_p1}/amendments",
        data={**VALID, "wait_minutes": "20", "reason": "", "csrf_token": token},
    )
    assert no_reason.status_code == 422
    response = client.post(
        f"/tester/tests/{world.test_p1}/amendments",
        data={**VALID, "wait_minutes": "20", "reason": "Typo in wachttijd", "csrf_token": token},
    )
    assert response.status_code == 303
    with app.app_context():
        session = get_session()
        report = session.exec(select(VisitReport)).one()
        assert report.answers["wait_minutes"] == 12  # the original stays as it was
        amendment = session.exec(select(Amendment)).one()
        assert amendment.changes == {"wait_minutes": 20} and amendment.reason == "Typo in wachttijd"
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "report.amend")).one()
    page = client.get(f"/tester/tests/{world.test_p1}/report").get_data(as_text=True)
    assert "Typo in wachttijd" in page


def test_amendment_without_changes_is_refused(app, client, world, auth):
    auth.login("t01")
    _, token, report_uuid = open_form(client, world.test_p1)
    post_report(client, world.test_p1, VALID, token=token, report_uuid=report_uuid)
    token = csrf_from(client.get(f"/tester/tests/{world.test_p1}/report").get_data(as_text=True))
    response = client.post(
        f"/tester/tests/{world.test_p1}/amendments",
        data={**VALID, "reason": "nothing really", "csrf_token": token},
    )
    assert response.status_code == 422
    assert count(app, Amendment) == 0


def test_form_labels_follow_the_language(client, world, auth):
    auth.login("t01")
    dutch = client.get(f"/tester/tests/{world.test_p1}/report").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get(f"/tester/tests/{world.test_p1}/report").get_data(as_text=True)
    assert "binnengelaten" in dutch
    assert "let in" in english
