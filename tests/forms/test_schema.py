"""Loading instruments: every rejection rule names the file, the question and the fix."""

import subprocess
import sys
from pathlib import Path

import pytest

from forms import InstrumentError
from forms import available_instruments
from forms import get_instrument
from forms import load_instrument
from forms import parse_instrument

SMALL_TOML = Path(__file__).with_name("small.toml").read_text(encoding="utf-8")

EXTRA = """
[[question]]
id = "extra"
type = "text"
label = { nl = "Extra", en = "Extra" }
"""

ADMITTED_CHOICES = """choices = [
  { value = "yes", label = { nl = "Ja", en = "Yes" } },
  { value = "no", label = { nl = "Nee", en = "No" } },
]"""


def edit(old: str, new: str, text: str = SMALL_TOML) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def extra(*lines: str) -> str:
    """The small instrument plus a text question 'extra' with `lines` appended to it."""
    return SMALL_TOML + EXTRA + "".join(line + "\n" for line in lines)


# (toml text, question id named in the message or None, fragments the message must contain)
REJECTIONS = {
    "toml syntax": (SMALL_TOML + "\n[[question]\n", None, ["TOML syntax error", "line"]),
    "unknown top-level key": (
        edit('version = 1', 'version = 1\ntitel = { nl = "x", en = "x" }'), None,
        ["unknown top-level key 'titel'", "did you mean 'title'"],
    ),
    "missing version": (edit("version = 1\n", ""), None, ["missing top-level key 'version'"]),
    "bad version": (edit("version = 1", 'version = "1"'), None, ["not a positive integer"]),
    "unknown domain": (edit('domain = "nightlife"', 'domain = "jobs"'), None, ["unknown domain"]),
    "missing title": (edit('title = { nl = "Klein", en = "Small" }\n', ""), None, ["missing title"]),
    "unknown question key": (extra("requred = true"), "extra", ["unknown question key 'requred'", "did you mean 'required'"]),
    "missing type": (edit('id = "extra"\ntype = "text"\n', 'id = "extra"\n', extra()), "extra", ["missing type"]),
    "unknown type": (edit('"extra"\ntype = "text"', '"extra"\ntype = "number"', extra()), "extra", ["unknown type 'number'", "integer, decimal"]),
    "missing label": (edit('label = { nl = "Extra", en = "Extra" }\n', "", extra()), "extra", ["missing label"]),
    "label lacks en": (edit('label = { nl = "Extra", en = "Extra" }', 'label = { nl = "Extra" }', extra()), "extra", ["label lacks the 'en' text"]),
    "label lacks nl": (edit('label = { nl = "Extra", en = "Extra" }', 'label = { en = "Extra" }', extra()), "extra", ["label lacks the 'nl' text"]),
    "unknown language": (edit('en = "Extra" }', 'en = "Extra", eng = "x" }', extra()), "extra", ["unknown language 'eng'"]),
    "empty label": (edit('en = "Extra" }', 'en = " " }', extra()), "extra", ["label.en must be a non-empty string"]),
    "help lacks en": (extra('help = { nl = "Hulp" }'), "extra", ["help lacks the 'en' text"]),
    "required not a boolean": (extra('required = "yes"'), "extra", ["required must be true or false, not a string"]),
    "primary not a boolean": (edit("primary = true", 'primary = "yes"'), "admitted", ["primary must be true or false"]),
    "duplicate question id": (edit('id = "extra"', 'id = "wait"', extra()), "wait", ["duplicate question id"]),
    "duplicate choice value": (edit('{ value = "no", label', '{ value = "yes", label'), "admitted", ["duplicate choice value 'yes'"]),
    "choice value not identifier": (edit('value = "no"', 'value = "1-10"'), "admitted", ["choice value '1-10' is not a lower-case identifier"]),
    "unknown choice key": (edit('{ value = "no", label', '{ value = "no", code = 2, label'), "admitted", ["unknown choice key 'code'"]),
    "choices on non-choice type": (extra(ADMITTED_CHOICES), "extra", ["choices on a question of type 'text'"]),
    "choices missing": (edit(ADMITTED_CHOICES + "\n", ""), "admitted", ["needs choices"]),
    "relevant unknown question": (extra('relevant = { question = "admited", in = ["no"] }'), "extra", ["unknown question 'admited'", "use one of the ids defined above it: arrival, admitted"]),
    "relevant later question": (edit('relevant = { question = "admitted"', 'relevant = { question = "wait"'), "reasons", ["not defined above it", "move 'wait' above 'reasons'"]),
    "relevant on itself": (edit('relevant = { question = "admitted"', 'relevant = { question = "reasons"'), "reasons", ["not defined above it"]),
    "relevant in not a choice": (edit('in = ["no"]', 'in = ["nee"]'), "reasons", ["'nee' is not a value of 'admitted'", "yes, no"]),
    "relevant on a number": (extra('relevant = { question = "wait", in = ["3"] }'), "extra", ["of type 'integer'", "choice, multichoice or boolean"]),
    "relevant unknown key": (extra('relevant = { question = "admitted", inn = ["no"] }'), "extra", ["unknown relevant key 'inn'", "did you mean 'in'"]),
    "binary outcome on integer": (edit('kind = "continuous", adverse = "higher"', 'kind = "binary", favourable = ["0"]'), "wait", ["binary outcome on a question of type 'integer'"]),
    "binary outcome on multichoice": (edit('choices = [ { value = "late"', 'outcome = { kind = "binary", favourable = ["late"] }\nchoices = [ { value = "late"'), "deviations", ["binary outcome on a question of type 'multichoice'"]),
    "continuous outcome on choice": (edit('kind = "binary", favourable = ["yes"]', 'kind = "continuous", adverse = "lower"'), "admitted", ["continuous outcome on a question of type 'choice'"]),
    "binary without favourable": (edit(', favourable = ["yes"]', ""), "admitted", ["needs favourable values"]),
    "favourable not a choice": (edit('favourable = ["yes"]', 'favourable = ["ja"]'), "admitted", ["favourable value 'ja'", "yes, no"]),
    "adverse not higher or lower": (edit('adverse = "higher"', 'adverse = "up"'), "wait", ["adverse is 'up'", '"higher" or adverse = "lower"']),
    "continuous without adverse": (edit(', adverse = "higher"', ""), "wait", ["adverse is None"]),
    "unknown outcome kind": (edit('kind = "continuous"', 'kind = "count"'), "wait", ["unknown outcome kind 'count'"]),
    "unknown outcome key": (edit('adverse = "higher"', 'adverse = "higher", primery = true'), "wait", ["did you mean 'primary'"]),
    "given on a binary outcome": (edit('favourable = ["yes"]', 'favourable = ["yes"], given = { question = "arrival", in = ["x"] }'), "admitted", ["given on a binary outcome"]),
    "given on a later question": (edit('adverse = "higher"', 'adverse = "higher", given = { question = "deviations", in = ["late"] }'), "wait", ["outcome.given refers to 'deviations', which is not defined above it"]),
    "given value not a choice": (edit('adverse = "higher"', 'adverse = "higher", given = { question = "admitted", in = ["ja"] }'), "wait", ["outcome.given.in value 'ja' is not a value of 'admitted'"]),
    "two primary outcomes": (edit('adverse = "higher"', 'adverse = "higher", primary = true'), "wait", ["second primary outcome (the first is 'admitted')"]),
    "min greater than max": (edit("min = 0", "min = 90"), "wait", ["min (90) is greater than max (60)"]),
    "min on text": (extra("min = 1"), "extra", ["min on a question of type 'text'"]),
    "max on choice": (edit("required = true\nlabel = { nl = \"Binnen?\"", "max = 3\nlabel = { nl = \"Binnen?\""), "admitted", ["max on a question of type 'choice'"]),
    "fractional min on integer": (edit("min = 0", "min = 0.5"), "wait", ["use a whole number"]),
    "max_length on integer": (edit("min = 0", "max_length = 3"), "wait", ["max_length on a question of type 'integer'"]),
    "arrival unknown": (edit('arrival_question = "arrival"', 'arrival_question = "arival"'), None, ["arrival_question names unknown question 'arival'", "time or datetime: arrival"]),
    "arrival wrong type": (edit('arrival_question = "arrival"', 'arrival_question = "wait"'), "wait", ["arrival_question names 'wait'", "of type 'integer'"]),
    "deviation wrong type": (edit('deviation_question = "deviations"', 'deviation_question = "admitted"'), "admitted", ["deviation_question names 'admitted'", "multichoice: reasons, deviations"]),
    "id with capital": (edit('id = "extra"', 'id = "Extra"', extra()), "#7", ["id 'Extra' is not a lower-case identifier"]),
    "id with hyphen": (edit('id = "extra"', 'id = "wait-minutes"', extra()), "#7", ["not a lower-case identifier"]),
    "id with double underscore": (edit('id = "extra"', 'id = "fee__protected"', extra()), "#7", ["not a lower-case identifier"]),
    "id is a keyword": (edit('id = "extra"', 'id = "class"', extra()), "#7", ["not a lower-case identifier"]),
    "missing id": (edit('id = "extra"\n', "", extra()), "#7", ["missing id"]),
    "id report_uuid": (edit('id = "extra"', 'id = "report_uuid"', extra()), "report_uuid", ["collides with a form field"]),
    "id csrf_token": (edit('id = "extra"', 'id = "csrf_token"', extra()), "csrf_token", ["collides with a form field"]),
    "id data": (edit('id = "extra"', 'id = "data"', extra()), "data", ["collides with a form field"]),
}  # fmt: skip


