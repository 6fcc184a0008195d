"""gzip for text responses (pages, CSS, JS, JSON, SVG) when the client accepts it.

The phone's budget counts bytes on the wire, and a reverse proxy may or may not compress, so the
app does it itself: small, standard library only. A compressed response gets ``Vary:
Accept-Encoding`` and its own strong ETag (the plain one plus ``-gzip``); a conditional request
carrying that ETag is matched against the plain one, so revalidation still answers 304.
"""

from __future__ import annotations

import gzip

from flask import Flask
from flask import Request
from flask import request
from werkzeug.wrappers import Response

MIN_SIZE = 500
MAX_SIZE = 5 * 1024 * 1024  # larger files are downloads, not page weight; send them as they are
GZIP_SUFFIX = "-gzip"
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "text/plain",
        "text/csv",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
    }
)


def init_app(app: Flask) -> None:
    app.before_request(_plain_etags)
    app.after_request(compress)


def _plain_etags() -> None:
    """Let werkzeug compare If-None-Match with the plain ETag it computes."""
    header = request.environ.get("HTTP_IF_NONE_MATCH")
    if header and GZIP_SUFFIX in header:
        request.environ["HTTP_IF_NONE_MATCH"] = header.replace(GZIP_SUFFIX + '"', '"')


def accepts_gzip(req: Request) -> bool:
    return req.accept_encodings["gzip"] > 0


def compress(response: Response) -> Response:
    if response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers:
        return response
    response.vary.add("Accept-Encoding")
    if (
        not 200 <= response.status_code < 300
        or response.status_code == 204
        or request.method == "HEAD"
        or not accepts_gzip(request)
    ):
        return response
    if response.is_streamed and not response.direct_passthrough:
        return response  # a generator: compressing it would hold it all in memory
    if (response.content_length or 0) > MAX_SIZE:
        return response
    # Static files come as a file wrapper; read them (they are small) to compress them.
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(etag + GZIP_SUFFIX, weak)
    return response
