"""A study's summary bundle (``mysteryguest export-summary``): the counts a city shares.

The format is :mod:`analysis.summary` (``mysteryguest-summary`` version 1,
docs/summary-bundle.schema.json): city, study code and title, domain, instrument id and version,
the fieldwork period in months, and per target *pseudonym* its type (and, when asked, its area)
and per binary outcome the paired table (a, b, c, d) of its valid pairs. No names, addresses,
target or tester codes, no day, no free text, nothing about testers.

The study is first exported exactly as ``mysteryguest export`` does, into a temporary folder (so
validity is the one of :func:`fieldwork.services.reports.validity.judge_tests` and the answers
are read by :mod:`analysis.bundle`), then summarised by
:func:`analysis.summary.summary_from_bundle`: what ``compare`` reads is what ``analyze`` reads.

Pseudonyms are keyed hashes of the target codes with the *city secret*. The city keeps it, out of
the database and out of every file this writes: the same secret in every wave makes a venue's
pseudonym match across the waves (the next wave carries the codes over,
:mod:`fieldwork.services.studies.waves`); without it a pseudonym means nothing.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from analysis.summary import MIN_SECRET
from analysis.summary import Summary
from analysis.summary import SummaryError
from analysis.summary import summary_from_bundle
from analysis.summary import write_summary
from analysis.summary_schema import SCHEMA
from fieldwork.models import User
from fieldwork.services import audit
from fieldwork.services.export.bundle import ExportError
from fieldwork.services.export.bundle import write_study_bundle
from fieldwork.services.releases.text_check import Vocabulary
from fieldwork.services.releases.text_check import check_public_text
from fieldwork.services.studies.overview import study_by_code
from fieldwork.services.studies.waves import wave_number

MAKE_SECRET = "python -c 'import secrets; print(secrets.token_hex(32))'"
MAX_CITY = SCHEMA["properties"]["city"]["maxLength"]


@dataclass(frozen=True)
class SummaryExport:
    path: Path
    city: str
    wave: int
    targets: int
    pairs: int  # valid pairs with the primary outcome on both sides
    period: tuple[str, str]
    closed: bool  # False: the study is still open, so later reports may change the counts


def read_secret_file(path: Path) -> str:
    """The city secret from a file (its first line); :class:`ExportError` says what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExportError(f"The city secret file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ExportError(f"The city secret file {path} cannot be read ({error}).") from None
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def check_secret(secret: str | None) -> str:
    """The secret, or :class:`ExportError` when there is none or it is too short."""
    if not secret:
        raise ExportError(
            "No city secret. Give --secret-file FILE (a file holding the secret) or set "
            "CITY_SECRET_FILE. Make a secret once with: "
            f"{MAKE_SECRET} > city-secret.txt, keep it outside the database and use the same "
            "file for every wave: the pseudonyms of the venues match only with the same secret."
        )
    if len(secret.encode("utf-8")) < MIN_SECRET:
        raise ExportError(
            f"The city secret is shorter than {MIN_SECRET} characters. Make a longer one with: "
            f"{MAKE_SECRET} (and use it for every wave from now on)."
        )
    return secret


def export_summary(
    *, session: Session, study_code: str, out: Path, city: str | None, secret: str | None,
    areas: bool = False, user: User | None = None,
) -> SummaryExport:  # fmt: skip
    """Write the summary bundle of study ``study_code`` to ``out`` (a new file); audited.

    ``areas`` keeps each target's area (off by default: type and area together can narrow a
    pseudonym down to a few venues). Raises :class:`ExportError` with what to fix; nothing is
    written then.
    """
    city = " ".join((city or "").split())
    if not city:
        raise ExportError(
            "No city. Give --city NAME (e.g. --city 'Den Haag') or set CITY: the summary says "
            "whose study it is."
        )
    if len(city) > MAX_CITY:
        raise ExportError(f"The city's name is longer than {MAX_CITY} characters.")
    secret = check_secret(secret)
    if out.exists():
        raise ExportError(f"{out} exists. Choose a new file name.")
    study = study_by_code(session, study_code, error=ExportError)
    problem = check_public_text(Vocabulary(session), "The study's title", study.title)
    if problem:
        raise ExportError(f"{problem} The title goes into the summary: change it first.")
    wave = wave_number(session, study)
    with tempfile.TemporaryDirectory(prefix="mysteryguest-summary-") as temp:
        write_study_bundle(session, study, Path(temp) / "bundle")
        try:
            data = summary_from_bundle(Path(temp) / "bundle", city=city, secret=secret, wave=wave)
        except SummaryError as error:
            raise ExportError(f"No summary of {study.code} was written: {error}.") from None
    if not areas:
        data["targets"] = [{**target, "area": None} for target in data["targets"]]
    primary = Summary(data).primary_outcome()
    pairs = sum(sum(t["counts"].get(primary, [])) for t in data["targets"])
    try:
        write_summary(out, data)
    except (SummaryError, OSError) as error:
        raise ExportError(f"No summary was written: {error}") from None
    period = (data["period"]["from"], data["period"]["to"])
    audit.record(
        session,
        action="study.export_summary",
        user=user,
        about=study,
        after={
            "city": city,
            "wave": wave,
            "targets": len(data["targets"]),
            "pairs": pairs,
            "from": period[0],
            "to": period[1],
            "areas": areas,
        },  # fmt: skip
    )
    session.commit()
    return SummaryExport(out, city, wave, len(data["targets"]), pairs, period,
                         study.status == "closed")  # fmt: skip
