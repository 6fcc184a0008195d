"""The public release page in Chromium: no WCAG 2.1 A/AA violations (axe-core), on a phone and
a laptop, in Dutch and English; the page fits a phone's width."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.browser.conftest import AXE, browser, playwright_driver, require  # noqa: F401
from tests.publication.conftest import build_demo_release

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}


@pytest.fixture
def release_server(app: Flask) -> Iterator[tuple[str, int]]:
    with app.app_context():
        made = build_demo_release()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="public-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", made.release_id
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    require(AXE.exists(), f"axe-core not found at {AXE}: run npm ci")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_public_release_page_passes_axe(browser, release_server, device, lang):  # noqa: F811
    url, release_id = release_server
    context = browser.new_context(viewport=VIEWPORTS[device], locale=lang)
    context.add_cookies([{"name": "lang", "value": lang, "url": url}])
    try:
        page = context.new_page()
        page.goto(f"{url}/public/releases/{release_id}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("svg[role=img] desc").count() == 2
        assert axe_violations(page) == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[device]["width"]  # nothing wider than the screen
        page.goto(f"{url}/public/")
        assert axe_violations(page) == []
    finally:
        context.close()
