"""The mysteryguest command line: init-db, create-user, and clear messages for bad arguments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent, User

SCRIPT = str(Path(sys.executable).with_name("mysteryguest"))


def users(app) -> list[User]:
    with app.app_context():
        return list(get_session().exec(select(User)).all())


def test_init_db_reports_the_database(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "newest schema" in result.output


def test_create_user_from_password_file(app, runner, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("long enough password\n")
    result = runner.invoke(
        args=[
            "create-user",
            "--role",
            "coordinator",
            "--username",
            "anna",
            "--password-file",
            str(secret),
        ]
    )
    assert result.exit_code == 0, result.output
    [user] = users(app)
    assert user.username == "anna" and user.role == "coordinator"
    assert user.password_hash.startswith("$argon2id$")
    with app.app_context():
        assert (
            get_session().exec(select(AuditEvent).where(AuditEvent.action == "user.create")).one()
        )


def test_create_user_prompts_for_the_password(app, runner):
    result = runner.invoke(
        args=["create-user", "--role", "tester", "--username", "t77"],
        input="a fine password\na fine password\n",
    )
    assert result.exit_code == 0, result.output
    assert [u.username for u in users(app)] == ["t77"]


def test_create_user_refuses_a_short_password_and_stores_nothing(app, runner, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("short\n")
    result = runner.invoke(
        args=[
            "create-user",
            "--role",
            "tester",
            "--username",
            "bob",
            "--password-file",
            str(secret),
        ]
    )
    assert result.exit_code != 0 and "too short" in result.output
    assert users(app) == []


def test_create_user_refuses_a_duplicate(app, runner, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("long enough password\n")
    args = ["create-user", "--role", "tester", "--username", "bob", "--password-file", str(secret)]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "exists already" in again.output
    assert len(users(app)) == 1


def test_unknown_role_is_named(runner):
    result = runner.invoke(args=["create-user", "--role", "boss", "--username", "x"])
    assert result.exit_code == 2 and "'boss' is not one of" in result.output


def test_console_script_lists_its_commands(tmp_path):
    env = {
        **os.environ,
        "MYSTERYGUEST_ENV": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}",
    }
    result = subprocess.run([SCRIPT, "--help"], capture_output=True, text=True, env=env)
    assert result.returncode == 0
    for command in ("run", "init-db", "create-user", "demo"):
        assert command in result.stdout


def test_console_script_explains_a_missing_secret_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(MYSTERYGUEST_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'c.sqlite'}")
    result = subprocess.run([SCRIPT, "init-db"], capture_output=True, text=True, env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
