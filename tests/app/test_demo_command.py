"""`mysteryguest demo`: builds the demo, prints logins that work, refuses to touch real data."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.demo import STUDY_CODES
from fieldwork.models import Study
from fieldwork.models import Test
from fieldwork.models import User
from tests.support import csrf_from

# builds the whole demo: make test runs it, make test-fast leaves it out
pytestmark = pytest.mark.slow


def login(client, username, password):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_demo_prints_logins_that_work(app, client, runner):
    result = runner.invoke(args=["demo", "--seed", "11"])
    assert result.exit_code == 0, result.output
    lines = re.findall(
        r"^  (\S+)(?: … (\S+))?\s+(\w+)\s+password: (\S+)$", result.output, re.MULTILINE
    )
    logins = {first: password for first, _last, _role, password in lines}
    assert {"admin", "coordinator", "researcher", "t01"} <= set(logins)
    assert any(
        f == "t01" and last.startswith("t") and role == "tester" for f, last, role, _ in lines
    )
    assert len(set(logins.values())) == 1  # one random password for all
    response = login(client, "t01", logins["t01"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/tester/")
    tonight = client.get("/tester/").get_data(as_text=True)
    assert "/report" in tonight
    client.post("/logout", data={"csrf_token": csrf_from(tonight)})
    assert login(client, "coordinator", logins["coordinator"]).status_code == 302
    overview = client.get("/coordinator/").get_data(as_text=True)
    assert "DEMO-NL" in overview and "DEMO-WON" in overview


def test_demo_with_password_and_reset(app, runner):
    first = runner.invoke(args=["demo", "--password", "demo-password-1"])
    assert first.exit_code == 0 and "demo-password-1" in first.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0 and "--reset" in again.output and "--keep" in again.output
    reset = runner.invoke(args=["demo", "--reset", "--password", "demo-password-1"])
    assert reset.exit_code == 0, reset.output
    with app.app_context():
        session = get_session()
        assert session.exec(select(func.count()).select_from(Study)).one() == len(STUDY_CODES)
        assert session.exec(select(func.count()).select_from(Test)).one() >= 150
        assert (
            session.exec(select(func.count()).select_from(User).where(User.username == "t01")).one()
            == 1
        )


def test_demo_refuses_a_database_with_real_studies(app, runner, world):
    result = runner.invoke(args=["demo", "--reset"])
    assert result.exit_code != 0 and "real studies (S1)" in result.output
    with app.app_context():
        assert get_session().exec(select(func.count()).select_from(Study)).one() == 1


def test_demo_rejects_a_short_password(runner):
    result = runner.invoke(args=["demo", "--password", "short"])
    assert result.exit_code == 2 and "at least 12 characters" in result.output


def test_demo_keep_leaves_an_existing_demo_and_its_password(app, runner):
    first = runner.invoke(args=["demo", "--keep"])  # nothing to keep yet: builds one
    assert first.exit_code == 0 and "coordinator" in first.output, first.output
    with app.app_context():
        session = get_session()
        before = session.exec(select(User.id, User.password_hash).order_by(User.id)).all()
    kept = runner.invoke(args=["demo", "--keep"])
    assert kept.exit_code == 0, kept.output
    assert "Keeping the demo" in kept.output and "make demo RESET=1" in kept.output
    password = re.search(r"coordinator\s+coordinator\s+password: (\S+)", first.output)[1]
    assert f"password: {password}" in kept.output  # the logins printed again, same password
    with app.app_context():
        after = get_session().exec(select(User.id, User.password_hash).order_by(User.id)).all()
    assert after == before  # same accounts: phones stay signed in
    both = runner.invoke(args=["demo", "--keep", "--reset"])
    assert both.exit_code == 2 and "not both" in both.output
