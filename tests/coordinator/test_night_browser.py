"""A fieldwork night in Chromium: the tonight page updates itself as reports arrive (and stops
while paused), the schedule shows each test's state, the target picker warns about a repeat
visit, the audit trail reads as sentences in English and Dutch, a researcher downloads the
export bundle and a tester cannot; the new pages pass axe-core's WCAG 2.1 AA checks.

The clock is frozen at a moment of the world's night (the server thread reads the same clock).
"""

from __future__ import annotations

import io
import json
import time as wall
import zipfile
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import Test
from tests.browser.fixtures import AXE
from tests.browser.fixtures import require
from tests.coordinator.conftest import add_report
from tests.coordinator.test_browser import as_user
from tests.coordinator.test_browser import axe_violations

ZONE = ZoneInfo("Europe/Amsterdam")


def night_moment(server: Any, hour: int, minute: int) -> datetime:
    with server.app.app_context():
        night = get_session().get(Test, server.world.test_p1).night
    return datetime.combine(night, time(hour, minute), tzinfo=ZONE)


def axe_source() -> str:
    require(AXE.exists(), f"axe-core not found at {AXE}: run npm ci")
    return AXE.read_text(encoding="utf-8")


def row_state(page: Any, test_id: int) -> str:
    return page.inner_text(f'tr[data-test="{test_id}"] .badge')


def wait_for_state(page: Any, test_id: int, state: str, seconds: float = 8) -> None:
    page.wait_for_function(
        "([id, state]) => (document.querySelector(`tr[data-test='${id}'] .badge`) || {})"
        ".textContent === state",
        arg=[test_id, state],
        timeout=seconds * 1000,
    )


def test_tonight_updates_itself_and_can_pause(live_server):
    source = axe_source()
    server, world = live_server, live_server.world
    server.app.config["TONIGHT_REFRESH_SECONDS"] = 1
    found: dict[str, Any] = {}

    def steps(page: Any) -> None:
        page.goto("/coordinator/")
        page.click("text=S1")  # during fieldwork hours the study opens on tonight
        page.wait_for_url("**/tonight")
        assert page.inner_text("h1").startswith("Tonight")
        assert row_state(page, world.test_p1) == "not started"
        next_rows = page.inner_text("table:has(caption:text('Where each team goes next'))")
        assert "TM-A\t23:00\tV-001 · Club Nachtuil" in next_rows
        found["axe"] = axe_violations(page, source)
        add_report(server.app, world.test_p1, "protected")
        wait_for_state(page, world.test_p1, "one report in")
        page.click("button:text('Pause updates')")
        assert page.get_attribute("[data-live-toggle]", "aria-pressed") == "true"
        add_report(server.app, world.test_p1, "control")
        wall.sleep(2.5)  # two refresh periods: nothing may change while paused
        assert row_state(page, world.test_p1) == "one report in"
        page.click("button:text('Resume updates')")
        wait_for_state(page, world.test_p1, "both reports in")
        page.click("nav.tabs >> text=Schedule")
        found["schedule"] = {
            test_id: row_state(page, test_id)
            for test_id in (world.test_p1, world.test_p2, world.test_p1_upcoming)
        }

    with clock.frozen(night_moment(server, 22, 50)):
        as_user(server, "coord", steps)
    assert found["axe"] == [], json.dumps(found["axe"], indent=2)
    assert found["schedule"] == {
        world.test_p1: "both reports in",
        world.test_p2: "planned",
        world.test_p1_upcoming: "planned",
    }


