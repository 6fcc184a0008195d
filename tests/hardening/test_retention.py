"""Backup and restore, the retention date, the purge and the tester export (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import secrets
import subprocess
import threading
from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import Amendment
from fieldwork.models import AuditEvent
from fieldwork.models import Incident
from fieldwork.models import Release
from fieldwork.models import Study
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.reports import intake as reports
from fieldwork.services.retention.backup import libpq_url
from fieldwork.services.retention.backup import pg_tool
from fieldwork.services.schedule.assignments import assignment_for_user
from tests.hardening.conftest import ANSWERS
from tests.hardening.conftest import submit
from tests.support import PASSWORD
from tests.support import csrf_from


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def filled(app, world):
    """The world with a report of team A (free text), an amendment, an incident and a release."""
    with app.app_context():
        session = get_session()
        result = submit(session, "t01", world.test_p1)
        user = session.exec(select(User).where(User.username == "t01")).one()
        assignment = assignment_for_user(session, user.id, world.test_p1)
        amended = reports.amend_report(
            session=session,
            assignment=assignment,
            report=result.report,
            user=user,
            answers={**ANSWERS, "notes": "Piet's phone number is 06-12345678"},
            reason="I forgot that Piet gave me his number",
        )
        assert amended.amendment is not None
        submit(session, "t02", world.test_p1, {**ANSWERS, "admitted": "yes", "notes": "fine"})
        session.add(
            Incident(
                study_id=world.study_id,
                reported_by_id=user.id,
                kind="threat",
                description="Bouncer Kees threatened me",
            )
        )
        session.add(Release(study_id=world.study_id, status="published", content={"cells": [1]}))
        session.commit()
    return world


def _close(app, study_id: int, until: date | None) -> None:
    with app.app_context():
        session = get_session()
        study = session.get(Study, study_id)
        study.status = "closed"
        study.retention_until = until
        session.add(study)
        session.commit()


# --- backup and restore ------------------------------------------------------------------------


def test_backup_of_a_live_database_is_consistent_and_restores(app, runner, filled, tmp_path):
    url = app.config["DATABASE_URL"]
    out = tmp_path / "backup.db"
    stop = threading.Event()

    def keep_writing() -> None:  # the app stays live while the backup runs
        engine = create_engine(url)
        with Session(engine) as session:
            while not stop.is_set():
                session.add(AuditEvent(action="load.write"))
                session.commit()
        engine.dispose()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = runner.invoke(args=["backup", str(out)])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and out.stat().st_size > 0

    with _restored(url, out) as restored:
        with Session(restored) as session:
            assert _count(session, VisitReport) == 2
            assert _count(session, Amendment) == 1
            names = set(session.exec(select(User.username)).all())
            assert {"t01", "coord"} <= names
        if restored.dialect.name == "sqlite":
            with restored.connect() as connection:
                check = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
            assert check == "ok"


def test_backup_refuses_to_overwrite(runner, tmp_path):
    out = tmp_path / "exists.db"
    out.write_text("keep me")
    result = runner.invoke(args=["backup", str(out)])
    assert result.exit_code != 0 and "exists already" in result.output
    assert out.read_text() == "keep me"


def test_backup_help_documents_pg_dump(runner):
    result = runner.invoke(args=["backup", "--help"])
    assert "pg_dump" in result.output and "pg_restore" in result.output


class _restored:
    """The backup restored into a fresh database: a copied SQLite file, or pg_restore into a new
    PostgreSQL database (dropped on exit)."""

    def __init__(self, url: str, backup) -> None:
        self.url, self.backup = make_url(url), backup
        self.dropped: str | None = None

    def __enter__(self):
        if self.url.get_backend_name() == "sqlite":
            copy = self.backup.with_name("restored.sqlite")
            copy.write_bytes(self.backup.read_bytes())
            self.engine = create_engine(f"sqlite:///{copy}")
            return self.engine
        name = f"restore_{secrets.token_hex(4)}"
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.dropped = name
        target = self.url.set(database=name)
        pg_restore = pg_tool("pg_restore")
        assert pg_restore, "pg_restore is needed for the PostgreSQL restore test"
        subprocess.run(
            [pg_restore, "--no-owner", "--dbname", libpq_url(str(target.render_as_string(False))),
             str(self.backup)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        self.engine = create_engine(target)
        return self.engine

    def __exit__(self, *exc) -> None:
        self.engine.dispose()
        if self.dropped:
            admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{self.dropped}"'))
            admin.dispose()


# --- retention and purge -----------------------------------------------------------------------


def test_retention_date_is_set_and_audited(app, runner, world):
    result = runner.invoke(args=["retention", "S1", "2031-12-31"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        assert session.get(Study, world.study_id).retention_until == date(2031, 12, 31)
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "study.retention")).one()


@pytest.mark.parametrize(
    ("status", "until", "message"),
    [
        ("closed", None, "no retention date"),
        ("closed", date.today(), "kept until"),
        ("fieldwork", date.today() - timedelta(days=1), "not closed"),
    ],
)
def test_purge_refuses_before_the_retention_date(app, runner, filled, status, until, message):
    _close(app, filled.study_id, until)
    if status != "closed":
        with app.app_context():
            study = get_session().get(Study, filled.study_id)
            study.status = status
            get_session().commit()
    result = runner.invoke(args=["purge", "S1", "--yes"])
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert get_session().exec(select(User).where(User.username == "t01")).first()


def test_purge_removes_identities_and_free_text_and_keeps_outcomes(app, runner, client, filled):
    _close(app, filled.study_id, date.today() - timedelta(days=1))
    result = runner.invoke(args=["purge", "S1", "--yes"])
    assert result.exit_code == 0, result.output
    assert "4 accounts anonymised" in result.output

    with app.app_context():
        session = get_session()
        usernames = set(session.exec(select(User.username)).all())
        assert not {"t01", "t02", "t03", "t04"} & usernames
        assert {"coord", "res", "adm"} <= usernames
        assert all(t.user_id is None for t in session.exec(select(Tester)).all())
        for report in session.exec(select(VisitReport)).all():
            assert "notes" not in report.answers and "reason_verbatim" not in report.answers
            assert report.answers["admitted"] in {"yes", "no"}  # the outcome stays
            assert report.submitted_by_id is None
        amendment = session.exec(select(Amendment)).one()
        assert amendment.reason == "[purged]" and "notes" not in amendment.changes
        assert session.exec(select(Incident)).one().description == "[purged]"
        assert session.exec(select(Release)).one().content == {"cells": [1]}
        dump = json.dumps([e.model_dump(mode="json") for e in session.exec(select(AuditEvent))])
        for secret in ("Piet", "Kees", "Jan de Vries", '"t01"'):
            assert secret not in dump
        purge = session.exec(select(AuditEvent).where(AuditEvent.action == "study.purge")).one()
        assert purge.after["accounts"] == 4

    token = csrf_from(client.get("/login").get_data(as_text=True))
    for username in ("t01", "purged-1"):
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 401


def test_purge_twice_is_harmless(app, runner, filled):
    _close(app, filled.study_id, date.today() - timedelta(days=1))
    assert runner.invoke(args=["purge", "S1", "--yes"]).exit_code == 0
    again = runner.invoke(args=["purge", "S1", "--yes"])
    assert again.exit_code == 0, again.output
    assert "0 accounts anonymised" in again.output


# --- the tester export -------------------------------------------------------------------------


def test_tester_export_holds_everything_about_one_tester_and_no_more(runner, filled, tmp_path):
    out = tmp_path / "t01.json"
    result = runner.invoke(args=["tester-export", "T-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "mysteryguest-tester-export"
    assert data["tester"]["code"] == "T-01" and data["study"]["code"] == "S1"
    assert data["account"]["username"] == "t01" and "password_hash" not in data["account"]
    assert [team["code"] for team in data["teams"]] == ["TM-A"]
    assert len(data["reports"]) == 1 and data["reports"][0]["answers"]["notes"]
    assert data["amendments"][0]["reason"].startswith("I forgot")
    assert data["incidents"][0]["description"] == "Bouncer Kees threatened me"
    assert any(event["action"] == "report.submit" for event in data["audit_events"])
    text_dump = out.read_text(encoding="utf-8")
    assert "fine" not in text_dump  # team B's report is not team A's tester's data
    assert "argon2" not in text_dump


def test_tester_export_to_stdout_and_unknown_code(runner, world):
    shown = runner.invoke(args=["tester-export", "T-02"])
    assert shown.exit_code == 0 and json.loads(shown.output)["account"]["username"] == "t02"
    missing = runner.invoke(args=["tester-export", "T-99"])
    assert missing.exit_code != 0 and "No tester with code 'T-99'" in missing.output


def test_an_account_another_study_still_needs_is_kept(app, runner, filled):
    with app.app_context():
        session = get_session()
        other = Study(code="S9", title="Later study", domain="nightlife", seed=3,
                      instrument_id="nightlife-door", instrument_version=1,
                      target_types=["club"])  # fmt: skip
        session.add(other)
        session.flush()
        t01 = session.exec(select(User).where(User.username == "t01")).one()
        session.add(Tester(study_id=other.id, code="T-01", user_id=t01.id, group="protected"))
        session.commit()
    ambiguous = runner.invoke(args=["tester-export", "T-01"])
    assert ambiguous.exit_code != 0 and "--study" in ambiguous.output
    chosen = runner.invoke(args=["tester-export", "T-01", "--study", "S9"])
    assert json.loads(chosen.output)["study"]["code"] == "S9"

    _close(app, filled.study_id, date.today() - timedelta(days=1))
    result = runner.invoke(args=["purge", "S1", "--yes"])
    assert result.exit_code == 0 and "3 accounts anonymised, 4 testers unlinked" in result.output
    with app.app_context():
        session = get_session()
        t01 = session.exec(select(User).where(User.username == "t01")).one()
        assert t01.active
        linked = session.exec(select(Tester).where(Tester.user_id == t01.id)).all()
        assert [tester.code for tester in linked] == ["T-01"]
        assert all(tester.study_id != filled.study_id for tester in linked)


def test_purge_says_what_it_will_do_and_changes_nothing_unless_confirmed(app, runner, filled):
    _close(app, filled.study_id, date.today() - timedelta(days=1))
    declined = runner.invoke(args=["purge", "S1"], input="n\n")
    assert declined.exit_code != 0 and "Aborted" in declined.output
    for consequence in ("anonymise the accounts", "free text", "private landlords", "no undo",
                        "Purge the personal data of study S1? [y/N]"):  # fmt: skip
        assert consequence in declined.output, consequence
    with app.app_context():
        session = get_session()
        assert session.exec(select(User).where(User.username == "t01")).first()
        assert not session.exec(select(AuditEvent).where(AuditEvent.action == "study.purge")).all()
    confirmed = runner.invoke(args=["purge", "S1"], input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "4 accounts anonymised" in confirmed.output
    with app.app_context():
        assert not get_session().exec(select(User).where(User.username == "t01")).first()
