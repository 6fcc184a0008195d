"""Public pages: the list of published releases and each release as HTML, PDF and CSV.

Anonymous access. Only published and withdrawn releases exist here (a withdrawn one is marked
as such and not listed); drafts are seen only in the coordinator's preview. The pages set no
cookies and carry no form, so they are safe to cache.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template
from flask_babel import format_date, get_locale

from analysis.publication import tables_csv
from fieldwork.db import get_session
from fieldwork.models import Release
from fieldwork.public.texts import texts_for
from fieldwork.public.view import release_view
from fieldwork.services.releases import lifecycle as releases

bp = Blueprint("public", __name__, url_prefix="/public")
PDF_CACHE, PDF_CACHE_SIZE = "mysteryguest.release_pdfs", 16


def lang() -> str:
    return str(get_locale())


def published_month(release: Release) -> str:
    return format_date(release.published_at, "MMMM yyyy") if release.published_at else ""


def page_context(release: Release) -> dict[str, object]:
    """What the release templates need besides the view: status, links, corrections."""
    session = get_session()
    newer = releases.replaced_by(session, release)
    view = release_view(release.content, lang())
    return {
        "release": release,
        "view": view,
        "t": view["t"],
        "published_month": published_month(release),
        "withdrawn_reason": (
            releases.withdrawal_reason(session, release) if release.status == "withdrawn" else None
        ),
        "replaced_by": newer.id if newer is not None else None,
    }


def _release_or_404(release_id: int) -> Release:
    release = releases.public_release(get_session(), release_id)
    if release is None:
        abort(404)
    return release


@bp.get("/")
def index() -> str:
    items = [
        {"release": release, "view": release_view(release.content, lang()),
         "published_month": published_month(release)}
        for release in releases.public_releases(get_session())
    ]  # fmt: skip
    return render_template("public/index.html", items=items, t=texts_for(lang()))


@bp.get("/releases/<int:release_id>")
def release(release_id: int) -> str:
    return render_template("public/release.html", **page_context(_release_or_404(release_id)))


@bp.get("/releases/<int:release_id>.pdf")
def release_pdf(release_id: int) -> Response:
    from fieldwork.public.pdf import release_pdf_bytes

    item = _release_or_404(release_id)
    context = page_context(item)
    # Rendering takes about half a second; the content is frozen, so keep the last few PDFs.
    cache = current_app.extensions.setdefault(PDF_CACHE, {})
    key = (
        item.id,
        item.checksum,
        item.status,
        context["withdrawn_reason"],
        context["replaced_by"],
        lang(),
    )
    data = cache.get(key)
    if data is None:
        data = release_pdf_bytes(context)
        if len(cache) >= PDF_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = data
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="release-{item.id}-{lang()}.pdf"'},
    )


@bp.get("/releases/<int:release_id>.csv")
def release_csv(release_id: int) -> Response:
    item = _release_or_404(release_id)
    return Response(
        tables_csv(item.content),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="release-{item.id}.csv"'},
    )
