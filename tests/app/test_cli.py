"""The mysteryguest command line: init-db, create-user, and clear messages for bad arguments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import User

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


def test_help_lists_every_command_in_a_clean_environment(tmp_path):
    """No MYSTERYGUEST_ENV, SECRET_KEY or DATABASE_URL: every command, one line each, app first."""
    from fieldwork.cli import ANALYSIS_COMMANDS
    from fieldwork.commands import COMMANDS

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MYSTERYGUEST_ENV", "SECRET_KEY", "DATABASE_URL")
        and not key.startswith("FLASK_")
    }
    result = subprocess.run(
        [SCRIPT, "--help"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    listed, section = {}, ""
    for line in result.stdout.splitlines():
        if line and not line.startswith(" "):
            section = line
        elif line.strip() and section not in ("", "Options:") and not section.startswith("Usage"):
            name, _, description = line.strip().partition(" ")
            listed[name] = description.strip()
    expected = [*COMMANDS, *ANALYSIS_COMMANDS, "run", "shell", "routes"]
    assert list(listed) == expected  # app commands first, in the listing's order
    for name, description in listed.items():
        assert description.endswith(".") and not description.endswith("..."), (name, description)
    assert result.stdout.index("Field app:") < result.stdout.index("Options:")
    assert "--app" not in result.stdout  # Flask's generic option means nothing here
    assert list(tmp_path.iterdir()) == []  # no database, no instance folder, nothing written


def test_app_commands_build_the_app_when_they_run():
    """Listed without the app, each app command pushes the app itself (flask's with_appcontext)."""
    from fieldwork.commands import COMMANDS
    from fieldwork.commands import load

    for name, target in COMMANDS.items():
        layers, todo = [], [load(target).callback]
        while todo:  # the decorators' functions, through their closures
            function = todo.pop()
            layers.append(function.__code__.co_filename)
            cells = [cell.cell_contents for cell in function.__closure__ or ()]
            todo += [cell for cell in cells if hasattr(cell, "__code__")]
        assert any(path.endswith(os.path.join("flask", "cli.py")) for path in layers), (
            f"{name}: decorate the command with @with_appcontext"
        )


def test_console_script_explains_a_missing_secret_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(MYSTERYGUEST_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'c.sqlite'}")
    result = subprocess.run([SCRIPT, "init-db"], capture_output=True, text=True, env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
