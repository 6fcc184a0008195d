"""The messages shown when an answer is rejected: plain English strings, all built here.

Each template uses named ``%(...)s`` placeholders so that a later i18n step can wrap the
templates in gettext without touching the callers.
"""

from __future__ import annotations

from collections.abc import Iterable

REQUIRED = "This question needs an answer."
REQUIRED_CHOICE = "Choose an answer."
REQUIRED_MULTICHOICE = "Choose at least one option."
ONE_ANSWER = "Give one answer, not a list."
TEXT = "Enter text."
TEXT_TOO_LONG = "Shorten this to at most %(max_length)s characters (it has %(length)s)."
WHOLE_NUMBER = "Enter a whole number."
WHOLE_NUMBER_BETWEEN = "Enter a whole number between %(low)s and %(high)s."
WHOLE_NUMBER_AT_LEAST = "Enter a whole number of at least %(low)s."
WHOLE_NUMBER_AT_MOST = "Enter a whole number of at most %(high)s."
NUMBER = "Enter a number, for example 12.50 or 12,50."
NUMBER_BETWEEN = "Enter a number between %(low)s and %(high)s, for example 12.50 or 12,50."
NUMBER_AT_LEAST = "Enter a number of at least %(low)s, for example 12.50 or 12,50."
NUMBER_AT_MOST = "Enter a number of at most %(high)s, for example 12.50 or 12,50."
CHOOSE_ONE = "Choose one of the listed options: %(values)s."
CHOOSE_FROM = "Choose only from the listed options: %(values)s."
YES_OR_NO = "Answer yes or no."
TIME = "Enter a time as HH:MM, for example 23:45."
DATETIME = "Enter a date and time as YYYY-MM-DDTHH:MM, for example 2025-05-17T23:45."
DATETIME_ZONE = "Enter the local date and time without a time zone, for example 2025-05-17T23:45."


def required(question_type: str) -> str:
    if question_type in ("choice", "boolean"):
        return REQUIRED_CHOICE
    if question_type == "multichoice":
        return REQUIRED_MULTICHOICE
    return REQUIRED


def text_too_long(max_length: int, length: int) -> str:
    return TEXT_TOO_LONG % {"max_length": max_length, "length": length}


def whole_number(low: float | None, high: float | None) -> str:
    return _ranged(
        low, high, WHOLE_NUMBER, WHOLE_NUMBER_BETWEEN, WHOLE_NUMBER_AT_LEAST, WHOLE_NUMBER_AT_MOST
    )


def number(low: float | None, high: float | None) -> str:
    return _ranged(low, high, NUMBER, NUMBER_BETWEEN, NUMBER_AT_LEAST, NUMBER_AT_MOST)


def choose_one(values: Iterable[str]) -> str:
    return CHOOSE_ONE % {"values": ", ".join(values)}


def choose_from(values: Iterable[str]) -> str:
    return CHOOSE_FROM % {"values": ", ".join(values)}


def format_bound(value: float) -> str:
    """A bound as people write it: ``240`` not ``240.0``, ``0.5`` as is."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _ranged(
    low: float | None, high: float | None, plain: str, between: str, at_least: str, at_most: str
) -> str:
    if low is not None and high is not None:
        return between % {"low": format_bound(low), "high": format_bound(high)}
    if low is not None:
        return at_least % {"low": format_bound(low)}
    if high is not None:
        return at_most % {"high": format_bound(high)}
    return plain
