"""Instruments with reports are frozen by version: a changed question needs a new version.

Reports are answers to one version of a questionnaire (``Study.instrument_id`` and
``instrument_version``); the export, the analysis and the review read them with that version's
questions. So when the first report of a version is stored, the version's fingerprint (a hash of
its TOML data, :attr:`forms.Instrument.fingerprint`) is recorded as a :class:`FrozenInstrument`.
From then on :func:`instrument_for` refuses the version when the shipped file says something
else, with a message naming the file, the version and the fix: restore the file and put the
change into a new version. The intake, the export, releases and ``mysteryguest init-db`` check.
A version without reports can still be edited freely.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.models import FrozenInstrument
from fieldwork.models import Study
from fieldwork.models import VisitReport
from fieldwork.services.errors import Refused
from forms import Instrument
from forms import available_instruments
from forms import get_instrument

FOLDER = "forms/instruments"


class InstrumentChanged(Refused):
    """A frozen instrument version was edited; the message names the file and the fix."""


def instrument_for(session: Session, study: Study, *, first_report: bool = False) -> Instrument:
    """The study's instrument version, checked against its fingerprint.

    With ``first_report`` (the intake, about to store a report) or when the version already has
    reports, an unrecorded fingerprint is recorded now. Raises :class:`InstrumentChanged`.
    """
    instrument = get_instrument(study.instrument_id, study.instrument_version)
    check(session, instrument, record=first_report)
    return instrument


def check(session: Session, instrument: Instrument, *, record: bool = False) -> None:
    """Raise :class:`InstrumentChanged` when ``instrument`` is not what its reports answered."""
    frozen = _frozen(session, instrument)
    if frozen is None:
        if record or _has_reports(session, instrument):
            _record(session, instrument)
        return
    if frozen.fingerprint != instrument.fingerprint:
        raise InstrumentChanged(_changed_message(frozen, instrument))


def changed_instruments(session: Session) -> list[str]:
    """What is wrong with every recorded version (edited or missing file); empty when all is well.

    Versions that have reports but no record yet (a database from before the freeze) are
    recorded as they are now.
    """
    problems = []
    shipped = set(available_instruments())
    for frozen in session.exec(select(FrozenInstrument).order_by(col(FrozenInstrument.id))):
        if (frozen.instrument_id, frozen.version) not in shipped:
            problems.append(
                _(
                    "%(folder)s/%(file)s: instrument %(id)s version %(version)s is gone, but "
                    "reports were answered with it. Put the file back as it was.",
                    **_file(frozen.source, frozen.instrument_id, frozen.version),
                )
            )
            continue
        instrument = get_instrument(frozen.instrument_id, frozen.version)
        if frozen.fingerprint != instrument.fingerprint:
            problems.append(_changed_message(frozen, instrument))
    for instrument_id, version in sorted(shipped):
        instrument = get_instrument(instrument_id, version)
        if _frozen(session, instrument) is None and _has_reports(session, instrument):
            _record(session, instrument)
    return problems


def _file(source: str, instrument_id: str, version: int) -> dict[str, Any]:
    """The names of an instrument version's file in the messages: its folder, file, id, version."""
    return {"folder": FOLDER, "file": source, "id": instrument_id, "version": version}


def _changed_message(frozen: FrozenInstrument, instrument: Instrument) -> str:
    return _(
        "%(folder)s/%(file)s: instrument %(id)s version %(version)s was changed after reports "
        "were stored with it (fingerprint %(was)s then, %(now)s now). Reports keep the questions "
        "they answered, so a changed question needs a new version: restore version %(version)s "
        "as it was, bump the version (version = %(next)s) in a new file with the change, and use "
        "that version for new studies.",
        **_file(instrument.source, instrument.id, instrument.version),
        was=frozen.fingerprint[:12],
        now=instrument.fingerprint[:12],
        next=max(v for i, v in available_instruments() if i == instrument.id) + 1,
    )


def _frozen(session: Session, instrument: Instrument) -> FrozenInstrument | None:
    return session.exec(
        select(FrozenInstrument).where(
            FrozenInstrument.instrument_id == instrument.id,
            FrozenInstrument.version == instrument.version,
        )
    ).first()


def _has_reports(session: Session, instrument: Instrument) -> bool:
    return (
        session.exec(
            select(VisitReport.id).where(
                VisitReport.instrument_id == instrument.id,
                VisitReport.instrument_version == instrument.version,
            )
        ).first()
        is not None
    )


def _record(session: Session, instrument: Instrument) -> None:
    """Record the fingerprint in its own commit; a concurrent first report may win the race."""
    session.add(
        FrozenInstrument(
            instrument_id=instrument.id,
            version=instrument.version,
            fingerprint=instrument.fingerprint,
            source=instrument.source,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        check(session, instrument)  # the other request recorded it: compare with that
