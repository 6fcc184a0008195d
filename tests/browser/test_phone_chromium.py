"""The tester's phone in Chromium only (as a Pixel 7): accessibility (axe-core), layout at 320 px
and 200 % text, without JavaScript, conflicts and refusals in words, the export file, the device
count, the sign-out question. The phone stories on all three engines are in test_phone.py."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - conftest skips (locally) or fails (CI) without it
    expect = None
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import ReportConflict
from fieldwork.models import VisitReport
from tests.support import NIGHTLIFE_ANSWERS
from tests.support import PASSWORD
from tests.support import exported_reports
from tests.support import submit_as

UNSENT_ONE = "1 rapport nog niet verzonden"


def sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/tester/$"))


def wait_until_ready_offline(page: Any) -> None:
    """Until app.js calls the phone ready for use offline (see probe() in app.js)."""
    page.wait_for_function("() => document.documentElement.dataset.offline === 'ready'")


def fill_report(page: Any, *, admitted: str = "yes") -> None:
    page.fill("input[name=arrival_time]", "23:02")
    page.check(f"input[name=admitted][value={admitted}]")
    page.check("input[name=id_asked][value=true]")
    page.check("input[name=staff_tone][value=neutral]")
    page.check("input[name=physical_contact][value=false]")
    page.fill("input[name=wait_minutes]", "4")


def reports_in_db(app: Any) -> list[VisitReport]:
    with app.app_context():
        return list(get_session().exec(select(VisitReport)).all())


def count(app: Any, model: Any) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(model)).one()


def form_path(test_id: int) -> str:
    return f"/tester/tests/{test_id}/report"


def test_skip_logic_hides_questions_that_do_not_apply(page, live_server):
    sign_in(page, "t01")
    page.goto(form_path(live_server.world.test_p1))
    assert page.locator("#refusal_reasons-group").is_hidden()
    page.check("input[name=admitted][value=conditional]")
    assert page.locator("#refusal_reasons-group").is_visible()
    page.check("input[name=admitted][value=yes]")
    assert page.locator("#refusal_reasons-group").is_hidden()


def test_a_conflict_is_shown_in_words_and_kept(page, live_server):
    world, app = live_server.world, live_server.app
    sign_in(page, "t01")
    page.goto(form_path(world.test_p1))
    fill_report(page)
    # Meanwhile a teammate's phone sends a different report for the same test.
    with app.app_context():
        result = submit_as(
            "t01", world.test_p1, answers={**NIGHTLIFE_ANSWERS, "arrival_time": "23:00"}
        )
        assert result.status == "created"
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_function(
        "() => /ander rapport/.test(document.querySelector('#send-status').textContent)"
    )
    assert "niets overschreven" in page.inner_text("#send-status")
    page.click("#outbox summary")  # one line until opened
    assert "Niet aangenomen als nieuw rapport" in page.inner_text("#outbox")
    assert count(app, ReportConflict) == 1
    assert len(reports_in_db(app)) == 1
    # Not lost: after a reload it is still listed, until the tester dismisses it.
    page.reload()
    page.wait_for_function("() => !document.querySelector('#outbox').hidden")
    page.click("#outbox summary")
    assert "ander rapport" in page.inner_text("#outbox")


WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    page.evaluate(axe_source)
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' '))}))",
        WCAG,
    )


def test_no_wcag_violations_on_sign_in_list_and_report_form(page, context, live_server, axe_source):
    page.goto("/login")
    found = {"sign-in": axe_violations(page, axe_source)}
    sign_in(page, "t01")
    found["test list"] = axe_violations(page, axe_source)
    page.goto(form_path(live_server.world.test_p1))
    found["report form"] = axe_violations(page, axe_source)
    # With the outbox banner and field errors showing, too.
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_selector(".errors.js")
    found["report form with errors"] = axe_violations(page, axe_source)
    fill_report(page)
    context.set_offline(True)
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_function("() => !document.querySelector('#outbox').hidden")
    found["report form, unsent in the outbox"] = axe_violations(page, axe_source)
    page.click("#outbox summary")
    found["the outbox opened"] = axe_violations(page, axe_source)
    page.route("**/api/reports", lambda route: route.fulfill(status=503, body="{}"))
    context.set_offline(False)
    page.click("form[data-signout] button[type=submit]")
    page.wait_for_selector("[data-signout-ask]:not([hidden])")
    found["sign-out question"] = axe_violations(page, axe_source)
    assert found == {key: [] for key in found}, json.dumps(found, indent=2)


@pytest.mark.parametrize("width", [320])
def test_fits_a_narrow_phone_and_200_percent_text(browser, live_server, width):
    context = browser.new_context(
        viewport={"width": width, "height": 640}, base_url=live_server.url, locale="nl-NL"
    )
    try:
        page = context.new_page()
        sign_in(page, "t01")
        for path in ("/tester/", form_path(live_server.world.test_p1)):
            page.goto(path)
            for zoom in ("100%", "200%"):
                page.evaluate("(zoom) => { document.documentElement.style.fontSize = zoom; }", zoom)
                overflow = page.evaluate(
                    "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, f"{path} scrolls sideways at {width}px, text {zoom}"
    finally:
        context.close()


def test_unsent_reports_can_be_exported_and_the_device_reports_its_count(
    page, context, live_server
):
    world, app = live_server.world, live_server.app
    sign_in(page, "t01")
    wait_until_ready_offline(page)
    page.goto(form_path(world.test_p1))
    fill_report(page)
    context.set_offline(True)
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_function("() => !document.querySelector('#outbox').hidden")
    page.click("#outbox summary")
    with page.expect_download() as download_info:
        page.click("#outbox [data-export]")
    download = download_info.value
    assert download.suggested_filename.startswith("mysteryguest-unsent-")
    exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert exported["format"] == "mysteryguest-outbox"
    [item] = exported["reports"]
    assert item["state"] == "unsent" and item["body"]["answers"]["arrival_time"] == "23:02"

    # Online again, any tester page load tells the server how many reports wait on this phone.
    page.route("**/api/reports", lambda route: route.fulfill(status=503, body="{}"))
    context.set_offline(False)
    page.goto("/tester/")
    from fieldwork.services.monitoring.devices import devices_with_unsent

    def waiting() -> list[tuple[str, int]]:
        with app.app_context():
            return [(d.username, d.unsent_count) for d in devices_with_unsent(get_session())]

    for _ in range(50):
        if waiting():
            break
        page.wait_for_timeout(100)
    assert waiting() == [("t01", 1)]


def test_without_javascript_every_question_shows_and_the_form_posts(browser, live_server):
    world, app = live_server.world, live_server.app
    context = browser.new_context(
        viewport={"width": 412, "height": 915},
        base_url=live_server.url,
        locale="nl-NL",
        java_script_enabled=False,
    )
    try:
        page = context.new_page()
        sign_in(page, "t01")
        page.goto(form_path(world.test_p1))
        assert page.locator("#refusal_reasons-group").is_visible()  # no skip logic: all shown
        fill_report(page, admitted="no")
        page.check("input[name=refusal_reasons][value=full]")
        page.click("form.report button[type=submit]")
        assert "Dank je" in page.inner_text("main")
        assert len(reports_in_db(app)) == 1
    finally:
        context.close()


def send_incident(page: Any, kind: str, description: str) -> None:
    page.check(f"input[name=kind][value={kind}]")
    page.fill("textarea[name=description]", description)
    page.click("form[data-incident-outbox] button[type=submit]")  # through the phone's outbox
    expect(page.locator("[data-incident-status]")).to_contain_text(
        "coördinator kan je bericht nu zien"
    )


def test_help_button_records_an_incident_against_tonights_test(page, live_server):
    world, app = live_server.world, live_server.app
    sign_in(page, "t01")
    page.goto(form_path(world.test_p1))
    page.click("a.help-button")
    send_incident(page, "violence", "Portier duwde")
    with app.app_context():
        from fieldwork.services.monitoring.incidents import open_incidents

        [item] = open_incidents(get_session(), world.study_id)
        assert (item.incident.kind, item.incident.test_id) == ("violence", world.test_p1)


def test_an_incident_sent_by_the_phone_follows_the_testers_choice_of_test(page, live_server):
    """Opened from a test, the page preselects it; the tester may choose "none" instead, and the
    phone sends what was chosen, as the form without JavaScript would."""
    world, app = live_server.world, live_server.app
    sign_in(page, "t01")
    page.goto(form_path(world.test_p1))
    page.click("a.help-button")
    assert page.input_value("select[name=test_id]") == str(world.test_p1)
    page.select_option("select[name=test_id]", "")
    send_incident(page, "unwell", "Onwel geworden in de rij")
    with app.app_context():
        from fieldwork.services.monitoring.incidents import open_incidents

        [item] = open_incidents(get_session(), world.study_id)
        assert (item.incident.kind, item.incident.test_id) == ("unwell", None)
        assert item.incident.study_id == world.study_id


def close_the_study(app: Any, world: Any, uuid: str) -> None:
    from fieldwork.models import Study

    with app.app_context():
        session = get_session()
        session.get(Study, world.study_id).status = "closed"  # the coordinator closed it
        session.commit()


def move_out_of_the_team(app: Any, world: Any, uuid: str) -> None:
    """t01 left team A before the test's night (a move recorded late): not its author then."""
    from fieldwork.models import TeamMember
    from fieldwork.models import Test
    from fieldwork.models import Tester

    with app.app_context():
        session = get_session()
        tester = session.exec(select(Tester).where(Tester.code == "T-01")).one()
        membership = session.exec(select(TeamMember).where(TeamMember.tester_id == tester.id)).one()
        membership.left_on = session.get(Test, world.test_p1).night
        session.commit()


