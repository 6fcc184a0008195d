"""Commands for setting up a study: ``import-targets``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from fieldwork.commands import stated
from fieldwork.db import get_session
from fieldwork.services.errors import Refused
from fieldwork.services.studies.overview import study_by_code
from fieldwork.services.studies.target_import import check_csv
from fieldwork.services.studies.target_import import decode
from fieldwork.services.studies.target_import import import_targets


@click.command("import-targets", short_help="Import targets from a CSV file (all rows or none).")
@click.argument("study_code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file; import nothing.")
@with_appcontext
def import_targets_command(study_code: str, file: Path, dry_run: bool) -> None:
    """Import targets from a CSV FILE into study STUDY_CODE: all rows, or none if one is bad."""
    session = get_session()
    study = study_by_code(session, study_code, error=click.ClickException)
    with stated(Refused):
        text = decode(file.read_bytes())
    check = check_csv(session, study=study, text=text)
    for problem in check.problems:
        column = f", column {problem.column}" if problem.column else ""
        click.echo(f"line {problem.row}{column}: {problem.reason}", err=True)
    if not check.clean:
        raise click.ClickException(
            f"{len(check.problems)} problem(s) in {file.name}; nothing was imported."
        )
    if dry_run:
        click.echo(f"{len(check.rows)} rows are fine; nothing imported (dry run).")
        return
    imported = import_targets(session=session, study=study, text=text, user=None)
    click.echo(f"Imported {len(imported)} targets into {study.code}.")
