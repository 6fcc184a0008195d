"""Questionnaires (instruments): TOML data, schema, answer validation.

Importing this package never imports Flask or WTForms; the form builder is `forms.wtf`. The parts
of a question (`Choice`, `Relevance`, `Outcome`) are in `forms.model`, with the rest of the model.
"""

from forms.model import LANGUAGES, QUESTION_TYPES, Instrument, InstrumentError, Question
from forms.schema import available_instruments, get_instrument, load_instrument, parse_instrument
from forms.validation import AnswerResult, unknown_keys, validate_answers

__all__ = [
    "LANGUAGES",
    "QUESTION_TYPES",
    "AnswerResult",
    "Instrument",
    "InstrumentError",
    "Question",
    "available_instruments",
    "get_instrument",
    "load_instrument",
    "parse_instrument",
    "unknown_keys",
    "validate_answers",
]
