"""Sign-in throttling that fits a reverse proxy and cannot lock the team out.

- per username: failures slow the next attempt (1, 2, 4 … s, capped), never a lock; a coordinator
  lifts the wait; other accounts are not touched;
- per address: the real client address (``TRUSTED_PROXIES`` hops of X-Forwarded-For), so one
  attacker behind the proxy does not lock out everyone else behind it;
- the counts are global across gunicorn workers when ``RATELIMIT_STORAGE_URI`` names a shared
  store (test_throttle_workers.py).
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import User
from fieldwork.security import UsernameThrottle
from tests.hardening.conftest import sign_in
from tests.support import PASSWORD
from tests.support import csrf_from


def test_failures_slow_the_next_attempt_progressively_and_cap(app, world):
    app.config.update(LOGIN_FREE_FAILURES=3, LOGIN_MAX_DELAY=timedelta(seconds=16))
    throttle = UsernameThrottle(app)
    with app.app_context():
        waits = [throttle.failed("t01") for _ in range(9)]
        assert waits == [0, 0, 1, 2, 4, 8, 16, 16, 16]
        assert throttle.state("T01 ").failures == 9  # one count, whatever the spelling
        assert 1 <= throttle.state("t01").wait_seconds <= 16
        assert throttle.state("t02").failures == 0


def test_a_slowed_account_waits_even_with_the_right_password_and_others_go_on(app, client, world):
    app.config.update(LOGIN_FREE_FAILURES=3, LOGIN_MAX_DELAY=timedelta(seconds=60))
    assert [sign_in(client, "t01", "wrong password").status_code for _ in range(2)] == [401] * 2
    third = sign_in(client, "t01", "wrong password")  # the third failure starts a wait
    assert third.status_code == 401 and "1" in third.get_data(as_text=True)
    with app.app_context():  # a guesser who kept going: the wait is now 16 s
        for _ in range(4):
            UsernameThrottle(app).failed("t01")
    slowed = sign_in(client, "T01 ", PASSWORD)
    assert slowed.status_code == 429
    assert 1 <= int(slowed.headers["Retry-After"]) <= 60
    page = slowed.get_data(as_text=True)
    assert 'role="alert"' in page and "wachten" in page  # its own message, in Dutch
    english = sign_in(client, "t01", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert "must wait" in english.get_data(as_text=True)
    assert sign_in(client, "t02").status_code == 302  # other accounts are not touched


def test_the_wait_ends_by_itself_and_the_right_password_then_works(app, client, world):
    app.config.update(LOGIN_FREE_FAILURES=1, LOGIN_MAX_DELAY=timedelta(seconds=1))
    assert sign_in(client, "t01", "wrong password").status_code == 401
    assert sign_in(client, "t01").status_code == 429
    time.sleep(1.5)  # the wait is 1 s: no lock outlives LOGIN_MAX_DELAY
    assert sign_in(client, "t01").status_code == 302


def test_a_coordinator_lifts_the_wait(app, client, world):
    app.config.update(LOGIN_FREE_FAILURES=2, LOGIN_MAX_DELAY=timedelta(minutes=5))
    attacker = app.test_client()
    assert sign_in(attacker, "t01", "guess", REMOTE_ADDR="203.0.113.9").status_code == 401
    with app.app_context():  # the attacker kept going: a wait of minutes
        for _ in range(8):
            UsernameThrottle(app).failed("t01")
    assert sign_in(client, "t01").status_code == 429
    coordinator = app.test_client()
    assert sign_in(coordinator, "coord", REMOTE_ADDR="198.51.100.4").status_code == 302
    accounts = coordinator.get("/coordinator/accounts").get_data(as_text=True)
    with app.app_context():
        target = get_session().exec(select(User.id).where(User.username == "t01")).one()
    assert f"/coordinator/accounts/{target}/lift-wait" in accounts
    lifted = coordinator.post(
        f"/coordinator/accounts/{target}/lift-wait", data={"csrf_token": csrf_from(accounts)}
    )
    assert lifted.status_code == 303
    assert sign_in(client, "t01").status_code == 302


def test_a_successful_sign_in_forgets_the_failures(app, client, world):
    app.config.update(LOGIN_FREE_FAILURES=3)
    for _ in range(2):
        assert sign_in(client, "t01", "wrong password").status_code == 401
    assert sign_in(client, "t01").status_code == 302
    with app.app_context():
        assert UsernameThrottle(app).state("t01").failures == 0


def test_many_usernames_from_one_address_are_limited_per_address(app, client, world):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per minute"
    statuses = [sign_in(client, f"nobody{n}", "wrong password").status_code for n in range(5)]
    assert statuses == [401] * 4 + [429]
    blocked = sign_in(client, "t01")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "netwerk" in blocked.get_data(as_text=True)  # its own translated message
    assert sign_in(client, "t01", REMOTE_ADDR="192.0.2.7").status_code == 302


def test_behind_a_trusted_proxy_the_real_client_address_is_limited(
    database_url, instance_path, world, monkeypatch
):
    """The issue's attack: 90 bad sign-ins with random usernames through the HTTPS proxy. With
    TRUSTED_PROXIES=1 only the attacker's own address is limited; the coordinator, coming
    through the same proxy from another address, signs in."""
    from fieldwork import create_app

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"ENVIRONMENT": "testing", "TESTING": True, "DATABASE_URL": database_url,
                      "SECRET_KEY": "k" * 32, "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes"})  # fmt: skip
    app.instance_path = str(instance_path)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    attacker, coordinator = app.test_client(), app.test_client()
    statuses = [
        sign_in(
            attacker, f"t{n:02d}x", "guess", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy
        ).status_code
        for n in range(90)
    ]
    assert statuses.count(401) == 30 and statuses[-1] == 429
    assert (
        sign_in(coordinator, "coord", HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy).status_code
        == 302
    )
    # A client cannot pick its address: the proxy appends the real one, and only that counts.
    spoofed = sign_in(attacker, "coord", HTTP_X_FORWARDED_FOR="198.51.100.4, 203.0.113.9", **proxy)
    assert spoofed.status_code == 429
    app.extensions["mysteryguest.engine"].dispose()


def test_without_trusted_proxies_a_forwarded_for_header_changes_nothing(app, client, world):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per minute"
    statuses = [
        sign_in(client, "t01", "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_an_unreachable_shared_store_does_not_stop_sign_in(database_url, instance_path, world):
    """Redis down at 01:00: sign-ins go on (per-worker counting meanwhile), and it is logged."""
    import socket

    from fieldwork import create_app

    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({"ENVIRONMENT": "testing", "TESTING": True, "DATABASE_URL": database_url,
                      "SECRET_KEY": "k" * 32,
                      "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{port}"})  # fmt: skip
    app.instance_path = str(instance_path)
    client = app.test_client()
    assert sign_in(client, "t01", "wrong password").status_code == 401
    assert sign_in(client, "t01").status_code == 302
    app.extensions["mysteryguest.engine"].dispose()
