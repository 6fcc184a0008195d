"""Translation for code outside the views: the services' ``_`` and messages made by ``forms``.

:func:`_` is the one helper the services use: the sentence in the user's language during a
request, the English sentence outside one (the CLI, tests). Views and templates use flask_babel's
``_``/``_l`` directly; codes shown to people go through :mod:`fieldwork.labels`.

Both ``_`` and ``forms`` (which must not import Flask) return a :class:`forms.messages.Message`:
a plain ``str`` that also keeps its template and parameters. Where a message reaches a person
(a flashed refusal, the errors of a form or of the API) the view passes it through
:func:`translate`, which renders the template from the catalogue in the current language. So a
message made outside a request, or in ``forms``, is still shown in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_decimal
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext

from forms.messages import N_
from forms.messages import Message
from forms.messages import format_bound

__all__ = ["N_", "Message", "_", "error_message", "translate", "translate_errors"]


def _(text: str, **variables: Any) -> Message:
    """``text % variables`` in the user's language in a request; the English text elsewhere."""
    return translate(Message(text, **variables))


def translate(message: str) -> str:
    """``message`` in the current request's language when it is a :class:`Message`.

    Text that is not a Message (a coordinator's own words, a CSV cell) is returned as it is.
    """
    if not isinstance(message, Message) or not has_request_context():
        return message
    return Message.of(message.render(gettext, _number), message.template, message.params)


def translate_errors(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """An error mapping (field → messages) with every message translated."""
    return {name: [translate(message) for message in messages] for name, messages in errors.items()}


def error_message(error: Exception) -> str:
    """The message an exception was raised with, translated (``str(error)`` would lose it)."""
    if len(error.args) == 1 and isinstance(error.args[0], str):
        return translate(error.args[0])
    return str(error)


def _number(value: float) -> str:
    """A fraction in the reader's notation (``0,5`` in Dutch); ``240.0`` as ``240``."""
    if value.is_integer():
        return format_bound(value)
    return format_decimal(value, locale=get_locale(), group_separator=False)
