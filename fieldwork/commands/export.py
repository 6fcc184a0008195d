"""Commands that take data out of the app for analysis: ``export``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from fieldwork.db import get_session


@click.command("export", short_help="Write a study's export bundle into a folder.")
@with_appcontext
@click.argument("study")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export(study: str, folder: Path) -> None:
    """Write the export bundle of STUDY (its code) into FOLDER, a new or empty folder."""
    from fieldwork.services.export.bundle import ExportError, export_study

    try:
        summary = export_study(session=get_session(), study_code=study, folder=folder)
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Wrote {folder}: {summary.tests} tests ({summary.valid} valid), {summary.reports} reports;"
        f" {summary.pending} pending tests left out."
    )
