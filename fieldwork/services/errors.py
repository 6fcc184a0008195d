"""Errors the services raise for bad input; the message says what to do, and nothing was changed."""

from __future__ import annotations


class Refused(ValueError):
    """A change was refused; the message says why and what to do. Nothing was changed."""


class RetentionError(ValueError):
    """A backup or purge cannot be done; the message says why and what to do."""
