"""Dutch by default, English on request; the messages of ``forms`` in the user's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from fieldwork.i18n import TEMPLATES, translate_message
from forms import messages
from tests.support import csrf_from

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "fieldwork" / "translations" / "nl" / "LC_MESSAGES"
)


def test_every_forms_message_template_is_listed_for_translation():
    constants = {
        value for name, value in vars(messages).items() if name.isupper() and isinstance(value, str)
    }
    assert constants <= set(TEMPLATES)


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
    for template in TEMPLATES:
        assert po.get(template) is not None, f"not extracted: {template}"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "Vul een heel getal in tussen 0 en 240."),
        ("en", "Enter a whole number between 0 and 240."),
    ],
)
def test_answer_errors_are_translated(app, lang, expected):
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert translate_message("Enter a whole number between 0 and 240.") == expected
        assert translate_message("Something nobody wrote a template for.") == (
            "Something nobody wrote a template for."
        )


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
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    root = CATALOGUE.parents[3]
    method_map = [("fieldwork/**.py", "python"), ("fieldwork/templates/**.html", "jinja2")]
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
