"""Home, language choice and the health check."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response

from fieldwork.auth.access import HOME_BY_ROLE
from fieldwork.db import get_session
from fieldwork.extensions import LANGUAGE_COOKIE
from fieldwork.security import safe_redirect_target

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str) -> Response:
    """Remember the chosen language for a year and go back where the user came from."""
    response = redirect(safe_redirect_target(request.args.get("next")) or url_for("main.index"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="Lax", httponly=True
        )
    return response


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    try:
        get_session().connection().execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy"
        current_app.logger.warning("health check failed: %s", error)
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200
