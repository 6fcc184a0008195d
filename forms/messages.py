"""The messages shown when an answer is rejected, all built here as :class:`Message` values.

A :class:`Message` is the English sentence (a ``str``, so callers, tests and JSON see plain text)
that also remembers its template and parameters. ``forms`` never imports Flask; the app
translates a message where it reaches a person (``fieldwork.i18n.translate``): the template
through the catalogue, then the parameters put back in. The templates are marked with
:func:`N_` so that ``pybabel extract`` (babel.cfg) finds them.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any


def N_(template: str) -> str:  # noqa: N802 - the usual gettext_noop marker name
    """Mark ``template`` for extraction without translating it."""
    return template


def format_bound(value: float) -> str:
    """A number as people write it: ``240`` not ``240.0``, ``0.5`` as is."""
    return str(int(value)) if float(value).is_integer() else str(value)


class Message(str):
    """An English message built from ``template`` (named ``%(...)s`` placeholders) and ``params``.

    >>> message = Message("Enter a whole number between %(low)s and %(high)s.", low=0, high=2.5)
    >>> message
    'Enter a whole number between 0 and 2.5.'
    >>> message.template, message.params
    ('Enter a whole number between %(low)s and %(high)s.', {'low': 0, 'high': 2.5})
    >>> message.render(lambda text: text.replace("Enter", "Give"), lambda n: f"<{n}>")
    'Give a whole number between 0 and <2.5>.'
    """

    template: str
    params: Mapping[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Message:
        return cls.of(_fill(template, params, format_bound), template, params)

    @classmethod
    def of(cls, text: str, template: str, params: Mapping[str, Any]) -> Message:
        """A message whose text is ``text`` (e.g. already translated) for ``template``."""
        message = super().__new__(cls, text)
        message.template = template
        message.params = dict(params)
        return message

    def render(
        self, translate: Callable[[str], str], number: Callable[[float], str] = format_bound
    ) -> str:
        """The text in another language: ``translate(template)`` with the parameters filled in,
        fractional numbers (floats) written by ``number``; ``%(n)d`` keeps working for ints."""
        return _fill(translate(self.template), self.params, number)


def _fill(template: str, params: Mapping[str, Any], number: Callable[[float], str]) -> str:
    if not params:
        return template
    return template % {
        name: number(value) if isinstance(value, float) else value for name, value in params.items()
    }


REQUIRED = N_("This question needs an answer.")
REQUIRED_CHOICE = N_("Choose an answer.")
REQUIRED_MULTICHOICE = N_("Choose at least one option.")
ONE_ANSWER = N_("Give one answer, not a list.")
TEXT = N_("Enter text.")
TEXT_TOO_LONG = N_("Shorten this to at most %(max_length)s characters (it has %(length)s).")
WHOLE_NUMBER = N_("Enter a whole number.")
WHOLE_NUMBER_BETWEEN = N_("Enter a whole number between %(low)s and %(high)s.")
WHOLE_NUMBER_AT_LEAST = N_("Enter a whole number of at least %(low)s.")
WHOLE_NUMBER_AT_MOST = N_("Enter a whole number of at most %(high)s.")
NUMBER = N_("Enter a number, for example 12.50 or 12,50.")
NUMBER_BETWEEN = N_("Enter a number between %(low)s and %(high)s, for example 12.50 or 12,50.")
NUMBER_AT_LEAST = N_("Enter a number of at least %(low)s, for example 12.50 or 12,50.")
NUMBER_AT_MOST = N_("Enter a number of at most %(high)s, for example 12.50 or 12,50.")
CHOOSE_ONE = N_("Choose one of the listed options: %(values)s.")
CHOOSE_FROM = N_("Choose only from the listed options: %(values)s.")
YES_OR_NO = N_("Answer yes or no.")
TIME = N_("Enter a time as HH:MM, for example 23:45.")
DATETIME = N_("Enter a date and time as YYYY-MM-DDTHH:MM, for example 2025-05-17T23:45.")
DATETIME_ZONE = N_(
    "Enter the local date and time without a time zone, for example 2025-05-17T23:45."
)


def required(question_type: str) -> Message:
    if question_type in ("choice", "boolean"):
        return Message(REQUIRED_CHOICE)
    if question_type == "multichoice":
        return Message(REQUIRED_MULTICHOICE)
    return Message(REQUIRED)


def text_too_long(max_length: int, length: int) -> Message:
    return Message(TEXT_TOO_LONG, max_length=max_length, length=length)


def whole_number(low: float | None, high: float | None) -> Message:
    return _ranged(
        low, high, WHOLE_NUMBER, WHOLE_NUMBER_BETWEEN, WHOLE_NUMBER_AT_LEAST, WHOLE_NUMBER_AT_MOST
    )


def number(low: float | None, high: float | None) -> Message:
    return _ranged(low, high, NUMBER, NUMBER_BETWEEN, NUMBER_AT_LEAST, NUMBER_AT_MOST)


def choose_one(values: Iterable[str]) -> Message:
    return Message(CHOOSE_ONE, values=", ".join(values))


def choose_from(values: Iterable[str]) -> Message:
    return Message(CHOOSE_FROM, values=", ".join(values))


def _ranged(
    low: float | None, high: float | None, plain: str, between: str, at_least: str, at_most: str
) -> Message:
    if low is not None and high is not None:
        return Message(between, low=low, high=high)
    if low is not None:
        return Message(at_least, low=low)
    if high is not None:
        return Message(at_most, high=high)
    return Message(plain)
