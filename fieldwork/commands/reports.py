"""Commands about reports: ``import-unsent``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from fieldwork.db import get_session
from fieldwork.services.studies.overview import study_by_code


@click.command(
    "import-unsent", short_help="Import the unsent reports a tester exported (dry run first)."
)
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--study", "study_code", default=None, help="Only reports of this study (its code).")
@click.option(
    "--apply", "apply", is_flag=True, help="Store the reports. Without it: a dry run only."
)
def import_unsent(file: Path, study_code: str | None, apply: bool) -> None:
    """Take in the unsent reports a tester exported from their phone (FILE, the JSON file of
    "Export unsent reports"): first a dry run that says per report what would happen, then, with
    --apply, the import. Each report is checked against its author's team on the test's night and
    stored as through the app (once: importing twice changes nothing)."""
    from fieldwork.services.reports.outbox_import import OutboxFileError
    from fieldwork.services.reports.outbox_import import import_unsent_reports
    from fieldwork.services.reports.outbox_import import read_outbox

    session = get_session()
    study = None
    if study_code is not None:
        study = study_by_code(session, study_code, error=click.ClickException)
    try:
        data = read_outbox(file.read_bytes())
        outcomes = import_unsent_reports(
            session=session,
            data=data,
            study=study,
            dry_run=not apply,
            skew_threshold_seconds=current_app.config["CLOCK_SKEW_THRESHOLD_SECONDS"],
        )
    except OutboxFileError as error:
        raise click.ClickException(f"{file.name}: {error}") from None
    click.echo(f"{'uuid':<36}  {'test':>6}  {'target':<8}  {'night':<10}  team    author  result")
    for o in outcomes:
        click.echo(
            f"{o.uuid:<36}  {o.test_id or '-':>6}  {o.target_code or '-':<8}  {o.night or '-':<10}"
            f"  {o.team or '-':<6}  {o.username or '-':<6}  {o.http_status} {o.status}: {o.message}"
        )
    stored = sum(1 for o in outcomes if o.stored)
    if apply:
        click.echo(f"{stored} of {len(outcomes)} reports are stored (audited).")
    else:
        click.echo(
            f"Dry run: {stored} of {len(outcomes)} reports would be stored; nothing was changed. "
            "Run again with --apply to import."
        )
    if stored < len(outcomes):
        raise SystemExit(1)
