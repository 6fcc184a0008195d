"""The Flask-WTF builder: fields, labels, HTML inputs, and validation through validate_answers."""

import json
import re

import pytest
from flask import Flask
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from forms import QUESTION_TYPES
from forms import InstrumentError
from forms import Question
from forms import get_instrument
from forms.parser import RESERVED_IDS
from forms.wtf import _FIELD_BUILDERS
from forms.wtf import build_field
from forms.wtf import build_form_class

SHIPPED = ["nightlife-door", "housing-access"]

VALID_NIGHTLIFE = MultiDict(
    [
        ("report_uuid", "7d3c1f0e-0000-4000-8000-000000000000"), ("arrival_time", "23:40"),
        ("admitted", "no"), ("refusal_reasons", "full"), ("refusal_reasons", "no_reason"),
        ("reason_verbatim", ""), ("id_asked", "false"), ("fee_eur", ""), ("wait_minutes", "5"),
        ("staff_tone", "neutral"), ("physical_contact", "false"),
    ]
)  # fmt: skip


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test only", WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


def make_form(instrument_id, lang="nl", formdata=None, **kwargs):
    form_class = build_form_class(get_instrument(instrument_id), lang)
    return form_class(formdata=formdata, **kwargs)


@pytest.mark.usefixtures("request_context")
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_fields_and_labels(instrument_id, lang):
    instrument = get_instrument(instrument_id)
    form = make_form(instrument_id, lang)
    question_ids = [q.id for q in instrument.questions]
    assert [field.name for field in form if field.name != "report_uuid"] == question_ids
    assert form["report_uuid"].type == "HiddenField"
    for question in instrument.questions:
        field = form[question.id]
        assert field.label.text == question.label_in(lang)
        assert field.description == (question.help_in(lang) or "")
        if question.choices:
            assert [(c.value, c.label) for c in field.choices] == [
                (c.value, c.label_in(lang)) for c in question.choices
            ]
        if question.relevant is not None:
            assert field.render_kw["data-relevant-question"] == question.relevant.question
            assert json.loads(field.render_kw["data-relevant-in"]) == list(question.relevant.values)
            assert "data-relevant-question=" in field()
        else:
            assert "data-relevant-question" not in field.render_kw


@pytest.mark.usefixtures("request_context")
@pytest.mark.parametrize(
    ("qid", "fragments"),
    [
        ("arrival_time", ['type="time"']),
        ("admitted", ['type="radio"', 'name="admitted"', 'value="conditional"']),
        ("refusal_reasons", ['type="checkbox"', 'name="refusal_reasons"', 'value="explicit_origin"',
                             'data-relevant-in="[&#34;no&#34;, &#34;conditional&#34;]"']),
        ("id_asked", ['type="radio"', 'value="true"', 'value="false"', "Ja", "Nee"]),
        ("fee_eur", ['type="text"', 'inputmode="decimal"']),
        ("wait_minutes", ['type="number"', 'inputmode="numeric"', 'min="0"', 'max="240"', 'step="1"']),
        ("notes", ["<textarea", 'maxlength="2000"']),
    ],
)  # fmt: skip
def test_nightlife_html_inputs(qid, fragments):
    html = make_form("nightlife-door")[qid]()
    for fragment in fragments:
        assert fragment in html
    assert "required" not in html  # relevance decides; the browser must not block hidden questions


@pytest.mark.usefixtures("request_context")
def test_housing_html_inputs():
    form = make_form("housing-access", "en")
    assert 'type="datetime-local"' in form["contact_time"]()
    assert "Yes" in form["any_response"]() and "No" in form["any_response"]()
    assert 'max="50"' in form["units_shown"]()


@pytest.mark.usefixtures("request_context")
def test_short_text_is_a_single_line(small):
    html = build_form_class(small)()["other_reason"]()
    assert html.startswith("<input") and 'maxlength="20"' in html


