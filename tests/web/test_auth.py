"""Sign-in, roles and CSRF."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fieldwork.models import User
from tests.support import PASSWORD
from tests.support import csrf_from


def test_login_page_renders_with_token(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page
    assert csrf_from(page)


def test_tester_signs_in_and_lands_on_their_tests(client, world, auth):
    auth.login("t01")
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/tester/")


def test_wrong_password_is_refused_with_a_message(client, world):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "t01", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Username or password is not right" in response.get_data(as_text=True) or (
        "Gebruikersnaam" in response.get_data(as_text=True)
    )
    assert client.get("/tester/").status_code == 302  # still anonymous


def test_login_without_csrf_token_is_400_and_signs_nobody_in(client, world):
    response = client.post("/login", data={"username": "t01", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/tester/").status_code == 302


def test_open_redirect_after_login_is_ignored(client, world):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "t01", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/tester/"


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("t01", "/coordinator/", 403),
        ("coord", "/tester/", 403),
        ("res", "/tester/", 403),
        ("adm", "/tester/", 403),
        ("coord", "/coordinator/", 200),
        ("res", "/coordinator/", 200),
        ("adm", "/coordinator/", 200),
    ],
)
def test_roles_reach_only_their_pages(client, world, auth, username, path, status):
    auth.login(username)
    assert client.get(path).status_code == status


@pytest.mark.parametrize("path", ["/tester/", "/coordinator/", "/tester/tests/1/report"])
def test_anonymous_is_sent_to_sign_in(client, world, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_needs_post_with_token(client, world, auth):
    auth.login("t01")
    assert client.post("/logout").status_code == 400
    assert client.get("/tester/").status_code == 200
    auth.logout()
    assert client.get("/tester/").status_code == 302


def test_rehash_on_login_when_parameters_change(app, client, world, production_hasher):
    from argon2 import PasswordHasher

    with app.app_context():
        from fieldwork.db import get_session

        session = get_session()
        user = session.exec(select(User).where(User.username == "t02")).one()
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
        session.commit()
        old = user.password_hash
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "t02", "password": PASSWORD, "csrf_token": token})
    with app.app_context():
        from fieldwork.db import get_session

        new = get_session().exec(select(User).where(User.username == "t02")).one().password_hash
    assert new != old and PasswordHasher().check_needs_rehash(new) is False


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_language_switch_is_remembered(client, world):
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302 and "lang=en" in response.headers["Set-Cookie"]
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    client.get("/lang/nl")
    assert 'lang="nl"' in client.get("/login").get_data(as_text=True)


def test_language_follows_the_browser_when_not_chosen(client):
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in english.get_data(as_text=True)
    assert 'lang="nl"' in client.get("/login").get_data(as_text=True)
