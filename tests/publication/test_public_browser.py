"""The public release page in Chromium: no WCAG 2.1 A/AA violations (axe-core), on a phone and
a laptop, in Dutch and English; nothing wider than the screen.

The pages open in the session's one Chromium (the ``browser`` fixture of
tests/browser/fixtures.py, which also holds the skip-or-fail rule), each check in a fresh context.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select
from werkzeug.serving import make_server

from tests.browser.fixtures import AXE
from tests.browser.fixtures import require
from tests.publication.conftest import build_demo_release

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a local port, in a thread, for the length of the block; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="public-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def release_server(app: Flask) -> Iterator[tuple[str, int]]:
    with app.app_context():
        made = build_demo_release()
    with serving(app) as url:
        yield url, made.release_id


@pytest.fixture
def waves_server(app: Flask) -> Iterator[tuple[str, int]]:
    """Two published waves of the nightlife study (tests/publication/test_trends.py)."""
    from tests.publication.test_trends import build_two_waves

    with app.app_context():
        made = build_two_waves()
    with serving(app) as url:
        yield url, made.second.release_id


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag: the CSP forbids inline
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


def require_axe() -> None:
    require(AXE.exists(), f"axe-core not found at {AXE}: run npm ci")


def new_context(browser: Any, url: str, device: str, lang: str) -> Any:
    """A browser context of `device`'s size that reads the site in `lang`."""
    context = browser.new_context(viewport=VIEWPORTS[device], locale=lang)
    context.add_cookies([{"name": "lang", "value": lang, "url": url}])
    return context


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_public_release_page_passes_axe(browser, release_server, device, lang):
    require_axe()
    url, release_id = release_server

    def check(browser: Any) -> dict[str, Any]:
        context = new_context(browser, url, device, lang)
        try:
            page = context.new_page()
            page.goto(f"{url}/public/releases/{release_id}")
            found = {
                "lang": page.locator("html").get_attribute("lang"),
                "charts": page.locator("svg[role=img] desc").count(),
                "release": axe_violations(page),
                "width": page.evaluate("document.documentElement.scrollWidth"),
            }
            page.goto(f"{url}/public/")
            found["index"] = axe_violations(page)
            return found
        finally:
            context.close()

    found = check(browser)
    assert found["lang"] == lang and found["charts"] == 2
    assert found["release"] == [] and found["index"] == []
    assert found["width"] <= VIEWPORTS[device]["width"]  # nothing wider than the screen


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_trends_and_a_compared_release_pass_axe(browser, waves_server, device, lang):
    """/public/trends (a chart whose points are links, a table beside it) and the release page
    that compares its wave with the one before: no violations, nothing wider than the screen,
    and every request stays on the app's own address."""
    require_axe()
    url, release_id = waves_server

    def check(browser: Any) -> dict[str, Any]:
        context = new_context(browser, url, device, lang)
        requested: list[str] = []
        try:
            page = context.new_page()
            page.on("request", lambda request: requested.append(request.url))
            found: dict[str, Any] = {}
            for name, path in (("trends", "/public/trends"),
                               ("release", f"/public/releases/{release_id}")):  # fmt: skip
                page.goto(f"{url}{path}")
                found[name] = axe_violations(page)
                found[f"{name}-width"] = page.evaluate("document.documentElement.scrollWidth")
                if name == "trends":
                    found["points"] = page.locator("svg[role=group] a[href]").count()
                    found["focus"] = _focus_first_point(page)
            found["requested"] = requested
            return found
        finally:
            context.close()

    found = check(browser)
    assert found["trends"] == [] and found["release"] == []
    # The demo's two earlier waves, DEMO-NL and its next wave.
    assert found["points"] == 4 and found["focus"].startswith("/public/releases/")
    for name in ("trends", "release"):
        assert found[f"{name}-width"] <= VIEWPORTS[device]["width"]
    assert [u for u in found["requested"] if not u.startswith(url)] == []  # no third parties


def _focus_first_point(page: Any) -> str:
    """Tab from the top of the page to the chart's first point; its link, as the keyboard finds
    it."""
    for _press in range(30):
        page.keyboard.press("Tab")
        href = page.evaluate("(() => { const found = document.activeElement; "
                             "return found && found.closest('svg') ? "
                             "found.getAttribute('href') : null; })()")  # fmt: skip
        if href:
            return str(href)
    return ""


CACHED_URLS = """async () => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) found.push(request.url);
  }
  return found;
}"""


def test_the_service_worker_never_keeps_or_answers_public_pages(app, browser, release_server):
    """A phone that has the tester app installed still gets every public page from the server:
    nothing under /public/ is cached, offline there is no stand-in page, and a withdrawal shows
    at once (410)."""
    from playwright.sync_api import Error as PlaywrightError

    from fieldwork.db import get_session
    from fieldwork.models import Release
    from fieldwork.models import User
    from fieldwork.services.releases import lifecycle as releases
    from tests.publication.conftest import DEMO_PASSWORD

    url, release_id = release_server
    public = f"{url}/public/releases/{release_id}"

    def withdraw() -> None:
        with app.app_context():
            session = get_session()
            coordinator = session.exec(select(User).where(User.username == "coordinator")).one()
            releases.withdraw_release(session=session, release=session.get(Release, release_id),
                                      user=coordinator, reason="Een fout in tabel 2.",
                                      confirmed=True)  # fmt: skip

    def check(browser: Any) -> dict[str, Any]:
        context = browser.new_context(viewport=VIEWPORTS["phone"])
        try:
            page = context.new_page()
            page.goto(f"{url}/login")
            page.fill("input[name=username]", "t01")
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.stack button[type=submit]")
            page.wait_for_url(f"{url}/tester/")
            page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                                   timeout=15_000)  # fmt: skip
            found: dict[str, Any] = {"first": page.goto(public).status}
            found["controlled"] = page.evaluate("() => navigator.serviceWorker.controller !== null")
            page.goto(f"{url}/public/")
            found["cached"] = page.evaluate(CACHED_URLS)
            context.set_offline(True)
            try:
                response = page.goto(public)
                found["offline"] = response.status if response else None
            except PlaywrightError:
                found["offline"] = "network error"
            context.set_offline(False)
            withdraw()
            found["after"] = page.goto(public).status
            found["text"] = page.inner_text("main")
            return found
        finally:
            context.close()

    found = check(browser)
    assert found["first"] == 200 and found["controlled"]
    assert found["cached"] and not [u for u in found["cached"] if "/public/" in u]
    assert found["offline"] == "network error"  # not the offline page, not a kept copy
    assert found["after"] == 410 and "Een fout in tabel 2." in found["text"]
