"""Commands that set up an installation: ``init-db``, ``create-user``, ``demo``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.migrate import upgrade
from fieldwork.models import Study, User

DEMO_STUDY_CODES = ("DEMO-NL", "DEMO-WON")


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (alembic upgrade head)."""
    url = current_app.config["DATABASE_URL"]
    upgrade(url)
    click.echo(f"Database is at the newest schema: {_safe_url(url)}")


@click.command("create-user")
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
    try:
        user = create(session=session, username=username, password=password, role=role)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    session.commit()
    click.echo(f"Created {user.role} {user.username!r}.")


@click.command("demo")
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
def demo(seed: int, password: str | None, reset: bool) -> None:
    """Build a demo nightlife and housing study with simulated reports, and print the logins."""
    from fieldwork.db import delete_all_rows
    from fieldwork.demo import build_demo
    from fieldwork.services.people.users import password_problem

    if password is not None:
        problem = password_problem(password, username="coordinator", role="admin")
        if problem:
            raise click.BadParameter(problem, param_hint="--password")
    upgrade(current_app.config["DATABASE_URL"])
    session = get_session()
    codes = set(session.exec(select(Study.code)).all())
    usernames = set(session.exec(select(User.username)).all())
    if codes or usernames:
        other = sorted(codes - set(DEMO_STUDY_CODES))
        if other:
            raise click.ClickException(
                "This database holds real studies (" + ", ".join(other) + "); the demo only "
                "goes into an empty database. Point DATABASE_URL at a new file."
            )
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
                "A demo exists already in this database. Run with --reset to build it again."
            )
        delete_all_rows(session)
    result = build_demo(session=session, seed=seed, password=password)
    click.echo(f"Demo studies: {', '.join(result.studies)}")
    click.echo(f"Database: {_safe_url(current_app.config['DATABASE_URL'])}")
    click.echo("Logins (every demo user has the same password):")
    testers = [username for username, role in result.logins if role == "tester"]
    for username, role in result.logins:
        if role != "tester":
            click.echo(f"  {username:<14} {role:<12} password: {result.password}")
    if testers:
        names = f"{testers[0]} … {testers[-1]}" if len(testers) > 1 else testers[0]
        click.echo(f"  {names:<14} {'tester':<12} password: {result.password}")
    click.echo("Open http://127.0.0.1:5000 and sign in (t01 has tests tonight).")


def _demo_accounts() -> set[str]:
    """The usernames that ``demo`` made, as its audit events (append-only) record them."""
    from fieldwork.models import AuditEvent

    events = get_session().exec(select(AuditEvent).where(AuditEvent.action == "demo.build"))
    return {name for event in events for name in (event.after or {}).get("accounts", [])}


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
