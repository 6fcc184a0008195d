"""The identifying-text check: every pattern of docs/release-rules.md rule 6 is refused, in Dutch and
English forms, and ordinary texts pass."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import User
from fieldwork.services.releases.text_check import Vocabulary
from fieldwork.services.releases.text_check import check_public_text
from fieldwork.services.studies.targets import update_target


@pytest.fixture
def vocabulary(app, world):
    """The world (Club Nachtuil, Cafe De Kroeg, teams TM-A…, pairs P-01/P-02, testers T-01…,
    accounts t01…) plus a café in Korte Poten and a private landlord, and a venue renamed once."""
    with app.app_context():
        session = get_session()
        study = session.get(Study, world.study_id)
        session.add_all([
            Target(study_id=study.id, code="V-003", name="Grand Café Het Lange Glas",
                   address="Korte Poten 142, 2511 CV Den Haag", target_type="cafe", area="Plein"),
            Target(study_id=study.id, code="V-004", name="E. Bakker (particulier): studio",
                   address="Laakkade 12, 2521 XA Den Haag", target_type="private_landlord",
                   area="Laak"),
        ])  # fmt: skip
        session.commit()
        renamed = session.exec(select(Target).where(Target.code == "V-001")).one()
        coordinator = session.exec(select(User).where(User.username == "coord")).one()
        update_target(session=session, study=study, target=renamed, name="Club Morgenrood",
                      address="Spui 3", target_type="club", area="Grote Markt", active=True,
                      user=coordinator)  # fmt: skip
        yield Vocabulary(session)


REFUSED = {
    "distinctive words without prefix": ("De gemeente spreekt Het Lange Glas aan.", "target"),
    "distinctive words, other case": ("we spraken met lange glas", "target"),
    "one-word name": ("Bij Morgenrood ging het mis.", "target"),
    "a name before the edit": ("Nachtuil weigerde vaak.", "target"),
    "an address before the edit": ("Op Grote Markt 1 ging het mis.", "address"),
    "a private landlord": ("verhuurder E. Bakker weigerde", "target"),
    "a landlord's surname alone": ("Meneer Bakker reageerde niet.", "target"),
    "a target code": ("Locatie V-003 scoorde slecht.", "target"),
    "street and number": ("Korte Poten 142 is genoemd.", "address"),
    "any street and number": ("in de Wagenstraat 12 en elders", "address"),
    "a postcode": ("In 2511 CV gebeurde het.", "postcode"),
    "a postcode without space": ("In 2511CV gebeurde het.", "postcode"),
    "a username": ("Tester t01 meldde het.", "person"),
    "a tester code": ("Zie het verslag van T-02.", "person"),
    "a team code": ("Team TM-A werd geweigerd.", "team"),
    "a pair code": ("Paar P-01 viel op.", "team"),
    "an ISO date": ("Op 2026-05-17 ging het mis.", "date"),
    "a numeric Dutch date": ("Op 17-05-2026 ging het mis.", "date"),
    "a numeric date with slashes": ("On 17/5/26 it went wrong.", "date"),
    "a Dutch date": ("Op zaterdag 17 mei ging het mis.", "date"),
    "a Dutch date, abbreviated": ("Op 3 okt. ging het mis.", "date"),
    "an English date": ("On May 17th it went wrong.", "date"),
    "an English date, day first": ("On the 17th of May it went wrong.", "date"),
    "a time with a colon": ("Om 23:45 was het druk.", "time"),
    "a Dutch time": ("Om 23.45 uur was het druk.", "time"),
    "a Dutch hour": ("Het gebeurde om 23 uur.", "time"),
    "an English time": ("It happened at 11 pm.", "time"),
    "an English time with minutes": ("It happened at 11.30pm.", "time"),
}  # fmt: skip


@pytest.mark.parametrize(("text", "kind"), REFUSED.values(), ids=list(REFUSED))
def test_each_pattern_is_refused(app, vocabulary, text, kind):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert kind in {hit.kind for hit in vocabulary.hits(text)}, vocabulary.hits(text)
        message = check_public_text(vocabulary, "De tekst", text)
    assert message is not None and message.startswith("De tekst names ")


ALLOWED = [
    "De gemeente bespreekt de uitkomsten met de branche en test volgend jaar opnieuw.",
    "In mei 2026 en in november 2026 is getest; de resultaten volgen binnen 48 uur.",
    "Op de lange termijn wil de gemeente dat iedereen gelijk behandeld wordt in het Plein-gebied.",
    "The city talks to 12 venues and 3 letting agents; 25 % of the tests were repeated.",
    "De coordinator en de researcher hebben de cijfers gecontroleerd.",
    "In 2024 en 2025 was het verschil kleiner.",
]


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_texts_pass(app, vocabulary, text):
    assert vocabulary.hits(text) == []
