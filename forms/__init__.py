"""Questionnaires (instruments): TOML data, schema, answer validation.

Importing this package never imports Flask or WTForms; the form builder is `forms.wtf`. The parts
of a question (`Choice`, `Relevance`, `Outcome`) are in `forms.model`, with the rest of the model.
"""

from forms.model import LANGUAGES
from forms.model import QUESTION_TYPES
from forms.model import Instrument
from forms.model import InstrumentError
from forms.model import Question
from forms.schema import available_instruments
from forms.schema import get_instrument
from forms.schema import load_instrument
from forms.schema import parse_instrument
from forms.validation import AnswerResult
from forms.validation import unknown_keys
from forms.validation import validate_answers

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
