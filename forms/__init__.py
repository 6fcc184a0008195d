"""Questionnaires (instruments): TOML data, schema, answer validation.

Importing this package never imports Flask or WTForms; the form builder is `forms.wtf`.
"""

from forms.schema import (
    LANGUAGES,
    QUESTION_TYPES,
    Choice,
    Instrument,
    InstrumentError,
    Outcome,
    Question,
    Relevance,
    available_instruments,
    get_instrument,
    load_instrument,
    parse_instrument,
)
from forms.validation import AnswerResult, unknown_keys, validate_answers

__all__ = [
    "LANGUAGES",
    "QUESTION_TYPES",
    "AnswerResult",
    "Choice",
    "Instrument",
    "InstrumentError",
    "Outcome",
    "Question",
    "Relevance",
    "available_instruments",
    "get_instrument",
    "load_instrument",
    "parse_instrument",
    "unknown_keys",
    "validate_answers",
]
