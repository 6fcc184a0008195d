"""The purge forgets private landlords: their names and addresses (also those before an edit) are
gone from every table, from the audit log's values and from the database files' bytes (the main
file's free pages and the -wal file)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import User
from fieldwork.services.studies.targets import update_target
from tests.publication.conftest import DEMO_NOW
from tests.publication.conftest import build_demo_at_fixed_time
from tests.support import database_backend

RENAMED_FROM = "R. Kortenaar (particulier): bovenwoning"


@dataclass
class Landlords:
    secrets: set[str]  # what must be gone
    count: int  # private landlords in DEMO-WON


def database_files(app) -> list[Path]:
    url = make_url(app.config["DATABASE_URL"])
    main = Path(url.database)
    return [main, main.with_name(main.name + "-wal")]


def file_bytes(app) -> bytes:
    return b"".join(path.read_bytes() for path in database_files(app) if path.exists())


@pytest.fixture
def landlords(app) -> Landlords:
    """The demo, with one landlord renamed through the service (so the audit log holds the old
    and the new name), DEMO-WON closed and past its retention date."""
    with app.app_context(), clock.frozen(DEMO_NOW):
        build_demo_at_fixed_time()
        session = get_session()
        study = session.exec(select(Study).where(Study.code == "DEMO-WON")).one()
        private = session.exec(
            select(Target).where(
                Target.study_id == study.id, Target.target_type == "private_landlord"
            )  # fmt: skip
        ).all()
        renamed = private[0]
        old_name, old_address = renamed.name, renamed.address
        coordinator = session.exec(select(User).where(User.username == "coordinator")).one()
        update_target(session=session, study=study, target=renamed, name=RENAMED_FROM,
                      address="Hooftskade 77, 2526 KL Den Haag", target_type="private_landlord",
                      area=renamed.area, active=True, user=coordinator)  # fmt: skip
        update_target(session=session, study=study, target=renamed, name=old_name,
                      address=old_address, target_type="private_landlord", area=renamed.area,
                      active=True, user=coordinator)  # fmt: skip
        secrets = {RENAMED_FROM, "R. Kortenaar", "Hooftskade 77"}
        for target in private:
            secrets |= {target.name, target.address, target.address.split(",")[0]}
            secrets.add(target.name.split(" (")[0])  # "P. Brouwer"
        kept = " ".join(f"{t.name} {t.address}" for t in session.exec(select(Target)).all()
                        if t.target_type != "private_landlord")  # fmt: skip
        secrets = {s for s in secrets if s.casefold() not in kept.casefold() and len(s) >= 5}
        study.status, study.retention_until = "closed", date(2026, 1, 1)
        session.commit()
        return Landlords(secrets, len(private))


def purge(runner):
    with clock.frozen(DEMO_NOW):
        result = runner.invoke(args=["purge", "DEMO-WON", "--yes"])
    assert result.exit_code == 0, result.output
    return result.output


def every_value(app) -> str:
    """Every row of every table, as text."""
    with app.app_context():
        session = get_session()
        tables = inspect(session.get_bind()).get_table_names()
        rows = []
        for table in tables:
            rows += [repr(tuple(row)) for row in session.execute(text(f'SELECT * FROM "{table}"'))]
    return "\n".join(rows)


def test_the_purge_removes_landlords_from_every_table_and_the_audit_log(app, runner, landlords):
    assert landlords.count > 10 and landlords.secrets
    before = every_value(app)
    assert all(secret in before for secret in landlords.secrets)  # the search finds them
    output = purge(runner)
    assert f"{landlords.count} targets' names and addresses generalised" in output
    assert "Backups made before today still hold the purged data." in output
    after = every_value(app)
    assert not [s for s in landlords.secrets if s in after]
    with app.app_context():
        session = get_session()
        audit = json.dumps([e.model_dump(mode="json") for e in session.exec(select(AuditEvent))])
        assert not [s for s in landlords.secrets if s in audit]
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "study.purge")).one()
        assert event.after["targets"] == landlords.count
        generalised = session.exec(select(Target).where(
            Target.target_type == "private_landlord")).all()  # fmt: skip
        assert all(t.name == f"private_landlord {t.code}" for t in generalised)
        assert all(
            len(t.address) == 4 and t.address.isdigit() for t in generalised
        )  # postcode area
        agents = session.exec(select(Target).where(Target.target_type == "letting_agent")).all()
        assert all(" " in t.address and not t.address.isdigit() for t in agents)  # untouched
    again = purge(runner)
    assert "0 targets' names" in again, again  # a second purge finds nothing left


@pytest.mark.skipif(
    database_backend() != "sqlite",
    reason="the file scan reads SQLite's files; on PostgreSQL the purge runs VACUUM",
)
def test_no_landlord_is_left_in_the_database_files(app, runner, landlords):
    found_before = {s for s in landlords.secrets if s.encode() in file_bytes(app)}
    assert found_before == landlords.secrets  # the scan sees them before the purge
    output = purge(runner)
    assert "SQLite: secure_delete, wal_checkpoint(TRUNCATE), VACUUM" in output
    data = file_bytes(app)
    assert not [s for s in landlords.secrets if s.encode() in data]
    wal = database_files(app)[1]
    assert not wal.exists() or wal.stat().st_size == 0


def test_the_study_can_name_more_types_to_forget(app, runner, landlords):
    wrong = runner.invoke(args=["retention", "DEMO-WON", "2026-01-01", "--generalise-type", "club"])
    assert wrong.exit_code != 0 and "has no target type 'club'" in wrong.output
    result = runner.invoke(
        args=["retention", "DEMO-WON", "2026-01-01", "--generalise-type", "letting_agent"]
    )
    assert result.exit_code == 0 and "also: letting_agent" in result.output
    with app.app_context():
        agents = get_session().exec(select(Target).where(
            Target.target_type == "letting_agent")).all()  # fmt: skip
        names = {agent.name.split(":")[0] for agent in agents}
        count = len(agents)
    output = purge(runner)
    assert f"{landlords.count + count} targets' names" in output
    after = every_value(app)
    assert not [name for name in names if name in after]


@pytest.mark.postgres
def test_on_postgresql_the_purge_vacuums_the_tables_it_changed(app, runner, landlords):
    output = purge(runner)
    assert "PostgreSQL: VACUUM of the changed tables" in output
    assert not [s for s in landlords.secrets if s in every_value(app)]
