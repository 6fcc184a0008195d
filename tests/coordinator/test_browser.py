"""A coordinator sets up a small study end to end in Chromium at laptop size, and the laptop
pages pass axe-core's WCAG 2.1 AA checks.

The pages open in the session's one Chromium (``live_server.browser``, from the fixtures in
tests/browser/fixtures.py), each user in a fresh context.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fieldwork.timeutil import tonight
from tests.browser.fixtures import AXE
from tests.browser.fixtures import LiveServer
from tests.browser.fixtures import require
from tests.coordinator.conftest import add_report
from tests.support import PASSWORD

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TARGETS = (
    "code,name,address,target_type,area\n"
    "K-01,Club Zuidwal,Zuidwal 3,club,centrum\n"
    "K-02,Club Havenlicht,Dr. Lelykade 12,club,scheveningen\n"
    "K-03,Bar Plaats,Plaats 8,bar,centrum\n"
    "K-04,Bar Duinzicht,Gevers Deynootplein 4,bar,scheveningen\n"
)


LAPTOP = {"width": 1366, "height": 900}


def as_coordinator(server: LiveServer, steps: Callable[[Any], None]) -> None:
    """Run ``steps(page)`` in Chromium signed in as the study's coordinator."""
    as_user(server, "coord", steps)


def as_user(
    server: LiveServer,
    username: str,
    steps: Callable[[Any], None],
    lang: str = "en",
    *,
    viewport: dict[str, int] = LAPTOP,
) -> None:
    """Run ``steps(page)`` in the session's Chromium (a fresh context) signed in as ``username``,
    in ``lang`` (nl or en), at ``viewport`` (a laptop's 1366x900 unless given)."""
    url = server.url
    context = server.browser.new_context(
        viewport=viewport, base_url=url,
        locale="en-GB" if lang == "en" else "nl-NL", accept_downloads=True,
    )  # fmt: skip
    try:
        context.add_cookies([{"name": "lang", "value": lang, "url": url}])
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        steps(page)
    finally:
        context.close()


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    page.evaluate(source)
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' '))}))",
        WCAG,
    )


def test_set_up_a_small_study_end_to_end(live_server):
    with live_server.app.app_context():
        first = tonight() + timedelta(days=10)

    def steps(page: Any) -> None:
        page.goto("/coordinator/studies/new")
        page.fill("#code", "KLEIN")
        page.fill("#title", "Small study")
        page.fill("#target_types", "club, bar")
        page.fill("#target_sample_size", "club=10, bar=10")
        page.click("button:has-text('Save')")
        page.wait_for_url("**/coordinator/studies/*")
        study_url = page.url

        page.click("nav.tabs >> text=Targets")
        page.click("text=Import CSV")
        page.set_input_files(
            "input[type=file]",
            {"name": "targets.csv", "mimeType": "text/csv", "buffer": TARGETS.encode()},
        )
        page.click("button:has-text('Check the file')")
        page.click("button:has-text('Import 4 targets')")
        assert page.locator("table.data tbody tr").count() == 4

        for code, group, account in [("K-T1", "protected", "t01"), ("K-T2", "control", "t02")]:
            page.goto(study_url + "/testers/new")
            page.fill("#code", code)
            page.select_option("#group", group)
            page.select_option("#age_band", "21-24")
            page.fill("#language", "nl")
            page.select_option("#username", account)
            page.click("button:has-text('Save')")
        for code, role, member in [("K-A", "protected", "K-T1"), ("K-B", "control", "K-T2")]:
            page.goto(study_url + "/teams")
            page.fill("#code", code)
            page.select_option("#role", role)
            page.click("button:has-text('Create team')")
            page.select_option("#tester_id", label=member)
            page.click("button:has-text('Add')")
        page.goto(study_url + "/pairs/new")
        page.select_option("#protected_team_id", label="K-A (protected group, 1 member)")
        page.select_option("#control_team_id", label="K-B (control group, 1 member)")
        page.click("button:has-text('Check matching')")
        assert "The teams match" in page.inner_text("main")
        page.fill("#code", "K-P1")
        page.click("button:has-text('Create pair')")

        page.goto(study_url + "/schedule/new")
        page.fill("#nights", f"{first.isoformat()}, {(first + timedelta(days=1)).isoformat()}")
        page.fill("#window_start", "22:00")
        page.fill("#window_end", "01:00")
        for box in page.query_selector_all("input[name=target_ids]"):
            box.check()
        page.click("button:has-text('Preview')")
        assert "Preview: 4 tests" in page.inner_text("main")
        page.click("button:has-text('Save this schedule')")
        assert "4 tests planned." in page.inner_text("main")

        page.goto(study_url)
        page.click("button:has-text('Start fieldwork')")
        page.click("nav.tabs >> text=Monitoring")
        tiles = page.inner_text(".tiles")
        assert "4\ntests planned" in tiles and "0\nvalid pairs / 20" in tiles

    as_coordinator(live_server, steps)


def test_laptop_pages_have_no_wcag_violations(live_server):
    require(AXE.exists(), f"axe-core not found at {AXE}: run npm ci")
    source = AXE.read_text(encoding="utf-8")
    world = live_server.world
    add_report(live_server.app, world.test_p1, "protected")
    add_report(live_server.app, world.test_p1, "control", arrival_time="23:25")
    study = f"/coordinator/studies/{world.study_id}"
    paths = [
        "/coordinator/",
        study,
        study + "/tonight",
        study + "/monitoring",
        study + "/targets",
        study + "/testers",
        study + "/teams",
        study + f"/teams/{world.team_a}",
        study + "/pairs",
        study + "/pairs/new",
        study + "/schedule",
        study + "/schedule/new",
        study + f"/tests/{world.test_p1}/edit",
        study + f"/teams/{world.team_a}/runsheet",
        study + "/review?ready=",
        study + f"/review/{world.test_p1}",
        study + "/targets/import",
        study + "/edit",
        "/coordinator/audit",
    ]
    found: dict[str, list[dict[str, Any]]] = {}

    def steps(page: Any) -> None:
        for path in paths:
            page.goto(path)
            found[path] = axe_violations(page, source)

    as_coordinator(live_server, steps)
    assert found == {path: [] for path in paths}, json.dumps(found, indent=2)
