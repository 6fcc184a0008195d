"""One phone, three browser engines: a thin adapter per engine behind one small interface, so the
phone stories are written once (tests/browser/test_phone.py) and run on each engine.

- **Chromium**: Debian's Chromium through Playwright, as a Pixel 7.
- **Gecko**: Debian's firefox-esr, headless, over WebDriver BiDi with the minimal client below
  (a WebSocket and a dozen commands). Chosen over puppeteer-core through a Node bridge: no second
  language and process between the test and the browser, no npm package to keep in step with
  the browser, and BiDi is the protocol puppeteer itself speaks to Firefox. One browser serves
  all stories; each phone is a fresh *user context* (own cookies, storage, service workers).
- **WebKit**: WebKitGTK's MiniBrowser driven by WebKitWebDriver (webkit2gtk-driver) through
  Selenium, under an Xvfb started here. Each phone is a new WebDriver session: MiniBrowser runs
  automation sessions with ephemeral storage, so a new session is a phone with nothing on it.

A phone's methods take CSS selectors and paths relative to the live server. ``run`` evaluates an
(async) JavaScript function with one JSON argument and returns its JSON result on every engine.
Clicks are real input events on every engine (Playwright's, BiDi ``input.performActions``,
WebDriver element click); text is put into fields as Playwright does on Chromium and through the
DOM (value + input/change events) on the others, where typing into date and time fields differs
per engine and is not what these stories test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM_NAME = "chromium"
FIREFOX = os.environ.get("FIREFOX_PATH", "/usr/bin/firefox-esr")
WEBKIT_DRIVER = os.environ.get("WEBKIT_DRIVER_PATH", "/usr/bin/WebKitWebDriver")
MINIBROWSER = os.environ.get(
    "MINIBROWSER_PATH", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
)
XVFB = shutil.which("Xvfb") or "/usr/bin/Xvfb"
SESSION_COOKIE = "session"  # Flask's SESSION_COOKIE_NAME
# A phone's screen (Pixel 7 in CSS pixels); WebKitGTK's window is at least 447 px wide.
PHONE = {"width": 412, "height": 915}

# Wraps a page function so every engine passes one JSON argument in and one JSON value out.
WRAP = "async (json) => JSON.stringify(await ({fn})(JSON.parse(json)) ?? null)"


class PhoneError(AssertionError):
    """A step on the phone failed (not found, timed out, a browser error)."""


class Phone:
    """One phone: a browser profile with nothing on it, at the live server's address."""

    engine = ""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.errors: list[str] = []  # uncaught script errors, where the engine reports them

    # --- per engine ---------------------------------------------------------------------
    def goto(self, path: str) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    def click(self, selector: str) -> None:
        raise NotImplementedError

    def double_click(self, selector: str) -> None:
        raise NotImplementedError

    def fill(self, selector: str, value: str) -> None:
        self.run(
            """([selector, value]) => {
              const input = document.querySelector(selector);
              if (!input) throw new Error('no ' + selector);
              input.focus();
              input.value = value;
              input.dispatchEvent(new Event('input', { bubbles: true }));
              input.dispatchEvent(new Event('change', { bubbles: true }));
            }""",
            [selector, value],
        )

    def evaluate(self, wrapped: str, argument: str) -> str:
        raise NotImplementedError

    def network(self, up: bool) -> None:
        """The phone's own network switch, besides the server outage the stories make. An engine
        without one gets the ``online`` event the phone fires when the network comes back."""
        if up:
            self.run("() => { window.dispatchEvent(new Event('online')); }")

    def end_session(self) -> None:
        """The session ends without a sign-out (it expired): its cookie is gone."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # --- the same on every engine -------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + path

    def run(self, function: str, argument: Any = None) -> Any:
        """Call the JavaScript ``function`` (may be async) with ``argument``; its JSON result."""
        result = self.evaluate(WRAP.replace("{fn}", function), json.dumps(argument))
        return None if result is None else json.loads(result)

    def wait(
        self, function: str, argument: Any = None, *, timeout: float = 10, what: str = ""
    ) -> Any:
        """Call ``function`` until it returns something truthy (page loads in between are
        fine); fail after ``timeout`` seconds, saying what was awaited."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = self.run(function, argument)
                if last:
                    return last
            except PhoneError:
                raise
            except Exception as error:  # the page was being replaced: try again
                last = f"{type(error).__name__}: {str(error)[:200]}"
            if time.monotonic() > deadline:
                raise PhoneError(
                    f"[{self.engine}] waited {timeout:g} s for {what or function!r}; last: {last!r}"
                )
            time.sleep(0.1)

    def text(self, selector: str) -> str:
        return self.run(
            "(s) => { const e = document.querySelector(s); return e ? e.innerText : ''; }",
            selector,
        )

    def value(self, selector: str) -> str:
        return self.run("(s) => document.querySelector(s).value", selector)

    def checked(self, selector: str) -> bool:
        return self.run("(s) => document.querySelector(s).checked", selector)

    def visible(self, selector: str) -> bool:
        return self.run(
            "(s) => { const e = document.querySelector(s);"
            " return !!e && e.getClientRects().length > 0; }",
            selector,
        )

    def path(self) -> str:
        return self.run("() => location.pathname + location.search")

    def check(self, selector: str) -> None:
        self.click(selector)

    def wait_for_text(self, selector: str, pattern: str, timeout: float = 10) -> str:
        """Wait until the element's text matches the regular expression ``pattern``."""
        try:
            return self.wait(
                "([s, p]) => { const e = document.querySelector(s);"
                " return e && new RegExp(p).test(e.innerText) ? e.innerText : false; }",
                [selector, pattern],
                timeout=timeout,
                what=f"{selector} to say /{pattern}/",
            )
        except PhoneError as error:
            raise PhoneError(f"{error}; it says {self.text(selector)!r}; {self.state()}") from None

    def wait_for_path(self, pattern: str, timeout: float = 10) -> str:
        return self.wait(
            "(p) => document.readyState === 'complete' && new RegExp(p).test(location.pathname)"
            " ? location.pathname : false",
            pattern,
            timeout=timeout,
            what=f"the page {pattern}",
        )

    def wait_until_ready_offline(self, timeout: float = 15) -> None:
        """Until app.js calls the phone ready for use offline: its worker controls the page,
        keeps the pages and has answered a navigation (see probe() in app.js)."""
        try:
            self.wait(
                "() => document.documentElement.dataset.offline === 'ready'",
                timeout=timeout,
                what="the phone to be ready for use offline",
            )
        except PhoneError as error:
            raise PhoneError(f"{error}; {self.state()}") from None

    def state(self) -> str:
        """What the phone holds and shows, for a failure message: the page, its worker, the
        outbox and the page caches."""
        try:
            found = self.run(STATE)
        except Exception as error:  # noqa: BLE001 - a message, whatever the page does
            found = f"(not readable: {type(error).__name__}: {str(error)[:120]})"
        return f"phone: {found}; script errors: {self.errors}"


