"""Browser fixtures: the app served from a thread on 127.0.0.1, Debian's Chromium driven by
Playwright as a Pixel 7. Without Chromium (or without node_modules/axe-core for the
accessibility test) the tests skip locally and fail loudly when ``CI`` is set."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from benchmarks.chromium import CHROMIUM, CHROMIUM_ARGS
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


@dataclass
class LiveServer:
    url: str
    app: Flask
    world: World


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    require(
        Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None,
        f"Chromium not found at {CHROMIUM}: apt-get install chromium",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        require(False, "the playwright package is not installed: pip install -e '.[dev]'")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("chromium-home")
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        env={
            **os.environ,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
        },
    )
    yield browser
    browser.close()


@pytest.fixture
def live_server(app: Flask, world: World) -> Iterator[LiveServer]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, world=world)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


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
