"""Commands that take data out of the app for analysis: ``export``, ``export-summary``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from fieldwork.commands import stated
from fieldwork.db import get_session


@click.command("export", short_help="Write a study's export bundle into a folder.")
@with_appcontext
@click.argument("study")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export(study: str, folder: Path) -> None:
    """Write the export bundle of STUDY (its code) into FOLDER, a new or empty folder."""
    from fieldwork.services.export.bundle import ExportError
    from fieldwork.services.export.bundle import export_study

    with stated(ExportError):
        summary = export_study(session=get_session(), study_code=study, folder=folder)
    click.echo(
        f"Wrote {folder}: {summary.tests} tests ({summary.valid} valid), {summary.reports} reports;"
        f" {summary.pending} pending tests left out."
    )


@click.command(
    "export-summary",
    short_help="Write a study's summary bundle, for comparing.",
)
@with_appcontext
@click.argument("study")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The new summary file (.json).")  # fmt: skip
@click.option("--city", default=None, help="The city's name (default: the CITY setting).")
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A file holding the city's secret (default: the CITY_SECRET_FILE setting). Use the same "
    "secret for every wave.",
)
@click.option("--areas/--no-areas", default=False,
              help="Include each target's area (default: its type only).")  # fmt: skip
def export_summary(
    study: str, out: Path, city: str | None, secret_file: Path | None, areas: bool
) -> None:
    """Write the summary bundle of STUDY (its code) to a new file: city, study, instrument,
    months of fieldwork and, per target pseudonym, the counts of each yes/no outcome among valid
    pairs. No names, addresses, codes, days, free text or testers. Compare summaries of several
    cities and waves with `mysteryguest compare`."""
    from fieldwork.services.export.bundle import ExportError
    from fieldwork.services.export.summary import export_summary as write
    from fieldwork.services.export.summary import read_secret_file

    config = current_app.config
    configured = config.get("CITY_SECRET_FILE")
    source = secret_file or (Path(configured) if configured else None)
    with stated(ExportError):
        secret = read_secret_file(source) if source is not None else None
        written = write(session=get_session(), study_code=study, out=out,
                        city=city or config.get("CITY"), secret=secret, areas=areas)  # fmt: skip
    click.echo(
        f"Wrote {written.path}: {written.city}, study {study} (wave {written.wave}), "
        f"{written.period[0]} to {written.period[1]}: {written.targets} targets, "
        f"{written.pairs} valid pairs."
    )
    if not written.closed:
        click.echo(
            f"Note: study {study} is not closed, so these are the counts so far; export its "
            "summary again once it is closed."
        )
