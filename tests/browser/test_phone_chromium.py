"""The tester's phone in a real browser (Chromium as a Pixel 7): offline outbox, drafts,
idempotent sending, conflicts in words, languages, and accessibility (axe-core)."""

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
from sqlmodel import func, select

from fieldwork.db import get_session
from fieldwork.models import ReportConflict, VisitReport
from tests.support import PASSWORD

UNSENT_ONE = "1 rapport nog niet verzonden"

KEPT = """async (paths) => {
  if (!navigator.serviceWorker.controller) return false;
  const registration = await navigator.serviceWorker.getRegistration();
  if (!registration || !registration.active || registration.active.state !== 'activated') return false;
  const cache = await caches.open('pages');
  for (const path of paths) {
    if (!(await cache.match(new URL(path, location.href).href, { ignoreVary: true }))) return false;
  }
  return true;
}"""


def sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/tester/$"))


def wait_until_kept(page: Any, *paths: str) -> None:
    """Wait until the service worker controls the page and keeps ``paths`` for offline use.

    Checked twice around "network idle": on a phone's very first page the check could pass and
    the page still be replaced once more while the worker took over (seen as a flaky offline
    reload, about 1 in 3 runs, before this wait).
    """
    page.wait_for_function(KEPT, arg=list(paths), timeout=10_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(KEPT, arg=list(paths), timeout=10_000)


DRAFT_HAS = """(question) => new Promise((resolve) => {
  const request = indexedDB.open('mysteryguest');
  request.onsuccess = () => {
    const read = request.result.transaction('drafts').objectStore('drafts').getAll();
    read.onsuccess = () => resolve(read.result.some((draft) => question in draft.answers));
    read.onerror = () => resolve(false);
  };
  request.onerror = () => resolve(false);
})"""


def wait_for_draft(page: Any, question: str) -> None:
    page.wait_for_function(DRAFT_HAS, arg=question)


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


def test_offline_report_waits_in_the_outbox_and_is_sent_exactly_once(page, context, live_server):
    world = live_server.world
    sign_in(page, "t01")
    wait_until_kept(page, "/tester/", form_path(world.test_p1), "/tester/incident")
    page.click(f"a[href='{form_path(world.test_p1)}']")
    fill_report(page)
    context.set_offline(True)
    page.click("form[data-outbox] button[type=submit]")

    status = page.locator("#send-status")
    banner = page.locator("#outbox")
    page.wait_for_function(
        "() => /nog niet verzonden/.test(document.querySelector('#send-status').textContent)"
    )
    assert UNSENT_ONE in banner.inner_text()
    assert "Niet verzonden" in banner.inner_text() or "Nog niet verzonden" in banner.inner_text()
    assert reports_in_db(live_server.app) == []

    # Still offline: the reloaded form and the test list come from the phone, with the report.
    page.reload()
    page.wait_for_function("() => !document.querySelector('#outbox').hidden")
    assert UNSENT_ONE in banner.inner_text()
    assert "nog niet verzonden" in status.inner_text()
    assert page.locator("input[name=arrival_time]").input_value() == "23:02"
    page.goto("/tester/")
    assert "Club Nachtuil" in page.inner_text("main")
    page.wait_for_function("() => !document.querySelector('#outbox').hidden")
    assert UNSENT_ONE in banner.inner_text()
    page.click("a.help-button")  # the help page, too, opens without a network
    assert "112" in page.inner_text("main")
    page.check("input[name=kind][value=threat]")
    page.click("form[data-needs-network] button[type=submit]")
    expect(page.locator("[data-offline-note]")).to_be_visible()  # not the browser's error page

    # Back online: sent by itself, once.
    context.set_offline(False)
    page.wait_for_function("() => document.querySelector('#outbox').hidden", timeout=15_000)
    page.reload()
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(500)
    stored = reports_in_db(live_server.app)
    assert len(stored) == 1
    assert stored[0].answers["arrival_time"] == "23:02"
    assert stored[0].device_time is not None and stored[0].elapsed_seconds is not None
    assert page.locator("#outbox").is_hidden()

    # The phone's copy of the page now holds the sent report, not an empty form.
    page.wait_for_function(
        """async (url) => {
          const kept = await (await caches.open('pages')).match(url, { ignoreVary: true });
          return kept !== undefined && (await kept.text()).includes('class="answers"');
        }""",
        arg=live_server.url + form_path(world.test_p1),
    )
    context.set_offline(True)
    page.goto(form_path(world.test_p1))
    expect(page.locator("h1")).to_have_text("Je rapport")
    context.set_offline(False)


def test_a_draft_survives_a_reload(page, live_server):
    world = live_server.world
    sign_in(page, "t01")
    page.goto(form_path(world.test_p1))
    page.fill("input[name=arrival_time]", "23:11")
    page.check("input[name=admitted][value=no]")
    page.check("input[name=refusal_reasons][value=dress_code]")
    page.fill("[name=reason_verbatim]", "Niet met die schoenen")
    wait_for_draft(page, "reason_verbatim")  # written on every change, asynchronously
    page.reload()
    expect(page.locator("#send-status")).to_contain_text("concept is terug")
    expect(page.locator("input[name=arrival_time]")).to_have_value("23:11")
    expect(page.locator("input[name=admitted][value=no]")).to_be_checked()
    expect(page.locator("input[name=refusal_reasons][value=dress_code]")).to_be_checked()
    expect(page.locator("[name=reason_verbatim]")).to_have_value("Niet met die schoenen")
    expect(page.locator("#refusal_reasons-group")).to_be_visible()  # skip logic follows it
    assert reports_in_db(live_server.app) == []


def test_skip_logic_hides_questions_that_do_not_apply(page, live_server):
    sign_in(page, "t01")
    page.goto(form_path(live_server.world.test_p1))
    assert page.locator("#refusal_reasons-group").is_hidden()
    page.check("input[name=admitted][value=conditional]")
    assert page.locator("#refusal_reasons-group").is_visible()
    page.check("input[name=admitted][value=yes]")
    assert page.locator("#refusal_reasons-group").is_hidden()


def test_double_submit_and_a_lost_response_still_store_one_report(page, live_server):
    world, app = live_server.world, live_server.app
    sign_in(page, "t01")
    wait_until_kept(page, "/tester/")  # the service worker controls the pages from here on
    assert page.goto(form_path(world.test_p1)).from_service_worker  # GETs go through it
    fill_report(page)
    with page.expect_response("**/api/reports") as posted:
        page.dblclick("form[data-outbox] button[type=submit]")
    assert posted.value.status == 201
    assert not posted.value.from_service_worker  # POSTs pass the worker untouched
    page.wait_for_url(f"**{form_path(world.test_p1)}", timeout=5_000)
    page.wait_for_function(
        "() => /Verzonden/.test(document.querySelector('#send-status').textContent)"
    )
    assert len(reports_in_db(app)) == 1
    expect(page.locator("h1")).to_have_text("Je rapport")  # the form gives way to the report

    # The same report sent twice at once, as two tabs might: one row, answers 201 and 200.
    body = {
        "uuid": str(uuid.uuid4()),
        "test_id": world.test_p1_upcoming,
        "instrument": "nightlife-door",
        "instrument_version": 1,
        "answers": {
            "arrival_time": "22:10",
            "admitted": "yes",
            "id_asked": "false",
            "staff_tone": "friendly",
            "physical_contact": "false",
        },
        "device_time": "2026-01-01T22:11:00+01:00",
        "elapsed_seconds": 70,
    }
    statuses = page.evaluate(
        """async (body) => {
          const token = document.querySelector('meta[name=csrf-token]').content;
          const post = () => fetch('/api/reports', {method: 'POST', body: JSON.stringify(body),
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}});
          const answers = await Promise.all([post(), post()]);
          return answers.map((r) => r.status).sort();
        }""",
        body,
    )
    assert statuses == [200, 201]
    assert len(reports_in_db(app)) == 2  # one per test


def test_a_lost_response_is_retried_and_stored_once(page, live_server):
    world, app = live_server.world, live_server.app
    sign_in(page, "t01")
    page.goto(form_path(world.test_p1))
    fill_report(page)
    lost: list[int] = []

    def lose_the_response(route: Any) -> None:
        response = route.fetch()  # the server stores the report ...
        lost.append(response.status)
        route.abort("connectionreset")  # ... but the phone never hears back

    page.route("**/api/reports", lose_the_response)
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_function("() => !document.querySelector('#outbox').hidden")
    assert lost == [201]
    assert "nog niet verzonden" in page.inner_text("#send-status")
    assert len(reports_in_db(app)) == 1

    page.unroute("**/api/reports")
    # No click, no online event: the back-off timer (5 s first) sends it again; "same" (200).
    page.wait_for_function("() => document.querySelector('#outbox').hidden", timeout=12_000)
    assert len(reports_in_db(app)) == 1


def test_a_conflict_is_shown_in_words_and_kept(page, live_server):
    world, app = live_server.world, live_server.app
    sign_in(page, "t01")
    page.goto(form_path(world.test_p1))
    fill_report(page)
    # Meanwhile a teammate's phone sends a different report for the same test.
    with app.app_context():
        from fieldwork.models import User
        from fieldwork.services.reports.intake import ReportSubmission, submit_report
        from fieldwork.services.schedule.assignments import assignment_for_user

        session = get_session()
        user = session.exec(select(User).where(User.username == "t01")).one()
        result = submit_report(
            session=session,
            assignment=assignment_for_user(session, user.id, world.test_p1),
            user=user,
            submission=ReportSubmission(
                uuid=str(uuid.uuid4()),
                answers={
                    "arrival_time": "23:00",
                    "admitted": "yes",
                    "id_asked": "false",
                    "staff_tone": "friendly",
                    "physical_contact": "false",
                },
            ),
        )
        assert result.status == "created"
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_function(
        "() => /ander rapport/.test(document.querySelector('#send-status').textContent)"
    )
    assert "niets overschreven" in page.inner_text("#send-status")
    assert "Niet aangenomen als nieuw rapport" in page.inner_text("#outbox")
    assert count(app, ReportConflict) == 1
    assert len(reports_in_db(app)) == 1
    # Not lost: after a reload it is still listed, until the tester dismisses it.
    page.reload()
    page.wait_for_function("() => !document.querySelector('#outbox').hidden")
    assert "ander rapport" in page.inner_text("#outbox")


def test_dutch_by_default_english_after_switching_and_remembered(
    browser, playwright_driver, live_server
):
    pixel = playwright_driver.devices["Pixel 7"]
    german = browser.new_context(**pixel, base_url=live_server.url, locale="de-DE")
    try:
        page = german.new_page()
        page.goto("/login")
        assert page.locator("html").get_attribute("lang") == "nl"
        assert page.locator("h1").inner_text() == "Inloggen"
        page.click("a[hreflang=en]")
        assert page.locator("h1").inner_text() == "Sign in"
        sign_in(page, "t01")
        assert page.locator("h1").inner_text() == "My tests"
        assert "Tonight" in page.inner_text("main")
        page.goto(form_path(live_server.world.test_p1))
        assert "What time did your group reach the door?" in page.inner_text("main")
        page.click("a[hreflang=nl]")
        assert "Hoe laat kwam je groep bij de deur?" in page.inner_text("main")
    finally:
        german.close()
    english = browser.new_context(**pixel, base_url=live_server.url, locale="en-GB")
    try:
        page = english.new_page()
        page.goto("/login")
        assert page.locator("h1").inner_text() == "Sign in"  # follows the browser
    finally:
        english.close()


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
    wait_until_kept(page, "/tester/", form_path(world.test_p1))
    page.goto(form_path(world.test_p1))
    fill_report(page)
    context.set_offline(True)
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_function("() => !document.querySelector('#outbox').hidden")
    with page.expect_download() as download_info:
        page.click("[data-export]")
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


def test_help_button_records_an_incident_against_tonights_test(page, live_server):
    world, app = live_server.world, live_server.app
    sign_in(page, "t01")
    page.goto(form_path(world.test_p1))
    page.click("a.help-button")
    page.check("input[name=kind][value=violence]")
    page.fill("textarea[name=description]", "Portier duwde")
    page.click("form[data-needs-network] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("coördinator kan je bericht nu zien")
    with app.app_context():
        from fieldwork.services.monitoring.incidents import open_incidents

        [item] = open_incidents(get_session(), world.study_id)
        assert (item.incident.kind, item.incident.test_id) == ("violence", world.test_p1)


def test_a_report_form_opened_first_works_offline_after_a_reload(
    browser, playwright_driver, page, context, live_server
):
    """The very first page this phone opens is the form itself (say, from a link in a message):
    the worker keeps the page as it arrived, and it works offline."""
    world = live_server.world
    sign_in(page, "t01")
    fresh = browser.new_context(
        **playwright_driver.devices["Pixel 7"], base_url=live_server.url, locale="nl-NL"
    )
    try:
        fresh.add_cookies(context.cookies())
        phone = fresh.new_page()
        response = phone.goto(form_path(world.test_p1))
        assert not response.from_service_worker  # nothing installed yet on this phone
        wait_until_kept(phone, form_path(world.test_p1))
        fresh.set_offline(True)
        phone.reload()
        fill_report(phone)
        phone.click("form[data-outbox] button[type=submit]")
        expect(phone.locator("#send-status")).to_contain_text("nog niet verzonden")
        fresh.set_offline(False)
        expect(phone.locator("#outbox")).to_be_hidden(timeout=12_000)
        assert len(reports_in_db(live_server.app)) == 1
    finally:
        fresh.close()
