"""Sign in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from fieldwork.auth.access import HOME_BY_ROLE, SignedInUser
from fieldwork.auth.forms import LoginForm
from fieldwork.db import get_session
from fieldwork.models import User
from fieldwork.services.monitoring.devices import remember_device
from fieldwork.services.people.users import authenticate

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            session=get_session(), username=form.username.data, password=form.password.data
        )
        if user is not None:
            login_user(SignedInUser(user))
            _remember_device(user)
            target = request.args.get("next", "")
            if not _is_local_path(target):
                target = url_for(HOME_BY_ROLE[user.role])
            return redirect(target)
        flash(_("Username or password is not right. Check both and try again."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def _remember_device(user: User) -> None:
    """A tester's phone sends its device id with the sign-in; only known devices may later
    report their outbox (a bad id is ignored: it never stops a sign-in)."""
    device_id = request.form.get("device_id", "")
    if user.role != "tester" or not device_id:
        return
    try:
        remember_device(
            session=get_session(),
            user=user,
            device_id=device_id,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValueError:
        return


def _is_local_path(target: str) -> bool:
    parts = urlsplit(target)
    return bool(target) and not parts.scheme and not parts.netloc and target.startswith("/")