@pytest.mark.parametrize(("text", "qid", "fragments"), REJECTIONS.values(), ids=REJECTIONS.keys())
def test_rejections_name_file_question_and_fix(text, qid, fragments):
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, source="broken.toml")
    message = str(caught.value)
    assert message.startswith("broken.toml: ")
    assert "Fix: " in message
    if qid is not None:
        assert f"question '{qid}': " in message
        assert caught.value.question == qid
    for fragment in fragments:
        assert fragment in message


def test_small_instrument_parses(small):
    assert [q.id for q in small.questions] == [
        "arrival", "admitted", "reasons", "other_reason", "wait", "deviations",
    ]  # fmt: skip
    assert small.source == "small.toml"
    assert small.text == SMALL_TOML
    assert small.question("wait").min == 0 and small.question("wait").max == 60


def test_load_instrument_names_the_file(tmp_path):
    path = tmp_path / "door.toml"
    path.write_text(SMALL_TOML.replace('type = "time"', 'type = "clock"'), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"^door\.toml: question 'arrival': unknown type"):
        load_instrument(path)
    path.write_text(SMALL_TOML, encoding="utf-8")
    assert load_instrument(path).source == "door.toml"


def test_available_instruments():
    assert available_instruments() == [("housing-access", 1), ("nightlife-door", 1)]


