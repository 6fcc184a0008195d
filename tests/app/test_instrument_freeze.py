"""Instruments with reports are frozen by version: a changed question needs a new version.

The shipped files are the real ones; "editing a file" swaps what forms reads from
forms/instruments for the same file with one change (``forms.schema._shipped``), so the intake,
the export, releases and ``init-db`` all see the edited file as a deployment would.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import FrozenInstrument
from fieldwork.models import Study
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.export.bundle import ExportError
from fieldwork.services.export.bundle import export_study
from fieldwork.services.reports import intake
from fieldwork.services.schedule.assignments import assignment_for_user
from fieldwork.services.studies.instruments import InstrumentChanged
from fieldwork.services.studies.instruments import changed_instruments
from fieldwork.services.studies.instruments import instrument_for
from forms import get_instrument
from forms import parse_instrument
from forms import schema as forms_schema

FILE = Path(forms_schema.__file__).parent / "instruments" / "nightlife-door.toml"
TEXT = FILE.read_text(encoding="utf-8")
QUESTION = 'label = { nl = "Werd je groep binnengelaten?", en = "Was your group let in?" }'
EDITED = QUESTION.replace("Was your group let in?", "Were you let in?")
ANSWERS = {"arrival_time": "23:00", "admitted": "yes", "wait_minutes": 3, "staff_tone": "neutral",
           "id_asked": False, "physical_contact": False}  # fmt: skip


def ship(monkeypatch: pytest.MonkeyPatch, *texts: str) -> None:
    """Make forms/instruments hold ``texts`` (as nightlife-door*.toml) instead of its files."""
    shipped = dict(forms_schema._shipped())
    for key in [key for key in shipped if key[0] == "nightlife-door"]:
        del shipped[key]
    for index, text in enumerate(texts):
        name = "nightlife-door.toml" if index == 0 else f"nightlife-door-v{index + 1}.toml"
        instrument = parse_instrument(text, source=name)
        shipped[(instrument.id, instrument.version)] = instrument
    monkeypatch.setattr(forms_schema, "_shipped", lambda: shipped)


def submit(session, username: str, test_id: int, answers=None):
    user = session.exec(select(User).where(User.username == username)).one()
    assignment = assignment_for_user(session, user.id, test_id)
    assert assignment is not None
    return intake.submit_report(
        session=session, assignment=assignment, user=user,
        submission=intake.ReportSubmission(uuid=str(uuid.uuid4()), answers=answers or ANSWERS),
    )  # fmt: skip


def reports(session) -> int:
    return len(session.exec(select(VisitReport)).all())


def test_the_fingerprint_counts_what_the_file_says_not_its_layout():
    shipped = get_instrument("nightlife-door", 1)
    assert parse_instrument(TEXT).fingerprint == shipped.fingerprint
    relaid = "# a comment\n" + TEXT.replace(QUESTION, QUESTION.replace(", ", ",   "))
    assert parse_instrument(relaid).fingerprint == shipped.fingerprint
    assert parse_instrument(TEXT.replace(QUESTION, EDITED)).fingerprint != shipped.fingerprint
    choice = TEXT.replace('value = "conditional"', 'value = "partly"').replace(
        '"conditional"', '"partly"'
    )
    assert parse_instrument(choice).fingerprint != shipped.fingerprint


def test_the_first_report_records_the_version(app, world):
    with app.app_context():
        session = get_session()
        assert session.exec(select(FrozenInstrument)).all() == []
        assert submit(session, "t01", world.test_p1).status == "created"
        (frozen,) = session.exec(select(FrozenInstrument)).all()
        assert (frozen.instrument_id, frozen.version, frozen.source) == (
            "nightlife-door", 1, "nightlife-door.toml"
        )  # fmt: skip
        assert frozen.fingerprint == get_instrument("nightlife-door", 1).fingerprint


def test_an_edited_version_with_reports_is_refused_with_the_fix(app, world, monkeypatch, tmp_path):
    with app.app_context():
        session = get_session()
        assert submit(session, "t01", world.test_p1).status == "created"
        ship(monkeypatch, TEXT.replace(QUESTION, EDITED))

        result = submit(session, "t03", world.test_p2)
        assert result.status == "invalid"
        assert result.errors["instrument"][0].startswith("The questionnaire was changed")
        message = result.errors["instrument"][1]
        assert message.startswith(
            "forms/instruments/nightlife-door.toml: instrument nightlife-door"
        )
        assert "version 1 was changed after reports were stored with it" in message
        assert "bump the version (version = 2)" in message
        assert reports(session) == 1

        user = session.exec(select(User).where(User.username == "t01")).one()
        assignment = assignment_for_user(session, user.id, world.test_p1)
        amended = intake.amend_report(session=session, assignment=assignment,
                                      report=assignment.report, user=user,
                                      answers={**ANSWERS, "wait_minutes": 5}, reason="typo")  # fmt: skip
        assert amended.amendment is None and amended.errors["instrument"][1] == message

        with pytest.raises(ExportError, match="bump the version"):
            export_study(session=session, study_code="S1", folder=tmp_path / "bundle")
        assert not (tmp_path / "bundle").exists()
        study = session.exec(select(Study).where(Study.code == "S1")).one()
        with pytest.raises(InstrumentChanged, match="nightlife-door.toml"):
            instrument_for(session, study)
        assert changed_instruments(session) == [message]

    done = app.test_cli_runner().invoke(args=["init-db"])
    assert done.exit_code == 1
    assert (
        "forms/instruments/nightlife-door.toml" in done.output and "bump the version" in done.output
    )


def test_the_page_says_it_in_dutch(app, client, auth, world, monkeypatch):
    with app.app_context():
        assert submit(get_session(), "t01", world.test_p1).status == "created"
    ship(monkeypatch, TEXT.replace(QUESTION, EDITED))
    auth.login("t03")
    client.set_cookie("lang", "nl")
    page = client.get(f"/tester/tests/{world.test_p2}/report").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    form = {"csrf_token": token, "report_uuid": str(uuid.uuid4()), "arrival_time": "23:00",
            "admitted": "yes", "wait_minutes": "3", "staff_tone": "neutral", "id_asked": "false",
            "physical_contact": "false"}  # fmt: skip
    answer = client.post(f"/tester/tests/{world.test_p2}/report", data=form)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "De vragenlijst is op de server veranderd" in html
    assert "verhoog het versienummer" in html


def test_a_new_version_is_the_fix(app, world, monkeypatch):
    with app.app_context():
        session = get_session()
        assert submit(session, "t01", world.test_p1).status == "created"
        version_2 = TEXT.replace(QUESTION, EDITED).replace("version = 1", "version = 2", 1)
        ship(monkeypatch, TEXT, version_2)
        assert changed_instruments(session) == []
        assert submit(session, "t02", world.test_p1).status == "created"  # v1 as it was
        study = session.exec(select(Study).where(Study.code == "S1")).one()
        study.instrument_version = 2  # a new study would choose it; here the same study will do
        session.commit()
        assert instrument_for(session, study).question("admitted").label["en"] == "Were you let in?"
        assert {(f.instrument_id, f.version) for f in session.exec(select(FrozenInstrument))} == {
            ("nightlife-door", 1)
        }


def test_a_version_without_reports_may_still_change(app, world, monkeypatch):
    ship(monkeypatch, TEXT.replace(QUESTION, EDITED))
    with app.app_context():
        session = get_session()
        assert changed_instruments(session) == []
        assert submit(session, "t01", world.test_p1).status == "created"
        frozen = session.exec(select(FrozenInstrument)).one()
        assert frozen.fingerprint == parse_instrument(TEXT.replace(QUESTION, EDITED)).fingerprint


def test_reports_from_before_the_freeze_are_recorded_when_first_checked(app, world, monkeypatch):
    with app.app_context():
        session = get_session()
        assert submit(session, "t01", world.test_p1).status == "created"
        for frozen in session.exec(select(FrozenInstrument)):
            session.delete(frozen)
        session.commit()
        assert changed_instruments(session) == []  # records the version as it is now
        assert session.exec(select(FrozenInstrument)).one().version == 1
        ship(monkeypatch, TEXT.replace(QUESTION, EDITED))
        assert len(changed_instruments(session)) == 1
