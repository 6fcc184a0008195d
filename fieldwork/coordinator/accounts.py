"""Accounts: who may sign in, and two actions for a night when something goes wrong —
end every session of an account (a lost phone, a shared laptop) and lift the sign-in wait of an
account whose failed sign-ins slowed it down. Admins act on every account, coordinators on
tester accounts (see :func:`fieldwork.services.people.users.may_manage`)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask import render_template
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import back
from fieldwork.coordinator.common import done
from fieldwork.coordinator.common import invalid_form
from fieldwork.coordinator.common import user
from fieldwork.coordinator.forms import ActionForm
from fieldwork.db import get_session
from fieldwork.models import User
from fieldwork.security import throttle
from fieldwork.services import audit
from fieldwork.services.people import users as service


@bp.get("/accounts")
@roles_required(*WRITE_ROLES)
def accounts() -> str:
    rows = service.list_accounts(get_session())
    states = {account.id: throttle().state(account.username) for account in rows}
    manageable = {account.id for account in rows if service.may_manage(user(), account)}
    return render_template(
        "coordinator/accounts.html",
        accounts=rows,
        states=states,
        manageable=manageable,
        form=ActionForm(),
    )


def _account_or_404(user_id: int) -> User:
    account = service.get_account(get_session(), user_id)
    if account is None:
        abort(404)
    if not service.may_manage(user(), account):
        abort(403)
    return account


def _account_action(user_id: int, action: Callable[[User], str]) -> Response:
    """A posted action on an account the signed-in user may manage: ``action`` does it and
    says what it did."""
    account = _account_or_404(user_id)
    if not ActionForm().validate_on_submit():
        invalid_form()
        return back("coordinator.accounts")
    return done(action(account), "coordinator.accounts")


@bp.post("/accounts/<int:user_id>/end-sessions")
@roles_required(*WRITE_ROLES)
def account_end_sessions(user_id: int) -> Response:
    def end_sessions(account: User) -> str:
        service.end_sessions(session=get_session(), account=account, actor=user())
        return _(
            "Every session of %(name)s has ended; the next request of any device asks for the "
            "password.",
            name=account.username,
        )

    return _account_action(user_id, end_sessions)


@bp.post("/accounts/<int:user_id>/lift-wait")
@roles_required(*WRITE_ROLES)
def account_lift_wait(user_id: int) -> Response:
    def lift_wait(account: User) -> str:
        throttle().lift(account.username)
        session = get_session()
        audit.record(session, action="user.lift_sign_in_wait", user=user(), about=account,
                     after={"username": account.username})  # fmt: skip
        session.commit()
        return _("%(name)s can sign in again without waiting.", name=account.username)

    return _account_action(user_id, lift_wait)
