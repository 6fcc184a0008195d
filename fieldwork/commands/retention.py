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
from fieldwork.commands import stated
from fieldwork.db import get_session
from fieldwork.services.errors import RetentionError
from fieldwork.services.retention.backup import PG_DUMP_HELP
from fieldwork.timeutil import zone


@click.command(
    "backup",
    short_help="Copy the database while the app keeps running.",
    epilog=PG_DUMP_HELP.replace("\n", "\n\n"),
)
@with_appcontext
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup(out: Path) -> None:
    """Write a consistent copy of the database to OUT, while the app keeps running.

    SQLite: SQLite's online backup API, then an integrity check of the copy; restore by stopping
    the app and putting the copy in place of the database file. PostgreSQL: pg_dump (custom
    format); restore with pg_restore into an empty database.
    """
    from fieldwork.services.retention.backup import backup_database

    with stated(RetentionError):
        result = backup_database(url=current_app.config["DATABASE_URL"], out=out)
    click.echo(f"Backup written to {result.path} ({result.size_bytes} bytes, {result.method}).")


@click.command("retention", short_help="Set how long a study's personal data is kept.")
@with_appcontext
@click.argument("study")
@click.argument("until", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--generalise-type", "generalise", multiple=True, metavar="TYPE",
              help="A target type whose names and addresses the purge also removes (private "
              "landlords' always go). Repeat for several; give it once with '' to clear.")  # fmt: skip
def retention(study: str, until: datetime, generalise: tuple[str, ...]) -> None:
    """Keep the personal data of STUDY until UNTIL (YYYY-MM-DD); `purge` works after that day."""
    from fieldwork.services.retention.purge import set_retention

    kinds = [kind for kind in generalise if kind] if generalise else None
    with stated(RetentionError):
        changed = set_retention(session=get_session(), study_code=study, until=until.date(),
                                generalise_types=kinds)  # fmt: skip
    click.echo(f"Study {changed.code}: personal data kept until {changed.retention_until}.")
    extra = ", ".join(changed.generalise_target_types or []) or "none"
    click.echo(f"Names and addresses removed at the purge: private landlords; also: {extra}.")


@click.command("purge", short_help="Remove a study's personal data after its retention date.")
@with_appcontext
@click.argument("study")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge(study: str, yes: bool) -> None:
    """Remove tester identities, free text and private landlords' names and addresses of STUDY
    after its retention date (audited), and wipe the freed space in the database files.

    Keeps the pseudonymous outcomes, reviews and releases. Cannot be undone. Backups made before
    the purge still hold the data: delete them when their own retention ends (see the README).
    """
    from fieldwork.services.retention.purge import purge_study

    if not yes:
        click.echo(
            f"Purging study {study} will, for good:\n"
            "  - anonymise the accounts of its testers and unlink the testers from them;\n"
            "  - remove the free text of its reports, amendments, messages, conflicts and "
            "incidents;\n"
            "  - replace the names and addresses of its private landlords (and of the target "
            "types chosen with `retention --generalise-type`) by their type, code and postcode "
            "digits;\n"
            "  - redact that text, the account names and those names and addresses in its "
            "audit events.\n"
            "The coded outcomes, the reviews and the releases stay. There is no undo, and "
            "a backup keeps the data only as long as the law allows."
        )
        click.confirm(f"Purge the personal data of study {study}?", abort=True)
    with stated(RetentionError):
        summary = purge_study(
            session=get_session(), study_code=study, today=clock.now().astimezone(zone()).date()
        )
    click.echo(
        f"Purged study {summary.study}: {summary.accounts} accounts anonymised, "
        f"{summary.testers} testers unlinked, free text removed from {summary.reports} reports, "
        f"{summary.amendments} amendments and {summary.texts} other records; "
        f"{summary.targets} targets' names and addresses generalised; "
        f"{summary.audit_events} audit events redacted."
    )
    click.echo(f"Database files: {summary.storage}.")
    click.echo("Backups made before today still hold the purged data.")


@click.command("tester-export", short_help="Everything held about one tester, as JSON.")
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

    with stated(RetentionError):
        data = export(session=get_session(), code=code, study_code=study)
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}.", err=True)
