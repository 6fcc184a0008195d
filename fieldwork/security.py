"""Security by default: response headers (a strict Content-Security-Policy), sign-in throttling,
sessions that expire.

- Every response carries the CSP below (no ``unsafe-inline``, no ``unsafe-eval``: templates have
  no inline script, style or event handler, which a test checks), ``frame-ancestors 'none'``,
  ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy`` that keeps study paths (which name
  test ids) on this site; HSTS when the request came over HTTPS.
- Failed sign-ins are counted per username and per address (Flask-Limiter); after
  ``LOGIN_LIMIT_PER_USER`` or ``LOGIN_LIMIT_PER_ADDRESS`` failures the sign-in answers 429 with
  ``Retry-After``. Successful sign-ins do not count. The counts live in memory per worker unless
  ``RATELIMIT_STORAGE_URI`` names a shared store (e.g. ``redis://…``).
- A NUL character in a form or query value is refused with 400 (see ``refuse_nul_characters``).
- A signed-in session is permanent with ``PERMANENT_SESSION_LIFETIME`` (refreshed on each request),
  so an idle session ends.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, abort, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_limiter import Limiter
from flask_login import user_logged_in
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
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
DEFAULTS = {
    "LOGIN_LIMIT_PER_USER": "10 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    "RATELIMIT_STORAGE_URI": "memory://",
    "SESSION_LIFETIME": timedelta(hours=12),  # one night of fieldwork, then sign in again
}
LIMITER_KEY = "mysteryguest.limiter"


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus the refreshed cookie on static files and the
    service worker: those responses stay cacheable and ~350 bytes lighter on a phone."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint in _NO_SESSION_REFRESH and not session.modified:
            return False
        return super().should_set_cookie(app, session)


_NO_SESSION_REFRESH = frozenset({"static", "pwa.service_worker", "pwa.manifest"})


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_LIFETIME"]
    app.session_interface = _SessionInterface()
    app.before_request(refuse_nul_characters)
    app.after_request(add_headers)
    user_logged_in.connect(_make_session_permanent, app)
    _throttle_sign_in(app)


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def refuse_nul_characters() -> None:
    """400 for a NUL character in a form field or query value: no text needs one, and
    PostgreSQL cannot store one (it would otherwise end as a server error)."""
    if request.method == "POST" and request.mimetype in _FORM_TYPES:
        values = [*request.form.keys(), *request.form.values()]
    else:
        values = []
    values += [*request.args.keys(), *request.args.values()]
    if any("\x00" in value for value in values):
        abort(400, description="A field holds a NUL character (\\x00); remove it and send again.")


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _make_session_permanent(_app: Flask, **_extra: object) -> None:
    session.permanent = True


def _username_key() -> str:
    return "user:" + request.form.get("username", "").strip().lower()[:64]


def _address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _throttle_sign_in(app: Flask) -> None:
    """A limiter of this app only (no state shared between apps, e.g. in the tests)."""
    limiter = Limiter(
        key_func=_address_key,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
        key_prefix="mysteryguest",  # the same in every worker, so a shared store is shared
    )
    app.extensions[LIMITER_KEY] = limiter
    login = app.view_functions["auth.login"]
    login = limiter.limit(
        lambda: app.config["LOGIN_LIMIT_PER_USER"],
        key_func=_username_key,
        methods=["POST"],
        deduct_when=_failed,
    )(login)
    login = limiter.limit(
        lambda: app.config["LOGIN_LIMIT_PER_ADDRESS"],
        key_func=_address_key,
        methods=["POST"],
        deduct_when=_failed,
    )(login)
    app.view_functions["auth.login"] = login