STATE = """async () => {
  const worker = navigator.serviceWorker;
  const registration = worker && await worker.getRegistration();
  const items = await new Promise((resolve) => {
    const request = indexedDB.open('mysteryguest', 1);
    request.onsuccess = () => {
      try {
        const all = request.result.transaction('outbox').objectStore('outbox').getAll();
        all.onsuccess = () => resolve(all.result.map((item) => [item.kind, item.state, item.user]));
        all.onerror = () => resolve('unreadable');
      } catch (error) { resolve(String(error)); }
    };
    request.onerror = () => resolve('no database');
  });
  return {
    page: document.documentURI.slice(0, 80), title: document.title,
    offline: document.documentElement.dataset.offline || null,
    controlled: Boolean(worker && worker.controller),
    worker: registration ? ['installing', 'waiting', 'active']
      .map((name) => registration[name] && name + ':' + registration[name].state).filter(Boolean) : null,
    caches: window.caches ? await caches.keys() : null,
    outbox: items,
    status: (document.querySelector('#send-status') || {}).innerText || null,
  };
}"""


# --- Chromium (Playwright) ------------------------------------------------------------------
class ChromiumPhone(Phone):
    engine = "chromium"

    def __init__(self, browser: Any, devices: dict[str, Any], base_url: str) -> None:
        super().__init__(base_url)
        self.context = browser.new_context(
            **devices["Pixel 7"], base_url=base_url, locale="nl-NL", accept_downloads=True
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def goto(self, path: str) -> None:
        self.page.goto(self.url(path))

    def reload(self) -> None:
        self.page.reload()

    def click(self, selector: str) -> None:
        self.page.click(selector)

    def double_click(self, selector: str) -> None:
        self.page.dblclick(selector)

    def fill(self, selector: str, value: str) -> None:
        self.page.fill(selector, value)

    def evaluate(self, wrapped: str, argument: str) -> str:
        return self.page.evaluate(wrapped, argument)

    def network(self, up: bool) -> None:
        self.context.set_offline(not up)  # real offline/online events

    def end_session(self) -> None:
        self.context.clear_cookies(name=SESSION_COOKIE)

    def close(self) -> None:
        self.context.close()


class ChromiumEngine:
    name = "chromium"

    def __init__(self, home: Path, driver: Any) -> None:
        from tests.browser.fixtures import launch_chromium

        self._driver = driver  # the session's Playwright (one per test process)
        self.browser = launch_chromium(self._driver, home)
        self.version = self.browser.version

    def phone(self, base_url: str) -> ChromiumPhone:
        return ChromiumPhone(self.browser, self._driver.devices, base_url)

    def close(self) -> None:
        self.browser.close()


# --- Gecko (firefox-esr over WebDriver BiDi) -------------------------------------------------
# Profile preferences: no first-run pages, no calls home, Dutch first.
FIREFOX_PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "extensions.update.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "intl.accept_languages": "nl-NL, nl",
    "remote.active-protocols": 1,  # WebDriver BiDi only
    # Persistent-storage requests are answered, not left to a prompt nobody sees.
    "dom.storageManager.prompt.testing": True,
    "dom.storageManager.prompt.testing.allow": True,
}


