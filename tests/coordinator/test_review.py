"""Pair review: verdicts for every rule, overrides, states, messages to one team, amendments."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import PairReview
from fieldwork.models import ReportConflict
from fieldwork.models import Study
from fieldwork.models import Tester
from fieldwork.models import VisitReport
from fieldwork.services.reports import review as review_service
from tests.coordinator.conftest import add_report
from tests.coordinator.conftest import move_to_past
from tests.coordinator.conftest import post
from tests.support import csrf_from


def verdict(app, study_id, test_id):
    with app.app_context():
        session = get_session()
        study = session.get(Study, study_id)
        status = review_service.status_of(
            session, study=study, test_id=test_id, timezone="Europe/Amsterdam"
        )
        return status.valid, status.reasons, status.verdict


@pytest.mark.parametrize(
    ("protected", "control", "valid", "reasons"),
    [
        ({"arrival_time": "23:00"}, {"arrival_time": "23:05"}, True, []),  # in window, in order
        ({"arrival_time": "23:00"}, {"arrival_time": "23:15"}, True, []),  # exactly the limit
        ({"arrival_time": "23:00"}, {"arrival_time": "23:16"}, False, ["interval_exceeded"]),
        ({"arrival_time": "23:55"}, {"arrival_time": "00:20"}, False, ["interval_exceeded"]),
        ({"arrival_time": "23:06"}, {"arrival_time": "23:01"}, False, ["order_violated"]),
        (
            {"arrival_time": "23:00", "deviations": ["argued"]},
            {"arrival_time": "23:05"},
            False,
            ["deviation"],
        ),
        ({"arrival_time": "23:00"}, None, False, ["incomplete"]),
        ({"arrival_time": "23:00", "admitted": None}, {}, False, ["incomplete"]),
    ],
)
def test_verdict_for_every_rule(app, world, protected, control, valid, reasons):
    answers = {k: v for k, v in protected.items() if v is not None}
    add_report(app, world.test_p1, "protected", **answers)
    if protected.get("admitted", "x") is None:
        with app.app_context():
            session = get_session()
            report = session.exec(select(VisitReport)).one()
            report.answers = {k: v for k, v in report.answers.items() if k != "admitted"}
            session.add(report)
            session.commit()
    if control is not None:
        add_report(app, world.test_p1, "control", **control)
    got_valid, got_reasons, _ = verdict(app, world.study_id, world.test_p1)
    assert (got_valid, got_reasons) == (valid, reasons)


def test_matching_difference_makes_the_pair_invalid(app, world):
    with app.app_context():
        session = get_session()
        tester = session.exec(select(Tester).where(Tester.code == "T-02")).one()
        tester.age_band = "30-34"
        session.add(tester)
        session.commit()
    add_report(app, world.test_p1, "protected")
    add_report(app, world.test_p1, "control", arrival_time="23:05")
    assert verdict(app, world.study_id, world.test_p1)[1] == ["matching_failed"]


def test_review_shows_a_single_report_at_once_and_judges_when_both_are_in(app, client, auth, world):
    add_report(app, world.test_p1, "protected", reason_verbatim="")
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/review/{world.test_p1}"
    listed = client.get(f"/coordinator/studies/{world.study_id}/review").get_data(as_text=True)
    assert "V-001" in listed and "1/2" in listed and "V-002" not in listed
    html = client.get(url).get_data(as_text=True)
    assert "Not ready for review" in html
    # The report that is in is shown; the partner's slot waits; no verdict, no review forms yet.
    assert html.count("What time did your group reach the door?") == 1
    assert "Waiting for this team's report" in html and "No report." not in html
    assert "Save state" not in html and "Verdict:" not in html
    response = post(client, url + "/override", {"verdict": "valid", "reason": "looked at it"})
    assert response.status_code == 303
    with app.app_context():
        assert get_session().exec(select(PairReview)).first() is None
    move_to_past(app, world.test_p1)
    html = client.get(url).get_data(as_text=True)
    assert "Not ready" not in html and "No report." in html and "incomplete" in html


def test_side_by_side_with_verdict_and_its_reasons(app, client, auth, world):
    add_report(
        app,
        world.test_p1,
        "protected",
        arrival_time="23:00",
        admitted="no",
        refusal_reasons=["full"],
    )
    add_report(app, world.test_p1, "control", arrival_time="23:20")
    auth.login("coord")
    html = client.get(f"/coordinator/studies/{world.study_id}/review/{world.test_p1}").get_data(
        as_text=True
    )
    assert "Club Nachtuil" in html
    assert "too long between the visits" in html and "20 min" in html
    assert html.count("What time did your group reach the door?") == 2
    assert "Protected team TM-A" in html and "Control team TM-B" in html


def test_override_needs_a_reason_and_is_audited(app, client, auth, world):
    add_report(app, world.test_p1, "protected")
    add_report(app, world.test_p1, "control", arrival_time="23:30")
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/review/{world.test_p1}/override"
    post(client, url, {"verdict": "valid", "reason": "short"})
    with app.app_context():
        assert get_session().exec(select(PairReview)).first() is None
    response = post(client, url, {"verdict": "valid", "reason": "Queue time counted, see notes"})
    assert response.status_code == 303
    assert verdict(app, world.study_id, world.test_p1)[0] is True
    with app.app_context():
        session = get_session()
        review = session.exec(select(PairReview)).one()
        assert review.override_valid is True and review.computed_valid is False
        assert review.computed_reasons == ["interval_exceeded"]
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "review.override")).one()
        assert event.after["reason"] == "Queue time counted, see notes"
    post(client, url, {"verdict": "clear", "reason": "Second opinion: rule stands"})
    assert verdict(app, world.study_id, world.test_p1)[0] is False


def test_has_issues_message_reaches_only_that_team_and_the_amendment_comes_back(
    app, client, auth, world
):
    add_report(app, world.test_p1, "protected", arrival_time="23:00")
    add_report(app, world.test_p1, "control", arrival_time="23:05")
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/review/{world.test_p1}"
    response = post(
        client,
        base + "/state",
        {"state": "has_issues", "message_protected": "Please check your arrival time."},
    )
    assert response.status_code == 303
    with app.app_context():
        session = get_session()
        to_a = review_service.messages_for_team(session, world.test_p1, world.team_a)
        to_b = review_service.messages_for_team(session, world.test_p1, world.team_b)
        assert [m.body for m in to_a] == ["Please check your arrival time."] and to_b == []
        statuses = {r.role: r.status for r in session.exec(select(VisitReport))}
        assert statuses == {"protected": "has_issues", "control": "received"}
    auth.logout()

    # The tester answers with an amendment on their own report page.
    auth.login("t01")
    page = client.get(f"/tester/tests/{world.test_p1}/report").get_data(as_text=True)
    response = client.post(
        f"/tester/tests/{world.test_p1}/amendments",
        data={
            "csrf_token": csrf_from(page),
            "reason": "Wrote the queue time by mistake",
            "arrival_time": "23:01",
            "admitted": "yes",
            "wait_minutes": "3",
            "staff_tone": "neutral",
            "physical_contact": "false",
            "id_asked": "false",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(page)})

    auth.login("coord")
    html = client.get(base).get_data(as_text=True)
    assert "Wrote the queue time by mistake" in html
    assert "A report was amended after the last message." in html
    assert "Please check your arrival time." in html
    assert post(client, base + "/state", {"state": "approved"}).status_code == 303
    with app.app_context():
        session = get_session()
        assert session.exec(select(PairReview)).one().state == "approved"
        assert {r.status for r in session.exec(select(VisitReport))} == {"approved"}


def test_has_issues_without_a_message_and_impossible_moves_are_refused(app, client, auth, world):
    add_report(app, world.test_p1, "protected")
    add_report(app, world.test_p1, "control", arrival_time="23:05")
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/review/{world.test_p1}/state"
    post(client, base, {"state": "has_issues"})
    post(client, base, {"state": "received"})
    with app.app_context():
        assert get_session().exec(select(PairReview)).first() is None
    post(client, base, {"state": "rejected"})
    post(client, base, {"state": "approved"})  # rejected → approved is not a move
    with app.app_context():
        assert get_session().exec(select(PairReview)).one().state == "rejected"


def test_rejected_duplicate_submissions_are_shown(app, client, auth, world):
    report_id = add_report(app, world.test_p1, "protected")
    add_report(app, world.test_p1, "control", arrival_time="23:05")
    with app.app_context():
        session = get_session()
        session.add(
            ReportConflict(
                uuid="0b0e6f39-8a4d-4c39-9e0a-5c1f9a7b2f11",
                test_id=world.test_p1,
                team_id=world.team_a,
                existing_report_id=report_id,
                reason="second_report_for_team",
                answers={"admitted": "no", "reason_verbatim": "Sent twice"},
            )
        )
        session.commit()
    auth.login("coord")
    html = client.get(f"/coordinator/studies/{world.study_id}/review/{world.test_p1}").get_data(
        as_text=True
    )
    assert "second report from the same team" in html and "Sent twice" in html


def test_review_list_filters(app, client, auth, world):
    add_report(app, world.test_p1, "protected")
    add_report(app, world.test_p1, "control", arrival_time="23:40")
    add_report(app, world.test_p2, "protected", arrival_time="23:17")
    add_report(app, world.test_p2, "control", arrival_time="23:22")
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/review"
    invalid = client.get(base + "?validity=invalid").get_data(as_text=True)
    assert "V-001" in invalid and "V-002" not in invalid
    valid = client.get(base + "?validity=valid").get_data(as_text=True)
    assert "V-002" in valid and "V-001" not in valid
    by_reason = client.get(base + "?reason=interval_exceeded").get_data(as_text=True)
    assert "V-001" in by_reason


def test_researcher_sees_the_pseudonymous_review(app, client, auth, world):
    add_report(app, world.test_p1, "protected")
    add_report(app, world.test_p1, "control", arrival_time="23:05")
    auth.login("res")
    html = client.get(f"/coordinator/studies/{world.study_id}/review/{world.test_p1}").get_data(
        as_text=True
    )
    assert "V-001" in html and "TM-A" in html
    assert "Club Nachtuil" not in html and "Save state" not in html


def test_a_tampered_state_changes_nothing(app, client, auth, world):
    add_report(app, world.test_p1, "protected")
    add_report(app, world.test_p1, "control", arrival_time="23:05")
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/review/{world.test_p1}"
    response = post(client, base + "/state", {"state": "deleted"}, follow_redirects=True)
    assert "nothing was changed" in response.get_data(as_text=True)
    response = post(
        client, base + "/state", {"state": "has_issues", "message_protected": "x" * 2001}
    )
    with app.app_context():
        assert get_session().exec(select(PairReview)).first() is None
    response = post(
        client, base + "/override", {"verdict": "maybe", "reason": "long enough reason"}
    )
    with app.app_context():
        assert get_session().exec(select(PairReview)).first() is None


def test_has_issues_never_defaults_to_approved_and_a_follow_up_keeps_the_state(
    app, client, auth, world
):
    add_report(app, world.test_p1, "protected", arrival_time="23:00")
    add_report(app, world.test_p1, "control", arrival_time="23:05")
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/review/{world.test_p1}"
    post(client, base + "/state", {"state": "has_issues", "message_control": "Which door?"})
    html = client.get(base).get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="state".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option([^>]*)value="([^"]*)"', select_html)
    assert [value for _attrs, value in options] == ["", "has_issues", "approved", "rejected"]
    assert not re.search(r'<option[^>]*selected[^>]*value="approved"', select_html)
    assert not re.search(r'value="approved"[^>]*selected', select_html)
    assert "Waiting for an amendment from team(s) TM-B" in html
    waiting = client.get(f"/coordinator/studies/{world.study_id}/review?state=waiting")
    assert "V-001" in waiting.get_data(as_text=True) and "waiting for TM-B" in waiting.get_data(
        as_text=True
    )

    # A coordinator who only writes a follow-up and leaves the state unchosen changes nothing.
    post(client, base + "/state", {"state": "", "message_control": "And which time?"})
    with app.app_context():
        session = get_session()
        assert session.exec(select(PairReview)).one().state == "has_issues"
        assert len(review_service.messages_for_team(session, world.test_p1, world.team_b)) == 1
    # Asked again on purpose: the state stays "has issues", the message is sent and audited.
    post(client, base + "/state", {"state": "has_issues", "message_control": "And which time?"})
    with app.app_context():
        session = get_session()
        assert session.exec(select(PairReview)).one().state == "has_issues"
        assert [
            m.body for m in review_service.messages_for_team(session, world.test_p1, world.team_b)
        ] == ["Which door?", "And which time?"]
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "review.state")).all()
        assert [e.after["state"] for e in events] == ["has_issues", "has_issues"]
        assert {r.status for r in session.exec(select(VisitReport))} == {
            "has_issues",
            "received",
        }
    # The override form has no default verdict either.
    response = post(client, base + "/override", {"verdict": "", "reason": "long enough reason"})
    assert response.status_code == 303
    with app.app_context():
        assert get_session().exec(select(PairReview)).one().override_valid is None
