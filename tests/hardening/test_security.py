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
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from fieldwork import create_app
from fieldwork.db import ENGINE_KEY
from fieldwork.security import CONTENT_SECURITY_POLICY
from tests.hardening.conftest import sign_in
from tests.support import PASSWORD
from tests.support import csrf_from

# Fetch directives and where a browser looks when one is absent (CSP Level 3, "directive
# fallback list"); the last step of each is default-src.
FALLBACK = {
    "script-src": ("script-src",), "style-src": ("style-src",), "img-src": ("img-src",),
    "font-src": ("font-src",), "connect-src": ("connect-src",), "media-src": ("media-src",),
    "object-src": ("object-src",), "manifest-src": ("manifest-src",),
    "frame-src": ("frame-src", "child-src"),
    "worker-src": ("worker-src", "child-src", "script-src"),
}  # fmt: skip


def effective(policy: str) -> dict[str, str]:
    """Every fetch directive as the browser applies ``policy``, plus the directives without a
    fallback (base-uri, form-action, frame-ancestors) as written."""
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    found = {
        name: next((directives[step] for step in steps if step in directives),
                   directives["default-src"])
        for name, steps in FALLBACK.items()
    }  # fmt: skip
    for name in ("base-uri", "form-action", "frame-ancestors"):
        found[name] = directives.get(name, "(none: anything)")
    return found


