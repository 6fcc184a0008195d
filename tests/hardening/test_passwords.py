"""Passwords: staff accounts need ≥ 12 characters, no account may use its username or one of the
most common passwords (zxcvbn's list, shipped as data), argon2 stays; a tester account's first
password is one-time and must be changed at the first sign-in."""

from __future__ import annotations

import pytest
from sqlmodel import select
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from fieldwork.db import get_session
from fieldwork.models import User
from fieldwork.services.people.users import MIN_PASSWORD_LENGTH
from fieldwork.services.people.users import MIN_STAFF_PASSWORD_LENGTH
from fieldwork.services.people.users import UserError
from fieldwork.services.people.users import common_passwords
from fieldwork.services.people.users import create_user
from fieldwork.services.people.users import password_problem
from tests.support import csrf_from

LONG_COMMON = next(word for word in FREQUENCY_LISTS["passwords"] if len(word) >= 16)


def write(tmp_path, password: str):
    path = tmp_path / "pw"
    path.write_text(password + "\n")
    return str(path)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("12345678", "too short"),
        ("password", "too short"),
        ("x" * (MIN_STAFF_PASSWORD_LENGTH - 1), "too short"),
        ("boss-admin-2026!", "contains the username"),
        ("ADMINADMINADMIN", "contains the username"),
        (LONG_COMMON, "most common"),
        (LONG_COMMON.upper(), "most common"),
    ],
)
def test_create_user_refuses_weak_staff_passwords(app, runner, tmp_path, password, why):
    result = runner.invoke(
        args=["create-user", "--role", "admin", "--username", "admin",
              "--password-file", write(tmp_path, password)]
    )  # fmt: skip
    assert result.exit_code != 0 and why in result.output, result.output
    with app.app_context():
        assert get_session().exec(select(User)).first() is None


def test_a_good_staff_password_is_stored_as_argon2id(app, runner, tmp_path, production_hasher):
    result = runner.invoke(
        args=["create-user", "--role", "coordinator", "--username", "anna",
              "--password-file", write(tmp_path, "lantern orchard velvet")]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = get_session().exec(select(User).where(User.username == "anna")).one()
        assert user.password_hash.startswith("$argon2id$")
        assert not production_hasher.check_needs_rehash(user.password_hash)  # the app's cost
        assert user.must_change_password is False


def test_the_common_list_comes_from_the_package_and_is_large():
    assert len(common_passwords()) >= 25_000
    assert {"password", "12345678", "qwerty"} <= common_passwords()


def test_the_rules_by_role():
    assert MIN_STAFF_PASSWORD_LENGTH >= 12 and MIN_PASSWORD_LENGTH >= 8
    assert password_problem("blue kite", username="t07", role="tester") is None
    assert password_problem("blue kite", username="anna", role="researcher")  # staff: too short
    assert password_problem("t07-blue-kite", username="t07", role="tester")  # the username
    assert password_problem("iloveyou", username="t07", role="tester")  # common


def one_time_tester(app, password: str = "door night 41") -> None:
    with app.app_context():
        session = get_session()
        create_user(session=session, username="t50", password=password, role="tester")
        session.commit()


def sign_in(client, username: str, password: str):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_a_new_tester_account_has_a_one_time_password(app, world):
    one_time_tester(app)
    with app.app_context():
        user = get_session().exec(select(User).where(User.username == "t50")).one()
        assert user.must_change_password is True


def test_the_one_time_password_must_be_changed_before_anything_else(app, client, world):
    one_time_tester(app)
    response = sign_in(client, "t50", "door night 41")
    assert response.status_code == 302 and "/account/password" in response.location
    for path in ("/tester/", "/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and "/account/password" in blocked.location
    page = client.get("/account/password").get_data(as_text=True)
    token = csrf_from(page)
    api = client.post("/api/device-status", json={"device_id": "p", "unsent_count": 0},
                      headers={"X-CSRFToken": token})  # fmt: skip
    assert api.status_code == 403 and api.get_json()["error"] == "password_change_required"

    def change(current: str, new: str, repeat: str | None = None):
        return client.post(
            "/account/password",
            data={"current": current, "new": new, "repeat": repeat or new, "csrf_token": token},
            headers={"Accept-Language": "en"},
        )

    wrong = change("not it", "my own door phrase")
    assert wrong.status_code == 422 and "current password is not right" in wrong.text
    weak = change("door night 41", "iloveyou")
    assert weak.status_code == 422 and "most common" in weak.text
    same = change("door night 41", "door night 41")
    assert same.status_code == 422 and "not the one you have now" in same.text
    differ = change("door night 41", "my own door phrase", "my own door phrasE")
    assert differ.status_code == 422 and "differ" in differ.text
    with app.app_context():
        assert (
            get_session()
            .exec(select(User).where(User.username == "t50"))
            .one()
            .must_change_password
        )

    done = change("door night 41", "my own door phrase")
    assert done.status_code == 303
    assert client.get("/tester/").status_code == 200
    with app.app_context():
        user = get_session().exec(select(User).where(User.username == "t50")).one()
        assert user.must_change_password is False
    other = client.application.test_client()
    assert sign_in(other, "t50", "door night 41").status_code == 401  # one time only
    assert sign_in(other, "t50", "my own door phrase").location.endswith("/tester/")


@pytest.mark.slow  # it builds the whole demo
def test_demo_accounts_and_fixture_accounts_have_no_one_time_password(app):
    from fieldwork.demo import build_demo

    with app.app_context():
        session = get_session()
        build_demo(session=session, seed=3, password="demo password for all")
        flags = set(session.exec(select(User.must_change_password)).all())
    assert flags == {False}


def test_service_refuses_with_a_message_and_stores_nothing(app, world):
    with app.app_context(), pytest.raises(UserError, match="at least 8"):
        create_user(session=get_session(), username="short", password="x" * 7, role="tester")
