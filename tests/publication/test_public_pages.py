"""The public release: anonymous, bilingual, PDF and CSV, and nothing identifying in any of them."""

from __future__ import annotations

import io
from datetime import date
from datetime import timedelta

import pytest
from babel.dates import format_date
from pypdf import PdfReader
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import VisitReport


def page(client, path: str, lang: str = "nl"):
    client.set_cookie("lang", lang)
    return client.get(path)


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_index_lists_published_release_for_anyone(client, demo_release):
    response = page(client, "/public/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"/public/releases/{demo_release.release_id}" in html
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        ("nl", ["Samenvatting", "Zo is het onderzoek gedaan", "Tabel 1. Uitkomst per soort zaak",
                "Tabel 2. Uitkomst per gebied", "Tabel 3.", "Wat de gemeente nu doet",
                "Niet getoond:", "nettomaat", "De gemeente bespreekt", "november 2026",
                "Beide toegelaten", "Gegeven redenen bij weigering"]),
        ("en", ["Summary", "How the study was done", "Table 1. Results per type of venue",
                "Table 2. Results per area", "Table 3.", "What the city does next",
                "Not shown:", "net measure", "The city discusses", "November 2026",
                "Both admitted", "Reasons given for refusals"]),
    ],
)  # fmt: skip
def test_release_page_in_both_languages(client, demo_release, lang, phrases):
    response = page(client, f"/public/releases/{demo_release.release_id}", lang)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    for phrase in phrases:
        assert phrase in html, phrase
    assert "<svg" in html and "<desc" in html  # charts with their text alternative
    assert " style=" not in html and "<style" not in html and "<script" not in html


def test_drafts_are_not_public(client, draft_release):
    for suffix in ("", ".pdf", ".csv"):
        assert client.get(f"/public/releases/{draft_release.release_id}{suffix}").status_code == 404
    assert f"/releases/{draft_release.release_id}" not in client.get("/public/").get_data(True)


def total_of(app, release_id: int) -> dict:
    from fieldwork.models import Release

    with app.app_context():
        return get_session().get(Release, release_id).content["tables"]["by_target_type"]["total"]


