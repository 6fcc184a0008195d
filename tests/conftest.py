"""Shared fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the app
with CSRF on, a client, a CLI runner and a small study world to test against."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2 import profiles
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from fieldwork import create_app
from fieldwork.db import ENGINE_KEY
from fieldwork.db import delete_all_rows
from fieldwork.migrate import upgrade
from fieldwork.services.people import users
from tests.support import PASSWORD
from tests.support import csrf_from
from tests.support import database_backend

# Shared fixtures that are not in this file live in plugin modules listed here (registered once,
# for the whole suite), never in a conftest that another conftest imports.
pytest_plugins = ["tests.browser.fixtures"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` run against PostgreSQL only: on SQLite they skip, saying so."""
    if database_backend() == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (.ci/run does)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _quiet_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tools that write into $HOME write into a temporary folder instead."""
    base = tmp_path_factory.mktemp("home")
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "MPLCONFIGDIR"):
        os.environ.setdefault(name, str(base / name.lower()))


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Thousands of sign-ins verify argon2 at its cheapest cost (0.1 ms, not 0.1 s); the stored
    hash and rehashing are tested at production cost with ``production_hasher``."""
    before = users.use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
    yield
    users.use_hasher(before)


@pytest.fixture
def production_hasher() -> Iterator[PasswordHasher]:
    """The app's own hasher (argon2-cffi's default cost) for one test."""
    production = PasswordHasher()
    before = users.use_hasher(production)
    yield production
    users.use_hasher(before)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """TEST_DATABASE_URL (CI sets a PostgreSQL one) or a fresh SQLite file, migrated once."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        url = _database_of_worker(url, worker)
    url = url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    upgrade(url)
    return url


def _database_of_worker(url: str, worker: str) -> str:
    """With pytest-xdist (``-n 2``) each worker gets a PostgreSQL database of its own, made
    anew beside TEST_DATABASE_URL's (``mysteryguest_test_gw0``, ...); SQLite files are per
    worker already (each worker has its own temporary folder)."""
    from sqlalchemy import create_engine
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def instance_path(tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    path.mkdir()
    return path


def new_app(database_url: str, instance_path: Path) -> Flask:
    """The app as the tests run it: testing config, CSRF on, the given database."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SECRET_KEY", raising=False)
        patch.delenv("DATABASE_URL", raising=False)
        app = create_app(
            {
                "ENVIRONMENT": "testing",
                "TESTING": True,
                "DATABASE_URL": database_url,
                "SECRET_KEY": secrets.token_hex(16),
            }
        )
    app.instance_path = str(instance_path)
    return app


@contextmanager
def app_on(database_url: str, instance_path: Path, *, empty_after: bool = True) -> Iterator[Flask]:
    """The test app on ``database_url``; its rows deleted afterwards (the shared database)."""
    app = new_app(database_url, instance_path)
    try:
        yield app
    finally:
        if empty_after:
            with app.app_context():
                from fieldwork.db import get_session

                delete_all_rows(get_session())
        app.extensions[ENGINE_KEY].dispose()


@pytest.fixture
def app(database_url: str, instance_path: Path) -> Iterator[Flask]:
    with app_on(database_url, instance_path) as app:
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD) -> None:
        token = csrf_from(self.client.get("/login").get_data(as_text=True))
        response = self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)

    def logout(self) -> None:
        page = self.client.get("/tester/").get_data(as_text=True)
        self.client.post("/logout", data={"csrf_token": csrf_from(page)})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture(scope="session")
def password_hash() -> str:
    from fieldwork.services.people.users import hash_password

    return hash_password(PASSWORD)


class World:
    """Ids of a small nightlife study: pair P1 = teams A (protected, t01) + B (control, t02);
    pair P2 = teams C (t03) + D (t04); tests tonight for both pairs and one upcoming for P1."""

    study_id: int
    test_p1: int
    test_p2: int
    test_p1_upcoming: int
    team_a: int
    team_b: int
    team_c: int
    team_d: int


