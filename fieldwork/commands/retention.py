"""Commands for backups, retention and data-subject requests: ``backup``, ``retention``,
``purge`` and ``tester-export``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.services.errors import RetentionError
from fieldwork.services.retention.backup import PG_DUMP_HELP
from fieldwork.timeutil import zone


@click.command("backup", epilog=PG_DUMP_HELP.replace("\n", "\n\n"))
@with_appcontext
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup(out: Path) -> None:
    """Write a consistent copy of the database to OUT, while the app keeps running.

    SQLite: SQLite's online backup API, then an integrity check of the copy; restore by stopping
    the app and putting the copy in place of the database file. PostgreSQL: pg_dump (custom
    format); restore with pg_restore into an empty database.
    """
    from fieldwork.services.retention.backup import backup_database

    try:
        result = backup_database(url=current_app.config["DATABASE_URL"], out=out)
    except RetentionError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {result.path} ({result.size_bytes} bytes, {result.method}).")


@click.command("retention")
@with_appcontext
@click.argument("study")
@click.argument("until", type=click.DateTime(formats=["%Y-%m-%d"]))
def retention(study: str, until: datetime) -> None:
    """Keep the personal data of STUDY until UNTIL (YYYY-MM-DD); `purge` works after that day."""
    from fieldwork.services.retention.purge import set_retention

    try:
        changed = set_retention(session=get_session(), study_code=study, until=until.date())
    except RetentionError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Study {changed.code}: personal data kept until {changed.retention_until}.")


@click.command("purge")
@with_appcontext
@click.argument("study")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge(study: str, yes: bool) -> None:
    """Remove tester identities and free text of STUDY after its retention date (audited).

    Keeps the pseudonymous outcomes, reviews and releases. Cannot be undone: make a backup first
    only if the law allows keeping one.
    """
    from fieldwork.services.retention.purge import purge_study

    if not yes:
        click.echo(
            f"Purging study {study} will, for good:\n"
            "  - anonymise the accounts of its testers and unlink the testers from them;\n"
            "  - remove the free text of its reports, amendments, messages, conflicts and "
            "incidents;\n"
            "  - redact that text and the account names in its audit events.\n"
            "The coded outcomes, the reviews and the releases stay. There is no undo, and "
            "a backup keeps the data only as long as the law allows."
        )
        click.confirm(f"Purge the personal data of study {study}?", abort=True)
    try:
        summary = purge_study(
            session=get_session(), study_code=study, today=clock.now().astimezone(zone()).date()
        )
    except RetentionError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Purged study {summary.study}: {summary.accounts} accounts anonymised, "
        f"{summary.testers} testers unlinked, free text removed from {summary.reports} reports, "
        f"{summary.amendments} amendments and {summary.texts} other records; "
        f"{summary.audit_events} audit events redacted."
    )


@click.command("tester-export")
@with_appcontext
@click.argument("code")
@click.option("--study", default=None, help="The study code, when CODE is used in several.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON to this file instead of standard output.",
)
def tester_export(code: str, study: str | None, out: Path | None) -> None:
    """Everything held about tester CODE, as JSON (a GDPR access request)."""
    from fieldwork.services.retention.tester_export import tester_export as export

    try:
        data = export(session=get_session(), code=code, study_code=study)
    except RetentionError as error:
        raise click.ClickException(str(error)) from error
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}.", err=True)
