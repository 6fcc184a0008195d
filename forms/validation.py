"""Validate and normalise answers (from an HTML form or JSON) against an instrument."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms import messages
from forms.model import Instrument
from forms.model import InstrumentError
from forms.model import Question

__all__ = ["DEFAULT_TEXT_MAX_LENGTH", "AnswerResult", "unknown_keys", "validate_answers"]

DEFAULT_TEXT_MAX_LENGTH = 2000
TRUE_WORDS = frozenset({"true", "yes", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "0", "off"})

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::[0-5][0-9](?:\.[0-9]+)?)?")
_DATETIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2})(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?"
)


@dataclass(frozen=True)
class AnswerResult:
    """Cleaned answers (JSON-serialisable) and error messages per question id."""

    answers: dict[str, Any]
    errors: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not self.errors


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = (
            message if isinstance(message, messages.Message) else messages.Message(message)
        )


def validate_answers(instrument: Instrument, raw: Mapping[str, Any]) -> AnswerResult:
    """Clean `raw` answers: irrelevant ones are dropped, empty optional ones omitted.

    `raw` may be form data (strings; a werkzeug MultiDict works too) or decoded JSON.
    Keys that are not question ids are ignored; see `unknown_keys`.

    >>> from forms import get_instrument
    >>> result = validate_answers(get_instrument("nightlife-door"), {"wait_minutes": "300"})
    >>> result.errors["wait_minutes"]
    ['Enter a whole number between 0 and 240.']
    """
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in instrument.questions:
        # Controllers come earlier, so relevance is judged on answers already cleaned.
        if not instrument.is_relevant(question, answers):
            continue
        try:
            cleaned = _clean_answer(instrument, question, _raw_value(raw, question))
        except _Invalid as invalid:
            errors[question.id] = [invalid.message]
            continue
        if cleaned is None:
            if question.required:
                errors[question.id] = [messages.required(question.type)]
            continue
        answers[question.id] = cleaned
    return AnswerResult(answers=answers, errors=errors)


def unknown_keys(instrument: Instrument, raw: Mapping[str, Any]) -> list[str]:
    """Keys of `raw` that are not question ids of `instrument`, sorted."""
    known = {question.id for question in instrument.questions}
    return sorted(str(key) for key in raw if key not in known)


def _clean_answer(instrument: Instrument, question: Question, value: Any) -> Any:
    """One answer in canonical form, or None when empty; raises _Invalid with a message."""
    if question.type == "multichoice":
        if isinstance(value, str):
            value = [value]
    elif isinstance(value, list | tuple):
        if len(value) > 1:
            raise _Invalid(messages.ONE_ANSWER)
        value = value[0] if value else None
    if _is_empty(value):
        return None
    parser = _PARSERS.get(question.type)
    if parser is None:
        raise InstrumentError.at(
            instrument.source,
            f"no answer parser for type {question.type!r}",
            "use a type the validator knows, or add a parser to forms/validation.py",
            question=question.id,
        )
    return parser(question, value)


def _raw_value(raw: Mapping[str, Any], question: Question) -> Any:
    getlist = getattr(raw, "getlist", None)
    if question.type == "multichoice" and callable(getlist):
        return getlist(question.id)  # a MultiDict's .get() would give the first box only
    return raw.get(question.id)


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(_is_empty(item) for item in value)
    return False


def _text(question: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(messages.TEXT)
    # Browsers send textarea line breaks as CRLF; count and store them as LF like JSON clients do.
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    limit = question.max_length or DEFAULT_TEXT_MAX_LENGTH
    if len(text) > limit:
        raise _Invalid(messages.text_too_long(limit, len(text)))
    return text


def _integer(question: Question, value: Any) -> int:
    message = messages.whole_number(question.min, question.max)
    if isinstance(value, bool):
        raise _Invalid(message)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise _Invalid(message)
    _check_range(question, number, message)
    return number


def _decimal(question: Question, value: Any) -> float:
    message = messages.number(question.min, question.max)
    if isinstance(value, bool):
        raise _Invalid(message)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = float(value.strip().replace(",", "."))
    else:
        raise _Invalid(message)
    if not math.isfinite(number):
        raise _Invalid(message)
    _check_range(question, number, message)
    return number


def _check_range(question: Question, number: float, message: str) -> None:
    if question.min is not None and number < question.min:
        raise _Invalid(message)
    if question.max is not None and number > question.max:
        raise _Invalid(message)


def _choice(question: Question, value: Any) -> str:
    if isinstance(value, str) and value.strip() in question.choice_values:
        return value.strip()
    raise _Invalid(messages.choose_one(question.choice_values))


def _multichoice(question: Question, value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise _Invalid(messages.choose_from(question.choice_values))
    chosen = set()
    for item in value:
        if _is_empty(item):
            continue
        if not isinstance(item, str) or item.strip() not in question.choice_values:
            raise _Invalid(messages.choose_from(question.choice_values))
        chosen.add(item.strip())
    return [choice for choice in question.choice_values if choice in chosen]


def _boolean(question: Question, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise _Invalid(messages.YES_OR_NO)


def _time(question: Question, value: Any) -> str:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise _Invalid(messages.TIME)
    return f"{int(match[1]):02d}:{match[2]}"


def _datetime(question: Question, value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise _Invalid(messages.DATETIME_ZONE)
        return value.strftime("%Y-%m-%dT%H:%M")
    match = _DATETIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise _Invalid(messages.DATETIME)
    if match[3]:
        raise _Invalid(messages.DATETIME_ZONE)
    try:
        moment = dt.datetime.fromisoformat(f"{match[1]}T{match[2]}")
    except ValueError:  # e.g. month 13 or 25:00
        raise _Invalid(messages.DATETIME) from None
    return moment.strftime("%Y-%m-%dT%H:%M")


_PARSERS: dict[str, Callable[[Question, Any], Any]] = {
    "text": _text,
    "integer": _integer,
    "decimal": _decimal,
    "choice": _choice,
    "multichoice": _multichoice,
    "boolean": _boolean,
    "time": _time,
    "datetime": _datetime,
}
