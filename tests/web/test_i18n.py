"""Dutch by default, English on request; the messages of ``forms`` in the user's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from fieldwork.i18n import _
from fieldwork.i18n import translate
from fieldwork.i18n import translate_errors
from forms import get_instrument
from forms import messages
from forms import validate_answers
from forms.messages import Message
from tests.support import csrf_from

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "fieldwork" / "translations" / "nl" / "LC_MESSAGES"
)


def test_the_dutch_catalogue_is_complete_and_compiled():
    with open(CATALOGUE / "messages.po", "rb") as po_file:
        po = read_po(po_file)
    untranslated = [
        m.id
        for m in po
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert untranslated == []
    assert not [m.id for m in po if m.id and m.fuzzy]
    with open(CATALOGUE / "messages.mo", "rb") as mo_file:
        mo = read_mo(mo_file)

    def ids(catalog):
        return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}

    assert ids(po) == ids(mo), "run pybabel compile"
    templates = [v for name, v in vars(messages).items() if name.isupper() and isinstance(v, str)]
    assert len(templates) == 20
    for template in templates:
        assert po.get(template) is not None, f"not extracted: {template}"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "Vul een heel getal in tussen 0 en 240."),
        ("en", "Enter a whole number between 0 and 240."),
    ],
)
def test_answer_errors_are_translated(app, lang, expected):
    # forms makes the message without Flask; the app translates it where it is shown.
    errors = validate_answers(get_instrument("nightlife-door"), {"wait_minutes": "300"}).errors
    assert errors["wait_minutes"] == ["Enter a whole number between 0 and 240."]
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert translate_errors(errors)["wait_minutes"] == [expected]
        assert translate("Something nobody wrote a template for.") == (
            "Something nobody wrote a template for."
        )


def test_fractions_are_written_the_readers_way(app):
    message = messages.number(0.5, 12.25)
    assert message == "Enter a number between 0.5 and 12.25, for example 12.50 or 12,50."
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert translate(message) == (
            "Vul een getal in tussen 0,5 en 12,25, bijvoorbeeld 12,50 of 12.50."
        )


def test_a_service_message_made_outside_a_request_is_shown_in_the_readers_language(app):
    """The CLI and tests get English; a page shows the same message in the reader's language."""
    english = _("Code %(code)s is taken in this study.", code="P-01")
    assert english == "Code P-01 is taken in this study."
    assert isinstance(english, Message)
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        dutch = translate(english)
        assert dutch == "Code P-01 is al in gebruik in dit onderzoek."
        assert _("Code %(code)s is taken in this study.", code="P-01") == dutch
        assert translate(dutch) == dutch  # translating twice changes nothing


def test_html_form_errors_in_dutch(client, auth, world):
    auth.login("t01")
    page = client.get(f"/tester/tests/{world.test_p1}/report").get_data(as_text=True)
    response = client.post(
        f"/tester/tests/{world.test_p1}/report",
        data={"csrf_token": csrf_from(page), "wait_minutes": "300"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vul een heel getal in tussen 0 en 240." in html
    assert "Kies een antwoord." in html


@pytest.mark.parametrize(
    ("accept", "cookie", "heading"),
    [
        (None, None, "Inloggen"),
        ("de-DE,fr;q=0.8", None, "Inloggen"),
        ("en-GB,en;q=0.9", None, "Sign in"),
        ("en-GB,en;q=0.9", "nl", "Inloggen"),
        ("nl-NL", "en", "Sign in"),
    ],
)
def test_language_follows_the_browser_unless_chosen(client, accept, cookie, heading):
    if cookie:
        client.set_cookie("lang", cookie)
    headers = {"Accept-Language": accept} if accept else {}
    html = client.get("/login", headers=headers).get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in html


def test_dates_follow_the_locale(client, auth, world):
    auth.login("t01")
    client.set_cookie("lang", "nl")
    dutch = client.get("/tester/").get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.get("/tester/").get_data(as_text=True)
    weekdays_nl = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
    weekdays_en = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    assert any(day in dutch for day in weekdays_nl)
    assert any(day in english for day in weekdays_en)


def test_every_string_of_the_app_is_in_the_dutch_catalogue():
    from babel.messages.extract import DEFAULT_KEYWORDS
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = CATALOGUE.parents[3]
    with open(root / "babel.cfg", encoding="utf-8") as config:
        method_map, _options = parse_mapping_cfg(config)
    assert ("forms/**.py", "python") in method_map
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(root), method_map, keywords=keywords)
        if message[2]
    }
    with open(CATALOGUE / "messages.po", "rb") as po_file:
        po = read_po(po_file)
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in po if m.id}
    missing = sorted(found - known)
    assert missing == [], (
        "strings without a Dutch translation; see babel.cfg for the pybabel commands: "
        + "; ".join(missing)
    )


def test_tester_pages_have_plain_titles(client, auth, world):
    auth.login("t01")
    client.set_cookie("lang", "nl")
    html = client.get("/tester/").get_data(as_text=True)
    assert "<title>Mijn tests · mysteryguest</title>" in html


def test_no_refusal_is_raised_with_an_untranslated_sentence():
    """A service refuses with a message a person reads: made with ``_``, never a bare literal."""
    import ast

    root = CATALOGUE.parents[3] / "fieldwork"
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and getattr(node.exc.func, "id", "") in ("Refused", "ScheduleError")
                and node.exc.args
                and isinstance(node.exc.args[0], ast.Constant | ast.JoinedStr)
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []


def test_every_code_the_app_stores_has_a_label():
    """The label table covers each set of codes, so ``label`` never meets a code it lacks."""
    from fieldwork import models
    from fieldwork.labels import LABELS
    from fieldwork.labels import UnknownCode
    from fieldwork.labels import label
    from fieldwork.services.monitoring.incidents import INCIDENT_KINDS
    from fieldwork.services.people.testers import GENDERS
    from fieldwork.services.reports.review import STATES

    codes = {
        "role": models.ROLES,
        "team_role": models.TEAM_ROLES,
        "gender": GENDERS,
        "domain": models.STUDY_DOMAINS,
        "study_status": models.STUDY_STATUSES,
        "order_rule": models.ORDER_RULES,
        "purpose": models.PURPOSES,
        "report_status": (*models.REPORT_STATUSES, *STATES),
        "invalid_reason": models.INVALID_REASONS,
        "target_type": [t for types in models.DEFAULT_TARGET_TYPES.values() for t in types],
        "incident_kind": INCIDENT_KINDS,
    }
    for kind, known in codes.items():
        assert set(known) <= set(LABELS[kind]), kind
    with pytest.raises(UnknownCode, match="add it to fieldwork.labels.LABELS"):
        label("sideways", "report_status")
    assert label("karaoke_bar", "target_type") == "karaoke_bar"  # a study's own type, as written
