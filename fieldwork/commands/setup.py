"""Commands that set up an installation: ``init-db``, ``create-user``, ``demo``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from fieldwork.commands import stated
from fieldwork.db import get_session
from fieldwork.migrate import upgrade
from fieldwork.models import Study
from fieldwork.models import User

DEMO_LOGINS = "demo-logins.txt"


@click.command("init-db", short_help="Create or upgrade the database schema.")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (alembic upgrade head)."""
    from fieldwork.services.studies.instruments import changed_instruments

    url = current_app.config["DATABASE_URL"]
    upgrade(url)
    click.echo(f"Database is at the newest schema: {_safe_url(url)}")
    problems = changed_instruments(get_session())
    if problems:
        raise click.ClickException("\n".join(problems))


@click.command("create-user", short_help="Create a user account.")
@with_appcontext
@click.option(
    "--role", required=True, type=click.Choice(["tester", "coordinator", "researcher", "admin"])
)
@click.option("--username", required=True, help="Letters, digits, '-' or '_'.")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the password from the first line of this file instead of prompting.",
)
def create_user(role: str, username: str, password_file: Path | None) -> None:
    """Create a user account (the password is asked for, or read from --password-file)."""
    from fieldwork.services.people.users import UserError
    from fieldwork.services.people.users import create_user as create

    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        password = lines[0] if lines else ""
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = get_session()
    with stated(UserError):
        user = create(session=session, username=username, password=password, role=role)
    session.commit()
    click.echo(f"Created {user.role} {user.username!r}.")


@click.command("demo", short_help="Build the demo studies and print the logins.")
@with_appcontext
@click.option("--seed", default=2026, show_default=True, type=int, help="Seed of the simulation.")
@click.option(
    "--password", default=None, help="Password for every demo user (default: one random)."
)
@click.option(
    "--reset",
    is_flag=True,
    help="First delete an earlier demo (only when the database holds nothing but the demo).",
)
@click.option(
    "--keep",
    is_flag=True,
    help="Keep an earlier demo as it is (sessions and password too) and print its logins again.",
)
def demo(seed: int, password: str | None, reset: bool, keep: bool) -> None:
    """Build the demo studies (three nightlife waves, a housing study) with simulated fieldwork
    and print the logins.

    The logins are also written to demo-logins.txt in the instance folder (readable by you
    only), so that `--keep` can print them again.
    """
    from fieldwork.db import delete_all_rows
    from fieldwork.demo import STUDY_CODES
    from fieldwork.demo import build_demo
    from fieldwork.services.people.users import password_problem

    if password is not None:
        problem = password_problem(password, username="coordinator", role="admin")
        if problem:
            raise click.BadParameter(problem, param_hint="--password")
    if reset and keep:
        raise click.UsageError("Give --reset or --keep, not both.")
    upgrade(current_app.config["DATABASE_URL"])
    session = get_session()
    logins_file = Path(current_app.instance_path) / DEMO_LOGINS
    codes = set(session.exec(select(Study.code)).all())
    usernames = set(session.exec(select(User.username)).all())
    if codes or usernames:
        other = sorted(codes - set(STUDY_CODES))
        if other:
            raise click.ClickException(
                "This database holds real studies (" + ", ".join(other) + "); the demo only "
                "goes into an empty database. Point DATABASE_URL at a new file."
            )
        if keep and codes:  # a demo to keep (accounts alone are checked below)
            click.echo(f"Keeping the demo in {_safe_url(current_app.config['DATABASE_URL'])}.")
            if logins_file.exists():
                click.echo(logins_file.read_text(encoding="utf-8"), nl=False)
            else:
                click.echo("Its logins were printed when it was built.")
            click.echo("To build it again with a new password: make demo RESET=1 (or --reset).")
            return
        accounts = sorted(usernames - _demo_accounts())
        if accounts:
            shown = ", ".join(accounts[:5]) + (" …" if len(accounts) > 5 else "")
            raise click.ClickException(
                f"This database holds {len(accounts)} account(s) that the demo did not make "
                f"({shown}); --reset would delete them, so nothing was changed. Build the demo "
                "in a new database: point DATABASE_URL at a new file."
            )
        if not reset:
            raise click.ClickException(
                "A demo exists already in this database. Run with --reset to build it again, "
                "or with --keep to keep it."
            )
        delete_all_rows(session)
    result = build_demo(session=session, seed=seed, password=password)
    click.echo(f"Demo studies: {', '.join(result.studies)}")
    click.echo(f"Database: {_safe_url(current_app.config['DATABASE_URL'])}")
    lines = ["Logins (every demo user has the same password):"]
    testers = [username for username, role in result.logins if role == "tester"]
    for username, role in result.logins:
        if role != "tester":
            lines.append(f"  {username:<14} {role:<12} password: {result.password}")
    if testers:
        names = f"{testers[0]} … {testers[-1]}" if len(testers) > 1 else testers[0]
        lines.append(f"  {names:<14} {'tester':<12} password: {result.password}")
    lines.append("Sign in as t01 (tests tonight) on a phone, as coordinator on a laptop.")
    text = "\n".join(lines) + "\n"
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    logins_file.touch(mode=0o600)
    logins_file.write_text(text, encoding="utf-8")
    click.echo(text, nl=False)


def _demo_accounts() -> set[str]:
    """The usernames that ``demo`` made, as its audit events (append-only) record them."""
    from fieldwork.models import AuditEvent

    events = get_session().exec(select(AuditEvent).where(AuditEvent.action == "demo.build"))
    return {name for event in events for name in (event.after or {}).get("accounts", [])}


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
