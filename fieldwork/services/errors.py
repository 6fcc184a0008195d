"""The one error coordinator services raise for bad input: nothing was changed."""

from __future__ import annotations


class Refused(ValueError):
    """A change was refused; the message says why and what to do. Nothing was changed."""
