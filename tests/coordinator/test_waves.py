"""Waves (issue 16): a new study as the next wave of an earlier one, made on the study pages:
the same instrument (or a version declared equivalent), the targets carried over with their codes,
one next wave per study, audited; bad input changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

import forms.schema
from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import User
from fieldwork.models import WaveLink
from fieldwork.services.errors import Refused
from fieldwork.services.studies import waves
from fieldwork.services.studies.setup import StudyInput
from fieldwork.services.studies.setup import create_study
from forms import get_instrument
from forms import parse_instrument
from tests.coordinator.conftest import post
from tests.coordinator.conftest import shown
from tests.coordinator.test_studies import NEW

NEXT = {**NEW, "code": "S1-2027", "title": "Test study, the next wave", "seed": "43",
        "target_types": "club, bar, cafe, other"}  # fmt: skip
NIGHTLIFE = Path(forms.schema.__file__).parent / "instruments" / "nightlife-door.toml"
PRIMARY = 'outcome = { kind = "binary", favourable = ["yes"], primary = true }'


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        session = get_session()
        return (len(session.exec(select(Study)).all()), len(session.exec(select(Target)).all()),
                len(session.exec(select(WaveLink)).all()))  # fmt: skip


def test_the_next_wave_is_made_on_the_study_page_with_its_targets(app, client, auth, world):
    auth.login("coord")
    page = client.get(f"/coordinator/studies/{world.study_id}")
    assert "not part of a series of waves yet" in shown(page)
    url = f"/coordinator/studies/{world.study_id}/next-wave"
    assert f'href="{url}"' in shown(page)
    form = shown(client.get(url))
    assert "the next wave of S1" in form and "The 2 targets of S1 are carried over" in form
    assert 'value="Test study"' in form  # the earlier wave's settings as a start
    assert "housing-access" not in form  # only versions of the same instrument to choose
    response = post(client, url, NEXT)
    assert response.status_code == 303, shown(response)
    with app.app_context():
        session = get_session()
        first = session.get(Study, world.study_id)
        second = session.exec(select(Study).where(Study.code == "S1-2027")).one()
        assert second.status == "draft" and second.instrument_id == first.instrument_id
        assert waves.previous_wave(session, second).id == first.id
        assert waves.next_wave(session, first).id == second.id
        assert [s.code for s in waves.series(session, first)] == ["S1", "S1-2027"]
        assert waves.wave_number(session, second) == 2
        copied = {(t.code, t.name, t.address, t.target_type, t.area, t.active)
                  for t in session.exec(select(Target).where(Target.study_id == second.id))}  # fmt: skip
        original = {(t.code, t.name, t.address, t.target_type, t.area, t.active)
                    for t in session.exec(select(Target).where(Target.study_id == first.id))}  # fmt: skip
        assert copied == original and len(copied) == 2
        events = session.exec(select(AuditEvent).where(AuditEvent.study_id == second.id)).all()
        assert [e.action for e in events] == ["study.create", "study.next_wave"]
        assert events[1].after == {"previous": "S1", "targets": 2}
        coord = session.exec(select(User).where(User.username == "coord")).one()
        assert session.get(WaveLink, second.id).created_by_id == coord.id
    page = shown(client.get(f"/coordinator/studies/{world.study_id}"))
    assert "This study is wave 1 of 2" in page and "S1-2027" in page
    assert f"/coordinator/studies/{world.study_id}/next-wave" not in page  # one next wave
    audit = shown(client.get(f"/coordinator/audit?study_id={second.id}"))
    assert "the next wave of study S1, with its 2 targets carried over" in audit


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"instrument": "housing-access:1", "domain": "housing"}, "Not a valid choice"),
        ({"target_types": "club, bar"}, "have types this study does not list: café"),
        ({"code": "S1"}, "A study with code S1 exists already"),
    ],
)
def test_a_refused_next_wave_changes_nothing(app, client, auth, world, change, message):
    auth.login("coord")
    before = counts(app)
    response = post(client, f"/coordinator/studies/{world.study_id}/next-wave", {**NEXT, **change})
    assert response.status_code == 422 and message in shown(response)
    assert counts(app) == before


def test_a_study_has_one_next_wave(app, client, auth, world):
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/next-wave"
    assert post(client, url, NEXT).status_code == 303
    before = counts(app)
    response = post(client, url, {**NEXT, "code": "S1-2028"})
    assert response.status_code == 422
    assert "Study S1 already has a next wave: S1-2027. Plan the wave after that one from study " \
        "S1-2027." in shown(response)  # fmt: skip
    assert counts(app) == before


def test_a_researcher_reads_the_waves_but_cannot_make_one(app, client, auth, world):
    auth.login("res")
    page = shown(client.get(f"/coordinator/studies/{world.study_id}"))
    assert "Waves" in page and "next-wave" not in page
    assert client.get(f"/coordinator/studies/{world.study_id}/next-wave").status_code == 403


def _instruments(*texts: str) -> dict:
    shipped = dict(forms.schema._shipped())
    for text in texts:
        instrument = parse_instrument(text, "extra.toml")
        shipped[(instrument.id, instrument.version)] = instrument
    return shipped


def test_another_version_must_be_declared_equivalent(app, world, monkeypatch):
    """Version 2 of the instrument may follow version 1 only when its primary outcome says it
    measures the same (``equivalent``); either version may say so."""
    text = NIGHTLIFE.read_text(encoding="utf-8")
    assert PRIMARY in text
    same = text.replace("version = 1", "version = 2", 1).replace(
        PRIMARY, PRIMARY[:-2] + ', equivalent = ["nightlife-door@1"] }')  # fmt: skip
    other = text.replace("version = 1", "version = 3", 1)
    shipped = _instruments(same, other)
    monkeypatch.setattr(forms.schema, "_shipped", lambda: shipped)
    one, two, three = (get_instrument("nightlife-door", v) for v in (1, 2, 3))
    assert waves.same_meaning(one, two) and waves.same_meaning(two, one)
    assert not waves.same_meaning(one, three) and not waves.same_meaning(two, three)
    assert not waves.same_meaning(one, get_instrument("housing-access", 1))
    with app.app_context():
        session = get_session()
        first = session.get(Study, world.study_id)
        coord = session.exec(select(User).where(User.username == "coord")).one()
        data = {"code": "S1-2027", "title": "Test study, the next wave", "domain": "nightlife",
                "seed": 43, "target_types": ["club", "bar", "cafe", "other"]}  # fmt: skip
        with pytest.raises(Refused, match=r"Version 3 of instrument nightlife-door is not "
                           r"declared equivalent to version 1 of study S1"):  # fmt: skip
            create_study(session=session, user=coord, previous_wave=first,
                         data=StudyInput(**data, instrument_id="nightlife-door",
                                         instrument_version=3))  # fmt: skip
        assert session.exec(select(Study).where(Study.code == "S1-2027")).first() is None
        second = create_study(session=session, user=coord, previous_wave=first,
                              data=StudyInput(**data, instrument_id="nightlife-door",
                                              instrument_version=2))  # fmt: skip
        assert waves.previous_wave(session, second).id == first.id
