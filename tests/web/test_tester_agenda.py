"""The tester's list in the words of the study's domain, the done state, the moment of submission.

Housing testers contact a landlord in the daytime before a deadline: their list reads overdue /
today / this week / later with the deadline, and no page they see uses nightlife words. The
clock is frozen on a Wednesday, so the sections do not depend on the day the suite runs.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import Study
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.reports.timing import is_late
from fieldwork.services.reports.timing import submitted_moment
from tests.conftest import HOUSING_NOW
from tests.conftest import Housing
from tests.conftest import build_housing_world
from tests.support import csrf_from
from tests.support import submit_as

ZONE = ZoneInfo("Europe/Amsterdam")
WEDNESDAY = datetime.fromisoformat(HOUSING_NOW)
# Words that belong to the door of a club at night, in English and Dutch: never on a housing page.
NIGHTLIFE_ONLY = re.compile(
    r"\b(tonight|door|doors|night|nights|club|bouncer|venue|vanavond|deur|nacht|portier|uitgaan)\b",
    re.IGNORECASE,
)


@pytest.fixture
def housing(app, password_hash) -> Housing:
    with app.app_context():
        return build_housing_world(password_hash)


def page(client, path: str, language: str) -> str:
    client.get(f"/lang/{language}")
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def visible_text(html: str) -> str:
    """What a person reads: the body without tags, scripts' data and attribute values."""
    body = html.split("<body>", 1)[1]
    return re.sub(r"<[^>]*>", " ", body)


def test_a_housing_testers_list_reads_overdue_today_this_week_with_deadlines(client, auth, housing):
    with clock.frozen(WEDNESDAY):
        auth.login("h01")  # on the frozen clock: a session ends after 16 h
        html = page(client, "/tester/", "nl")
    headings = re.findall(r'<h2 id="housing-(\w+)">([^<]+)', html)
    assert headings == [("overdue", "Te laat"), ("today", "Vandaag "), ("this_week", "Deze week"),
                        ("later", "Later")]  # fmt: skip
    sections = {key: html.split(f'id="housing-{key}"')[1].split("</section>")[0]
                for key, _ in headings}  # fmt: skip
    assert "Woonstede Makelaars" in sections["overdue"]
    assert "Mevrouw De Boer" in sections["today"] and "Uiterlijk" in sections["today"]
    assert "17:00" in sections["today"]  # the deadline, with its time
    assert "Haagse Huur B.V." in sections["this_week"]
    assert "Stichting Duinwonen" in sections["later"]
    done = html.split('id="done"')[1]
    assert "Van Dijk Verhuur" in done and "Verzonden" in done
    assert "Je geplande contact" in html


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_nightlife_words_on_a_housing_testers_pages(client, auth, housing, language):
    with clock.frozen(WEDNESDAY):
        auth.login("h01")  # on the frozen clock: a session ends after 16 h
        pages = {
            path: visible_text(page(client, path, language))
            for path in (
                "/tester/",
                f"/tester/tests/{housing.today}/report",
                f"/tester/tests/{housing.done}/report",
                f"/tester/incident?test={housing.today}",
                "/tester/incident",
            )
        }
    found = {path: NIGHTLIFE_ONLY.findall(text) for path, text in pages.items()}
    assert found == {path: [] for path in pages}
    # The words are the housing ones, not blanks.
    assert ("Deadline" if language == "en" else "Uiterlijk") in pages[
        f"/tester/tests/{housing.today}/report"
    ]


def test_the_grep_finds_nightlife_words_on_a_nightlife_page(client, auth, world):
    """The check above can fail: the same grep on a nightlife tester's list finds the words."""
    auth.login("t01")
    assert NIGHTLIFE_ONLY.search(visible_text(page(client, "/tester/", "en")))


def test_when_tonights_reports_are_in_the_list_says_done_with_the_times(app, client, auth, world):
    with app.app_context():
        received = submit_as("t01", world.test_p1).report.received_at
    auth.login("t01")
    html = page(client, "/tester/", "nl")
    tonight = html.split('id="nightlife-tonight"')[1].split("</section>")[0]
    assert "Klaar voor vanavond: al je rapporten zijn binnen." in tonight
    assert "geen tests gepland" not in html
    done = html.split('id="done"')[1]
    assert "Club Nachtuil" in done and "Verzonden" in done
    with app.test_request_context():
        from fieldwork.templating import moment

        assert moment(received) in done


