"""Sessions end on the server: sign-out, a password change and an admin's "end sessions" make
every earlier cookie of the user worthless at once, and a session has an absolute lifetime
besides the idle one (the idle one: test_security.py::test_an_idle_session_expires)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import User
from tests.support import PASSWORD
from tests.support import csrf_from

COOKIE = "session"


def signed_in(app, username: str, password: str = PASSWORD, device_id: str = ""):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    response = client.post("/login", data={**data, "device_id": device_id})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value, domain="localhost")
    return thief


def is_signed_out(client, path: str = "/tester/") -> bool:
    response = client.get(path)
    return response.status_code == 302 and "/login" in response.location


def token_of(client, path: str) -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def user_id(app, username: str) -> int:
    with app.app_context():
        return get_session().exec(select(User.id).where(User.username == username)).one()


def test_sign_out_ends_every_copy_of_the_cookie(app, world):
    tester = signed_in(app, "t01")
    thief = copy_of(app, tester)
    assert thief.get("/tester/").status_code == 200  # the copy works while the session lives
    tester.post("/logout", data={"csrf_token": token_of(tester, "/tester/")})
    assert is_signed_out(thief)
    refused = thief.get("/tester/")
    assert "_user_id" not in refused.headers.get("Set-Cookie", "")  # no fresh 12-hour cookie
    api = thief.post("/api/device-status", json={"device_id": "x", "unsent_count": 0})
    assert api.status_code in {400, 401}  # no session: the CSRF token or the sign-in is missing
    assert is_signed_out(tester)


def test_sign_out_ends_the_other_devices_of_that_user_only(app, world):
    phone, laptop, partner = signed_in(app, "t01"), signed_in(app, "t01"), signed_in(app, "t02")
    phone.post("/logout", data={"csrf_token": token_of(phone, "/tester/")})
    assert is_signed_out(laptop)
    assert partner.get("/tester/").status_code == 200


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, world):
    here = signed_in(app, "coord")
    other = copy_of(app, here)
    new = "a new and longer passphrase"
    response = here.post(
        "/account/password",
        data={"current": PASSWORD, "new": new, "repeat": new,
              "csrf_token": token_of(here, "/account/password")},
    )  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    assert is_signed_out(other, "/coordinator/")
    assert here.get("/coordinator/").status_code == 200
    assert signed_in(app, "coord", new)


def test_an_admin_ends_every_session_of_an_account(app, world):
    tester = signed_in(app, "t01")
    admin = signed_in(app, "adm")
    target = user_id(app, "t01")
    response = admin.post(
        f"/coordinator/accounts/{target}/end-sessions",
        data={"csrf_token": token_of(admin, "/coordinator/accounts")},
    )
    assert response.status_code == 303
    assert is_signed_out(tester)
    assert admin.get("/coordinator/").status_code == 200
    with app.app_context():
        event = (
            get_session()
            .exec(select(AuditEvent).where(AuditEvent.action == "user.end_sessions"))
            .one()
        )
        assert event.object_id == target and event.actor == "adm"
    assert signed_in(app, "t01").get("/tester/").status_code == 200  # signing in again works


def test_a_coordinator_ends_tester_sessions_but_not_staff_sessions(app, world):
    coordinator = signed_in(app, "coord")
    admin = signed_in(app, "adm")
    token = token_of(coordinator, "/coordinator/accounts")
    page = coordinator.get("/coordinator/accounts").get_data(as_text=True)
    assert f"/coordinator/accounts/{user_id(app, 't01')}/end-sessions" in page
    assert f"/coordinator/accounts/{user_id(app, 'adm')}/end-sessions" not in page
    refused = coordinator.post(
        f"/coordinator/accounts/{user_id(app, 'adm')}/end-sessions", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    assert admin.get("/coordinator/").status_code == 200
    missing = coordinator.post(
        "/coordinator/accounts/999999/end-sessions", data={"csrf_token": token}
    )
    assert missing.status_code == 404


def test_a_session_ends_at_its_absolute_lifetime_however_active(app, world):
    lifetime = app.config["SESSION_ABSOLUTE_LIFETIME"]
    assert timedelta(hours=8) <= lifetime <= timedelta(hours=24)
    start = clock.now()
    with clock.frozen(start):
        tester = signed_in(app, "t01")
    hour = timedelta(hours=1)
    steps = int(lifetime / hour)
    for step in range(1, steps + 1):  # a request every hour keeps the idle timer fresh
        with clock.frozen(start + step * hour):
            assert tester.get("/tester/").status_code == 200, f"signed out after {step} h"
    with clock.frozen(start + lifetime + timedelta(seconds=1)):
        assert is_signed_out(tester)


def test_a_cookie_from_before_the_change_of_generation_is_refused_on_the_api(app, world):
    tester = signed_in(app, "t01", device_id="phone-1")  # a phone known from its sign-in
    token = token_of(tester, "/tester/")
    body = {"device_id": "phone-1", "unsent_count": 0}
    headers = {"X-CSRFToken": token}
    assert tester.post("/api/device-status", json=body, headers=headers).status_code == 200
    with app.app_context():
        session = get_session()
        user = session.get(User, user_id(app, "t01"))
        user.session_generation += 1
        session.commit()
    refused = tester.post("/api/device-status", json=body, headers=headers)
    assert refused.status_code in {400, 401}
    assert refused.get_json()["message"]
