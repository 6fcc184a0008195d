"""Sign in, sign out, change the password (required after a one-time password)."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from fieldwork.auth.access import HOME_BY_ROLE
from fieldwork.auth.access import SignedInUser
from fieldwork.auth.forms import LoginForm
from fieldwork.auth.forms import PasswordChangeForm
from fieldwork.db import get_session
from fieldwork.i18n import error_message
from fieldwork.models import User
from fieldwork.security import forget_session
from fieldwork.security import safe_redirect_target
from fieldwork.security import stamp_session
from fieldwork.security import throttle
from fieldwork.services.monitoring.devices import remember_device
from fieldwork.services.people import users

bp = Blueprint("auth", __name__)

Page = str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    if request.method == "POST" and request.mimetype not in _FORM_TYPES:
        flash(_("The sign-in takes the form on this page. Fill it in and send it."), "error")
        return render_template("auth/login.html", form=LoginForm(formdata=None)), 400
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data or ""
        wait = throttle().wait_seconds(username)
        if wait:
            return _slowed(form, wait)
        user = users.authenticate(
            session=get_session(), username=username, password=form.password.data or ""
        )
        if user is not None:
            throttle().succeeded(username)
            login_user(SignedInUser(user))
            _remember_device(user)
            if user.must_change_password:
                return redirect(url_for("auth.change_password", next=request.args.get("next")))
            return redirect(_next_or(url_for(HOME_BY_ROLE[user.role])))
        wait = throttle().failed(username)
        flash(_("Username or password is not right. Check both and try again."), "error")
        if wait:
            flash(_wait_message(wait), "error")
        return render_template("auth/login.html", form=form), 401
    if form.is_submitted():
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _wait_message(seconds: int) -> str:
    return _(
        "Several sign-ins for this account failed, so the next try must wait %(seconds)d "
        "second(s). If that was not you, tell your coordinator.",
        seconds=seconds,
    )


def _slowed(form: LoginForm, seconds: int) -> tuple[str, int, dict[str, str]]:
    flash(_wait_message(seconds), "error")
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(seconds)}


def _next_or(default: str) -> str:
    return safe_redirect_target(request.args.get("next")) or default


@bp.post("/logout")
def logout() -> Response:
    """Sign out for good: every cookie of this user (this browser's, or a copy) stops working."""
    if current_user.is_authenticated:
        users.sign_out(session=get_session(), user=current_user.record)
    logout_user()
    forget_session()
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


# What a user with a one-time password may still open before choosing their own.
_BEFORE_PASSWORD_CHANGE = frozenset(
    {"auth.change_password", "auth.logout", "auth.login", "static", "main.set_language",
     "main.healthz"}
)  # fmt: skip


@bp.before_app_request
def _one_time_password_changed() -> Response | tuple[Response, int] | None:
    """Until a one-time password is replaced, every page leads to the password form."""
    endpoint = request.endpoint or ""
    if (
        endpoint in _BEFORE_PASSWORD_CHANGE
        or endpoint.startswith(("pwa.", "public."))
        or not current_user.is_authenticated
        or not current_user.record.must_change_password
    ):
        return None
    message = _("Choose your own password first: the one you got is for one sign-in only.")
    if request.path.startswith("/api/"):
        return jsonify(error="password_change_required", message=message), 403
    flash(message, "info")
    return redirect(url_for("auth.change_password"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Page:
    form = PasswordChangeForm()
    user = current_user.record
    if form.validate_on_submit():
        try:
            users.change_password(
                session=get_session(), user=user, current=form.current.data or "",
                new=form.new.data or "",
            )  # fmt: skip
        except users.UserError as error:
            field = form.current if error.field == "current" else form.new
            field.errors = [*field.errors, error_message(error)]  # type: ignore[list-item]
        else:
            stamp_session(user)  # this browser stays signed in; every other session ends
            flash(_("Your password is changed. Other devices must sign in again."), "success")
            return redirect(_next_or(url_for(HOME_BY_ROLE[user.role])), 303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "auth/password.html",
        form=form,
        required=user.must_change_password,
        minimum=users.min_password_length(user.role),
    ), status
