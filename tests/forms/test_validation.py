"""validate_answers: normalisation per type, ranges, required-when-relevant, dropped-when-irrelevant."""

import datetime as dt
import doctest
import json

import pytest
from werkzeug.datastructures import MultiDict

import forms.validation
from forms import unknown_keys
from forms import validate_answers
from forms.validation import DEFAULT_TEXT_MAX_LENGTH

# The smallest complete valid nightlife report, as JSON would send it.
ADMITTED = {
    "arrival_time": "23:40",
    "admitted": "yes",
    "id_asked": False,
    "staff_tone": "friendly",
    "physical_contact": False,
}
REFUSED = {**ADMITTED, "admitted": "no", "refusal_reasons": ["full"]}


def clean(instrument, qid, value, base=REFUSED):
    """(cleaned value or None, error list) for one answer on top of a valid report."""
    result = validate_answers(instrument, {**base, qid: value})
    return result.answers.get(qid), result.errors.get(qid, [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 12), ("12", 12), (" 7 ", 7), (0, 0), ("240", 240), (30.0, 30), ("+5", 5)],
)
def test_integer_accepted(nightlife, value, expected):
    cleaned, errors = clean(nightlife, "wait_minutes", value)
    assert (cleaned, errors) == (expected, [])
    assert type(cleaned) is int


@pytest.mark.parametrize(
    "value", ["3.5", 3.5, "abc", "1e3", "1_000", "٣", True, False, "-1", -1, 241, "241", {"a": 1}]
)
def test_integer_rejected(nightlife, value):
    assert clean(nightlife, "wait_minutes", value) == (
        None,
        ["Enter a whole number between 0 and 240."],
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12,50", 12.5),
        ("12.50", 12.5),
        (" 7 ", 7.0),
        (10, 10.0),
        (0.5, 0.5),
        (",5", 0.5),
        ("200", 200.0),
    ],
)
def test_decimal_accepted(nightlife, value, expected):
    cleaned, errors = clean(nightlife, "fee_eur", value)
    assert (cleaned, errors) == (expected, [])
    assert type(cleaned) is float


@pytest.mark.parametrize(
    "value",
    ["12 euro", "1.234,50", "€5", "nan", float("nan"), float("inf"), True, "200.01", -0.5, "1e2"],
)
def test_decimal_rejected(nightlife, value):
    cleaned, errors = clean(nightlife, "fee_eur", value)
    assert cleaned is None
    assert errors == ["Enter a number between 0 and 200, for example 12.50 or 12,50."]


@pytest.mark.parametrize(
    ("qid", "value", "expected"),
    [
        ("admitted", " no ", "no"),
        ("queue_length", "q11_30", "q11_30"),
        ("refusal_reasons", ["other", "age", "age", ""], ["age", "other"]),
        ("refusal_reasons", "age", ["age"]),
        ("refusal_reasons", ("no_reason",), ["no_reason"]),
    ],
)
def test_choices_normalised(nightlife, qid, value, expected):
    assert clean(nightlife, qid, value) == (expected, [])


@pytest.mark.parametrize(
    ("qid", "value", "message"),
    [
        ("admitted", "maybe", "Choose one of the listed options: yes, no, conditional."),
        ("admitted", "Yes", "Choose one of the listed options: yes, no, conditional."),
        ("admitted", 1, "Choose one of the listed options: yes, no, conditional."),
        ("queue_length", ["none", "q1_10"], "Give one answer, not a list."),
        ("refusal_reasons", ["age", "too_cool"], "Choose only from the listed options: full, "),
        ("refusal_reasons", [3], "Choose only from the listed options: "),
    ],
)
def test_choices_rejected(nightlife, qid, value, message):
    cleaned, errors = clean(nightlife, qid, value)
    assert cleaned is None
    assert len(errors) == 1 and errors[0].startswith(message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True), (False, False), ("true", True), ("false", False), ("yes", True),
        ("no", False), ("1", True), ("0", False), ("on", True), ("TRUE", True), (1, True), (0, False),
    ],
)  # fmt: skip
def test_boolean_forms(nightlife, value, expected):
    assert clean(nightlife, "physical_contact", value) == (expected, [])


