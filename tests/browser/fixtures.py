"""The browser fixtures, in one place (a plugin listed in the root conftest's ``pytest_plugins``,
so every browser test gets them without importing a conftest): the app served from a thread on
127.0.0.1, and one Debian Chromium per test session driven by Playwright (``browser``; a Pixel 7
``context``/``page`` on top). :func:`launch_chromium` is the one place Chromium is started.
Without Chromium (or without node_modules/axe-core for the accessibility tests) the tests skip
locally and fail loudly when ``CI`` is set. Every test using these fixtures is marked ``browser``
(``make test-fast`` leaves them out)."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from benchmarks.chromium import CHROMIUM
from benchmarks.chromium import CHROMIUM_ARGS
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def require(condition: bool, reason: str) -> None:
    """Skip with ``reason`` locally; in CI a missing tool is a failure, not a skip."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


class _OneRequestPerConnection(WSGIRequestHandler):
    """HTTP/1.0: every connection closes after its answer, so stopping the server cuts the phone
    off at once (no kept-alive connection keeps serving), as at a club door without signal."""

    protocol_version = "HTTP/1.0"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class LiveServer:
    """The app served from a thread on 127.0.0.1; it can be stopped and started again on the same
    port and database (the phone's server outage), record what it was asked, and lose the answer
    to a report after storing it (the phone never hears back)."""

    def __init__(self, app: Flask, world: World | None = None) -> None:
        self.app = app
        self.world = world
        self.browser: Any = None  # the session's Chromium, when the fixture serves it
        self.requests: list[tuple[str, str]] = []
        self.report_bodies: list[bytes] = []  # the bodies of POST /api/reports, in order
        self.lose_answers = 0  # answers to POST /api/reports to drop after storing
        self.refuse_reports = False  # answer POST /api/reports with 503 (the server is busy)
        self._server: Any = None
        self.down = False  # stopped: the outage, also for connections opened before it
        self.port = 0
        self.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.down:
            # A connection the browser opened before the outage (a speculative one, accepted
            # by the stopped server's thread) must not get through it: cut it, unanswered.
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            start_response("503 Service Unavailable", [])
            return []
        self.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        report = environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/api/reports"
        if report:  # what the phone sent, kept for the stories' messages
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            self.report_bodies.append(body)
        if report and self.refuse_reports:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"error": "unavailable"}']
        if report and self.lose_answers:
            self.lose_answers -= 1
            answer = self.app(environ, lambda *args, **kwargs: None)
            b"".join(answer)  # the report is stored ...
            if hasattr(answer, "close"):
                answer.close()
            # ... and the connection is cut before a byte of the answer.
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            start_response("200 OK", [])  # written to a closed connection: dropped quietly
            return []
        return self.app(environ, start_response)

    def start(self) -> None:
        self.down = False
        self._server = make_server(
            "127.0.0.1", self.port, self._wsgi, threaded=True,
            request_handler=_OneRequestPerConnection,
        )  # fmt: skip
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="live-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.down = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def report_uuids(self) -> list[str]:
        """The report each POST /api/reports carried (one entry a POST)."""
        return [json.loads(body).get("uuid", "?") for body in self.report_bodies]

    def posts(self, path: str) -> int:
        return sum(1 for method, seen in self.requests if method == "POST" and seen == path)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        require(False, "the playwright package is not installed: pip install -e '.[dev]'")
    with sync_playwright() as driver:
        yield driver


def launch_chromium(driver: Any, home: Path) -> Any:
    """Debian's Chromium through Playwright ``driver``, its profile folders under ``home``."""
    return driver.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        env={
            **os.environ,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
        },
    )


def require_chromium() -> None:
    require(
        Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None,
        f"Chromium not found at {CHROMIUM}: apt-get install chromium",
    )


@pytest.fixture(scope="session")
def browser(playwright_driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium for the whole session; each test opens its own context (fresh profile)."""
    browser = launch_chromium(playwright_driver, tmp_path_factory.mktemp("chromium-home"))
    yield browser
    browser.close()


BROWSER_FIXTURES = {"browser", "playwright_driver", "live_server", "engine", "axe_source"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``browser`` every test that drives a browser (through these fixtures)."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(app: Flask, world: World, browser: Any) -> Iterator[LiveServer]:
    """The app on a free port, with the session's Chromium at hand (``server.browser``)."""
    server = LiveServer(app, world)
    server.browser = browser
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def context(browser: Any, playwright_driver: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh Pixel 7 profile (empty cache and storage) with a Dutch browser."""
    context = browser.new_context(
        **playwright_driver.devices["Pixel 7"],
        base_url=live_server.url,
        locale="nl-NL",
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def axe_source() -> str:
    require(AXE.exists(), f"axe-core not found at {AXE}: run npm ci in {ROOT}")
    return AXE.read_text(encoding="utf-8")