# --- the moment of submission -----------------------------------------------------------------
def post_report(client, auth, world, **changes):
    auth.login("t01")
    token = csrf_from(client.get("/tester/").get_data(as_text=True))
    body = {
        "uuid": str(uuid.uuid4()),
        "test_id": world.test_p1,
        "answers": {"arrival_time": "23:02", "admitted": "yes", "id_asked": False,
                    "staff_tone": "neutral", "physical_contact": False},
        "author": 1,
        "team": "TM-A",
    }  # fmt: skip
    body.update(changes)
    return client.post("/api/reports", json=body, headers={"X-CSRFToken": token})


def test_the_phone_says_when_the_tester_pressed_submit_and_the_server_keeps_it(
    app, client, auth, world
):
    with app.app_context():
        author = get_session().exec(select(User.id).where(User.username == "t01")).one()
    now = datetime.now(UTC)
    pressed = now - timedelta(hours=3)  # written at the door, sent when the signal came back
    response = post_report(
        client, auth, world, author=author,
        submitted_at=pressed.astimezone(ZONE).isoformat(), device_time=now.isoformat(),
    )  # fmt: skip
    assert response.status_code == 201, response.json
    with app.app_context():
        [stored] = get_session().exec(select(VisitReport)).all()
        assert abs(stored.submitted_on_device_at - pressed) < timedelta(seconds=1)
        assert submitted_moment(stored) < stored.received_at - timedelta(hours=2)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"submitted_at": "23:45"}, "submitted_at", "ISO 8601 met tijdzone"),
        ({"submitted_at": "2026-03-11T23:45:00"}, "submitted_at", "met tijdzone"),
        ({"author": "t01"}, "author", "gebruikers-id"),
        ({"team": ""}, "team", "1 tot 16 tekens"),
        ({"team": "T" * 17}, "team", "1 tot 16 tekens"),
    ],
)
def test_bad_submission_keys_are_refused_with_what_to_fix(
    app, client, auth, world, changes, field, words
):
    client.get("/lang/nl")
    response = post_report(client, auth, world, **changes)
    assert response.status_code == 422
    assert words in " ".join(response.json["errors"][field])
    with app.app_context():
        assert get_session().exec(select(VisitReport)).all() == []


def report_at(test: Test, *, submitted: datetime | None, received: datetime, skew: int = 0):
    return VisitReport(uuid=str(uuid.uuid4()), test_id=test.id or 0, team_id=1, role="protected",
                       instrument_id="nightlife-door", instrument_version=1,
                       submitted_on_device_at=submitted, received_at=received,
                       clock_skew_seconds=skew)  # fmt: skip


def test_lateness_is_judged_by_the_moment_of_submitting_corrected_for_the_phones_clock():
    end = datetime(2026, 3, 14, 2, 0, tzinfo=UTC)
    test = Test(id=1, study_id=1, pair_id=1, target_id=1, night=date(2026, 3, 13),
                window_start=end - timedelta(hours=4), window_end=end, first_role="protected",
                planned_protected=end, planned_control=end)  # fmt: skip
    morning = end + timedelta(hours=8)
    # Written in the window, sent the next morning: not late.
    assert not is_late(
        report_at(test, submitted=end - timedelta(minutes=20), received=morning), test
    )
    # Written after the window: late, whenever it arrived.
    assert is_late(report_at(test, submitted=end + timedelta(minutes=20), received=morning), test)
    # No moment from the phone (the form without JavaScript): the receive time decides.
    assert is_late(report_at(test, submitted=None, received=morning), test)
    # A phone 10 minutes fast says 02:05; by the server's clock it was 01:55: not late.
    fast = report_at(test, submitted=end + timedelta(minutes=5), received=morning, skew=600)
    assert submitted_moment(fast) == end - timedelta(minutes=5) and not is_late(fast, test)
    # A phone that claims a moment after the report arrived is held to the arrival.
    claims = report_at(test, submitted=morning + timedelta(hours=1), received=morning)
    assert submitted_moment(claims) == morning