def test_get_instrument_is_cached_and_versioned():
    assert get_instrument("nightlife-door") is get_instrument("nightlife-door", 1)


@pytest.mark.parametrize(
    ("instrument_id", "version", "fragment"),
    [
        ("nightlife", None, "unknown instrument 'nightlife'. Fix: use one of: housing-access v1, nightlife-door v1"),
        ("nightlife-door", 2, "has no version 2. Fix: use one of its versions: 1"),
    ],
)  # fmt: skip
def test_get_instrument_unknown(instrument_id, version, fragment):
    with pytest.raises(InstrumentError, match="^forms/instruments: ") as caught:
        get_instrument(instrument_id, version)
    assert fragment in str(caught.value)


def test_question_lookup_and_labels(small):
    admitted = small.question("admitted")
    assert admitted.label_in("en") == "In?"
    assert admitted.label_in("de") == "Binnen?"  # falls back to Dutch
    assert admitted.choice_label("no", "en") == "No"
    with pytest.raises(
        KeyError, match="no question 'admited'; its questions are: arrival, admitted"
    ):
        small.question("admited")
    with pytest.raises(KeyError, match="has no choice 'maybe'"):
        admitted.choice_label("maybe", "nl")


def test_boolean_choice_labels(nightlife):
    id_asked = nightlife.question("id_asked")
    assert id_asked.choice_values == ("true", "false")
    assert id_asked.choice_label("true", "nl") == "Ja"
    assert id_asked.choice_label("false", "en") == "No"


@pytest.mark.parametrize(
    ("answers", "relevant"),
    [
        ({}, False),
        ({"admitted": "yes"}, False),
        ({"admitted": "no"}, False),
        ({"admitted": "no", "reasons": ["full"]}, False),
        ({"admitted": "no", "reasons": ["full", "other"]}, True),
        # A controller that is itself irrelevant makes its dependants irrelevant.
        ({"admitted": "yes", "reasons": ["other"]}, False),
    ],
)
def test_nested_relevance(small, answers, relevant):
    assert small.is_relevant("other_reason", answers) is relevant


@pytest.mark.parametrize(
    ("any_response", "relevant"), [(True, True), (False, False), ("true", True)]
)
def test_boolean_controller_relevance(housing, any_response, relevant):
    answers = {"any_response": any_response}
    assert housing.is_relevant(housing.question("unit_available_said"), answers) is relevant


def test_outcome_given_a_condition():
    # a continuous outcome that exists only under an earlier answer (a fee only when let in)
    text = edit(
        'adverse = "higher"', 'adverse = "higher", given = { question = "admitted", in = ["yes"] }'
    )
    wait = parse_instrument(text).question("wait")
    assert wait.outcome.given.question == "admitted" and wait.outcome.given.values == ("yes",)
    fee = get_instrument("nightlife-door").question("fee_eur")
    assert fee.outcome.given.values == ("yes", "conditional") and fee.relevant is None


def test_outcomes_and_primary(small):
    assert [q.id for q in small.outcomes()] == ["admitted", "wait"]
    assert small.primary_outcome() is small.question("admitted")


def test_importing_forms_does_not_import_flask_or_wtforms():
    code = (
        "import sys, forms, forms.schema, forms.validation, forms.messages\n"
        "forms.validate_answers(forms.get_instrument('nightlife-door'), {})\n"
        "bad = {'flask', 'wtforms', 'flask_wtf', 'fieldwork', 'analysis'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
