"""Security defaults: headers, cookies, no-store on signed-in pages, request size, NUL, and the
configuration guards (debugger, secret length, proxy hops) and the `demo --reset` guard.

Elsewhere: sessions (test_sessions.py), sign-in throttling (test_throttle.py), redirect targets
(test_redirects.py), spreadsheet-safe CSV (test_csv_safety.py), passwords (test_passwords.py),
no 5xx on bad input (test_bad_input.py, test_no_server_errors.py); production without SECRET_KEY refuses to start (tests/app/test_config.py), the
argon2 rehash on sign-in (tests/web/test_auth.py), no inline script/style in any template
(tests/web/test_api.py::test_templates_allow_a_strict_content_security_policy), and the
headers on every HTML page of the URL map (tests/hardening/test_route_matrix.py).
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

import pytest

from fieldwork import create_app
from fieldwork.security import CONTENT_SECURITY_POLICY
from tests.support import PASSWORD, csrf_from


def assert_secure_headers(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_policy_is_strict():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["style-src"] == "'self'"


@pytest.mark.parametrize(
    ("username", "path"),
    [
        (None, "/login"),
        (None, "/public/"),
        (None, "/no-such-page"),
        ("t01", "/tester/"),
        ("coord", "/coordinator/"),
    ],
)
def test_pages_carry_the_security_headers(client, auth, world, username, path):
    if username:
        auth.login(username)
    response = client.get(path)
    assert response.mimetype == "text/html"
    assert_secure_headers(response)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def _sign_in(client, username: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    environ = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/login", environ_base=environ).get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def test_session_cookie_is_httponly_lax_and_expires(client, world):
    response = _sign_in(client, "t01")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (
        "Expires=" in cookie
    )  # a permanent session with a lifetime, not "until the browser closes"


def test_session_cookie_is_secure_in_production(monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(16))
    monkeypatch.delenv("MYSTERYGUEST_INSECURE_COOKIES", raising=False)
    app = create_app({"ENVIRONMENT": "production", "DATABASE_URL": database_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    assert app.config["MAX_CONTENT_LENGTH"] <= 10 * 1024 * 1024


def test_an_idle_session_expires(app, client, world):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    assert _sign_in(client, "t01").status_code == 302
    assert client.get("/tester/").status_code == 200
    time.sleep(2.1)
    expired = client.get("/tester/")
    assert expired.status_code == 302 and "/login" in expired.location


def test_requests_larger_than_the_limit_are_refused(app, client, auth, world):
    auth.login("t01")
    token = csrf_from(client.get("/tester/").get_data(as_text=True))
    body = b'{"uuid": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1) + b'"}'
    response = client.post(
        "/api/reports", data=body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 413 and response.get_json()["message"]


def test_nul_characters_in_forms_are_refused(client, world):
    response = _sign_in(client, "t01\x00")
    assert response.status_code == 400