@pytest.mark.parametrize("value", ["ja", "maybe", 2, ["true", "false"]])
def test_boolean_rejected(nightlife, value):
    cleaned, errors = clean(nightlife, "physical_contact", value)
    assert cleaned is None and len(errors) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("23:40", "23:40"), ("23:40:59", "23:40"), ("7:05", "07:05"), ("00:00:00.000", "00:00"),
     (dt.time(1, 2, 3), "01:02")],
)  # fmt: skip
def test_time_accepted(nightlife, value, expected):
    assert clean(nightlife, "arrival_time", value) == (expected, [])


@pytest.mark.parametrize("value", ["24:00", "23:60", "2340", "23.40", "11:40 PM", 2340])
def test_time_rejected(nightlife, value):
    assert clean(nightlife, "arrival_time", value) == (
        None,
        ["Enter a time as HH:MM, for example 23:45."],
    )


HOUSING = {"contact_mode": "phone", "contact_time": "2025-05-17T10:30", "any_response": True,
           "invited_to_viewing": False}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-05-17T10:30", "2025-05-17T10:30"),  # the browser's datetime-local value
        ("2025-05-17T10:30:15", "2025-05-17T10:30"),
        ("2025-05-17 10:30", "2025-05-17T10:30"),
        ("2025-05-17T10:30:15.250", "2025-05-17T10:30"),
        (dt.datetime(2025, 5, 17, 10, 30, 59), "2025-05-17T10:30"),
    ],
)
def test_datetime_accepted(housing, value, expected):
    assert clean(housing, "contact_time", value, base=HOUSING) == (expected, [])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-05-17", "Enter a date and time as YYYY-MM-DDTHH:MM, for example 2025-05-17T23:45."),
        ("17-05-2025 10:30", "Enter a date and time as YYYY-MM-DDTHH:MM, for example 2025-05-17T23:45."),
        ("2025-13-17T10:30", "Enter a date and time as YYYY-MM-DDTHH:MM, for example 2025-05-17T23:45."),
        ("2025-05-17T10:30Z", "Enter the local date and time without a time zone, for example 2025-05-17T23:45."),
        ("2025-05-17T10:30+02:00", "Enter the local date and time without a time zone, for example 2025-05-17T23:45."),
    ],
)  # fmt: skip
def test_datetime_rejected(housing, value, message):
    assert clean(housing, "contact_time", value, base=HOUSING) == (None, [message])


def test_text_is_stripped_and_line_endings_normalised(nightlife):
    assert clean(nightlife, "notes", "  a\r\nb\rc  ") == ("a\nb\nc", [])


def test_text_length(nightlife, small):
    long_text = "x" * (DEFAULT_TEXT_MAX_LENGTH + 1)
    assert clean(nightlife, "notes", long_text)[1] == [
        f"Shorten this to at most {DEFAULT_TEXT_MAX_LENGTH} characters (it has {DEFAULT_TEXT_MAX_LENGTH + 1})."
    ]
    base = {"admitted": "no", "reasons": ["other"]}
    assert clean(small, "other_reason", "y" * 20, base=base) == ("y" * 20, [])
    assert clean(small, "other_reason", "y" * 21, base=base)[1] == [
        "Shorten this to at most 20 characters (it has 21)."
    ]
    assert clean(nightlife, "notes", 42)[1] == ["Enter text."]


def test_required_when_relevant(nightlife):
    refused = {**ADMITTED, "admitted": "no"}
    assert validate_answers(nightlife, refused).errors == {
        "refusal_reasons": ["Choose at least one option."]
    }
    assert validate_answers(nightlife, {**refused, "refusal_reasons": ["", ""]}).errors == {
        "refusal_reasons": ["Choose at least one option."]
    }
    assert validate_answers(nightlife, ADMITTED).ok


def test_missing_required_answers(nightlife):
    assert validate_answers(nightlife, {"notes": "  "}).errors == {
        "arrival_time": ["This question needs an answer."],
        "admitted": ["Choose an answer."],
        "id_asked": ["Choose an answer."],
        "staff_tone": ["Choose an answer."],
        "physical_contact": ["Choose an answer."],
    }


