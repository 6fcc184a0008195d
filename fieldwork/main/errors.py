"""Error pages (and JSON errors under ``/api/``) that say what happened and what to do, in the
user's language. A refusal raised with its own description (``BadRequest(_("…"))``, e.g. a NUL
character or a 429 with the seconds to wait) shows that description; other errors show the
message of their status code. An unexpected error (500) is logged and answered the same way."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _title(code: int) -> str:
    titles = {
        400: _("The request could not be used"),
        401: _("Sign in first"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Not possible here"),
        413: _("Too large"),
        415: _("The request could not be used"),
        429: _("Too many attempts"),
    }
    return titles.get(code, _("Something went wrong"))


def _message(code: int) -> str:
    messages = {
        400: _(
            "What was sent is not what this page takes. Nothing was saved. Go back and try again."
        ),
        401: _("You are signed out. Sign in again and repeat what you did."),
        403: _("Your account may not open this page."),
        404: _("This page does not exist, or it is not yours to see."),
        405: _("This address cannot be used like that. Go back to the start page."),
        413: _("What you sent is larger than allowed. Nothing was saved."),
        415: _(
            "What was sent is not what this page takes. Nothing was saved. Go back and try again."
        ),
        429: _("Too many attempts. Wait a few minutes and try again."),
    }
    return messages.get(code, _("Nothing was saved. Try again in a moment."))


def _explained(error: HTTPException) -> bool:
    """True when the error was raised with a description of its own (already translated)."""
    return bool(error.description) and error.description != type(error).description


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str | dict[str, str], int]:
        title = _("The form had expired")
        message = _("Nothing was saved. Go back, reload the page and send the form again.")
        if request.path.startswith("/api/"):
            return {"error": "csrf", "message": message}, 400
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.response is not None:  # a finished answer (e.g. the sign-in limit's 429)
            return error.response
        code = error.code or 500
        if code >= 500:
            app.logger.error("%s on %s %s", error, request.method, request.path)
        message = str(error.description) if _explained(error) else _message(code)
        # Keep the error's own headers: Retry-After of a 429, Allow of a 405.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if request.path.startswith("/api/"):
            name = error.name.lower().replace(" ", "_")
            return {"error": name, "message": message}, code, headers
        title = _title(code)
        page = render_template("errors/error.html", code=code, title=title, message=message)
        return page, code, headers
