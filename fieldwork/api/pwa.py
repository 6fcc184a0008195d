"""What makes the tester pages an installable, offline-first app: the service worker (served from
the site root so its scope is the whole site), the web app manifest and the offline page."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

bp = Blueprint("pwa", __name__)

# The files the service worker keeps for offline use; a change to any of them changes its version.
SHELL_FILES = ("app.css", "app.js", "favicon.svg", "sw.js")


@cache
def _shell_version(static_folder: str) -> str:
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update((Path(static_folder) / name).read_bytes())
    return digest.hexdigest()[:12]


@cache
def _worker_source(static_folder: str) -> str:
    source = (Path(static_folder) / "sw.js").read_text(encoding="utf-8")
    return source.replace("__VERSION__", _shell_version(static_folder))


def asset_url(filename: str) -> str:
    """The URL of a shell file with its version, so browsers may keep it for a year."""
    assert current_app.static_folder is not None
    return url_for("static", filename=filename, v=_shell_version(current_app.static_folder))


def has_endpoint(name: str) -> bool:
    """Whether the app has a view ``name`` (a template offers what exists, e.g. an API)."""
    return name in current_app.view_functions


@bp.app_context_processor
def _asset_helpers() -> dict[str, object]:
    return {"asset_url": asset_url, "has_endpoint": has_endpoint}


@bp.after_app_request
def _cache_versioned_assets(response: Response) -> Response:
    if request.endpoint == "static" and "v" in request.args and response.status_code == 200:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    assert current_app.static_folder is not None
    source = _worker_source(current_app.static_folder)
    response = Response(source, mimetype="text/javascript")
    # Browsers check for a new worker on navigations; never let a proxy hold an old one.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    response.set_etag(hashlib.sha256(source.encode()).hexdigest()[:16])
    return response.make_conditional(request)


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    body = {
        "name": _("mysteryguest – my tests"),
        "short_name": "mysteryguest",
        "description": _("Report your mystery-guest visits, also without a connection."),
        "lang": str(get_locale()),
        "start_url": url_for("tester.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#004f9f",
        "icons": [
            {
                "src": url_for("static", filename="favicon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            },
            {
                "src": url_for("static", filename="icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename="icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw-probe")
def probe() -> tuple[str, int]:
    """The service worker answers this navigation itself once the browser routes navigations to
    it (app.js asks before it calls the phone ready for use offline); reaching the server means
    it does not yet: nothing to send."""
    return "", 204
