"""Error pages that say what happened and what to do, in the user's language."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str | dict[str, str], int]:
        if request.path.startswith("/api/"):
            return {"error": "csrf", "message": str(error.description)}, 400
        return render_template("errors/error.html", code=400, kind="csrf"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | dict[str, str], int]:
        code = error.code or 500
        if request.path.startswith("/api/"):
            return {"error": error.name, "message": str(error.description)}, code
        return render_template("errors/error.html", code=code, kind="http"), code
