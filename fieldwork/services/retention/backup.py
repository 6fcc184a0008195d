"""Backups: a consistent copy of the live database.

:func:`backup_database` copies a live SQLite database with SQLite's online backup API (a
consistent snapshot while the app keeps writing), or runs ``pg_dump`` for PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from fieldwork.services.errors import RetentionError

PG_DUMP_HELP = (
    "For PostgreSQL make the backup with pg_dump, e.g.\n"
    "  pg_dump --format=custom --no-owner --file OUT 'postgresql://USER@HOST/DB'\n"
    "and restore it into an empty database with\n"
    "  pg_restore --no-owner --dbname 'postgresql://USER@HOST/NEWDB' OUT"
)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    method: str  # "sqlite-online-backup" | "pg_dump"
    size_bytes: int


def backup_database(*, url: str, out: Path) -> BackupResult:
    """Write a consistent copy of the database at ``url`` to ``out`` (which must not exist)."""
    if out.exists():
        raise RetentionError(f"{out} exists already. Choose a new file name for the backup.")
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise RetentionError("An in-memory SQLite database cannot be backed up.")
        return _backup_sqlite(Path(parsed.database), out)
    if backend == "postgresql":
        return _backup_postgresql(url, out)
    raise RetentionError(f"Backups of {backend!r} databases are not supported. {PG_DUMP_HELP}")


def _backup_sqlite(source: Path, out: Path) -> BackupResult:
    if not source.exists():
        raise RetentionError(f"There is no database at {source}. Check DATABASE_URL.")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(out.name + ".partial")
    staging.unlink(missing_ok=True)
    # Read-only source; the backup API copies page by page and restarts when a writer interferes,
    # so the copy is one committed state of the database, never a torn file.
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(staging)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if verdict != "ok":
        staging.unlink(missing_ok=True)
        raise RetentionError(f"The copy failed SQLite's integrity check: {verdict}")
    staging.rename(out)
    return BackupResult(out, "sqlite-online-backup", out.stat().st_size)


def pg_tool(name: str) -> str | None:
    """The path of a PostgreSQL client program (PATH first, then Debian's versioned folders)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=_pg_version)
    return str(versions[-1]) if versions else None


def _pg_version(path: Path) -> int:
    version = path.parts[-3]
    return int(version) if version.isdigit() else 0


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq reads it (no ``+driver``)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _backup_postgresql(url: str, out: Path) -> BackupResult:
    pg_dump = os.environ.get("PG_DUMP") or pg_tool("pg_dump")
    if pg_dump is None:
        raise RetentionError(f"pg_dump is not installed here. {PG_DUMP_HELP}")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(out.name + ".partial")
    command = [pg_dump, "--format=custom", "--no-owner", "--file", str(staging), libpq_url(url)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        staging.unlink(missing_ok=True)
        raise RetentionError(f"pg_dump failed: {done.stderr.strip()}\n{PG_DUMP_HELP}")
    staging.rename(out)
    return BackupResult(out, "pg_dump", out.stat().st_size)
