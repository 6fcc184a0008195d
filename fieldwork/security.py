"""Security by default: response headers, sessions that end, sign-in throttling that fits a proxy,
one check for redirect targets, and refusals of input that no page needs.

- **Headers**: every response carries the CSP below (no ``unsafe-inline``, no ``unsafe-eval``:
  templates have no inline script, style or event handler, which a test checks),
  ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy`` that
  keeps study paths (which name test ids) on this site; HSTS when the request came over HTTPS;
  ``Cache-Control: no-store`` on every response to a signed-in user (a shared or back-button
  cache never keeps a page with names or reports).
- **Sessions**: the signed cookie holds the user's *session generation* and the moment of sign-in.
  Sign-out, a password change and "end sessions" raise the generation in the database, so every
  earlier cookie of that user stops working at once (checked on every request by the user
  loader). A session ends after ``SESSION_LIFETIME`` without a request (idle) and in any case
  ``SESSION_ABSOLUTE_LIFETIME`` after the sign-in.
- **Throttling** (sign-in only): the client address is the real one when ``TRUSTED_PROXIES``
  names the number of reverse proxies in front of the app (Werkzeug's ProxyFix; default 0, i.e.
  the socket's address). Failed sign-ins per address are limited (``LOGIN_LIMIT_PER_ADDRESS``,
  then 429). Failed sign-ins per username are *slowed*, never locked: after
  ``LOGIN_FREE_FAILURES`` failures each further attempt must wait 1, 2, 4 … seconds, at most
  ``LOGIN_MAX_DELAY``; after the wait the right password works, and a coordinator can lift the
  wait at once (accounts page). The counts live in ``RATELIMIT_STORAGE_URI`` (``memory://`` is
  per worker process; a shared store such as ``redis://127.0.0.1:6379`` makes them global).
- **Redirect targets** (``next``) go through :func:`safe_redirect_target` only.
- **Refused input**: a NUL character in a form, query or JSON value (400; PostgreSQL cannot store
  one), JSON nested deeper than ``MAX_JSON_DEPTH`` (400), and URL ids outside the database's
  integer range (404, see :class:`IdConverter`).
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from flask import current_app
from flask import make_response
from flask import request
from flask import session
from flask.sessions import SecureCookieSessionInterface
from flask.sessions import SessionMixin
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_login import current_user
from flask_login import user_logged_in
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from fieldwork import clock

# Scripts, styles, fonts, connections, the manifest and the worker come from this site only: their
# directives fall back to default-src (CSP Level 2 and 3), so they are not repeated (each
# repetition cost every response of the phone ~20 bytes). Only what differs from default-src is
# written, and the directives that do not fall back (base-uri, form-action, frame-ancestors).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers older than frame-ancestors
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
DEFAULTS: dict[str, Any] = {
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    "LOGIN_FREE_FAILURES": 5,  # typos: no wait before the 6th attempt
    "LOGIN_MAX_DELAY": timedelta(seconds=60),
    "LOGIN_FAILURE_MEMORY": timedelta(days=1),  # failures are forgotten a day after the first
    "RATELIMIT_STORAGE_URI": "memory://",
    "SESSION_LIFETIME": timedelta(hours=12),  # idle: one night of fieldwork, then sign in again
    "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=16),  # however active the session is
    "TRUSTED_PROXIES": 0,
}
LIMITER_KEY = "mysteryguest.limiter"
MAX_JSON_DEPTH = 32
MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL
_GENERATION, _SIGNED_IN_AT = "_mg_generation", "_mg_signed_in_at"


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus the refreshed cookie where it adds nothing: on the
    shared files (they stay cacheable) and on the service worker's background fetch of the
    tester's pages, which follows the page load that refreshed the cookie a moment before. Each
    answer is ~400 bytes lighter on a phone; the session is checked on every one of them all the
    same, and a changed session is still written."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint in _NO_SESSION_REFRESH and not session.modified:
            return False
        return super().should_set_cookie(app, session)


# The same for everyone (no personal content): cacheable even for a signed-in user.
_SHARED_FILES = frozenset({"static", "pwa.service_worker", "pwa.manifest"})
_NO_SESSION_REFRESH = _SHARED_FILES | {"tester.offline_pages"}


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a whole number from 0 to :data:`MAX_ID`. A larger number
    (``/public/releases/99999999999999999999``) matches no route (404) instead of overflowing
    the database's integer column or driver (500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_converters(app: Flask) -> None:
    """Before the blueprints are registered: their rules are built with these converters."""
    app.url_map.converters["int"] = IdConverter


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_LIFETIME"]
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops:
        # The last ``hops`` entries of X-Forwarded-For / -Proto were added by our own proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.session_interface = _SessionInterface()
    app.before_request(refuse_nul_characters)
    app.before_request(refuse_deep_json)
    app.after_request(add_headers)
    user_logged_in.connect(_start_session, app)
    _throttle_sign_in(app)


# --- headers -------------------------------------------------------------------------------------


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if _personal(response) and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def _personal(response: Response) -> bool:
    """Whether a cache could keep this answer to a signed-in user. Not the shared files (the
    same for everyone), and not the JSON answers to the API's POSTs: a POST's answer is never
    stored by a cache (RFC 9111), and with ``no-store`` Chromium holds the phone's unread
    acknowledgement open (the page never gets to "network idle")."""
    if request.endpoint in _SHARED_FILES:
        return False
    return not (request.method == "POST" and request.path.startswith("/api/"))


# --- refused input -------------------------------------------------------------------------------


def _nul_refused() -> BadRequest:
    return BadRequest(
        _(
            "A field holds an invisible NUL character (\\x00), which no text may contain. "
            "Remove it (retype the field) and send again. Nothing was saved."
        )
    )


def refuse_nul_characters() -> None:
    """400 for a NUL character in a form field or query value: no text needs one, and
    PostgreSQL cannot store one (it would otherwise end as a server error)."""
    if request.method == "POST" and request.mimetype in _FORM_TYPES:
        values = [*request.form.keys(), *request.form.values()]
    else:
        values = []
    values += [*request.args.keys(), *request.args.values()]
    if any("\x00" in value for value in values):
        raise _nul_refused()


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def refuse_deep_json() -> None:
    """400 for a JSON body nested deeper than :data:`MAX_JSON_DEPTH` or holding a NUL character
    in a key or value. A body that is not JSON at all is left to the view (it says so itself)."""
    if request.method != "POST" or not request.is_json:
        return
    try:
        data = json.loads(request.get_data(cache=True))
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        return
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise _nul_refused()
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    raise _nul_refused()
                stack.append((item, depth + 1))


def _too_deep() -> BadRequest:
    return BadRequest(
        _(
            "The request is nested deeper than %(depth)d levels; no form needs that. "
            "Nothing was saved.",
            depth=MAX_JSON_DEPTH,
        )
    )


# --- redirect targets ----------------------------------------------------------------------------

_PRINTABLE_ASCII = re.compile(r"[!-~]+")  # no space, no control character, nothing outside ASCII
_ENCODED_FORBIDDEN = re.compile(r"%(2f|5c|25|[01][0-9a-f]|7f)", re.IGNORECASE)


def safe_redirect_target(target: object) -> str | None:
    """``target`` when it is a path on this site (``/tester/``, ``/coordinator/?x=1``), else None.

    Refused: anything but a text starting with one ``/``; ``//host`` and ``/\\host`` (browsers
    read both as another site); a scheme or host; any character outside printable ASCII (a tab
    or newline is dropped by browsers, which turns ``/\\t/evil.example`` into ``//evil.example``);
    a backslash anywhere; and a percent-encoded ``/``, ``\\``, ``%`` or control character in
    the path (a second decoding somewhere must not make a separator appear; the query string
    may hold them).
    """
    if not isinstance(target, str) or not 0 < len(target) <= 2000:
        return None
    if not _PRINTABLE_ASCII.fullmatch(target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if _ENCODED_FORBIDDEN.search(target.partition("?")[0]):
        return None
    return target


# --- sessions ------------------------------------------------------------------------------------


def _start_session(_app: Flask, user: Any, **_extra: object) -> None:
    """On sign-in: a permanent (expiring) session stamped with the generation and the moment."""
    session.permanent = True
    session[_SIGNED_IN_AT] = clock.now().timestamp()  # the absolute lifetime counts from here
    stamp_session(user.record)


def stamp_session(user: Any) -> None:
    """Tie this browser's session to ``user``'s current session generation (after the user's
    own password change: this browser stays signed in, every other session ends)."""
    session[_GENERATION] = user.session_generation


def session_is_current(user: Any) -> bool:
    """Whether this request's session was started after ``user``'s last sign-out, password
    change or "end sessions", and less than ``SESSION_ABSOLUTE_LIFETIME`` ago."""
    signed_in_at = session.get(_SIGNED_IN_AT)
    if session.get(_GENERATION) != user.session_generation or not isinstance(
        signed_in_at, int | float
    ):
        return False
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    return 0 <= clock.now().timestamp() - signed_in_at <= limit


def forget_session() -> None:
    """Empty this browser's session (its cookie no longer names a user)."""
    session.clear()


# --- sign-in throttling --------------------------------------------------------------------------


def _address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _throttle_sign_in(app: Flask) -> None:
    """Per address: Flask-Limiter on the sign-in view, counting failures only. A limiter of
    this app only (no state shared between apps, e.g. in the tests)."""
    limiter = Limiter(
        key_func=_address_key,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=False,  # our own 429s say Retry-After; no X-RateLimit-* headers
        key_prefix="mysteryguest",  # the same in every worker, so a shared store is shared
        on_breach=_address_breached,
        # The shared store unreachable: count in this worker's memory rather than refuse
        # every sign-in (the tester at the door comes first); the error is logged.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    app.extensions[LIMITER_KEY] = limiter
    app.view_functions["auth.login"] = limiter.limit(
        lambda: app.config["LOGIN_LIMIT_PER_ADDRESS"],
        key_func=_address_key,
        methods=["POST"],
        deduct_when=_failed,
    )(app.view_functions["auth.login"])


def _address_breached(limit: Any) -> Response:
    """The 429 of the per-address limit: its own message and the seconds to wait."""
    retry_after = max(1, math.ceil(limit.reset_at - time.time()))
    error = TooManyRequests(
        _(
            "Too many failed sign-ins from your network. Wait %(minutes)d minute(s) and try "
            "again; if you are sure of your password, ask your coordinator.",
            minutes=math.ceil(retry_after / 60),
        ),
        retry_after=retry_after,
    )
    return make_response(current_app.handle_http_exception(error))


@dataclass(frozen=True)
class SignInState:
    """What the throttle holds about one username."""

    failures: int
    wait_seconds: int


class UsernameThrottle:
    """Slows guessing at one account without locking its owner out.

    Each failed sign-in adds one to the username's count (forgotten ``LOGIN_FAILURE_MEMORY``
    after the first). From the ``LOGIN_FREE_FAILURES``-th failure on, a failure also starts a
    wait of 1, 2, 4 … seconds (at most ``LOGIN_MAX_DELAY``); during the wait every attempt,
    even with the right password, is answered with 429 and the seconds left, and checks no
    password (an attacker learns nothing). After the wait one attempt is heard again. A
    successful sign-in forgets the count; :meth:`lift` (the accounts page) ends the wait.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    @property
    def _storage(self) -> Any:
        return self.app.extensions[LIMITER_KEY].storage

    @staticmethod
    def _keys(username: str) -> tuple[str, str]:
        name = username.strip().lower()[:64]
        return f"mysteryguest/sign-in/failures/{name}", f"mysteryguest/sign-in/wait/{name}"

    def state(self, username: str) -> SignInState:
        failures_key, wait_key = self._keys(username)

        def read() -> SignInState:
            storage = self._storage
            wait = 0
            if storage.get(wait_key) > 0:
                wait = max(1, math.ceil(storage.get_expiry(wait_key) - time.time()))
            return SignInState(failures=storage.get(failures_key), wait_seconds=wait)

        return self._guarded(read, SignInState(failures=0, wait_seconds=0))

    def wait_seconds(self, username: str) -> int:
        return self.state(username).wait_seconds

    def failed(self, username: str) -> int:
        """Count a failure; the wait it starts in seconds (0 while failures are free)."""
        failures_key, wait_key = self._keys(username)
        config = self.app.config

        def count() -> int:
            memory = int(config["LOGIN_FAILURE_MEMORY"].total_seconds())
            over = self._storage.incr(failures_key, memory) - int(config["LOGIN_FREE_FAILURES"])
            if over < 0:
                return 0
            wait = min(2**over, int(config["LOGIN_MAX_DELAY"].total_seconds()))
            self._storage.clear(wait_key)
            self._storage.incr(wait_key, wait)
            return wait

        return self._guarded(count, 0)

    def succeeded(self, username: str) -> None:
        self.lift(username)

    def lift(self, username: str) -> None:
        def clear() -> None:
            for key in self._keys(username):
                self._storage.clear(key)

        self._guarded(clear, None)

    def _guarded(self, operation: Any, fallback: Any) -> Any:
        """``operation()``; if the store cannot be reached, log it and go on without slowing
        anyone (the per-address limit falls back to this worker's memory meanwhile)."""
        try:
            return operation()
        except Exception as error:  # noqa: BLE001 - any store failure: sign-in goes on
            self.app.logger.error("sign-in throttle store failed: %r", error)
            return fallback


def throttle() -> UsernameThrottle:
    return UsernameThrottle(current_app._get_current_object())  # type: ignore[attr-defined]
