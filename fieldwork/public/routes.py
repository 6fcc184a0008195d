"""Public pages: the list of releases, each published release as HTML, PDF and CSV, and the
trend of the waves (``/public/trends``).

Anonymous access. A published release is shown in full; a withdrawn one is taken down: its
page, PDF and CSV answer 410 with the date and the reason only (and a link to its correction),
and the index lists it without a link. Drafts exist only in the coordinator's preview. The
pages set no cookies and carry no form; the service worker never caches them, so a withdrawal
reaches every phone.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask_babel import format_date
from flask_babel import get_locale
from flask_babel import gettext

from analysis.publication import tables_csv
from fieldwork.db import get_session
from fieldwork.models import Release
from fieldwork.public.trends import comparison_view
from fieldwork.public.trends import trends_view
from fieldwork.public.view import release_view
from fieldwork.services.releases import lifecycle as releases
from fieldwork.services.releases import trends

bp = Blueprint("public", __name__, url_prefix="/public")
PDF_CACHE, PDF_CACHE_SIZE = "mysteryguest.release_pdfs", 16


def lang() -> str:
    return str(get_locale())


def published_month(release: Release) -> str:
    return format_date(release.published_at, "MMMM yyyy") if release.published_at else ""


def withdrawn_date(release: Release) -> str:
    return format_date(release.withdrawn_at, "long") if release.withdrawn_at else ""


def page_context(release: Release) -> dict[str, object]:
    """What the release templates need besides the view: status, links, corrections, and how
    this wave compares with the one before it when that wave's release is published."""
    session = get_session()
    newer = releases.replaced_by(session, release)
    earlier = trends.previous_release(session, release)
    return {
        "release": release,
        "view": release_view(release.content, lang()),
        "published_month": published_month(release),
        "withdrawn_date": withdrawn_date(release),
        "replaced_by": newer.id if newer is not None else None,
        "comparison": comparison_view(earlier, release, lang()),
    }


def _release_or_404(release_id: int) -> Release:
    release = releases.public_release(get_session(), release_id)
    if release is None:
        abort(404)
    return release


def _gone(release: Release, *, html: bool) -> Response:
    """410 Gone: the date and the reason of the withdrawal, nothing of the content."""
    newer = releases.replaced_by(get_session(), release)
    if html:
        body = render_template(
            "public/withdrawn.html", release=release, withdrawn_date=withdrawn_date(release),
            replaced_by=newer.id if newer is not None else None,
        )  # fmt: skip
        return Response(body, status=410, mimetype="text/html")
    lines = [
        gettext("Release %(id)s has been withdrawn", id=release.id),
        gettext("Withdrawn on %(date)s.", date=withdrawn_date(release)),
        gettext("Reason: %(reason)s", reason=release.withdrawn_reason),
    ]
    if newer is not None:
        lines.append(gettext("A corrected version exists: release %(id)s.", id=newer.id))
    return Response("\n".join(lines) + "\n", status=410, mimetype="text/plain")


@bp.after_request
def revalidate(response: Response) -> Response:
    """Browsers and proxies ask again every time, so a withdrawal takes effect at once."""
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


@bp.get("/")
def index() -> str:
    session = get_session()
    items = []
    for release in releases.public_releases(session):
        item: dict[str, object] = {"release": release}
        if release.status == "withdrawn":
            newer = releases.replaced_by(session, release)
            item.update(withdrawn_date=withdrawn_date(release),
                        replaced_by=newer.id if newer is not None else None)  # fmt: skip
        else:
            item.update(view=release_view(release.content, lang()),
                        published_month=published_month(release))  # fmt: skip
        items.append(item)
    return render_template("public/index.html", items=items)


@bp.get("/trends", endpoint="trends")
def trends_page() -> str:
    """The net measure of the whole city per wave, from published releases only."""
    return render_template(
        "public/trends.html", series=trends_view(trends.series_of_releases(get_session()), lang())
    )


@bp.get("/releases/<int:release_id>")
def release(release_id: int) -> str | Response:
    item = _release_or_404(release_id)
    if item.status == "withdrawn":
        return _gone(item, html=True)
    return render_template("public/release.html", **page_context(item))


@bp.get("/releases/<int:release_id>.pdf")
def release_pdf(release_id: int) -> Response:
    from fieldwork.public.pdf import release_pdf_bytes

    item = _release_or_404(release_id)
    if item.status == "withdrawn":
        return _gone(item, html=False)
    context = page_context(item)
    # Rendering takes about half a second; the content is frozen, so keep the last few PDFs.
    cache = current_app.extensions.setdefault(PDF_CACHE, {})
    comparison = context["comparison"]
    previous = comparison["previous_id"] if isinstance(comparison, dict) else None
    key = (item.id, item.checksum, item.status, context["replaced_by"], previous, lang())
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
    if item.status == "withdrawn":
        return _gone(item, html=False)
    return Response(
        tables_csv(item.content),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="release-{item.id}.csv"'},
    )