def give_the_id_to_the_partner_team(app: Any, world: Any, uuid: str) -> None:
    """Team B's report of the same test already carries this phone's report id."""
    with app.app_context():
        assert submit_as("t02", world.test_p1, uuid=uuid).status == "created"


@pytest.mark.parametrize(
    ("refusal", "make_it_so", "words", "conflicts"),
    [
        ("study_closed", close_the_study, "Dit onderzoek is afgesloten", 0),
        ("author_not_in_team", move_out_of_the_team, "niet in dit team", 1),
        ("foreign_report", give_the_id_to_the_partner_team, "van een ander team", 0),
    ],
)
def test_a_final_answer_is_kept_with_the_servers_message_and_never_retried(
    page, live_server, refusal, make_it_so, words, conflicts
):
    """The server's final answers (the phone ↔ server contract: study_closed, author_mismatch,
    author_not_in_team, foreign_report), each brought about for real after the form was opened,
    are kept on the phone with the server's message, offered for export, and never sent again.
    (author_mismatch cannot come from this phone: it sends only its signed-in author's items.)"""
    world, app = live_server.world, live_server.app
    sign_in(page, "t01")
    page.goto(form_path(world.test_p1))
    page.wait_for_function("() => document.querySelector('[name=report_uuid]').value")
    fill_report(page)
    make_it_so(app, world, page.input_value("[name=report_uuid]"))
    before = [report.id for report in reports_in_db(app)]
    posts: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []

    def watch(route: Any) -> None:
        posts.append(json.loads(route.request.post_data))
        answer = route.fetch()  # the real server's answer, passed on unchanged
        answers.append({"status": answer.status, **answer.json()})
        route.fulfill(response=answer)

    page.route("**/api/reports", watch)
    page.click("form[data-outbox] button[type=submit]")
    expect(page.locator("#send-status")).to_contain_text(words)
    assert [(a["status"], a["error"]) for a in answers] == [(409, refusal)]
    # Every way the phone sends again: a page load, the online event, "send now".
    page.goto("/tester/")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.click("#outbox summary")
    expect(page.locator("#outbox")).to_contain_text("Geweigerd door de server")
    expect(page.locator("#outbox")).to_contain_text(words)
    expect(page.locator("#outbox [data-export]")).to_be_visible()
    assert page.locator("#outbox [data-send-now]").is_hidden()
    page.wait_for_timeout(300)
    assert len(posts) == 1 and live_server.posts("/api/reports") == 1
    assert posts[0]["author"] == user_id(app, "t01")
    assert posts[0]["team"] == "TM-A" and posts[0]["submitted_at"]
    assert [report.id for report in reports_in_db(app)] == before  # nothing stored for team A
    assert count(app, ReportConflict) == conflicts
    with page.expect_download() as download_info:
        page.click("#outbox [data-export]")
    [item] = exported_reports(download_info.value)
    assert item["state"] == "refused" and item["author"]["username"] == "t01"
    page.click("#outbox button.link")  # once exported, it may go
    expect(page.locator("#outbox")).to_be_hidden()