def test_picker_warns_about_a_repeat_visit(live_server):
    source = axe_source()
    server, world = live_server, live_server.world
    add_report(server.app, world.test_p1, "protected")
    with server.app.app_context():
        night = get_session().get(Test, world.test_p1).night
    later = night + timedelta(days=30)
    found: dict[str, Any] = {}

    def steps(page: Any) -> None:
        page.goto(f"/coordinator/studies/{world.study_id}/schedule/new")
        row = page.inner_text("tr:has(label:text('V-001 · Club Nachtuil'))")
        assert "club\tGrote Markt\t1" in row  # type, area, tested once
        page.fill("#nights", later.isoformat())
        page.fill("#window_start", "22:00")
        page.fill("#window_end", "02:00")
        page.uncheck("input[name=pair_ids] >> nth=1")  # P-01 only
        page.click("label:text('V-001 · Club Nachtuil')")  # the label ticks its box
        assert page.is_checked("#target-" + page.get_attribute(
            "label:text('V-001 · Club Nachtuil')", "for").split("-")[1])  # fmt: skip
        page.check("#retest")
        page.click("button:has-text('Preview')")
        found["warning"] = page.inner_text(".repeats")
        found["axe"] = axe_violations(page, source)

    as_user(server, "coord", steps)
    assert "a team would visit a target more than once" in found["warning"]
    assert "team TM-A at V-001" in found["warning"] and "team TM-B at V-001" in found["warning"]
    assert found["axe"] == [], json.dumps(found["axe"], indent=2)


def test_cancel_then_read_it_in_the_audit_trail_in_both_languages(live_server, tmp_path):
    source = axe_source()
    server, world = live_server, live_server.world
    found: dict[str, Any] = {}

    def steps(page: Any) -> None:
        page.goto(f"/coordinator/studies/{world.study_id}/tests/{world.test_p1}/edit")
        page.click("label:text('Reason for cancelling')")
        found["focused"] = page.evaluate("document.activeElement.id")
        page.keyboard.type("Venue closed tonight")
        page.click("button:text('Cancel test')")
        page.wait_for_url("**/schedule")
        page.goto("/coordinator/audit")
        found["en"] = page.inner_text('tr[data-action="test.cancel"] .audit-sentence')
        found["axe"] = axe_violations(page, source)
        page.select_option("select[name=action]", label="Test cancelled")
        page.click("button:text('Filter')")
        assert page.locator("table.audit tbody tr").count() == 1
        with page.expect_download() as download:
            page.click("text=Download as JSON")
        found["json"] = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        page.click("header >> text=Nederlands")
        found["nl"] = page.inner_text('tr[data-action="test.cancel"] .audit-sentence')
        page.click('tr[data-action="test.cancel"] .audit-sentence a')
        found["landed"] = page.url

    as_user(server, "coord", steps)
    assert found["focused"] == "cancel_reason"
    assert found["en"].startswith("coord cancelled the test of pair P-01 at V-001 on ")
    assert found["en"].endswith(": Venue closed tonight")
    assert found["nl"].startswith("coord heeft de test van paar P-01 bij V-001 op ")
    assert found["nl"].endswith(" geannuleerd: Venue closed tonight")
    assert [event["action"] for event in found["json"]["events"]] == ["test.cancel"]
    assert "/schedule?night=" in found["landed"]
    assert found["axe"] == [], json.dumps(found["axe"], indent=2)


def test_a_researcher_downloads_the_bundle_and_a_tester_cannot(live_server):
    server, world = live_server, live_server.world
    url = f"/coordinator/studies/{world.study_id}/export.zip"
    found: dict[str, Any] = {}

    def researcher(page: Any) -> None:
        page.goto(f"/coordinator/studies/{world.study_id}")
        with page.expect_download() as download:
            page.click("text=Download the export bundle (zip)")
        found["name"] = download.value.suggested_filename
        found["zip"] = Path(download.value.path()).read_bytes()

    def tester(page: Any) -> None:
        found["tester"] = page.goto(url).status

    as_user(server, "res", researcher)
    as_user(server, "t01", tester)
    assert found["name"].startswith("S1-bundle-") and found["name"].endswith(".zip")
    names = zipfile.ZipFile(io.BytesIO(found["zip"])).namelist()
    assert {name.split("/")[1] for name in names} >= {"manifest.json", "pairs.csv"}
    assert found["tester"] == 403
