"""What every coordinator view needs: roles, the study from the URL, the signed-in user."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Field

from fieldwork.coordinator.blueprint import bp
from fieldwork.db import get_session
from fieldwork.i18n import error_message
from fieldwork.models import Study
from fieldwork.models import User
from fieldwork.security import MAX_ID
from fieldwork.services.errors import Refused
from fieldwork.services.studies.setup import get_study

READ_ROLES = ("coordinator", "researcher", "admin")
WRITE_ROLES = ("coordinator", "admin")

Page = str | Response | tuple[str, int]


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
    flash(error_message(error), "error")


@contextmanager
def refusal_shown(*, rollback: bool = False) -> Iterator[None]:
    """Run a change; when the service refuses it, say why (a flashed error) and carry on after
    the block (to the form again, or back), having rolled the session back if ``rollback``."""
    try:
        yield
    except Refused as error:
        if rollback:
            get_session().rollback()
        refused(error)


def form_page(template: str, *, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """A page with ``form``: status 422 when the form came back (not accepted), else 200."""
    return render_template(template, form=form, **context), 422 if form.is_submitted() else 200


def texts(form: FlaskForm, *names: str) -> dict[str, str]:
    """The text fields ``names`` of ``form`` as keyword arguments, an empty field as ``""``."""
    return {name: form[name].data or "" for name in names}


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


def date_arg(value: str | None) -> date | None:
    """A date from a query argument (2026-12-04); None when empty or not a date."""
    try:
        return date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def confirmed() -> bool:
    """True when the POST comes from a confirmation page (see :func:`confirmation`)."""
    return request.form.get("confirmed") == "yes"


def confirmation(
    *,
    study: Study | None,
    title: str,
    consequences: list[str],
    action: str,
    button: str,
    back_url: str,
    fields: dict[str, Any] | None = None,
    consent: Field | None = None,
) -> str:
    """The page that asks before an irreversible action: what will happen, then a button that
    posts ``fields`` again to ``action`` with ``confirmed=yes``, and a way back. No JavaScript.

    ``consent`` is a checkbox the action itself requires (the release's "take it down for
    good"): it is shown above the button, with its errors."""
    return render_template(
        "coordinator/confirm.html",
        study=study,
        title=title,
        consequences=consequences,
        action=action,
        button=button,
        back_url=back_url,
        fields=fields or {},
        consent=consent,
    )


def versioned_static(filename: str) -> str:
    """The URL of a static file with its content hash (``?v=``): a changed script gets a new URL,
    so a browser that cached the old one fetches it again."""
    return url_for("static", filename=filename, v=_version(filename))


@cache
def _version(filename: str) -> str:
    assert current_app.static_folder is not None
    return hashlib.sha256((Path(current_app.static_folder) / filename).read_bytes()).hexdigest()[
        :12
    ]
