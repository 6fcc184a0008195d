"""Answer errors are plain English strings that keep their template and parameters, so the app
can show them in the reader's language without parsing English back (forms never imports Flask)."""

from __future__ import annotations

import doctest
import json
import pickle

from forms import get_instrument
from forms import messages
from forms import validate_answers
from forms.messages import Message


def test_a_message_is_its_english_text_and_keeps_template_and_parameters():
    message = messages.whole_number(0, 240.0)
    assert message == "Enter a whole number between 0 and 240."
    assert (message.template, message.params) == (messages.WHOLE_NUMBER_BETWEEN,
                                                  {"low": 0, "high": 240.0})  # fmt: skip
    assert json.dumps({"errors": [message]}) == (
        '{"errors": ["Enter a whole number between 0 and 240."]}'
    )
    copy = pickle.loads(pickle.dumps(message))
    assert copy == message and copy.template == message.template and copy.params == message.params


def test_render_puts_the_parameters_into_another_template():
    message = messages.number(0.5, 12.25)
    dutch = {messages.NUMBER_BETWEEN: "Vul een getal in tussen %(low)s en %(high)s."}
    assert message.render(dutch.__getitem__, lambda n: str(n).replace(".", ",")) == (
        "Vul een getal in tussen 0,5 en 12,25."
    )
    counted = Message("Write why (at least %(n)d characters).", n=10)
    assert counted.render(lambda text: text) == "Write why (at least 10 characters)."


def test_every_answer_error_is_a_message():
    instrument = get_instrument("nightlife-door", 1)
    result = validate_answers(instrument, {"wait_minutes": "x", "admitted": "maybe"})
    found = [error for errors in result.errors.values() for error in errors]
    assert found and all(isinstance(error, Message) for error in found)
    assert all(error.template in vars(messages).values() for error in found)


def test_the_examples_in_the_module_hold():
    result = doctest.testmod(messages)
    assert result.attempted >= 3 and result.failed == 0