def build_world(password_hash: str) -> World:
    from datetime import datetime
    from datetime import time
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from fieldwork.db import get_session
    from fieldwork.models import Pair
    from fieldwork.models import Study
    from fieldwork.models import Target
    from fieldwork.models import Team
    from fieldwork.models import TeamMember
    from fieldwork.models import Test
    from fieldwork.models import Tester
    from fieldwork.models import User
    from fieldwork.timeutil import tonight

    session = get_session()
    world = World()
    users = {}
    for name, role in [
        ("t01", "tester"),
        ("t02", "tester"),
        ("t03", "tester"),
        ("t04", "tester"),
        ("coord", "coordinator"),
        ("res", "researcher"),
        ("adm", "admin"),
    ]:
        users[name] = User(username=name, password_hash=password_hash, role=role)
        session.add(users[name])
    study = Study(
        code="S1",
        title="Test study",
        domain="nightlife",
        instrument_id="nightlife-door",
        instrument_version=1,
        seed=7,
        status="fieldwork",
        target_types=["club", "bar", "cafe", "other"],
    )
    session.add(study)
    session.flush()
    targets = [
        Target(
            study_id=study.id,
            code="V-001",
            name="Club Nachtuil",
            address="Grote Markt 1",
            target_type="club",
            area="Grote Markt",
        ),
        Target(
            study_id=study.id,
            code="V-002",
            name="Cafe De Kroeg",
            address="Plein 7",
            target_type="cafe",
            area="Plein",
        ),
    ]
    teams = {}
    for code, role, username, tester_code in [
        ("A", "protected", "t01", "T-01"),
        ("B", "control", "t02", "T-02"),
        ("C", "protected", "t03", "T-03"),
        ("D", "control", "t04", "T-04"),
    ]:
        team = Team(study_id=study.id, code=f"TM-{code}", role=role)
        tester = Tester(
            study_id=study.id,
            code=tester_code,
            user_id=None,
            group=role,
            gender="m",
            age_band="21-24",
            language="nl",
        )
        session.add_all([team, tester])
        session.flush()
        tester.user_id = users[username].id
        session.add(TeamMember(team_id=team.id, tester_id=tester.id))
        teams[code] = team
    session.add_all(targets)
    session.flush()
    p1 = Pair(
        study_id=study.id,
        code="P-01",
        protected_team_id=teams["A"].id,
        control_team_id=teams["B"].id,
    )
    p2 = Pair(
        study_id=study.id,
        code="P-02",
        protected_team_id=teams["C"].id,
        control_team_id=teams["D"].id,
    )
    session.add_all([p1, p2])
    session.flush()
    zone = ZoneInfo("Europe/Amsterdam")

    def make_test(pair: Pair, target: Target, night, first_minute: int) -> Test:
        start = datetime.combine(night, time(22, 0), tzinfo=zone)
        planned = start + timedelta(minutes=60 + first_minute)
        test = Test(
            study_id=study.id,
            pair_id=pair.id,
            target_id=target.id,
            night=night,
            window_start=start,
            window_end=start + timedelta(hours=4),
            first_role="protected",
            planned_protected=planned,
            planned_control=planned + timedelta(minutes=5),
        )
        session.add(test)
        session.flush()
        return test

    night = tonight()
    world.study_id = study.id
    world.test_p1 = make_test(p1, targets[0], night, 0).id
    world.test_p2 = make_test(p2, targets[1], night, 17).id
    world.test_p1_upcoming = make_test(p1, targets[1], night + timedelta(days=7), 0).id
    world.team_a, world.team_b = teams["A"].id, teams["B"].id
    world.team_c, world.team_d = teams["C"].id, teams["D"].id
    session.commit()
    return world


@pytest.fixture
def world(app: Flask, password_hash: str) -> World:
    with app.app_context():
        return build_world(password_hash)


class Housing:
    """Ids of a housing study (see build_housing_world)."""

    study_id: int
    overdue: int
    today: int
    this_week: int
    later: int
    done: int


