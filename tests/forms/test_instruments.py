"""The two shipped instruments: complete, bilingual, with the agreed outcomes."""

import pytest

from forms import LANGUAGES
from forms import get_instrument

SHIPPED = ["nightlife-door", "housing-access"]

REFUSAL_REASON_CODES = [
    "full", "private_party", "members_only", "regulars_only", "guest_list_or_reservation",
    "dress_code", "group_composition", "age", "id_check", "behaviour_intoxication",
    "entrance_fee", "explicit_origin", "no_reason", "other",
]  # fmt: skip


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_every_text_is_bilingual(instrument_id):
    instrument = get_instrument(instrument_id)
    assert set(instrument.title) == set(LANGUAGES)
    for question in instrument.questions:
        assert set(question.label) == set(LANGUAGES), question.id
        assert question.help is None or set(question.help) == set(LANGUAGES), question.id
        for choice in question.choices:
            assert set(choice.label) == set(LANGUAGES), (question.id, choice.value)
            assert choice.label["nl"] != choice.label["en"], "English label not translated"


@pytest.mark.parametrize(
    ("instrument_id", "outcomes"),
    [
        (
            "nightlife-door",
            [
                ("admitted", "binary", ("yes",), None, True),
                ("id_asked", "binary", ("false",), None, False),
                ("fee_eur", "continuous", (), "higher", False),
                ("wait_minutes", "continuous", (), "higher", False),
                ("staff_tone", "binary", ("friendly", "neutral"), None, False),
            ],
        ),
        (
            "housing-access",
            [
                ("any_response", "binary", ("true",), None, False),
                ("invited_to_viewing", "binary", ("true",), None, True),
                ("units_offered", "continuous", (), "lower", False),
                ("rent_quoted_eur", "continuous", (), "higher", False),
                ("courtesy", "binary", ("good", "neutral"), None, False),
            ],
        ),
    ],
)
def test_outcomes(instrument_id, outcomes):
    instrument = get_instrument(instrument_id)
    found = [
        (q.id, q.outcome.kind, q.outcome.favourable, q.outcome.adverse, q.outcome.primary)
        for q in instrument.outcomes()
    ]
    assert found == outcomes


@pytest.mark.parametrize(
    ("instrument_id", "domain", "arrival", "arrival_type", "question_ids"),
    [
        (
            "nightlife-door", "nightlife", "arrival_time", "time",
            ["arrival_time", "admitted", "refusal_stage", "refusal_reasons", "reason_verbatim",
             "asked_reason", "house_rules_visible", "id_asked", "fee_eur", "wait_minutes",
             "queue_length", "staff_tone", "physical_contact", "deviations", "notes"],
        ),
        (
            "housing-access", "housing", "contact_time", "datetime",
            ["contact_mode", "contact_time", "any_response", "invited_to_viewing",
             "unit_available_said", "units_offered", "units_shown", "rent_quoted_eur",
             "fees_quoted_eur", "qualifications_asked", "follow_up_contact", "courtesy",
             "deviations", "notes"],
        ),
    ],
)  # fmt: skip
def test_shape(instrument_id, domain, arrival, arrival_type, question_ids):
    instrument = get_instrument(instrument_id)
    assert (instrument.id, instrument.version, instrument.domain) == (instrument_id, 1, domain)
    assert [q.id for q in instrument.questions] == question_ids
    assert instrument.arrival_question == arrival
    assert instrument.question(arrival).type == arrival_type
    assert instrument.question(arrival).required
    assert instrument.deviation_question == "deviations"
    assert instrument.question("deviations").type == "multichoice"
    assert not instrument.question("deviations").required
    assert instrument.source == f"{instrument_id}.toml"
    assert instrument.text.startswith("#")


def test_nightlife_refusal_reasons(nightlife):
    reasons = nightlife.question("refusal_reasons")
    assert [c.value for c in reasons.choices] == REFUSAL_REASON_CODES
    assert reasons.required
    assert reasons.choice_label("private_party", "nl") == "Besloten feest / privéfeest"
    assert reasons.choice_label("no_reason", "en") == "No reason given"
    for qid in ("refusal_stage", "refusal_reasons", "reason_verbatim", "asked_reason"):
        relevant = nightlife.question(qid).relevant
        assert (relevant.question, relevant.values) == ("admitted", ("no", "conditional"))


@pytest.mark.parametrize(
    ("qid", "qtype", "required", "choices"),
    [
        ("admitted", "choice", True, ["yes", "no", "conditional"]),
        ("refusal_stage", "choice", False, ["queue", "door", "inside"]),
        ("house_rules_visible", "choice", False, ["yes", "no", "unknown"]),
        ("queue_length", "choice", False, ["none", "q1_10", "q11_30", "over_30"]),
        ("staff_tone", "choice", True, ["friendly", "neutral", "unfriendly", "hostile"]),
        ("deviations", "multichoice", False,
         ["argued", "intoxicated", "seen_with_other_group", "wrong_venue", "late"]),
        ("id_asked", "boolean", True, []),
        ("physical_contact", "boolean", True, []),
        ("notes", "text", False, []),
    ],
)  # fmt: skip
def test_nightlife_questions(nightlife, qid, qtype, required, choices):
    question = nightlife.question(qid)
    assert (question.type, question.required) == (qtype, required)
    assert [c.value for c in question.choices] == choices


@pytest.mark.parametrize(
    ("instrument_id", "qid", "low", "high"),
    [
        ("nightlife-door", "fee_eur", 0, 200),
        ("nightlife-door", "wait_minutes", 0, 240),
        ("housing-access", "units_offered", 0, 50),
        ("housing-access", "units_shown", 0, 50),
        ("housing-access", "rent_quoted_eur", 0, 10000),
        ("housing-access", "fees_quoted_eur", 0, 20000),
    ],
)
def test_ranges(instrument_id, qid, low, high):
    question = get_instrument(instrument_id).question(qid)
    assert (question.min, question.max) == (low, high)


@pytest.mark.parametrize(
    ("qid", "qtype", "required", "choices"),
    [
        ("contact_mode", "choice", True, ["visit", "phone", "email"]),
        ("unit_available_said", "choice", False, ["yes", "no", "unclear"]),
        ("qualifications_asked", "multichoice", False,
         ["income", "employment_contract", "credit_check", "landlord_statement", "origin",
          "religion", "household", "other"]),
        ("courtesy", "choice", False, ["good", "neutral", "poor"]),
        ("deviations", "multichoice", False, ["disclosed", "wrong_listing", "late", "other"]),
        ("any_response", "boolean", True, []),
        ("follow_up_contact", "boolean", False, []),
    ],
)  # fmt: skip
def test_housing_questions(housing, qid, qtype, required, choices):
    question = housing.question(qid)
    assert (question.type, question.required) == (qtype, required)
    assert [c.value for c in question.choices] == choices


def test_invited_to_viewing_is_always_asked(housing):
    invited = housing.question("invited_to_viewing")
    assert invited.relevant is None and invited.required
    assert housing.primary_outcome() is invited
    assert housing.question("unit_available_said").relevant.question == "any_response"
