"""What makes the tester pages an installable, offline-first app: the service worker (served from
the site root so its scope is the whole site), the web app manifest and the offline page."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from flask import Blueprint
from flask import current_app
from flask import request
from flask import url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldwork.api.phone_texts import phone_texts
from fieldwork.compression import GZIP_SUFFIX
from fieldwork.compression import accepts_gzip

bp = Blueprint("pwa", __name__)

# The files the service worker keeps for offline use; a change to any of them changes its version.
SHELL_FILES = ("app.css", "app.js", "coord.css", "favicon.svg", "sw.js")
# Served minified and gzipped once at the best level (the phone's budget).
COMPACTED = {"app.js": "text/javascript", "app.css": "text/css", "coord.css": "text/css"}


@cache
def _shell_version(static_folder: str) -> str:
    """A digest of the shell files and of the translations app.js carries."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update((Path(static_folder) / name).read_bytes())
    for catalogue in sorted(Path(static_folder).parent.glob("translations/*/LC_MESSAGES/*.mo")):
        digest.update(catalogue.read_bytes())
    digest.update(Path(__file__).with_name("phone_texts.py").read_bytes())
    return digest.hexdigest()[:12]


@cache
def _worker_source(static_folder: str) -> str:
    source = shrink((Path(static_folder) / "sw.js").read_text(encoding="utf-8"), "text/javascript")
    return source.replace("__VERSION__", _shell_version(static_folder))


def shrink(source: str, mimetype: str) -> str:
    """``source`` minified (tdewolff's minifier: short local names, no spaces or comments);
    where that package is not installed, :func:`compact` (comments and indentation out)."""
    try:
        import minify  # tdewolff-minify
    except ImportError:  # pragma: no cover - the package is a dependency; this is a fallback
        return compact(source)
    minify.config({"js-version": 2017, "js-keep-var-names": False})
    return str(minify.string(mimetype, source))


def compact(source: str) -> str:
    """``source`` (JavaScript or CSS) without whole-line comments, indentation and blank lines.

    A safe part of minifying for these hand-written files: line breaks stay where they were
    (so JavaScript's automatic semicolons do not change), comments after code stay, and the
    files hold no string or template literal that spans lines (tests/web/test_pwa.py checks).
    """
    lines = []
    in_comment = False
    for line in source.splitlines():
        text = line.strip()
        if in_comment:
            if "*/" in text:
                in_comment = False
                text = text.split("*/", 1)[1].strip()
            else:
                continue
        while text.startswith("/*"):
            if "*/" not in text:
                in_comment = True
                text = ""
                break
            text = text.split("*/", 1)[1].strip()
        if text and not text.startswith("//"):
            lines.append(text)
    return "\n".join(lines) + "\n"


@cache
def _compacted(static_folder: str, name: str, language: str) -> tuple[bytes, bytes]:
    """The compacted file (app.js with its words in ``language``), plain and gzipped."""
    source = shrink((Path(static_folder) / name).read_text(encoding="utf-8"), COMPACTED[name])
    if name == "app.js":
        words = json.dumps(phone_texts(language), ensure_ascii=False, separators=(",", ":"))
        source = source.replace("__TEXT__", words)
    plain = source.encode()
    return plain, gzip.compress(plain, compresslevel=9, mtime=0)


def _language(value: str | None) -> str:
    languages = current_app.config["LANGUAGES"]
    return value if value in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _static_with_compacted_shell(static: Callable[..., Response]) -> Callable[..., Response]:
    """Flask's static view, serving the shell's scripts and styles compacted (same endpoint,
    so the session cookie is not refreshed on them either)."""

    def view(filename: str) -> Response:
        assert current_app.static_folder is not None
        if filename not in COMPACTED:
            response = static(filename=filename)
            if filename in SHELL_FILES and request.args.get("v") == _shell_version(
                current_app.static_folder
            ):
                # Kept a year under its version: nothing to revalidate, nothing to run.
                for name in ("ETag", "Last-Modified", "Content-Disposition", "Accept-Ranges"):
                    response.headers.pop(name, None)
                response.headers["Content-Security-Policy"] = "default-src 'none'"
            return response
        plain, packed = _compacted(
            current_app.static_folder, filename, _language(request.args.get("lang"))
        )
        zipped = accepts_gzip(request)
        response = Response(packed if zipped else plain, mimetype=COMPACTED[filename])
        if request.args.get("v") == _shell_version(current_app.static_folder):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            if zipped:
                response.headers["Content-Encoding"] = "gzip"
            response.vary.add("Accept-Encoding")
        else:
            response.headers["Cache-Control"] = "no-cache"  # revalidated each time
            _revalidated(response, plain, zipped)
        # A script or style sheet is never a document: the policy for one is "nothing".
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        return response

    return view


@bp.record_once
def _serve_compacted(state: BlueprintSetupState) -> None:
    app = state.app
    app.view_functions["static"] = _static_with_compacted_shell(app.view_functions["static"])


def asset_url(filename: str) -> str:
    """The URL of a shell file with its version (and app.js with the page's language), so
    browsers may keep it for a year."""
    assert current_app.static_folder is not None
    version = _shell_version(current_app.static_folder)
    if filename == "app.js":
        return url_for("static", filename=filename, v=version, lang=str(get_locale()))
    return url_for("static", filename=filename, v=version)


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
    plain = _worker_source(current_app.static_folder).encode()
    zipped = accepts_gzip(request)
    response = Response(_gzipped(plain) if zipped else plain, mimetype="text/javascript")
    # Browsers check for a new worker on navigations; never let a proxy hold an old one.
    response.headers["Cache-Control"] = "no-cache"
    return _revalidated(response, plain, zipped)


@cache
def _gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _revalidated(response: Response, plain: bytes, zipped: bool) -> Response:
    """An ETag of the content and 304 when the browser has it (gzip: ETag ends in -gzip, and
    compression.py strips that from If-None-Match before this compares)."""
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    digest = hashlib.sha256(plain).hexdigest()[:16]
    response.set_etag(digest)
    response.make_conditional(request)
    if zipped:
        response.set_etag(digest + GZIP_SUFFIX)
    return response


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
