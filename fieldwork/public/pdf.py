"""The printable release: the same view rendered to A4 by WeasyPrint, with page numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import render_template

PRINT_CSS = Path(__file__).resolve().parents[1] / "static" / "public-print.css"


def release_pdf_bytes(context: dict[str, Any]) -> bytes:
    """PDF of a release page context (see :func:`fieldwork.public.routes.page_context`)."""
    from weasyprint import CSS  # imported here: WeasyPrint is slow to import
    from weasyprint import HTML  # imported here: WeasyPrint is slow to import

    html = render_template("public/release_print.html", **context)
    return HTML(string=html, base_url=str(PRINT_CSS.parent)).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))]
    )
