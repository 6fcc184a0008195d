"""In Chromium: the monitoring page picks up a new incident on its own (no inline script, no
reload), and the pages of issue 10 pass axe-core's WCAG 2.1 AA checks — incidents, the import of
unsent reports with its dry-run table, the confirmation pages, the team page with its history,
review of a single report, and the tester pages with the emergency calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import Incident
from fieldwork.models import Study
from fieldwork.models import User
from tests.browser.fixtures import AXE
from tests.browser.fixtures import LiveServer
from tests.browser.fixtures import require
from tests.coordinator.conftest import add_report
from tests.coordinator.test_browser import as_coordinator
from tests.coordinator.test_browser import as_user
from tests.coordinator.test_browser import axe_violations


def as_tester(server: LiveServer, username: str, steps: Callable[[Any], None]) -> None:
    """Run ``steps(page)`` signed in as ``username`` on a phone-sized Chromium, in Dutch."""

    def on_the_list(page: Any) -> None:
        page.wait_for_url("**/tester/")
        steps(page)

    as_user(server, username, on_the_list, "nl", viewport={"width": 412, "height": 915})


def set_emergency_contact(app: Any, study_id: int) -> None:
    with app.app_context():
        session = get_session()
        study = session.get(Study, study_id)
        study.emergency_contact_name, study.emergency_contact_phone = "Sanne", "+31 70 123 4567"
        session.add(study)
        session.commit()


def add_incident(app: Any, study_id: int, description: str) -> int:
    with app.app_context():
        session = get_session()
        t01 = session.exec(select(User).where(User.username == "t01")).one()
        incident = Incident(
            uuid=str(uuid.uuid4()),
            study_id=study_id,
            reported_by_id=t01.id,
            kind="unwell",
            description=description,
        )
        session.add(incident)
        session.commit()
        return incident.id or 0


def test_the_monitoring_page_shows_a_new_incident_on_its_own(live_server):
    live_server.app.config["MONITOR_REFRESH_SECONDS"] = 1
    world = live_server.world
    study = f"/coordinator/studies/{world.study_id}"

    def steps(page: Any) -> None:
        page.goto(study + "/monitoring")
        region = page.locator(".incidents-live")
        assert "No open incidents" in region.inner_text()
        page.evaluate("window.notReloaded = true")
        # Unchanged, the region stays as it is (a screen reader hears nothing new): after a few
        # refreshes the same element is still there.
        section = "document.querySelector('.incidents-live section')"
        page.evaluate(f"{section}.seen = true")  # a property of this element, not in its HTML
        page.wait_for_timeout(3_000)
        assert page.evaluate(f"{section}.seen") is True
        add_incident(live_server.app, world.study_id, "Duizelig bij de deur")
        region.get_by_text("Duizelig bij de deur").wait_for(timeout=8_000)
        assert page.evaluate("window.notReloaded") is True  # refreshed in place
        assert "1 open incident" in region.inner_text()

    as_coordinator(live_server, steps)


def test_the_pages_of_issue_10_have_no_wcag_violations(live_server):
    require(AXE.exists(), f"axe-core not found at {AXE}: run npm ci")
    source = AXE.read_text(encoding="utf-8")
    app, world = live_server.app, live_server.world
    set_emergency_contact(app, world.study_id)
    add_report(app, world.test_p1, "protected")  # one report in: review shows it, partner waits
    add_incident(app, world.study_id, "Duizelig")
    with app.app_context():
        t01 = get_session().exec(select(User.id).where(User.username == "t01")).one()
    unsent = {
        "format": "mysteryguest-outbox",
        "version": 1,
        "reports": [
            {
                "author": {"user_id": t01, "username": "t01", "team": "TM-A"},
                "body": {
                    "uuid": str(uuid.uuid4()),
                    "test_id": world.test_p2,
                    "author": t01,
                    "team": "TM-A",
                    "answers": {"admitted": "yes"},
                },
            }
        ],
    }
    study = f"/coordinator/studies/{world.study_id}"
    found: dict[str, list[dict[str, Any]]] = {}

    def steps(page: Any) -> None:
        for path in (
            study,
            study + "/monitoring",
            study + "/incidents",
            study + f"/teams/{world.team_a}",
            study + f"/review/{world.test_p1}",
            study + "/review",
            study + "/import-unsent",
        ):
            page.goto(path)
            found[path] = axe_violations(page, source)
        page.goto(study + f"/review/{world.test_p1}")
        assert "Waiting for this team's report" in page.inner_text("main")

        page.goto(study + "/import-unsent")
        page.set_input_files(
            "input[type=file]",
            {"name": "unsent.json", "mimeType": "application/json",
             "buffer": json.dumps(unsent).encode()},
        )  # fmt: skip
        page.click("button:has-text('Check the file')")
        assert "Dry run" in page.inner_text("main")
        found["import dry run"] = axe_violations(page, source)

        page.goto(study)
        page.click("button:has-text('Close the study')")
        assert "What will happen" in page.inner_text("main")
        found["close study: confirmation"] = axe_violations(page, source)

        page.goto(study + f"/tests/{world.test_p1}/edit")
        page.fill("form[action$='/cancel'] textarea[name=reason]", "Venue closed tonight")
        page.click("button:has-text('Cancel test')")
        assert "What will happen" in page.inner_text("main")
        found["cancel a test with a report: confirmation"] = axe_violations(page, source)

        page.goto(study + "/incidents")
        page.click("button:has-text('Mark as handled')")  # without a note: the error is shown
        assert page.locator("[aria-invalid=true]").count() == 1
        found["incidents: note missing"] = axe_violations(page, source)

    as_coordinator(live_server, steps)

    def tester_steps(page: Any) -> None:
        for path in ("/tester/", "/tester/incident", f"/tester/tests/{world.test_p1}/report"):
            page.goto(path)
            bar = page.locator("nav.safety-bar")
            assert bar.locator("a[href='tel:112']").count() == 1
            assert bar.locator("a[href='tel:+31701234567']").inner_text() == "Bel Sanne"
            found["tester " + path] = axe_violations(page, source)

    as_tester(live_server, "t01", tester_steps)
    assert found == {path: [] for path in found}, json.dumps(found, indent=2)
