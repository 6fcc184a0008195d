"""Report and amendment forms, built from the study's instrument by ``forms.wtf``."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from fieldwork.labels import LABELS
from forms import Instrument
from forms.wtf import build_form_class


def report_form(instrument: Instrument, lang: str, **kwargs: Any) -> FlaskForm:
    return build_form_class(instrument, lang)(**kwargs)


_amendment_classes: dict[tuple[str, int, str], type[FlaskForm]] = {}


def _amendment_class(instrument: Instrument, lang: str) -> type[FlaskForm]:
    key = (instrument.id, instrument.version, lang)
    if key in _amendment_classes:
        return _amendment_classes[key]
    base = build_form_class(instrument, lang)
    reason = TextAreaField(
        _l("Why do you change the report?"),
        validators=[Length(max=1000)],
        render_kw={"rows": 3, "maxlength": 1000},
    )
    cls = type(f"Amend{base.__name__}", (base,), {"reason": reason})
    _amendment_classes[key] = cls
    return cls


def amendment_form(instrument: Instrument, lang: str, **kwargs: Any) -> FlaskForm:
    return _amendment_class(instrument, lang)(**kwargs)


def field_errors(form: FlaskForm, name: str) -> list[str]:
    """The error list of field ``name``, or the form-level list for names that are no field."""
    field = form._fields.get(name)
    if field is None:
        return form.form_errors
    if not isinstance(field.errors, list):
        field.errors = list(field.errors)
    return field.errors


def answers_to_formdata(instrument: Instrument, answers: dict[str, Any]) -> dict[str, Any]:
    """Stored answers as the values the form's fields expect, to prefill an amendment."""
    data: dict[str, Any] = {}
    for question in instrument.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        if isinstance(value, bool):
            data[question.id] = "true" if value else "false"
        elif isinstance(value, list):
            data[question.id] = list(value)
        else:
            data[question.id] = str(value)
    return data


class IncidentForm(FlaskForm):
    # The incident's idempotency key: a second submit of the same page stores nothing new.
    uuid = HiddenField()
    study_id = SelectField(_l("Which study?"), coerce=int, validate_choice=False)
    test_id = SelectField(
        _l("Which test is it about? (optional)"),
        validate_choice=False,
        description=_l("Leave it at 'none' when it is not about one of your tests."),
    )
    kind = RadioField(
        _l("What happened?"),
        choices=[
            SelectChoice(value=kind, label=_l(text))
            for kind, text in LABELS["incident_kind"].items()
        ],
        validators=[InputRequired(message=_l("Choose what happened."))],
    )
    description = TextAreaField(
        _l("In a few words (optional)"),
        description=_l("No names or descriptions of people."),
        validators=[Length(max=500)],
        render_kw={"rows": 3, "maxlength": 500},
    )