# The housing study's "now": Wednesday 11 March 2026, noon in The Hague (tests freeze the clock).
HOUSING_NOW = "2026-03-11T12:00:00+01:00"
HOUSING_ANSWERS = {
    "contact_mode": "email",
    "contact_time": "2026-03-09T10:30",
    "any_response": "true",
    "invited_to_viewing": "true",
    "unit_available_said": "yes",
    "units_offered": "1",
    "units_shown": "0",
}


def build_housing_world(password_hash: str) -> Housing:
    """A housing study: h01 (team HA) and h02 (team HB) contact five landlords in the week of
    Wednesday 11 March 2026, each before 17:00 of its day; the one of Monday 9 March is reported.
    With the clock at HOUSING_NOW: one overdue, one today, one this week, one later, one done."""
    import uuid
    from datetime import date
    from datetime import datetime
    from datetime import time
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sqlmodel import select

    from fieldwork import clock
    from fieldwork.db import get_session
    from fieldwork.models import DEFAULT_TARGET_TYPES
    from fieldwork.models import Pair
    from fieldwork.models import Study
    from fieldwork.models import Target
    from fieldwork.models import Team
    from fieldwork.models import TeamMember
    from fieldwork.models import Test
    from fieldwork.models import Tester
    from fieldwork.models import User
    from fieldwork.services.reports.intake import ReportSubmission
    from fieldwork.services.reports.intake import submit_report
    from fieldwork.services.schedule.assignments import assignment_for_user

    zone = ZoneInfo("Europe/Amsterdam")
    session = get_session()
    users = {name: User(username=name, password_hash=password_hash, role="tester")
             for name in ("h01", "h02")}  # fmt: skip
    session.add_all(users.values())
    study = Study(code="H1", title="Woningmarkt", domain="housing",
                  instrument_id="housing-access", instrument_version=1, seed=3,
                  status="fieldwork", target_types=DEFAULT_TARGET_TYPES["housing"],
                  max_interval_minutes=1440)  # fmt: skip
    session.add(study)
    session.flush()
    teams = []
    for code, role, username in (("HA", "protected", "h01"), ("HB", "control", "h02")):
        team = Team(study_id=study.id, code=code, role=role)
        tester = Tester(study_id=study.id, code=f"T-{username}", group=role)
        session.add_all([team, tester])
        session.flush()
        tester.user_id = users[username].id
        session.add(TeamMember(team_id=team.id, tester_id=tester.id))
        teams.append(team)
    pair = Pair(study_id=study.id, code="HP-1", protected_team_id=teams[0].id,
                control_team_id=teams[1].id)  # fmt: skip
    session.add(pair)
    session.flush()
    found = Housing()
    found.study_id = study.id
    landlords = {"done": ("Van Dijk Verhuur", 9), "overdue": ("Woonstede Makelaars", 10),
                 "today": ("Mevrouw De Boer", 11), "this_week": ("Haagse Huur B.V.", 13),
                 "later": ("Stichting Duinwonen", 17)}  # fmt: skip
    for key, (name, day) in landlords.items():
        target = Target(study_id=study.id, code=f"L-{day:03d}", name=name,
                        address=f"Laan van Meerdervoort {day * 10}",
                        target_type="private_landlord", area="Segbroek")  # fmt: skip
        session.add(target)
        session.flush()
        start = datetime.combine(date(2026, 3, day), time(10, 0), tzinfo=zone)
        test = Test(study_id=study.id, pair_id=pair.id, target_id=target.id, night=start.date(),
                    window_start=start, window_end=start + timedelta(hours=7),
                    first_role="protected", planned_protected=start + timedelta(minutes=30),
                    planned_control=start + timedelta(minutes=90))  # fmt: skip
        session.add(test)
        session.flush()
        setattr(found, key, test.id)
    session.commit()
    with clock.frozen(datetime(2026, 3, 9, 15, 0, tzinfo=zone)):
        user = session.exec(select(User).where(User.username == "h01")).one()
        result = submit_report(
            session=session,
            assignment=assignment_for_user(session, user.id, found.done),
            user=user,
            submission=ReportSubmission(uuid=str(uuid.uuid4()), answers=HOUSING_ANSWERS),
        )
        assert result.status == "created", result.errors
    return found
