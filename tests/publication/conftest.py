"""A published release of a demo study, built into the test database at a fixed moment.

The clock is frozen at ``DEMO_NOW`` while the demo and its release are made, so the fieldwork
months and the month of publication are the same whatever day the suite runs.

On SQLite the demo is built once per session (per worker) into a template file, and every test
that asks for a demo release gets its own copy of that file (so it may write); on PostgreSQL
(TEST_DATABASE_URL) the demo is built into the shared test database for each such test.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session
from sqlmodel import select

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.migrate import upgrade
from fieldwork.models import Study
from fieldwork.models import User
from tests.conftest import app_on
from tests.support import database_backend

DEMO_PASSWORD = "demo-password"
DEMO_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TEXTS = {
    "nightlife": ("De gemeente bespreekt de uitkomsten met de branche en test opnieuw.",
                  "The city discusses the results with the sector and tests again."),
    "housing": ("De gemeente spreekt verhuurders en makelaars aan en test volgend jaar opnieuw.",
                "The city talks to landlords and agents and tests again next year."),
}  # fmt: skip


@dataclass
class DemoRelease:
    study_id: int
    release_id: int
    coordinator_id: int


def build_demo_at_fixed_time() -> None:
    """The demo at ``DEMO_NOW`` in the current app's database. On SQLite it is copied in from
    a template built once per process (SQLite's backup API writes the template's pages into
    the test database; the same rows, ids and audit trail as a build, in a fraction of the
    time); on PostgreSQL it is built."""
    session = get_session()
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        _build_demo(session)
        return
    template = _demo_template_file()
    session.commit()  # no transaction of this session may be open while the pages are written
    raw = engine.raw_connection()  # type: ignore[union-attr]
    try:
        source = sqlite3.connect(template)
        try:
            source.backup(raw.driver_connection)
        finally:
            source.close()
    finally:
        raw.close()
    session.expire_all()


def _build_demo(session: Session) -> None:
    from fieldwork.demo import build_demo

    with clock.frozen(DEMO_NOW):
        build_demo(session=session, seed=2026, password=DEMO_PASSWORD)


@cache
def _demo_template_file() -> Path:
    """A migrated SQLite file holding the demo, built once per process (per xdist worker)."""
    folder = Path(tempfile.mkdtemp(prefix="mysteryguest-demo-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "demo.sqlite"
    upgrade(f"sqlite:///{path}")
    with app_on(f"sqlite:///{path}", folder, empty_after=False) as app, app.app_context():
        _build_demo(get_session())
    return path


def close_study(code: str) -> Study:
    session = get_session()
    study = session.exec(select(Study).where(Study.code == code)).one()
    study.status = "closed"
    session.commit()
    return study


def user_named(username: str) -> User:
    return get_session().exec(select(User).where(User.username == username)).one()


def release_study(code: str, *, publish: bool = True, now: datetime = DEMO_NOW) -> DemoRelease:
    """Close demo study `code`, make a release (coordinator), approve it (admin), publish; at
    the moment `now`."""
    from fieldwork.services.releases import lifecycle as releases

    session = get_session()
    study = close_study(code)
    coordinator, admin = user_named("coordinator"), user_named("admin")
    nl, en = TEXTS[study.domain]
    with clock.frozen(now):
        release = releases.create_release(
            session=session, study=study, user=coordinator,
            texts=releases.ReleaseTexts(next_steps_nl=nl, next_steps_en=en),
        )  # fmt: skip
        if publish:
            releases.approve_release(session=session, release=release, user=admin)
            releases.publish_release(session=session, release=release, user=coordinator)
    return DemoRelease(study.id, release.id, coordinator.id)


def build_demo_release(*, publish: bool = True, code: str = "DEMO-NL") -> DemoRelease:
    """The demo (unless the database holds it already: a copy of the template) and a release."""
    if get_session().exec(select(Study).where(Study.code == code)).first() is None:
        build_demo_at_fixed_time()
    return release_study(code, publish=publish)


DEMO_FIXTURES = {"demo_release", "draft_release", "housing_release"}


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """On SQLite: a migrated database file holding the demo, built once; None on PostgreSQL."""
    if database_backend() != "sqlite":
        return None
    return _demo_template_file()


@pytest.fixture
def app(
    request: pytest.FixtureRequest, database_url: str, instance_path: Path, tmp_path: Path
) -> Iterator[Flask]:
    """The shared test database; for a test that asks for a demo release on SQLite, a copy of the
    session's demo template instead (seconds saved per test)."""
    template = None
    if DEMO_FIXTURES & set(request.fixturenames):
        template = request.getfixturevalue("demo_template")
    if template is None:
        with app_on(database_url, instance_path) as app:
            yield app
        return
    copy = tmp_path / "demo.sqlite"
    shutil.copyfile(template, copy)
    with app_on(f"sqlite:///{copy}", instance_path, empty_after=False) as app:
        yield app


@pytest.fixture
def demo_release(app: Flask) -> DemoRelease:
    with app.app_context():
        return build_demo_release()


@pytest.fixture
def draft_release(app: Flask) -> DemoRelease:
    with app.app_context():
        return build_demo_release(publish=False)


@pytest.fixture
def housing_release(app: Flask) -> DemoRelease:
    with app.app_context():
        return build_demo_release(code="DEMO-WON")
