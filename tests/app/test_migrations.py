"""The Alembic migrations build exactly the tables of the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import fieldwork.models  # noqa: F401
from fieldwork.db import make_engine

ROOT = Path(__file__).resolve().parents[2]


def differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


def test_migrated_test_database_matches_the_models(database_url):
    # The session fixture ran `upgrade head` on an empty database (PostgreSQL in CI).
    assert differences(database_url) == []


def test_alembic_upgrade_head_from_the_command_line_on_empty_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    env = {**os.environ, "DATABASE_URL": url}
    alembic = Path(sys.executable).with_name("alembic")
    result = subprocess.run(
        [str(alembic), "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert differences(url) == []


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
