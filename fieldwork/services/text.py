"""Translated messages for services, which also run outside a request (CLI, tests)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext


def _(text: str, **variables: Any) -> str:
    """``gettext`` in a request (the user's language); the English text elsewhere."""
    if has_request_context():
        return gettext(text, **variables)
    return text % variables if variables else text
