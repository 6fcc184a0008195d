"""Settings from the environment, with no default secret: a missing or unsafe value fails loudly.

Production refuses to start with ``FLASK_DEBUG`` set (the Werkzeug debugger runs any code a
visitor types) or with a ``SECRET_KEY`` shorter than :data:`MIN_SECRET_BYTES` bytes (the key signs
the session cookies; a short one can be guessed offline from one cookie).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("production", "development", "testing")
MIN_SECRET_BYTES = 32
SECRET_HINT = "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"


class ConfigError(RuntimeError):
    """The app cannot start with the settings it was given; the message says how to fix it."""


def load_config(app: Any, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from the environment, then ``test_config``; resolve the secret key."""
    environment = os.environ.get("MYSTERYGUEST_ENV", "production")
    if test_config and "ENVIRONMENT" in test_config:
        environment = test_config["ENVIRONMENT"]
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"MYSTERYGUEST_ENV={environment!r} is not known. Use one of: {', '.join(ENVIRONMENTS)}."
        )
    instance = Path(app.instance_path)
    app.config.from_mapping(
        ENVIRONMENT=environment,
        DATABASE_URL=os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'mysteryguest.sqlite'}",
        TIMEZONE="Europe/Amsterdam",
        # A report whose device clock is further than this from the server's is flagged.
        CLOCK_SKEW_THRESHOLD_SECONDS=300,
        # Tonight's tests stay "today" until this hour of the next morning.
        NIGHT_ENDS_HOUR=6,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=environment == "production"
        and os.environ.get("MYSTERYGUEST_INSECURE_COOKIES") != "1",
        WTF_CSRF_TIME_LIMIT=None,  # a tester may keep a form open for hours in a queue
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # Summary bundles (export-summary): the city's name and where its secret is kept. The
        # secret itself stays outside the database and every file the app writes.
        CITY=os.environ.get("CITY", ""),
        CITY_SECRET_FILE=os.environ.get("CITY_SECRET_FILE", ""),
        BABEL_DEFAULT_LOCALE="nl",
        LANGUAGES=("nl", "en"),
        # Reverse proxies in front of the app (each adds one X-Forwarded-For entry); 0: none.
        TRUSTED_PROXIES=_whole_number("TRUSTED_PROXIES", os.environ.get("TRUSTED_PROXIES", "0")),
        # Where the sign-in throttle counts; memory:// is per worker process (see README).
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
    )
    if test_config:
        app.config.update(test_config)
    app.config["SECRET_KEY"] = _secret_key(app.config.get("SECRET_KEY"), environment, instance)
    if environment == "production":
        _refuse_unsafe_production(app)


def _whole_number(name: str, value: str) -> int:
    if not value.strip().isdigit():
        raise ConfigError(f"{name}={value!r} is not a whole number of 0 or more; e.g. {name}=1.")
    return int(value)


def _refuse_unsafe_production(app: Any) -> None:
    debug = os.environ.get("FLASK_DEBUG", "").strip().lower()
    if debug not in ("", "0", "false", "no") or app.config.get("DEBUG"):
        raise ConfigError(
            "FLASK_DEBUG is set in production: the debugger would let any visitor run code on "
            "the server. Unset FLASK_DEBUG (or use MYSTERYGUEST_ENV=development on your own "
            "computer)."
        )
    length = len(app.config["SECRET_KEY"].encode("utf-8"))
    if length < MIN_SECRET_BYTES:
        raise ConfigError(
            f"SECRET_KEY is {length} bytes long; production needs at least {MIN_SECRET_BYTES} "
            f"random bytes, e.g. {SECRET_HINT}"
        )


def _secret_key(configured: str | None, environment: str, instance: Path) -> str:
    key = os.environ.get("SECRET_KEY") or configured
    if key:
        return key
    if environment == "production":
        raise ConfigError(
            f"SECRET_KEY is not set. In production set it in the environment, e.g. {SECRET_HINT}; "
            "for a local try-out set MYSTERYGUEST_ENV=development to generate one."
        )
    # Development and tests: one random key kept in the instance folder, never a fixed string.
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
