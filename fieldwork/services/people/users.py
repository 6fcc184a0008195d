"""User accounts: argon2 hashes, sign-in check with rehash when the parameters change."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from fieldwork.models import ROLES, User
from fieldwork.services import audit

MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()
# Verifying against this keeps the time of a sign-in with an unknown name like a real one.
_DUMMY_HASH = _hasher.hash("not a real password")


class UserError(ValueError):
    """A user could not be created; the message says why and what to do."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    *, session: Session, username: str, password: str, role: str, actor: User | None = None
) -> User:
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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"The password is too short. Use at least {MIN_PASSWORD_LENGTH} characters."
        )
    if session.exec(select(User).where(User.username == username)).first():
        raise UserError(f"A user named {username!r} exists already. Choose another username.")
    user = User(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    audit.record(
        session,
        action="user.create",
        user=actor,
        object_type="user",
        object_id=user.id,
        after={"username": username, "role": role},
    )
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Rehashes an outdated hash in place."""
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
        session.commit()
    return user
