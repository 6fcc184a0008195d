"""User accounts: argon2 hashes, the password rules, sign-in with rehash when the parameters change,
one-time passwords and sessions that end.

Password rules (:func:`password_problem`): staff accounts (coordinator, researcher, admin) need at
least :data:`MIN_STAFF_PASSWORD_LENGTH` characters, tester accounts :data:`MIN_PASSWORD_LENGTH`;
no password may contain the username or be one of the 30,000 most common passwords (the list
that the maintained ``zxcvbn`` package ships as data, compared without regard to case).

A new tester account gets a *one-time* password from the coordinator: the tester must choose
their own at the first sign-in (``must_change_password``). Raising ``session_generation`` ends
every session of the user at once (:func:`end_sessions`, sign-out, a password change).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlmodel import Session
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.models import ROLES
from fieldwork.models import User
from fieldwork.services import audit

MIN_PASSWORD_LENGTH = 8  # testers: typed on a phone, and changed from a one-time password
MIN_STAFF_PASSWORD_LENGTH = 12  # coordinators, researchers and admins see names and addresses
MAX_PASSWORD_LENGTH = 256
STAFF_ROLES = ("coordinator", "researcher", "admin")
# argon2id at argon2-cffi's default cost (RFC 9106's second recommended option): ~0.1 s a hash.
_hasher = PasswordHasher()
# Verifying against this keeps the time of a sign-in with an unknown name like a real one.
_DUMMY_HASH = _hasher.hash("not a real password")


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash and verify with ``hasher`` from now on; returns the one in use before.

    Only the test suite calls this, to sign in thousands of times at argon2's cheapest cost
    (as Django's documentation advises for tests); the app never does, and the tests of the
    stored hash and of rehashing switch back to the production hasher
    (``tests/conftest.py``, fixture ``production_hasher``). Hashes made at another cost are
    rehashed at the next sign-in, so nothing hashed cheaply outlives a switch back."""
    global _hasher, _DUMMY_HASH
    before, _hasher = _hasher, hasher
    _DUMMY_HASH = hasher.hash("not a real password")
    return before


class UserError(ValueError):
    """A user could not be created or changed; the message says why and what to do.
    ``field`` names the form field at fault, where there is one."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's list (lower case)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def min_password_length(role: str) -> int:
    return MIN_STAFF_PASSWORD_LENGTH if role in STAFF_ROLES else MIN_PASSWORD_LENGTH


def password_problem(password: str, *, username: str, role: str) -> str | None:
    """Why ``password`` may not be used for this account (in the user's language), or None."""
    minimum = min_password_length(role)
    if len(password) < minimum:
        return _(
            "The password is too short: use at least %(n)d characters (a few words make a "
            "good one).",
            n=minimum,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("The password is too long: use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    name = username.strip().casefold()
    if name and name in password.casefold():
        return _("The password contains the username. Choose one that does not.")
    if password.casefold() in common_passwords():
        return _("This password is one of the most common ones. Choose a less obvious one.")
    return None


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    actor: User | None = None,
    one_time: bool | None = None,
) -> User:
    """A new account. A tester's password is one-time unless ``one_time=False``."""
    return create_users(session=session, accounts=[(username, role)], password=password,
                        actor=actor, one_time=one_time)[0]  # fmt: skip


def create_users(
    *,
    session: Session,
    accounts: Sequence[tuple[str, str]],
    password: str,
    actor: User | None = None,
    one_time: bool | None = None,
) -> list[User]:
    """New accounts ``(username, role)`` that start with one password (a group of testers before
    their training night, the demo's accounts): each is checked as :func:`create_user` checks
    one, and none is made unless all pass. The password is hashed once (argon2 takes a tenth of a
    second a hash), so the accounts share the hash until each sets its own password."""
    checked: list[tuple[str, str]] = []
    for username, role in accounts:
        username = username.strip()
        if role not in ROLES:
            raise UserError(f"Unknown role {role!r}. Use one of: {', '.join(ROLES)}.")
        if (
            not username
            or len(username) > 64
            or not username.replace("-", "").replace("_", "").isalnum()
        ):
            raise UserError(
                f"Username {username!r} is not usable. Use 1-64 letters, digits, '-' or '_'."
            )
        problem = password_problem(password, username=username, role=role)
        if problem:
            raise UserError(problem)
        taken = any(name == username for name, _role in checked)
        if taken or session.exec(select(User).where(User.username == username)).first():
            raise UserError(f"A user named {username!r} exists already. Choose another username.")
        checked.append((username, role))
    password_hash = hash_password(password)
    users = [
        User(username=username, password_hash=password_hash, role=role,
             must_change_password=role == "tester" if one_time is None else one_time)
        for username, role in checked
    ]  # fmt: skip
    session.add_all(users)
    session.flush()
    for user in users:
        after = {"username": user.username, "role": user.role,
                 "one_time_password": user.must_change_password}  # fmt: skip
        audit.record(session, action="user.create", user=actor, about=user, after=after)
    return users


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Rehashes an outdated hash in place."""
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    if not _verify(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
        session.commit()
    return user


def _verify(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(*, session: Session, user: User, current: str, new: str) -> None:
    """Set the user's own password; ends every other session of the user (the caller re-stamps
    its own). Raises :class:`UserError` (nothing changed) when ``current`` is wrong or ``new``
    breaks a rule."""
    if not _verify(user, current):
        raise UserError(_("The current password is not right. Nothing was changed."), "current")
    problem = password_problem(new, username=user.username, role=user.role)
    if problem:
        raise UserError(problem)
    if _verify(user, new):
        raise UserError(_("Choose a new password, not the one you have now."))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_generation += 1
    session.add(user)
    audit.record(session, action="user.password_change", user=user, about=user)
    session.commit()


def sign_out(*, session: Session, user: User) -> None:
    """End every session of the user (this browser's and any copied cookie)."""
    user.session_generation += 1
    session.add(user)
    session.commit()


def may_manage(actor: User, account: User) -> bool:
    """Admins manage every account; coordinators manage tester accounts."""
    return actor.role == "admin" or (actor.role == "coordinator" and account.role == "tester")


def end_sessions(*, session: Session, account: User, actor: User) -> None:
    """End every session of ``account`` at once (a lost phone, a shared laptop)."""
    if not may_manage(actor, account):
        raise UserError(_("You may not end the sessions of this account."))
    account.session_generation += 1
    audit.record(session, action="user.end_sessions", user=actor, about=account,
                 after={"username": account.username})  # fmt: skip
    session.commit()


def list_accounts(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.role, User.username)).all())  # type: ignore[arg-type]


def get_account(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)
