"""Synthetic summary bundles: several cities, several waves, for tests and the scale benchmark.

Each city has its own venues (about one per 8 pairs) of three types, each with its own
discordance and, per wave, a direction drawn around the wave's mean (intra-venue correlation
``icc``, :mod:`analysis.venue_effects`). Every wave visits the city's venues at random, so
consecutive waves share most venues (the same pseudonym, with the city's secret). The effect
differs by city and shrinks a little from wave to wave. Files are written with
:func:`analysis.summary.write_summary`, so they pass the same checks as real ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import forms
from analysis.summary import TargetCounts
from analysis.summary import build_summary
from analysis.summary import pseudonym
from analysis.summary import write_summary
from analysis.venue_effects import venue_directions

CITIES = ("Den Haag", "Amsterdam", "Rotterdam", "Utrecht")
TYPES = {"club": (0.20, 0.05), "bar": (0.10, 0.05), "lounge": (0.07, 0.05)}
SECONDARY = {"id_asked": (0.12, 0.06), "staff_tone": (0.10, 0.05)}
AREAS = ("centrum", "noord", "oost", "zuid", "west")
FIRST_YEAR = 2022


def wave_counts(
    rng: np.random.Generator, *, names: Sequence[str], venue_type: np.ndarray,
    venue_area: Sequence[str | None] | np.ndarray, pairs: int, rates: Mapping[str, Mapping[str, tuple[float, float]]],
    icc: float,
) -> list[TargetCounts]:  # fmt: skip
    """One wave's counts per venue: ``pairs`` visits spread at random over the venues (named by
    their pseudonyms ``names``), and per binary outcome and venue type the discordance rates
    ``rates[outcome][type] = (p10, p01)`` (only the control team / only the protected team
    favoured), each venue with its own direction (intra-venue correlation ``icc``); a venue's
    area is ``venue_area`` (None: not said)."""
    venues = len(names)
    visits = rng.multinomial(pairs, np.full(venues, 1 / venues))
    counts: dict[str, np.ndarray] = {}
    for outcome, by_type in rates.items():
        table = np.zeros((venues, 4), dtype=np.int64)
        for kind, (p10, p01) in by_type.items():
            rows = np.flatnonzero(venue_type == kind)
            share = venue_directions(rng, p10, p01, icc, rows.size)
            discordant = rng.binomial(visits[rows], p10 + p01)
            b = rng.binomial(discordant, share)
            a = rng.binomial(visits[rows] - discordant, 0.85)
            table[rows] = np.column_stack([a, b, discordant - b,
                                           visits[rows] - discordant - a])  # fmt: skip
        counts[outcome] = table
    return [
        TargetCounts(names[v], str(venue_type[v]), _text(venue_area[v]),
                     {outcome: counts[outcome][v].tolist() for outcome in counts})
        for v in range(venues) if visits[v] > 0
    ]  # fmt: skip


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _city_name(index: int) -> str:
    return CITIES[index] if index < len(CITIES) else f"City {index + 1}"


def simulate_summaries(
    out: str | Path, *, pairs: int, seed: int, cities: int = 4, waves: int = 5,
    targets: int | None = None, icc: float = 0.1,
) -> list[Path]:  # fmt: skip
    """Write ``cities × waves`` summary bundles into the new or empty folder `out`.

    Parameters
    ----------
    pairs
        Valid pairs per city and wave.
    seed
        Seed: the same seed writes identical files.
    cities, waves
        How many cities (Den Haag, Amsterdam, Rotterdam, Utrecht, then "City 5", …) and waves.
    targets
        Venues per city (default: about one per 8 pairs, at least 15).
    icc
        Intra-venue correlation of the pair difference (direction of discordance).

    Returns
    -------
    list of Path
        The files written, city by city, wave by wave.
    """
    if pairs < 1 or cities < 1 or waves < 1:
        raise ValueError(f"pairs, cities and waves must be at least 1; got {pairs}, {cities}, "
                         f"{waves}")  # fmt: skip
    folder = Path(out)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ValueError(f"{folder} exists and is not an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    instrument = forms.get_instrument("nightlife-door")
    rng = np.random.default_rng(seed)
    venues = targets if targets is not None else max(15, pairs // 8)
    kinds = list(TYPES)
    written = []
    for city_index in range(cities):
        city = _city_name(city_index)
        secret = f"simulated secret of {city} ({seed})"
        codes = [f"V-{number:04d}" for number in range(1, venues + 1)]
        names = [pseudonym(code, secret) for code in codes]
        venue_type = np.array([kinds[number % len(kinds)] for number in range(venues)])
        venue_area = rng.choice(AREAS, size=venues)
        city_shift = rng.uniform(0.7, 1.3)  # cities differ in the size of the effect
        for wave in range(1, waves + 1):
            year = FIRST_YEAR + wave - 1
            trend = 1.0 - 0.08 * (wave - 1)
            rates: dict[str, dict[str, tuple[float, float]]] = {}
            for outcome in ("admitted", *SECONDARY):
                rates[outcome] = {}
                for kind in kinds:
                    p10, p01 = TYPES[kind] if outcome == "admitted" else SECONDARY[outcome]
                    rates[outcome][kind] = (max(p01, p01 + (p10 - p01) * city_shift * trend), p01)
            records = wave_counts(rng, names=names, venue_type=venue_type,
                                  venue_area=venue_area, pairs=pairs, rates=rates, icc=icc)  # fmt: skip
            code = f"{city.split()[-1][:3].upper()}-{year}"
            summary = build_summary(
                city=city, instrument=instrument, targets=records,
                study={"code": code, "title": f"Simulated nightlife study, {city} {year}",
                       "domain": "nightlife", "wave": wave},
                period={"from": f"{year}-03", "to": f"{year}-06"},
            )  # fmt: skip
            slug = city.lower().replace(" ", "-")
            written.append(write_summary(folder / f"{slug}-wave{wave}.json", summary))
    return written
