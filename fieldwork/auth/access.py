"""Who may do what: the signed-in user, loaded from the database on each request, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from typing import TypeVar

from flask import abort
from flask_login import UserMixin
from flask_login import current_user
from flask_login import login_required

from fieldwork.db import get_session
from fieldwork.extensions import login_manager
from fieldwork.models import User
from fieldwork.security import MAX_ID
from fieldwork.security import forget_session
from fieldwork.security import session_is_current

F = TypeVar("F", bound=Callable[..., Any])


class SignedInUser(UserMixin):
    """The session's view of a :class:`User` (the table model stays free of Flask-Login)."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.username = user.username
        self.role = user.role
        self.record = user

    def get_id(self) -> str:
        return str(self.id)


@login_manager.user_loader
def load_user(user_id: str) -> SignedInUser | None:
    """The session's user, if the account is active and the session still current (not
    ended by a sign-out, a password change or "end sessions", and within its lifetimes)."""
    if not user_id.isdigit() or int(user_id) > MAX_ID:
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or not session_is_current(user):
        forget_session()
        return None
    return SignedInUser(user)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Sign-in required; then 403 unless the user has one of ``roles``."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


HOME_BY_ROLE = {
    "tester": "tester.index",
    "coordinator": "coordinator.index",
    "researcher": "coordinator.index",
    "admin": "coordinator.index",
}
