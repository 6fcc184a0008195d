"""``mysteryguest release STUDY --out DIR``: a release's public files from the command line.

The same rules as in the coordinator pages: a release is made by a named coordinator (``--as``),
its texts are approved by another coordinator or an admin (``--approved-by``), then published.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import col
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import Release
from fieldwork.models import Study
from fieldwork.models import User
from fieldwork.services.studies.overview import study_by_code


@click.command("release", short_help="Write a release's PDF, CSV and JSON files.")
@with_appcontext
@click.argument("study")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the files (created if missing).")  # fmt: skip
@click.option(
    "--create", is_flag=True, help="First create a new draft release of the closed study."
)
@click.option("--publish", is_flag=True, help="Publish the newest draft before writing the files.")
@click.option("--as", "acting", default=None, metavar="USERNAME",
              help="The coordinator or admin who creates or publishes (needed with --create and "
              "--publish).")  # fmt: skip
@click.option(
    "--approved-by",
    default=None,
    metavar="USERNAME",
    help="Another coordinator or admin who approves the newest draft's texts.",
)
@click.option("--next-steps-nl", default="", help="With --create: what the city does next (Dutch).")
@click.option("--next-steps-en", default="", help="With --create: the same in English.")
@click.option(
    "--min-pairs-reason",
    default="",
    help="With --create: why the study's minimum line size is below 10.",
)
@click.option("--release-id", type=int, default=None, help="Write this release instead.")
def release(study: str, out: Path, create: bool, publish: bool, acting: str | None,
            approved_by: str | None, next_steps_nl: str, next_steps_en: str,
            min_pairs_reason: str, release_id: int | None) -> None:  # fmt: skip
    """Write the PDF (Dutch and English), the CSV and the content of STUDY's newest published
    release (or, with --create/--approved-by/--publish, of a new one) into --out."""
    from fieldwork.services.errors import Refused
    from fieldwork.services.releases import lifecycle as releases

    session = get_session()
    found = study_by_code(session, study, error=click.ClickException)
    try:
        if create:
            texts = releases.ReleaseTexts(next_steps_nl=next_steps_nl, next_steps_en=next_steps_en,
                                          min_pairs_reason=min_pairs_reason)  # fmt: skip
            created = releases.create_release(
                session=session, study=found, user=_person(session, acting, "--as"), texts=texts
            )
            click.echo(f"Created draft release {created.id} (checksum {created.checksum[:12]}).")
        if approved_by or publish:
            draft = session.exec(
                select(Release).where(Release.study_id == found.id, Release.status == "draft")
                .order_by(col(Release.id).desc())
            ).first()  # fmt: skip
            if draft is None:
                raise click.ClickException(f"Study {study} has no draft release.")
            if approved_by:
                releases.approve_release(
                    session=session, release=draft, user=_person(session, approved_by, "--approved-by")
                )  # fmt: skip
                click.echo(f"Approved release {draft.id} as {approved_by}.")
            if publish:
                releases.publish_release(
                    session=session, release=draft, user=_person(session, acting, "--as")
                )
                click.echo(f"Published release {draft.id}.")
    except Refused as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    chosen = _choose(session, found, release_id, allow_draft=create and not publish)
    out.mkdir(parents=True, exist_ok=True)
    written = write_release_files(chosen, out)
    for path in written:
        click.echo(f"Wrote {path}")


def _person(session, username: str | None, option: str) -> User:
    """The active coordinator or admin named by `option`."""
    if not username:
        raise click.ClickException(
            f"Say who does this with {option} USERNAME (a coordinator or an admin)."
        )
    found = session.exec(select(User).where(User.username == username)).first()
    if found is None or not found.active or found.role not in ("coordinator", "admin"):
        raise click.ClickException(
            f"{option} {username}: no active coordinator or admin has this username."
        )
    return found


def _choose(session, study: Study, release_id: int | None, *, allow_draft: bool) -> Release:
    query = select(Release).where(Release.study_id == study.id)
    if release_id is not None:
        query = query.where(Release.id == release_id)
    elif not allow_draft:
        query = query.where(Release.status == "published")
    chosen = session.exec(query.order_by(col(Release.id).desc())).first()
    if chosen is None:
        raise click.ClickException(
            f"Study {study.code} has no published release. Create and publish one in the "
            "coordinator pages, or run this command with --create --publish."
        )
    return chosen


def write_release_files(release: Release, out: Path) -> list[Path]:
    """release-<id>.<lang>.pdf, release-<id>.csv and release-<id>.json into ``out``."""
    from flask_babel import force_locale

    from analysis.publication import tables_csv
    from fieldwork.public.pdf import release_pdf_bytes
    from fieldwork.public.routes import page_context

    stem = f"release-{release.id}"
    paths = []
    for lang in current_app.config["LANGUAGES"]:
        with current_app.test_request_context("/"), force_locale(lang):
            data = release_pdf_bytes(page_context(release))
        path = out / f"{stem}.{lang}.pdf"
        path.write_bytes(data)
        paths.append(path)
    csv_path = out / f"{stem}.csv"
    csv_path.write_text(tables_csv(release.content), encoding="utf-8", newline="")
    json_path = out / f"{stem}.json"
    json_path.write_text(json.dumps(release.content, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")  # fmt: skip
    return [*paths, csv_path, json_path]