def assert_secure_headers(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert effective(policy) == STRICT
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


STRICT = {
    "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "font-src": "'self'", "connect-src": "'self'", "media-src": "'self'",
    "object-src": "'none'", "manifest-src": "'self'", "frame-src": "'self'",
    "worker-src": "'self'", "base-uri": "'self'", "form-action": "'self'",
    "frame-ancestors": "'none'",
}  # fmt: skip


def test_the_policy_is_strict():
    """Only this site's scripts, styles, fonts, connections and worker; no plugins; no framing;
    forms post and the base URL stays here. Written short: what equals default-src is left to
    fall back to it."""
    assert effective(CONTENT_SECURITY_POLICY) == STRICT
    assert (
        effective(CONTENT_SECURITY_POLICY.replace("default-src 'self'", "default-src *"))[
            "script-src"
        ]
        == "*"
    )  # the check reads the fallback: a wider default-src would show


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


def test_session_cookie_is_httponly_lax_and_expires(client, world):
    response = sign_in(client, "t01")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (
        "Expires=" in cookie
    )  # a permanent session with a lifetime, not "until the browser closes"


def test_session_cookie_is_secure_in_production(monkeypatch, database_url, tmp_path, world):
    """A production app's sign-in over HTTPS sets a session cookie that is Secure, HttpOnly,
    SameSite=Lax and lives 12 hours: the header the browser gets, not the configuration."""
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(16))
    monkeypatch.delenv("MYSTERYGUEST_INSECURE_COOKIES", raising=False)
    app = create_app({"ENVIRONMENT": "production", "DATABASE_URL": database_url})
    app.instance_path = str(tmp_path)
    assert app.config["MAX_CONTENT_LENGTH"] <= 10 * 1024 * 1024
    client = app.test_client()
    https = {"base_url": "https://localhost", "environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    token = csrf_from(client.get("/login", **https).get_data(as_text=True))
    response = client.post("/login", data={"username": "t01", "password": PASSWORD,
                                           "csrf_token": token},
                           headers={"Referer": "https://localhost/login"}, **https)  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    cookies = response.headers.getlist("Set-Cookie")
    session = next(cookie for cookie in cookies if cookie.startswith("session="))
    attributes = {part.strip().split("=")[0].lower() for part in session.split(";")[1:]}
    assert {"secure", "httponly", "expires", "path"} <= attributes, session
    assert "SameSite=Lax" in session
    expires = parsedate_to_datetime(session.split("Expires=")[1].split(";")[0])
    lifetime = expires - datetime.now(UTC)
    assert timedelta(hours=11, minutes=58) < lifetime <= timedelta(hours=12), session
    app.extensions[ENGINE_KEY].dispose()


def test_an_idle_session_expires(app, client, world):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    assert sign_in(client, "t01").status_code == 302
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
    response = sign_in(client, "t01\x00")
    assert response.status_code == 400


def test_nul_characters_get_their_own_translated_message(client, world):
    dutch = client.get("/public/?q=a\x00b")
    assert dutch.status_code == 400 and "NUL" in dutch.text and "Verwijder" in dutch.text
    english = client.get("/public/?q=a\x00b", headers={"Accept-Language": "en"})
    assert "invisible NUL character" in english.text


def test_signed_in_pages_are_never_stored_by_a_cache(client, auth, world):
    assert "no-store" not in client.get("/public/").headers.get("Cache-Control", "")
    auth.login("t01")
    for path in ("/tester/", "/public/", "/no-such-page", "/account/password"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    static = client.get("/static/app.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")


# --- configuration guards ------------------------------------------------------------------------


def production(monkeypatch, database_url, secret: str = "s" * 32, **environ):
    from fieldwork.config import ConfigError  # noqa: F401  (raised below)

    monkeypatch.setenv("SECRET_KEY", secret)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    app = create_app({"ENVIRONMENT": "production", "DATABASE_URL": database_url})
    app.extensions["mysteryguest.engine"].dispose()
    return app


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_production_refuses_the_debugger(monkeypatch, database_url, value):
    from fieldwork.config import ConfigError

    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        production(monkeypatch, database_url, FLASK_DEBUG=value)


def test_production_refuses_a_short_secret_key(monkeypatch, database_url):
    from fieldwork.config import ConfigError

    with pytest.raises(ConfigError, match="31 bytes.*at least 32"):
        production(monkeypatch, database_url, secret="k" * 31)
    with pytest.raises(ConfigError, match="1 bytes"):
        production(monkeypatch, database_url, secret="x")
    assert production(monkeypatch, database_url, secret="k" * 32).config["SECRET_KEY"]


def test_production_without_the_debugger_has_no_console(monkeypatch, database_url):
    app = production(monkeypatch, database_url, FLASK_DEBUG="0")
    assert app.debug is False
    assert app.test_client().get("/console").status_code == 404


def test_the_console_script_says_why_it_will_not_start(monkeypatch, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("mysteryguest")
    env = {
        **__import__("os").environ,
        "MYSTERYGUEST_ENV": "production",
        "SECRET_KEY": "short",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
    }
    env.pop("FLASK_DEBUG", None)
    result = subprocess.run(
        [str(script), "routes"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode != 0 and "SECRET_KEY is 5 bytes long" in result.stderr


@pytest.mark.parametrize("value", ["two", "-1", "1.5"])
def test_trusted_proxies_must_be_a_whole_number(monkeypatch, database_url, value):
    from fieldwork.config import ConfigError

    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        production(monkeypatch, database_url, TRUSTED_PROXIES=value)


def test_rate_limit_storage_comes_from_the_environment(monkeypatch, database_url):
    app = production(
        monkeypatch, database_url, RATELIMIT_STORAGE_URI="memory://", TRUSTED_PROXIES="2"
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["TRUSTED_PROXIES"] == 2


# --- demo --reset --------------------------------------------------------------------------------


def test_demo_reset_refuses_when_a_real_account_exists(app, runner, tmp_path):
    from sqlmodel import func
    from sqlmodel import select

    from fieldwork.db import get_session
    from fieldwork.demo import STUDY_CODES
    from fieldwork.models import Study
    from fieldwork.models import User

    assert runner.invoke(args=["demo", "--password", "demo password for all"]).exit_code == 0
    secret = tmp_path / "pw"
    secret.write_text("lantern orchard velvet\n")
    created = runner.invoke(
        args=["create-user", "--role", "admin", "--username", "city-admin",
              "--password-file", str(secret)]
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    reset = runner.invoke(args=["demo", "--reset", "--password", "demo password for all"])
    assert reset.exit_code != 0
    assert "city-admin" in reset.output and "nothing was changed" in reset.output
    with app.app_context():
        session = get_session()
        assert session.exec(select(User).where(User.username == "city-admin")).one()
        assert session.exec(select(func.count()).select_from(Study)).one() == len(STUDY_CODES)


def test_demo_reset_refuses_a_real_account_named_like_a_demo_account(app, runner, tmp_path):
    """An installation whose admin is called "admin" (as the README's example): never deleted."""
    secret = tmp_path / "pw"
    secret.write_text("lantern orchard velvet\n")
    args = ["create-user", "--role", "admin", "--username", "admin", "--password-file", str(secret)]
    assert runner.invoke(args=args).exit_code == 0
    reset = runner.invoke(args=["demo", "--reset"])
    assert reset.exit_code != 0 and "admin" in reset.output and "did not make" in reset.output