class BiDiError(RuntimeError):
    pass


class BiDi:
    """A minimal WebDriver BiDi client: commands in order, events kept for the caller."""

    def __init__(self, url: str) -> None:
        import websocket

        # Firefox refuses a WebSocket handshake that carries an Origin header.
        self.socket = websocket.create_connection(url, suppress_origin=True, timeout=120)
        self.next_id = 0
        self.lock = threading.Lock()
        self.on_event: Callable[[dict[str, Any]], None] = lambda event: None

    def command(self, method: str, **params: Any) -> dict[str, Any]:
        with self.lock:
            self.next_id += 1
            self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
            while True:
                message = json.loads(self.socket.recv())
                if message.get("type") == "event":
                    self.on_event(message)
                    continue
                if message.get("id") != self.next_id:
                    continue
                if message.get("type") == "error":
                    raise BiDiError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def close(self) -> None:
        self.socket.close()


class FirefoxPhone(Phone):
    engine = "firefox"

    def __init__(self, engine: FirefoxEngine, base_url: str) -> None:
        super().__init__(base_url)
        self.bidi = engine.bidi
        self.user_context = self.bidi.command("browser.createUserContext")["userContext"]
        self.context = self.bidi.command(
            "browsingContext.create", type="tab", userContext=self.user_context
        )["context"]
        engine.phones[self.context] = self
        self.bidi.command(
            "browsingContext.setViewport",
            context=self.context,
            viewport=PHONE,
            devicePixelRatio=2.625,
        )

    def goto(self, path: str) -> None:
        self.bidi.command(
            "browsingContext.navigate", context=self.context, url=self.url(path), wait="complete"
        )

    def reload(self) -> None:
        self.wait("() => document.readyState === 'complete'", what="the page to be loaded")
        self.run("() => { window.__old = true; }")
        try:
            self.bidi.command("browsingContext.reload", context=self.context, wait="complete")
        except BiDiError as error:
            # A frame still loading in the page (app.js's probe) is aborted by the reload, and
            # Firefox reports the reload as aborted although the page is loaded anew.
            if "NS_BINDING_ABORTED" not in str(error):
                raise
            self.wait(
                "() => !window.__old && document.readyState === 'complete'",
                what="the page to be reloaded",
            )

    def evaluate(self, wrapped: str, argument: str) -> str:
        result = self.bidi.command(
            "script.callFunction",
            functionDeclaration=wrapped,
            arguments=[{"type": "string", "value": argument}],
            awaitPromise=True,
            target={"context": self.context},
        )
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise BiDiError(f"script: {details.get('text')}")
        value = result["result"]
        return value.get("value") if value["type"] == "string" else None

    def _element(self, selector: str) -> dict[str, Any]:
        result = self.bidi.command(
            "script.callFunction",
            functionDeclaration=(
                "(s) => { const e = document.querySelector(s);"
                " if (e) e.scrollIntoView({ block: 'center' }); return e; }"
            ),
            arguments=[{"type": "string", "value": selector}],
            awaitPromise=False,
            resultOwnership="root",
            target={"context": self.context},
        )
        node = result.get("result", {})
        if node.get("type") != "node":
            raise PhoneError(f"[firefox] no element {selector}")
        return {"sharedId": node["sharedId"]}

    def _tap(self, selector: str, times: int) -> None:
        """Pointer taps on the element's centre; checked to have landed on it (a page that
        moves under the finger, e.g. scroll restored after a reload, gets the tap again)."""
        for attempt in range(3):
            element = self._element(selector)
            self.bidi.command(
                "script.callFunction",
                functionDeclaration=(
                    "(e) => { window.__tap = null; document.addEventListener('pointerup',"
                    " (event) => { window.__tap = event.target === e || e.contains(event.target); },"
                    " { capture: true, once: true }); }"
                ),
                arguments=[element],
                awaitPromise=False,
                target={"context": self.context},
            )
            origin = {"type": "element", "element": element}
            actions: list[dict[str, Any]] = [
                {"type": "pointerMove", "x": 0, "y": 0, "origin": origin}
            ]
            for _ in range(times):
                actions += [
                    {"type": "pointerDown", "button": 0},
                    {"type": "pointerUp", "button": 0},
                ]
            try:
                self.bidi.command(
                    "input.performActions",
                    context=self.context,
                    actions=[{"type": "pointer", "id": "finger", "actions": actions}],
                )
            except BiDiError as error:
                if "out of bounds" not in str(error) or attempt == 2:
                    raise
                time.sleep(0.2)
                continue
            # The events may be dispatched after performActions answers: wait for the pointerup.
            deadline = time.monotonic() + 2
            landed = None
            while landed is None and time.monotonic() < deadline:
                try:  # a new page (the tap loaded it) has no __tap: it landed
                    landed = self.run("() => ('__tap' in window) ? window.__tap : true")
                except Exception:  # the tap started a page load: it landed
                    return
                if landed is None:
                    time.sleep(0.05)
            if landed:
                return
            time.sleep(0.2)
        raise PhoneError(f"[firefox] the tap on {selector} did not land on it")

    def click(self, selector: str) -> None:
        self._tap(selector, 1)

    def double_click(self, selector: str) -> None:
        self._tap(selector, 2)

    def end_session(self) -> None:
        self.bidi.command(
            "storage.deleteCookies",
            filter={"name": SESSION_COOKIE},
            partition={"type": "storageKey", "userContext": self.user_context},
        )

    def close(self) -> None:
        self.bidi.command("browser.removeUserContext", userContext=self.user_context)