@pytest.mark.usefixtures("request_context")
def test_errors_land_on_their_fields():
    formdata = MultiDict(
        [("arrival_time", "25:00"), ("admitted", "no"), ("wait_minutes", "lang"),
         ("fee_eur", "12,50"), ("staff_tone", "rude"), ("physical_contact", "false"),
         ("id_asked", "true")]
    )  # fmt: skip
    form = make_form("nightlife-door", formdata=formdata)
    assert not form.validate()
    assert form.errors == {
        "arrival_time": ["Enter a time as HH:MM, for example 23:45."],
        "refusal_reasons": ["Choose at least one option."],
        "wait_minutes": ["Enter a whole number between 0 and 240."],
        "staff_tone": ["Choose one of the listed options: friendly, neutral, unfriendly, hostile."],
    }
    assert form.answer_result.answers["fee_eur"] == 12.5
    form["notes"].errors.append("fields' errors are lists")


@pytest.mark.usefixtures("request_context")
def test_valid_formdata_gives_answers():
    form = make_form("nightlife-door", formdata=VALID_NIGHTLIFE)
    assert form.validate(), form.errors
    assert form.answer_result.answers == {
        "arrival_time": "23:40", "admitted": "no", "refusal_reasons": ["full", "no_reason"],
        "id_asked": False, "wait_minutes": 5, "staff_tone": "neutral", "physical_contact": False,
    }  # fmt: skip
    assert form.report_uuid.data == "7d3c1f0e-0000-4000-8000-000000000000"
    assert form.answers_from_formdata()["refusal_reasons"] == ["full", "no_reason"]


@pytest.mark.usefixtures("request_context")
def test_stored_answers_render_as_checked():
    stored = {"admitted": "no", "id_asked": True, "refusal_reasons": ["age"], "wait_minutes": 5}
    form = make_form("nightlife-door", data=stored)
    html = "".join(field() for field in form)
    checked = re.findall(r'<input checked [^>]*name="(\w+)" type="\w+" value="(\w+)"', html)
    assert checked == [("admitted", "no"), ("refusal_reasons", "age"), ("id_asked", "true")]
    assert 'value="5"' in form["wait_minutes"]()


def test_classes_are_cached_per_language():
    instrument = get_instrument("nightlife-door")
    assert build_form_class(instrument, "nl") is build_form_class(instrument)
    assert build_form_class(instrument, "en") is not build_form_class(instrument, "nl")
    assert build_form_class(instrument, "de") is build_form_class(instrument, "nl")
    assert build_form_class(instrument, "en").__name__ == "NightlifeDoorV1EnForm"


def test_dispatch_covers_every_type_and_raises_on_unknown(small):
    assert set(_FIELD_BUILDERS) == set(QUESTION_TYPES)
    rating = Question(id="stars", type="rating", label={"nl": "Sterren", "en": "Stars"})
    with pytest.raises(
        InstrumentError, match=r"^small\.toml: question 'stars': no form field for type 'rating'"
    ):
        build_field(small, rating, "nl")


@pytest.mark.usefixtures("request_context")
def test_reserved_ids_cover_form_attributes(small):
    form = build_form_class(small)()
    attributes = {name for name in dir(form) if re.fullmatch(r"[a-z][a-z0-9_]*", name)}
    question_ids = {q.id for q in small.questions}
    assert attributes - question_ids <= RESERVED_IDS


def test_csrf_is_checked_when_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    form_class = build_form_class(get_instrument("nightlife-door"))
    with app.test_request_context(method="POST", data=VALID_NIGHTLIFE):
        form = form_class()
        assert not form.validate()
        assert list(form.errors) == ["csrf_token"]
    with app.test_request_context():
        token = generate_csrf()
        formdata = MultiDict([*VALID_NIGHTLIFE.items(multi=True), ("csrf_token", token)])
        assert form_class(formdata=formdata).validate()