def test_irrelevant_answers_are_dropped(nightlife):
    given = {
        **ADMITTED,
        "refusal_reasons": ["full", "bogus"],
        "reason_verbatim": "vol",
        "asked_reason": "x",
    }
    result = validate_answers(nightlife, given)
    assert result.ok
    assert result.answers == ADMITTED


@pytest.mark.parametrize(
    ("given", "answers", "errors"),
    [
        ({"admitted": "no", "reasons": ["other"], "other_reason": "te laat"},
         {"admitted": "no", "reasons": ["other"], "other_reason": "te laat"}, {}),
        ({"admitted": "no", "reasons": ["full"], "other_reason": "te laat"},
         {"admitted": "no", "reasons": ["full"]}, {}),
        # reasons is irrelevant when admitted, so other_reason is irrelevant too
        ({"admitted": "yes", "reasons": ["other"], "other_reason": "te laat"}, {"admitted": "yes"}, {}),
        # an invalid controller leaves its dependants unjudged
        ({"admitted": "no", "reasons": ["nope"], "other_reason": "y" * 99},
         {"admitted": "no"}, {"reasons": ["Choose only from the listed options: full, other."]}),
    ],
)  # fmt: skip
def test_nested_relevance(small, given, answers, errors):
    result = validate_answers(small, given)
    assert (result.answers, result.errors) == (answers, errors)


def test_empty_optional_answers_are_omitted(nightlife):
    given = {**ADMITTED, "fee_eur": "", "notes": "   ", "deviations": [], "queue_length": None}
    assert validate_answers(nightlife, given).answers == ADMITTED


JSON_REPORT = {
    "arrival_time": "01:05", "admitted": "conditional", "refusal_stage": "door",
    "refusal_reasons": ["entrance_fee", "dress_code"], "reason_verbatim": "Sneakers kosten 5 euro extra.",
    "asked_reason": True, "house_rules_visible": "unknown", "id_asked": True, "fee_eur": 12.5,
    "wait_minutes": 15, "queue_length": "q11_30", "staff_tone": "unfriendly",
    "physical_contact": False, "deviations": ["late"],
}  # fmt: skip
FORM_REPORT = MultiDict(
    [
        ("arrival_time", "01:05:00"), ("admitted", "conditional"), ("refusal_stage", "door"),
        ("refusal_reasons", "dress_code"), ("refusal_reasons", "entrance_fee"),
        ("reason_verbatim", "Sneakers kosten 5 euro extra.\r\n"), ("asked_reason", "true"),
        ("house_rules_visible", "unknown"), ("id_asked", "true"), ("fee_eur", "12,50"),
        ("wait_minutes", "15"), ("queue_length", "q11_30"), ("staff_tone", "unfriendly"),
        ("physical_contact", "false"), ("deviations", "late"), ("notes", ""),
        ("report_uuid", "7d3c1f0e-0000-4000-8000-000000000000"), ("csrf_token", "x"),
    ]
)  # fmt: skip


def test_json_and_form_input_agree(nightlife):
    from_json = validate_answers(nightlife, JSON_REPORT)
    from_form = validate_answers(nightlife, FORM_REPORT)
    assert from_json.ok and from_form.ok
    assert from_json.answers == from_form.answers
    assert list(from_json.answers) == list(from_form.answers)  # instrument order
    assert from_form.answers["refusal_reasons"] == ["dress_code", "entrance_fee"]
    assert json.loads(json.dumps(from_form.answers)) == from_form.answers
    # a form's full list of values per key (to_dict(flat=False)) gives the same answers
    assert validate_answers(nightlife, FORM_REPORT.to_dict(flat=False)).answers == from_form.answers


def test_unknown_keys(nightlife):
    assert unknown_keys(nightlife, FORM_REPORT) == ["csrf_token", "report_uuid"]
    assert unknown_keys(nightlife, JSON_REPORT) == []
    assert validate_answers(nightlife, {**ADMITTED, "colour": "red"}).answers == ADMITTED


def test_answer_result_ok(nightlife):
    assert validate_answers(nightlife, ADMITTED).ok
    assert not validate_answers(nightlife, {}).ok


def test_doctests():
    assert doctest.testmod(forms.validation, raise_on_error=True).attempted > 0
