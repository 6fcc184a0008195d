"""What every coordinator view needs: roles, the study from the URL, the signed-in user."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldwork.coordinator.blueprint import bp
from fieldwork.db import get_session
from fieldwork.models import Study, User
from fieldwork.security import MAX_ID
from fieldwork.services.errors import Refused
from fieldwork.services.studies.setup import get_study

READ_ROLES = ("coordinator", "researcher", "admin")
WRITE_ROLES = ("coordinator", "admin")


def can_write() -> bool:
    """Coordinators and admins change things and see names; researchers read pseudonymous data."""
    return current_user.is_authenticated and current_user.role in WRITE_ROLES


@bp.context_processor
def _template_globals() -> dict[str, Any]:
    return {"can_write": can_write(), "names_visible": can_write()}


def study_or_404(study_id: int) -> Study:
    study = get_study(get_session(), study_id)
    if study is None:
        abort(404)
    return study


def user() -> User:
    return current_user.record


def timezone() -> str:
    return current_app.config["TIMEZONE"]


def refused(error: Refused) -> None:
    flash(str(error), "error")


def invalid_form() -> None:
    flash(_("The form was incomplete or not valid; nothing was changed."), "error")


def done(message: str, endpoint: str, **values: Any) -> Response:
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)


def back(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), 303)


def int_arg(value: str | None) -> int | None:
    """A query argument as a whole number a database id can be (else None: ignored)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if number <= MAX_ID else None
