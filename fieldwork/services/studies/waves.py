"""Waves: a study as the next wave of an earlier one (issue 16, docs/methods.md §7).

A city that tests its nightlife doors this year asks next year: did it get better? The next wave
is a new study linked to the earlier one (:class:`fieldwork.models.WaveLink`) that

- belongs to the same city: one install of the app serves one city, so every study does;
- measures the same thing: the same instrument, or a version whose primary outcome the
  instrument file declares equivalent (``equivalent = ["id@version"]`` on the outcome), so that
  the two waves' results may be compared;
- carries the earlier wave's targets over with their codes, names, addresses, types and areas:
  the summary bundles' pseudonyms (keyed hashes of the codes) then match, and a venue visited in
  both waves is one cluster in the comparison.

The waves of a series form a chain: a study has at most one previous and at most one next wave.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.labels import label
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import User
from fieldwork.models import WaveLink
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from forms import Instrument
from forms import InstrumentError
from forms import get_instrument

MAX_WAVES = 1000  # a guard against a cycle in a damaged database, far above any real series


def previous_wave(session: Session, study: Study) -> Study | None:
    """The wave before ``study``, or None for a first wave."""
    link = session.get(WaveLink, study.id)
    return session.get(Study, link.previous_id) if link is not None else None


def next_wave(session: Session, study: Study) -> Study | None:
    """The wave after ``study``, or None."""
    link = session.exec(select(WaveLink).where(WaveLink.previous_id == study.id)).first()
    return session.get(Study, link.study_id) if link is not None else None


def series(session: Session, study: Study) -> list[Study]:
    """Every wave of ``study``'s series, first wave first (``study`` itself included)."""
    earlier: list[Study] = []
    current: Study | None = previous_wave(session, study)
    while current is not None and len(earlier) < MAX_WAVES:
        earlier.append(current)
        current = previous_wave(session, current)
    later: list[Study] = []
    current = next_wave(session, study)
    while current is not None and len(later) < MAX_WAVES:
        later.append(current)
        current = next_wave(session, current)
    return [*reversed(earlier), study, *later]


def all_series(session: Session) -> list[list[Study]]:
    """Every series of the database (a study without waves is a series of one), each first wave
    first, in the order of their first waves' ids; in three queries whatever their number."""
    studies = {study.id: study for study in session.exec(select(Study).order_by(col(Study.id)))}
    links = session.exec(select(WaveLink)).all()
    after = {link.previous_id: link.study_id for link in links}
    has_previous = {link.study_id for link in links}
    found = []
    for study_id, study in studies.items():
        if study_id in has_previous:
            continue
        chain = [study]
        while chain[-1].id in after and len(chain) < MAX_WAVES:
            chain.append(studies[after[chain[-1].id]])
        found.append(chain)
    return found


def wave_number(session: Session, study: Study) -> int:
    """1 for a first wave, 2 for the next one, and so on."""
    return series(session, study).index(study) + 1


def same_meaning(earlier: Instrument, later: Instrument) -> bool:
    """Whether the primary outcome of ``later`` means what it meant in ``earlier``: the same
    instrument version, or versions the instrument file declares equivalent (either way)."""
    if earlier.id != later.id:
        return False
    if earlier.version == later.version:
        return True
    first, second = earlier.primary_outcome(), later.primary_outcome()
    if first is None or second is None or first.id != second.id:
        return False
    assert first.outcome is not None and second.outcome is not None
    return (f"{earlier.id}@{earlier.version}" in second.outcome.equivalent
            or f"{later.id}@{later.version}" in first.outcome.equivalent)  # fmt: skip


def check_next_wave(
    session: Session, previous: Study, *, instrument_id: str, instrument_version: int,
    target_types: list[str],
) -> None:  # fmt: skip
    """Raise :class:`Refused` unless a study with this instrument and these target types may be
    the next wave of ``previous``; changes nothing."""
    follower = next_wave(session, previous)
    if follower is not None:
        raise Refused(
            _(
                "Study %(previous)s already has a next wave: %(next)s. Plan the wave after "
                "that one from study %(next)s.",
                previous=previous.code,
                next=follower.code,
            )
        )
    problems = []
    if instrument_id != previous.instrument_id:
        problems.append(
            _(
                "The next wave of %(previous)s uses its instrument %(id)s, so that the results "
                "can be compared; choose a version of %(id)s.",
                previous=previous.code,
                id=previous.instrument_id,
            )
        )
    elif instrument_version != previous.instrument_version:
        try:
            equivalent = same_meaning(
                get_instrument(previous.instrument_id, previous.instrument_version),
                get_instrument(instrument_id, instrument_version),
            )
        except InstrumentError:  # a version that does not exist: _check says so too
            equivalent = False
        if not equivalent:
            problems.append(
                _(
                    "Version %(new)s of instrument %(id)s is not declared equivalent to version "
                    "%(old)s of study %(previous)s, so the two waves cannot be compared. Use "
                    "version %(old)s, or declare the versions equivalent in the instrument file "
                    '(on the primary outcome: equivalent = ["%(id)s@%(old)s"]).',
                    new=instrument_version,
                    old=previous.instrument_version,
                    id=instrument_id,
                    previous=previous.code,
                )
            )
    carried = sorted(
        set(session.exec(select(Target.target_type).where(Target.study_id == previous.id)))
        - set(target_types)
    )
    if carried:
        problems.append(
            _(
                "The targets of %(previous)s carried over to the next wave have types this "
                "study does not list: %(types)s. Add them to the target types.",
                previous=previous.code,
                types=", ".join(label(kind, "target_type") for kind in carried),
            )
        )
    if problems:
        raise Refused(" ".join(problems))


def carry_over(session: Session, *, previous: Study, study: Study, user: User | None) -> int:
    """Link the new ``study`` as the next wave of ``previous`` and copy its targets (codes,
    names, addresses, types, areas, active or not); audited; the caller commits. Returns the
    number of targets copied."""
    targets = session.exec(
        select(Target).where(Target.study_id == previous.id).order_by(col(Target.id))
    ).all()
    session.add(WaveLink(study_id=study.id, previous_id=previous.id,
                         created_by_id=user.id if user is not None else None))  # fmt: skip
    for target in targets:
        session.add(Target(study_id=study.id, code=target.code, name=target.name,
                           address=target.address, target_type=target.target_type,
                           area=target.area, active=target.active))  # fmt: skip
    try:
        session.flush()
    except IntegrityError:  # another coordinator made a next wave of it a moment ago
        session.rollback()
        raise Refused(
            _("Study %(previous)s already has a next wave.", previous=previous.code)
        ) from None
    audit.record(session, action="study.next_wave", user=user, about=study,
                 after={"previous": previous.code, "targets": len(targets)})  # fmt: skip
    return len(targets)
