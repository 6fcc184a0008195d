"""Translation for code outside the views: the services' ``_`` and messages made by ``forms``.

:func:`_` is the one helper the services use: ``gettext`` during a request (the user's
language), the English text outside one (the CLI, tests). Views and templates use flask_babel's
``_``/``_l`` directly; codes shown to people go through :mod:`fieldwork.labels`.

Messages made outside Flask (``forms``) shown in the user's language:

``forms`` and the services build plain English sentences from templates with named
``%(...)s`` placeholders and must not import Flask. This module lists those templates (so
``pybabel extract`` finds them), recognises a finished sentence by its template, and rebuilds
it from the translated template. A sentence it does not recognise is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import has_request_context
from flask_babel import gettext


def _(text: str, **variables: Any) -> str:
    """``gettext`` in a request (the user's language); the English text elsewhere."""
    if has_request_context():
        return gettext(text, **variables)
    return text % variables if variables else text


def N_(message: str) -> str:  # noqa: N802 - the usual gettext_noop marker name
    """Mark ``message`` for extraction without translating it now."""
    return message


# Every template of forms/messages.py (a test keeps this list complete) and of the services.
TEMPLATES = (
    N_("This question needs an answer."),
    N_("Choose an answer."),
    N_("Choose at least one option."),
    N_("Give one answer, not a list."),
    N_("Enter text."),
    N_("Shorten this to at most %(max_length)s characters (it has %(length)s)."),
    N_("Enter a whole number."),
    N_("Enter a whole number between %(low)s and %(high)s."),
    N_("Enter a whole number of at least %(low)s."),
    N_("Enter a whole number of at most %(high)s."),
    N_("Enter a number, for example 12.50 or 12,50."),
    N_("Enter a number between %(low)s and %(high)s, for example 12.50 or 12,50."),
    N_("Enter a number of at least %(low)s, for example 12.50 or 12,50."),
    N_("Enter a number of at most %(high)s, for example 12.50 or 12,50."),
    N_("Choose one of the listed options: %(values)s."),
    N_("Choose only from the listed options: %(values)s."),
    N_("Answer yes or no."),
    N_("Enter a time as HH:MM, for example 23:45."),
    N_("Enter a date and time as YYYY-MM-DDTHH:MM, for example 2025-05-17T23:45."),
    N_("Enter the local date and time without a time zone, for example 2025-05-17T23:45."),
    # fieldwork/services/reports/intake.py
    N_("The report id is not a UUID. Reload the form to get a new one."),
    N_(
        "This report id belongs to another team's report, not to your team's. Nothing was stored. "
        "Export the report and hand it to your coordinator."
    ),
    N_("This test uses questionnaire %(expected)s, not %(got)s."),
    N_("This test uses questionnaire version %(expected)s, not %(got)s. Reload the form."),
    N_("Time spent on the form must be between 0 and 604800 seconds."),
    N_("Say briefly why you change the report (at least 3 characters)."),
    N_("Nothing was changed, so there is nothing to amend."),
)

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    patterns = []
    for template in TEMPLATES:
        pieces = _PLACEHOLDER.split(template)
        # split() alternates literal text and placeholder names.
        regex = "".join(
            re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>.+?)"
            for index, piece in enumerate(pieces)
        )
        patterns.append((re.compile(regex), template))
    return tuple(patterns)


def translate_message(message: str) -> str:
    """``message`` in the current language when it was built from a known template."""
    for pattern, template in _patterns():
        match = pattern.fullmatch(message)
        if match:
            translated = gettext(template)
            return translated % match.groupdict() if match.groupdict() else translated
    return message


def translate_errors(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """An error mapping (field → messages) with every message translated."""
    return {
        name: [translate_message(message) for message in messages]
        for name, messages in errors.items()
    }