class FirefoxEngine:
    name = "firefox"

    def __init__(self, home: Path) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="firefox-", dir=home))
        (self.profile / "user.js").write_text(
            "".join(
                f"user_pref({json.dumps(key)}, {json.dumps(value)});\n"
                for key, value in FIREFOX_PREFS.items()
            )
        )
        env = {**os.environ, "HOME": str(home), "MOZ_CRASHREPORTER_DISABLE": "1"}
        self.process = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--profile", str(self.profile),
             "--remote-debugging-port", "0", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )  # fmt: skip
        assert self.process.stderr is not None
        url = None
        for line in self.process.stderr:
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
            if found:
                url = found.group(1)
                break
        if url is None:
            self.process.kill()
            raise RuntimeError(f"{FIREFOX} did not start WebDriver BiDi")
        # Keep reading the browser's chatter so its pipe never fills up.
        self.reader = threading.Thread(target=self.process.stderr.read, daemon=True)
        self.reader.start()
        self.bidi = BiDi(url + "/session")
        self.phones: dict[str, FirefoxPhone] = {}
        session = self.bidi.command("session.new", capabilities={})
        self.version = session["capabilities"]["browserVersion"]
        self.bidi.on_event = self._event
        self.bidi.command("session.subscribe", events=["log.entryAdded"])

    def _event(self, event: dict[str, Any]) -> None:
        """Uncaught script errors of a phone's pages. Entries without a stack are the browser's
        own notes, e.g. "A ServiceWorker intercepted the request and encountered an unexpected
        error", which Firefox logs when a page is left while its worker answers one of its
        requests (a favicon, app.js's probe frame): tests leave pages faster than a person."""
        params = event.get("params", {})
        if event.get("method") != "log.entryAdded" or params.get("type") != "javascript":
            return
        phone = self.phones.get(params.get("source", {}).get("context", ""))
        if phone is not None and params.get("level") == "error" and params.get("stackTrace"):
            phone.errors.append(str(params.get("text")))

    def phone(self, base_url: str) -> FirefoxPhone:
        return FirefoxPhone(self, base_url)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the browser is going anyway
            self.bidi.command("session.end")
        self.bidi.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)
        assert self.process.stderr is not None
        self.process.stderr.close()


