"""The database engine (one per app) and the request's session (cached on ``g``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app
from flask import g
from sqlalchemy import Engine
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import Session
from sqlmodel import create_engine

ENGINE_KEY = "mysteryguest.engine"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    from fieldwork.services.releases import guard

    guard.install()  # table rules hold for every engine the app makes
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def init_app(app: Any) -> None:
    app.extensions[ENGINE_KEY] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_session)


def get_engine() -> Engine:
    return current_app.extensions[ENGINE_KEY]


def get_session() -> Session:
    """The session of this request or CLI command, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine())
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def delete_all_rows(session: Session) -> None:
    """Empty every table (children first) and commit. For the demo reset and the tests only."""
    from sqlmodel import SQLModel

    import fieldwork.models  # noqa: F401  (the tables must be registered)

    for table in reversed(SQLModel.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()
