"""Question roles: what a question means to the publication, checked when the file is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms import InstrumentError
from forms import get_instrument
from forms import parse_instrument

SMALL_TOML = Path(__file__).with_name("small.toml").read_text(encoding="utf-8")
REASONS = 'id = "reasons"\ntype = "multichoice"\n'


def with_role(role_line: str, text: str = SMALL_TOML) -> str:
    assert REASONS in text
    return text.replace(REASONS, REASONS + role_line + "\n", 1)


def test_the_shipped_nightlife_instrument_marks_its_reasons_question():
    assert get_instrument("nightlife-door", 1).with_role("reasons").id == "refusal_reasons"
    assert get_instrument("housing-access", 1).with_role("reasons") is None


def test_a_reasons_role_loads():
    instrument = parse_instrument(with_role('role = "reasons"'), "small.toml")
    assert instrument.with_role("reasons").id == "reasons"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (with_role('role = "reason"'), ["unknown role 'reason'", "did you mean 'reasons'",
                                         "use one of the roles"]),
        (with_role('role = "table3"'), ["unknown role 'table3'", "'reasons': the reasons"]),
        (with_role("role = 3"), ["unknown role 3"]),
        (
            with_role('role = "reasons"').replace('relevant = { question = "admitted", '
                                                  'in = ["no"] }\nlabel = { nl = "Redenen"',
                                                  'label = { nl = "Redenen"'),
            ["not asked only after an unfavourable answer to 'admitted'",
             "relevant = { question = 'admitted'", "values from: no"],
        ),
        (
            with_role('role = "reasons"').replace('in = ["no"] }\nlabel = { nl = "Redenen"',
                                                  'in = ["yes", "no"] }\nlabel = { nl = "Redenen"'),
            ["not asked only after an unfavourable answer"],
        ),
        (
            with_role('role = "reasons"').replace("primary = true", "primary = false"),
            ["role 'reasons' without a primary binary outcome"],
        ),
    ],
)  # fmt: skip
def test_role_mistakes_are_refused_at_load_time(text, fragments):
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, "small.toml")
    message = str(caught.value)
    assert message.startswith("small.toml: question 'reasons': ")
    assert "Fix: " in message
    for fragment in fragments:
        assert fragment in message, message


def test_a_role_on_a_single_choice_question_is_refused():
    text = with_role('role = "reasons"').replace(REASONS, 'id = "reasons"\ntype = "choice"\n')
    with pytest.raises(InstrumentError, match="role 'reasons' on a question of type 'choice'"):
        parse_instrument(text, "small.toml")


def test_a_role_given_twice_is_refused():
    second = (
        '\n[[question]]\nid = "more_reasons"\ntype = "multichoice"\nrole = "reasons"\n'
        'relevant = { question = "admitted", in = ["no"] }\n'
        'label = { nl = "Meer", en = "More" }\n'
        'choices = [ { value = "x", label = { nl = "X", en = "X" } } ]\n'
    )
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(with_role('role = "reasons"') + second, "small.toml")
    assert "a second question with role 'reasons' (the first is 'reasons')" in str(caught.value)
