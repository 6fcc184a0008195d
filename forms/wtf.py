"""Build a Flask-WTF form class from an instrument. Only the Flask app imports this module.

All checking of answers happens in `forms.validation`; the WTForms fields only render inputs and
carry the submitted strings, so the web form and the JSON intake give the same verdicts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from typing import ClassVar

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput
from wtforms.widgets import DateTimeLocalInput
from wtforms.widgets import ListWidget
from wtforms.widgets import NumberInput
from wtforms.widgets import TextInput
from wtforms.widgets import TimeInput

from forms.messages import format_bound
from forms.model import BOOLEAN_LABELS
from forms.model import BOOLEAN_VALUES
from forms.model import DEFAULT_LANGUAGE
from forms.model import LANGUAGES
from forms.model import QUESTION_TYPES
from forms.model import Instrument
from forms.model import InstrumentError
from forms.model import Question
from forms.model import text_in
from forms.validation import DEFAULT_TEXT_MAX_LENGTH
from forms.validation import AnswerResult
from forms.validation import validate_answers

__all__ = ["InstrumentForm", "MultiCheckboxField", "build_field", "build_form_class"]

SHORT_TEXT_MAX_LENGTH = 200  # up to this a one-line input, above it a textarea

_FORM_CLASSES: dict[tuple[str, int, str, str], type[InstrumentForm]] = {}


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InstrumentForm(FlaskForm):
    """Base of the generated forms: a hidden ``report_uuid`` plus one field per question."""

    instrument: ClassVar[Instrument]
    lang: ClassVar[str]
    report_uuid = HiddenField()
    answer_result: AnswerResult | None = None

    def answers_from_formdata(self) -> dict[str, Any]:
        """The submitted raw answers (strings; lists for multichoice) by question id."""
        raw: dict[str, Any] = {}
        for question in self.instrument.questions:
            data = self[question.id].data
            if data is not None:
                raw[question.id] = data
        return raw

    def validate(self, extra_validators: Any = None) -> bool:
        """Run WTForms validation (CSRF), then `validate_answers`; errors go onto the fields."""
        base_ok: bool = super().validate(extra_validators=extra_validators)
        result = validate_answers(self.instrument, self.answers_from_formdata())
        self.answer_result = result
        for qid, problems in result.errors.items():
            field = self[qid]
            field.errors = [*field.errors, *problems]
        return base_ok and result.ok


def build_form_class(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> type[InstrumentForm]:
    """The FlaskForm class for `instrument`, labelled in `lang` (Dutch when `lang` is unknown).

    Classes are cached per instrument id, version, language and TOML text; instruments built in
    code (without TOML text) get a fresh class each time.
    """
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    key = (instrument.id, instrument.version, lang, instrument.text)
    if instrument.text and key in _FORM_CLASSES:
        return _FORM_CLASSES[key]
    fields = {
        question.id: build_field(instrument, question, lang) for question in instrument.questions
    }
    name = "".join(part.title() for part in instrument.id.split("-"))
    form_class = type(
        f"{name}V{instrument.version}{lang.title()}Form",
        (InstrumentForm,),
        {"instrument": instrument, "lang": lang, **fields},
    )
    if instrument.text:
        _FORM_CLASSES[key] = form_class
    return form_class


def build_field(instrument: Instrument, question: Question, lang: str) -> UnboundField:
    """The unbound WTForms field for one question; raises InstrumentError on an unknown type."""
    builder = _FIELD_BUILDERS.get(question.type)
    if builder is None:
        raise InstrumentError.at(
            instrument.source,
            f"no form field for type {question.type!r}",
            f"use one of: {', '.join(QUESTION_TYPES)}",
            question=question.id,
        )
    return builder(question, lang, _common_options(question, lang))


def _common_options(question: Question, lang: str) -> dict[str, Any]:
    render_kw: dict[str, Any] = {}
    if question.relevant is not None:
        # For a later script that hides irrelevant questions; without it all are shown.
        render_kw["data-relevant-question"] = question.relevant.question
        render_kw["data-relevant-in"] = json.dumps(list(question.relevant.values))
    return {
        "label": question.label_in(lang),
        "description": question.help_in(lang) or "",
        "validators": [Optional()],
        "render_kw": render_kw,
    }


def _choices(question: Question, lang: str) -> list[SelectChoice]:
    return [SelectChoice(value=c.value, label=c.label_in(lang)) for c in question.choices]


def _boolean_token(value: Any) -> str:
    """Show a stored True/False (e.g. a draft passed as ``data=``) as the radio value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text_field(question: Question, lang: str, options: dict[str, Any]) -> UnboundField:
    limit = question.max_length or DEFAULT_TEXT_MAX_LENGTH
    options["render_kw"]["maxlength"] = limit
    if limit <= SHORT_TEXT_MAX_LENGTH:
        return StringField(**options)
    options["render_kw"]["rows"] = 4
    return TextAreaField(**options)


def _integer_field(question: Question, lang: str, options: dict[str, Any]) -> UnboundField:
    low = None if question.min is None else format_bound(question.min)
    high = None if question.max is None else format_bound(question.max)
    options["render_kw"]["inputmode"] = "numeric"
    return StringField(widget=NumberInput(step="1", min=low, max=high), **options)


def _decimal_field(question: Question, lang: str, options: dict[str, Any]) -> UnboundField:
    # A text input with the decimal keypad, not type=number: some mobile browsers drop a value
    # typed with a Dutch comma ("12,50") from number inputs, and the server accepts the comma.
    options["render_kw"]["inputmode"] = "decimal"
    return StringField(widget=TextInput(), **options)


def _choice_field(question: Question, lang: str, options: dict[str, Any]) -> UnboundField:
    return RadioField(choices=_choices(question, lang), validate_choice=False, **options)


def _multichoice_field(question: Question, lang: str, options: dict[str, Any]) -> UnboundField:
    return MultiCheckboxField(choices=_choices(question, lang), validate_choice=False, **options)


def _boolean_field(question: Question, lang: str, options: dict[str, Any]) -> UnboundField:
    choices = [
        SelectChoice(value=value, label=text_in(BOOLEAN_LABELS[value], lang))
        for value in BOOLEAN_VALUES
    ]
    return RadioField(choices=choices, coerce=_boolean_token, validate_choice=False, **options)


def _time_field(question: Question, lang: str, options: dict[str, Any]) -> UnboundField:
    return StringField(widget=TimeInput(), **options)


def _datetime_field(question: Question, lang: str, options: dict[str, Any]) -> UnboundField:
    return StringField(widget=DateTimeLocalInput(), **options)


_FIELD_BUILDERS: dict[str, Callable[[Question, str, dict[str, Any]], UnboundField]] = {
    "text": _text_field,
    "integer": _integer_field,
    "decimal": _decimal_field,
    "choice": _choice_field,
    "multichoice": _multichoice_field,
    "boolean": _boolean_field,
    "time": _time_field,
    "datetime": _datetime_field,
}