def test_sign_out_with_unsent_reports_asks_first(page, context, live_server):
    world = live_server.world
    queue_offline(page, context, world)
    page.route("**/api/reports", lambda route: route.fulfill(status=503, body="{}"))
    context.set_offline(False)
    page.click("form[data-signout] button[type=submit]")
    ask = page.locator("[data-signout-ask]")
    expect(ask).to_contain_text("1 van je rapporten is nog niet verzonden")
    page.click("[data-stay]")  # stay: still signed in, nothing lost
    expect(ask).to_be_hidden()
    assert page.url.endswith(form_path(world.test_p1))
    page.click("form[data-signout] button[type=submit]")
    with page.expect_download() as download_info:
        page.click("[data-export-mine]")
    [item] = exported_reports(download_info.value)
    assert item["body"]["answers"]["arrival_time"] == "23:02"
    page.click("[data-signout-anyway]")
    page.wait_for_url("**/login")
    drafts = page.evaluate(
        """() => new Promise((resolve) => {
          const request = indexedDB.open('mysteryguest');
          request.onsuccess = () => {
            const read = request.result.transaction('drafts').objectStore('drafts').getAll();
            read.onsuccess = () => resolve(read.result.length);
          };
        })"""
    )
    assert drafts == 0  # drafts go at sign-out; the unsent report stays, locked
    expect(page.locator("#outbox-count")).to_contain_text("van een andere tester")


