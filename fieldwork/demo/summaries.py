"""The demo's summary bundles (issue 16): The Hague's nightlife waves as ``export-summary``
writes them, and a fictional second city's, so that ``compare`` and notebook 04 have waves and
two cities.

The files are shipped in ``notebooks/data/`` (the notebooks read them without the app or a
database). ``python -m fieldwork.demo.summaries`` writes them again from a demo built at
:data:`BUILT_AT` in a new SQLite file; a test checks that the shipped files are what it writes.
The second city's counts are drawn by :func:`analysis.simulate_summary.wave_counts` for every
yes/no outcome of the nightlife instrument (its primary outcome with the effects of
:data:`fieldwork.demo.data.SECOND_CITY_EFFECTS`).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlmodel import Session

from analysis.simulate_summary import wave_counts
from analysis.summary import build_summary
from analysis.summary import pseudonym
from analysis.summary import read_summary
from analysis.summary import write_summary
from fieldwork import clock
from fieldwork.demo import data
from fieldwork.services.export.summary import export_summary
from forms import get_instrument

FOLDER = Path(__file__).resolve().parents[2] / "notebooks" / "data"
BUILT_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the demo behind the shipped files
SEED = 2026
# The demo's city secret: fictional, in the open, for the demo and its notebooks only (a real
# city keeps its own secret out of every file, see `export-summary`).
DEMO_SECRET = "fictional secret of the demo cities, for the demo and its notebooks only"


def file_name(city: str, code: str) -> str:
    return f"{city.lower().replace(' ', '-')}-{code.lower()}.json"


def hague_summaries(session: Session, folder: Path) -> list[Path]:
    """The summary bundle of each nightlife wave of the demo in ``session``, as the city would
    export it (``export-summary``, audited), into ``folder``."""
    return [
        export_summary(session=session, study_code=wave.code, city=data.CITY,
                       out=folder / file_name(data.CITY, wave.code), secret=DEMO_SECRET).path
        for wave in data.WAVES
    ]  # fmt: skip


def second_city_summary(folder: Path, *, period: tuple[str, str], seed: int = SEED) -> Path:
    """The fictional second city's nightlife study over ``period`` (months), into ``folder``."""
    instrument = get_instrument("nightlife-door", 1)
    primary = instrument.primary_outcome()
    kinds = [kind for kind, count in data.SECOND_CITY_VENUES.items() for _ in range(count)]
    secret = f"{DEMO_SECRET}: {data.SECOND_CITY}"
    names = [pseudonym(f"Z-{number:03d}", secret) for number in range(1, len(kinds) + 1)]
    rates = {
        question.id: (data.SECOND_CITY_EFFECTS if question is primary
                      else dict.fromkeys(data.SECOND_CITY_VENUES, data.SECOND_CITY_SECONDARY))
        for question in instrument.outcomes() if question.outcome.kind == "binary"
    }  # fmt: skip
    targets = wave_counts(np.random.default_rng(seed), names=names, venue_type=np.array(kinds),
                          venue_area=[None] * len(kinds), pairs=data.SECOND_CITY_PAIRS,
                          rates=rates, icc=data.SECOND_CITY_ICC)  # fmt: skip
    year = period[1][:4]
    code = f"ZST-NL-{year}"
    summary = build_summary(
        city=data.SECOND_CITY, instrument=instrument, targets=targets,
        study={"code": code, "title": f"Deurbeleid {data.SECOND_CITY} {year} (demo)",
               "domain": "nightlife", "wave": 1},
        period={"from": period[0], "to": period[1]},
    )  # fmt: skip
    return write_summary(folder / file_name(data.SECOND_CITY, code), summary)


def write_summaries(session: Session, folder: Path) -> list[Path]:
    """The Hague's waves and the second city's study, fielded in the months of The Hague's
    last closed wave, into ``folder``."""
    hague = hague_summaries(session, folder)
    closed = read_summary(hague[-2])
    return [*hague, second_city_summary(folder, period=closed.period)]


def main(folder: Path = FOLDER) -> list[Path]:
    """Build the demo at :data:`BUILT_AT` in a new SQLite file and write the summaries."""
    from fieldwork.db import make_engine
    from fieldwork.demo.builder import build_demo
    from fieldwork.migrate import upgrade

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="mysteryguest-demo-") as temp:
        url = f"sqlite:///{Path(temp) / 'demo.sqlite'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session, clock.frozen(BUILT_AT):
                build_demo(session=session, seed=SEED, password="demo password, not used")
                written = write_summaries(session, folder)
        finally:
            engine.dispose()
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER):
        print(path)