def test_monitoring_lists_a_report_made_after_the_window_not_one_sent_after_it(app, world):
    from fieldwork.services.monitoring.dashboard import dashboard

    with app.app_context():
        session = get_session()
        study = session.get(Study, world.study_id)
        test = session.get(Test, world.test_p1)
        later = test.window_end + timedelta(hours=6)
        for username, submitted in (("t01", test.window_end - timedelta(minutes=30)),
                                    ("t02", test.window_end + timedelta(minutes=30))):  # fmt: skip
            with clock.frozen(later):
                result = submit_as(
                    username, world.test_p1, submitted_at=submitted, device_time=later
                )
                assert result.status == "created"
        board = dashboard(session, study=study, timezone="Europe/Amsterdam", now=later)
        late = [
            (item.slot, item.submitted_at) for item in board.late if item.status.test.id == test.id
        ]
        assert late == [("control", test.window_end + timedelta(minutes=30))]


def test_the_coordinator_sees_a_phones_clock_that_was_off(app, client, auth, world):
    now = datetime.now(UTC)
    with app.app_context():
        for username, fast in (("t01", timedelta(minutes=7, seconds=5)), ("t02", timedelta(0))):
            result = submit_as(
                username, world.test_p1,
                device_time=now + fast, submitted_at=now + fast - timedelta(minutes=1),
            )  # fmt: skip
            assert result.report.clock_skew_flag == (username == "t01")
    auth.login("coord")
    client.get("/lang/nl")
    html = client.get(f"/coordinator/studies/{world.study_id}/review/{world.test_p1}").get_data(
        as_text=True
    )
    assert "de klok van de telefoon liep 7 min verkeerd" in html
    assert "verstuurd op de telefoon" in html


def test_tester_pages_say_who_is_signed_in_and_the_sign_in_page_does_not(app, client, auth, world):
    """The phone ↔ server contract: the phone knows whose session it is from the page."""
    login = client.get("/login").get_data(as_text=True)
    assert 'name="mg-user"' not in login
    assert re.search(r'<input type="hidden" name="device_id" value="">', login)
    auth.login("t01")
    with app.app_context():
        t01 = get_session().exec(select(User.id).where(User.username == "t01")).one()
    for path in ("/tester/", f"/tester/tests/{world.test_p1}/report", "/tester/incident"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert f'<meta name="mg-user" content="{t01}" data-username="t01"' in html, path
        assert response.headers["X-Mg-User"] == str(t01), path
    form = client.get(f"/tester/tests/{world.test_p1}/report").get_data(as_text=True)
    assert 'data-team="TM-A"' in form


def test_the_phone_keeps_its_pages_in_one_request(app, client, auth, world):
    auth.login("t01")
    response = client.get(
        "/tester/offline-pages",
        query_string=[("page", "/tester/"), ("page", "/tester/incident"),
                      ("page", f"/tester/tests/{world.test_p2}/report"),  # not t01's: left out
                      ("page", "/coordinator/"), ("page", "/tester/offline-pages")],
    )  # fmt: skip
    pages = {page["path"]: page for page in response.json["pages"]}
    assert sorted(pages) == ["/tester/", "/tester/incident"]
    assert "Mijn tests" in pages["/tester/"]["html"] or "My tests" in pages["/tester/"]["html"]
    headers = pages["/tester/incident"]["headers"]
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert headers["X-Mg-User"]
    # A background fetch right after a page load: personal (never stored by a cache), but the
    # session cookie the page load refreshed is not sent again.
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" in client.get("/tester/").headers  # a page load refreshes it


def test_the_phones_background_fetch_still_checks_the_session(app, client, auth, world):
    auth.login("t01")
    with app.app_context():
        session = get_session()
        session.exec(select(User).where(User.username == "t01")).one().session_generation += 1
        session.commit()  # "end sessions" by the coordinator
    response = client.get("/tester/offline-pages", query_string=[("page", "/tester/")])
    assert response.status_code == 302 and "/login" in response.location