def user_id(app: Any, username: str) -> int:
    from fieldwork.models import User

    with app.app_context():
        return get_session().exec(select(User.id).where(User.username == username)).one()


PUT_ITEM = """(item) => new Promise((resolve, reject) => {
  const request = indexedDB.open('mysteryguest', 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore('outbox', { keyPath: 'uuid' });
    request.result.createObjectStore('drafts', { keyPath: 'key' });
  };
  request.onsuccess = () => {
    const tx = request.result.transaction('outbox', 'readwrite');
    tx.objectStore('outbox').put(item);
    tx.oncomplete = () => resolve(true);
    tx.onerror = () => reject(tx.error);
  };
})"""


def queue_offline(page: Any, context: Any, world: Any) -> None:
    """Tester t01 sends a report of tonight's test without a connection; it waits on the phone
    (the phone stays offline)."""
    sign_in(page, "t01")
    page.goto(form_path(world.test_p1))
    fill_report(page)
    context.set_offline(True)
    page.click("form[data-outbox] button[type=submit]")
    expect(page.locator("#send-status")).to_contain_text("nog niet verzonden")


def waiting_item(app: Any, world: Any, *, days: float) -> dict[str, Any]:
    from datetime import UTC
    from datetime import datetime
    from datetime import timedelta

    created = (datetime.now(UTC) - timedelta(days=days)).isoformat()
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "report",
        "author": {"user_id": user_id(app, "t01"), "username": "t01", "team": "TM-A"},
        "user": "t01",
        "draftKey": f"{user_id(app, 't01')}:{world.test_p1}",
        "title": "Club Nachtuil · 23:00",
        "url": form_path(world.test_p1),
        "state": "unsent",
        "created": created,
        "body": {"uuid": str(uuid.uuid4()), "test_id": world.test_p1, "answers": {}},
    }


def test_a_report_waiting_more_than_a_day_is_warned_about_on_the_list(page, live_server):
    """Safari may clear a site's storage after a week without a visit: the list says so after a
    day. The banner stays one line until opened."""
    app, world = live_server.app, live_server.world
    sign_in(page, "t01")
    page.route("**/api/reports", lambda route: route.fulfill(status=503, body="{}"))
    warning = page.locator("[data-waiting-long]")
    page.evaluate(PUT_ITEM, waiting_item(app, world, days=0.5))
    page.reload()
    expect(page.locator("#outbox-count")).to_have_text(UNSENT_ONE)
    expect(warning).to_be_hidden()  # half a day: no warning yet
    page.evaluate(PUT_ITEM, waiting_item(app, world, days=1.5))
    page.reload()
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("meer dan een dag")
    banner = page.locator("#outbox").bounding_box()
    assert banner is not None and banner["height"] < 80  # one line, not the whole screen
    page.click("#outbox summary")
    assert page.locator("#outbox").bounding_box()["height"] > 150


def test_a_coordinator_can_export_the_locked_reports_left_on_a_phone(page, context, live_server):
    """Tester A's report is locked for everyone but A on this phone; the coordinator, signed in
    on it, sees whose it is and exports it for the import."""
    world = live_server.world
    queue_offline(page, context, world)
    context.clear_cookies(name="session")  # A's session ends
    context.set_offline(False)
    page.goto("/login")
    page.fill("input[name=username]", "coord")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/coordinator/**")
    page.click("#outbox summary")
    expect(page.locator("#outbox")).to_contain_text("Club Nachtuil")
    expect(page.locator("#outbox")).to_contain_text("t01")
    with page.expect_download() as download_info:
        page.click("#outbox [data-export]")
    [item] = exported_reports(download_info.value)
    assert (
        item["author"]["username"] == "t01" and item["body"]["answers"]["arrival_time"] == "23:02"
    )
    assert reports_in_db(live_server.app) == []  # a coordinator's session sends nothing


def test_the_sign_in_form_carries_this_phones_device_id(page, live_server):
    page.goto("/login")
    device = page.input_value("input[name=device_id]")
    assert re.fullmatch(r"[0-9a-f-]{36}", device)
    assert page.evaluate("() => localStorage.getItem('mysteryguest-device')") == device
    page.reload()
    assert page.input_value("input[name=device_id]") == device  # the same phone, the same id