# --- WebKit (WebKitGTK MiniBrowser, WebKitWebDriver, Selenium, Xvfb) --------------------------
class Xvfb:
    """A virtual X display of our own for MiniBrowser (-noreset: it outlives every window)."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [XVFB, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-noreset",
             "-nolisten", "tcp"],
            pass_fds=[write],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.process.kill()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class WebKitPhone(Phone):
    engine = "webkit"

    def __init__(self, engine: WebKitEngine, base_url: str) -> None:
        super().__init__(base_url)
        self.driver = engine.session()
        self.driver.set_window_size(max(PHONE["width"], 447), PHONE["height"])
        self.driver.set_script_timeout(30)

    def goto(self, path: str) -> None:
        self.driver.get(self.url(path))

    def reload(self) -> None:
        self.driver.refresh()

    def evaluate(self, wrapped: str, argument: str) -> str:
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"({wrapped})(arguments[0]).then(done, (e) => done(JSON.stringify("
            "{ __error: String(e && e.stack || e) })));",
            argument,
        )

    def run(self, function: str, argument: Any = None) -> Any:
        result = super().run(function, argument)
        if isinstance(result, dict) and "__error" in result:
            raise RuntimeError(f"script: {result['__error']}")
        return result

    def _element(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        element = self.driver.find_element(By.CSS_SELECTOR, selector)
        self.driver.execute_script("arguments[0].scrollIntoView({ block: 'center' })", element)
        return element

    def click(self, selector: str) -> None:
        self._element(selector).click()

    def double_click(self, selector: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).double_click(self._element(selector)).perform()

    def end_session(self) -> None:
        self.driver.delete_cookie(SESSION_COOKIE)

    def close(self) -> None:
        self.driver.quit()
        self.driver.service.stop()


class WebKitEngine:
    name = "webkit"

    def __init__(self, home: Path) -> None:
        self.home = home
        self.xvfb = Xvfb()
        probe = self.session()
        self.version = probe.capabilities.get("browserVersion", "?")
        probe.quit()
        probe.service.stop()

    def session(self) -> Any:
        from selenium import webdriver
        from selenium.webdriver.remote.client_config import ClientConfig
        from selenium.webdriver.remote.remote_connection import RemoteConnection
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        options = Options()
        options.binary_location = MINIBROWSER
        options.add_argument("--automation")
        env = {
            **os.environ,
            "DISPLAY": self.xvfb.display,
            "HOME": str(self.home),
            "LANGUAGE": "nl_NL:nl",
            "LANG": "C.UTF-8",
            "XDG_CONFIG_HOME": str(self.home / "config"),
            "XDG_CACHE_HOME": str(self.home / "cache"),
            "XDG_DATA_HOME": str(self.home / "data"),
        }
        # The driver started here and reached through webdriver.Remote with a connection made
        # from a client config (Selenium's WebKitGTK class, and Remote given a URL, warn about
        # Selenium's own use of a deprecated argument).
        service = Service(executable_path=WEBKIT_DRIVER, env=env)
        service.start()
        try:
            connection = RemoteConnection(
                client_config=ClientConfig(remote_server_addr=service.service_url)
            )
            driver = webdriver.Remote(command_executor=connection, options=options)
        except Exception:
            service.stop()
            raise
        driver.service = service  # type: ignore[attr-defined]
        return driver

    def phone(self, base_url: str) -> WebKitPhone:
        return WebKitPhone(self, base_url)

    def close(self) -> None:
        self.xvfb.close()


ENGINES = ("chromium", "firefox", "webkit")


def missing(name: str) -> str | None:
    """Why engine ``name`` cannot run here (with how to install it), or None."""
    from benchmarks.chromium import CHROMIUM

    checks: dict[str, list[tuple[bool, str]]] = {
        "chromium": [
            (Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}: apt-get install chromium"),
            (_importable("playwright"), "playwright is not installed: pip install -e '.[dev]'"),
        ],
        "firefox": [
            (Path(FIREFOX).exists(), f"Firefox not found at {FIREFOX}: apt-get install firefox-esr"),
            (_importable("websocket"), "websocket-client is not installed: pip install -e '.[dev]'"),
        ],
        "webkit": [
            (Path(WEBKIT_DRIVER).exists(),
             f"WebKitWebDriver not found at {WEBKIT_DRIVER}: apt-get install webkit2gtk-driver"),
            (Path(MINIBROWSER).exists(),
             f"MiniBrowser not found at {MINIBROWSER}: apt-get install webkit2gtk-driver"),
            (Path(XVFB).exists(), f"Xvfb not found at {XVFB}: apt-get install xvfb"),
            (_importable("selenium"), "selenium is not installed: pip install -e '.[dev]'"),
        ],
    }  # fmt: skip
    for ok, reason in checks[name]:
        if not ok:
            return reason
    return None


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def start(
    name: str, home: Path, playwright: Any = None
) -> ChromiumEngine | FirefoxEngine | WebKitEngine:
    if name == "chromium":
        return ChromiumEngine(home, playwright)
    return {"firefox": FirefoxEngine, "webkit": WebKitEngine}[name](home)