def test_pdf_has_the_tables_and_charts(app, client, demo_release):
    response = page(client, f"/public/releases/{demo_release.release_id}.pdf", "en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 2
    text = pdf_text(response.data)
    for heading in ("Table 1. Results per type of venue", "Table 2. Results per area",
                    "Table 3. Reasons given for refusals", "Whole city", "Club",
                    "Right of the dashed line (0)"):  # fmt: skip
        assert heading in " ".join(text.split()), heading
    total = total_of(app, demo_release.release_id)["values"]
    interval = f"{total['net_difference_pct']} ({total['ci_low_pct']} to {total['ci_high_pct']})"
    assert str(total["n_pairs"]) in text and interval in text  # exact count, the net measure
    assert f"1 / {len(reader.pages)}" in text  # page numbers


def test_csv_has_the_tables(app, client, demo_release):
    response = client.get(f"/public/releases/{demo_release.release_id}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("table,line,published,rules,targets,valid_pairs,both_admitted")
    total = total_of(app, demo_release.release_id)["values"]
    assert any(line.startswith(f"by_target_type,total,true,,{total['targets']},{total['n_pairs']},")
               for line in lines)  # fmt: skip
    suppressed = [line for line in lines if ",false," in line]
    assert suppressed and all(set(line.split(",")[4:]) == {""} for line in suppressed)


def forbidden(app) -> set[str]:
    """Every target name, address and code, tester and team code, and every test date of the
    database, in ISO and in the long and numeric forms a page could print them."""
    values: set[str] = set()
    with app.app_context():
        session = get_session()
        for target in session.exec(select(Target)):
            values.update({target.name, target.address, target.code})
        for tester in session.exec(select(Tester)):
            values.add(tester.code)
        days: set[date] = set()
        for test in session.exec(select(Test)):
            days.update({test.night, test.window_start.date(), test.window_end.date()})
        for report in session.exec(select(VisitReport)):
            days.add(report.received_at.date())
        assert session.exec(select(Team)).first() is not None
    for day in days | {day + timedelta(days=1) for day in days}:
        values.add(day.isoformat())
        values.add(day.strftime("%d-%m-%Y"))
        values.add(day.strftime("%d/%m/%Y"))
        values.add(f"{day.day} {format_date(day, 'MMMM yyyy', locale='nl')}")
        values.add(f"{day.day} {format_date(day, 'MMMM yyyy', locale='en')}")
        values.add(format_date(day, "long", locale="en"))
        values.add(format_date(day, "long", locale="nl"))
    return {value for value in values if value and len(value) >= 3}


def test_nothing_identifying_in_html_pdf_or_csv(app, client, demo_release):
    strings = forbidden(app)
    assert len(strings) > 100
    base = f"/public/releases/{demo_release.release_id}"
    outputs = {"csv": client.get(base + ".csv").get_data(as_text=True)}
    for lang in ("nl", "en"):
        outputs[f"html-{lang}"] = page(client, base, lang).get_data(as_text=True)
        outputs[f"index-{lang}"] = page(client, "/public/", lang).get_data(as_text=True)
        outputs[f"pdf-{lang}"] = pdf_text(page(client, base + ".pdf", lang).data)
    for name, text in outputs.items():
        flat = " ".join(text.split())
        leaks = sorted(value for value in strings if value in text or value in flat)
        assert not leaks, f"{name} shows {leaks[:5]}"
    # The list is the real one: venue codes and tester codes are in it.
    assert any(value.startswith("V-") for value in strings)
    assert any(value.startswith("T-") for value in strings)


def test_durations_read_naturally(app):
    from flask_babel import force_locale

    from fieldwork.public.view import duration

    with app.test_request_context("/"):
        with force_locale("en"):
            assert [duration(m) for m in (1, 15, 60, 180, 1440)] == [
                "1 minute",
                "15 minutes",
                "1 hour",
                "3 hours",
                "1 day",
            ]
        with force_locale("nl"):
            assert [duration(m) for m in (1, 15, 60, 2880)] == [
                "1 minuut",
                "15 minuten",
                "1 uur",
                "2 dagen",
            ]


def test_the_demo_release_leads_with_the_venue_robust_figures(app, client, demo_release):
    """The demo visits each venue several times: the published city-wide line and every venue
    type lead with the venue-robust margin and test, the independent ones beside them."""
    with app.app_context():
        from fieldwork.models import Release

        table = get_session().get(Release, demo_release.release_id).content["tables"]
    lines = [table["by_target_type"]["total"], *table["by_target_type"]["rows"]]
    published = [line for line in lines if line["published"]]
    assert published and all(line["values"]["method"] == "venue" for line in published)
    assert all(line["values"]["independent"]["ci_low_pct"] is not None for line in published)
    html = page(client, f"/public/releases/{demo_release.release_id}", "en").get_data(True)
    assert "This margin allows for venues that were tested more than once." in html
    assert "If the visits were independent, the margin would be" in html


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_demos_housing_release_reads_as_housing(client, housing_release, lang):
    """DEMO-WON's own page (not a made-up release): housing words only, and no table without
    rows (the housing instrument asks no refusal reasons, so there is no Table 3)."""
    import re

    from tests.publication.test_wording import DOOR_WORDS

    response = page(client, f"/public/releases/{housing_release.release_id}", lang)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))
    assert ("uitgenodigd" in text) if lang == "nl" else ("invited" in text)
    assert not DOOR_WORDS[lang].findall(text), DOOR_WORDS[lang].findall(text)
    bodies = re.findall(r"<tbody[^>]*>(.*?)</tbody>", main, flags=re.S)
    assert bodies and all("<tr" in body for body in bodies)
    assert ("Tabel 3" if lang == "nl" else "Table 3") not in text
