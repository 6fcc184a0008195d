"""The city over time: published releases per wave, and the change between two waves.

Only **published** releases count: a withdrawn release is gone, a draft is not public yet. A
wave's release is its study's newest published release (a correction replaces the release it
corrects). Only figures each release itself published are shown: a wave's point in the trend is
its release's whole-city line exactly as published, or nothing when that line was suppressed.

The change between two consecutive waves is docs/methods.md §7 (:func:`analysis.compare.compare`,
Δ = N₂ − N₁ with a venue-robust interval and t test over the targets of either wave). It is
computed only for lines that both releases published, from the per-target counts frozen with
each release (``Release.line_targets``, never public), which hold exactly the pairs behind each
published line: nothing of a suppressed line goes into it (docs/release-rules.md rule 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from analysis.compare import compare
from analysis.disclosure import p_public
from analysis.disclosure import percent
from analysis.summary import SummaryError
from analysis.summary import TargetCounts
from analysis.summary import build_summary
from analysis.summary import pseudonym
from fieldwork.models import Release
from fieldwork.models import Study
from fieldwork.services.studies import waves
from forms import InstrumentError
from forms import get_instrument

TABLE = "by_target_type"  # the table whose lines a change is computed for
CITY_LINE = "total"


@dataclass(frozen=True)
class Change:
    """The change of one line from the earlier wave's release to the later one's, rounded as
    every public figure is (whole percentage points; p as :func:`analysis.disclosure.p_public`).
    ``net_from_pct``/``net_to_pct`` are the two releases' published net measures."""

    key: str  # "total" (the whole city) or a target type
    net_from_pct: int | None
    net_to_pct: int | None
    difference_pct: int | None
    ci_low_pct: int | None
    ci_high_pct: int | None
    p_value: str | None
    n_targets: int
    n_targets_in_both: int


@dataclass(frozen=True)
class WavePoint:
    """One wave of a series with its published release (None: nothing published yet)."""

    study: Study
    wave: int
    release: Release | None

    @property
    def city_line(self) -> Mapping[str, Any] | None:
        """The release's whole-city line as published, or None (none published)."""
        if self.release is None:
            return None
        line = _line(self.release, CITY_LINE)
        return line["values"] if line is not None else None


@dataclass(frozen=True)
class Series:
    """The waves of one series that have a published release, first wave first, and the change
    of the whole-city line from each such wave to the next wave when both are published."""

    points: list[WavePoint]
    changes: dict[int, Change]  # release id of the later wave -> its change from the wave before

    @property
    def domain(self) -> str:
        return self.points[-1].study.domain


def current_release(session: Session, study: Study) -> Release | None:
    """The study's newest published release, or None."""
    return session.exec(
        select(Release)
        .where(Release.study_id == study.id, Release.status == "published")
        .order_by(col(Release.published_at).desc(), col(Release.id).desc())
    ).first()  # fmt: skip


def previous_release(session: Session, release: Release) -> Release | None:
    """The published release of the wave before ``release``'s study, or None."""
    study = session.get(Study, release.study_id)
    earlier = waves.previous_wave(session, study) if study is not None else None
    return current_release(session, earlier) if earlier is not None else None


def _line(release: Release, key: str) -> Mapping[str, Any] | None:
    """Line ``key`` of the release's table by target type, when it was published."""
    table = release.content.get("tables", {}).get(TABLE) or {}
    lines = [table.get("total")] if key == CITY_LINE else table.get("rows", [])
    for line in lines:
        if line and line.get("key") == key and line.get("published"):
            return line
    return None


def _matches(release: Release, key: str) -> bool:
    """The frozen per-target counts of line ``key`` add up to the line as published."""
    line, counts = _line(release, key), release.line_targets.get(key)
    if line is None or not counts:
        return False
    values = line["values"]
    sums = [sum(item[i] for item in counts.values()) for i in range(4)]
    return (sum(sums), sums[1], sums[2]) == (values["n_pairs"], values["control_only_favourable"],
                                            values["protected_only_favourable"])  # fmt: skip


def _summary(release: Release, key: str, wave: int, secret: str) -> dict[str, Any]:
    content = release.content
    study, outcome = content["study"], content["outcome"]
    instrument = get_instrument(study["instrument"], study["instrument_version"])
    kind = key if key != CITY_LINE else "all"
    targets = [TargetCounts(pseudonym(code, secret), kind, None, {outcome: counts})
               for code, counts in sorted(release.line_targets[key].items())]  # fmt: skip
    return build_summary(
        city="-", study={"code": f"release-{release.id}", "title": "", "domain": study["domain"],
                         "wave": wave},
        instrument=instrument, period=content["period"], targets=targets, outcomes=[outcome],
    )  # fmt: skip


def lines_in_both(earlier: Release, later: Release) -> list[str]:
    """The lines of the table by target type that both releases published (and whose frozen
    counts agree with what was published): the whole city first, then the types in the later
    release's order."""
    table = later.content.get("tables", {}).get(TABLE) or {}
    keys = [CITY_LINE] + [row["key"] for row in table.get("rows", [])]
    return [key for key in keys if _matches(earlier, key) and _matches(later, key)]


def wave_change(
    earlier: Release, later: Release, keys: Sequence[str] | None = None
) -> list[Change]:
    """The change of every line both releases published (of ``keys`` only, when given), from
    ``earlier`` to ``later``.

    Empty when the two cannot be compared: another outcome or an outcome whose meaning differs
    (not the same instrument version nor declared equivalent), or no line published in both.
    """
    if earlier.content.get("outcome") != later.content.get("outcome"):
        return []
    confidence = float(later.content.get("confidence", 0.95))
    # Pseudonyms only match the two waves' targets here, in memory: any key of 16+ characters
    # does, and the checksums make the result the same every time.
    secret = f"{earlier.checksum}:{later.checksum}"
    found = []
    for key in lines_in_both(earlier, later):
        if keys is not None and key not in keys:
            continue
        earlier_line, later_line = _line(earlier, key), _line(later, key)
        assert earlier_line is not None and later_line is not None
        try:
            result = compare([_summary(earlier, key, 1, secret), _summary(later, key, 2, secret)],
                             outcome=later.content["outcome"], confidence=confidence)  # fmt: skip
        except (SummaryError, InstrumentError):
            return []
        entry = result.line("change", {})
        found.append(Change(
            key=key,
            net_from_pct=earlier_line["values"]["net_difference_pct"],
            net_to_pct=later_line["values"]["net_difference_pct"],
            difference_pct=percent(entry["difference"]),
            ci_low_pct=percent(entry["ci_low"]), ci_high_pct=percent(entry["ci_high"]),
            p_value=p_public(entry["p_value"]), n_targets=int(entry["n_targets"]),
            n_targets_in_both=int(entry["n_targets_in_both"]),
        ))  # fmt: skip
    return found


def series_of_releases(session: Session) -> list[Series]:
    """Every series with at least one published release, in the order of their first waves."""
    found = []
    for chain in waves.all_series(session):
        points = [WavePoint(study, number, current_release(session, study))
                  for number, study in enumerate(chain, start=1)]  # fmt: skip
        published = [point for point in points if point.release is not None]
        if not published:
            continue
        changes = {}
        for before, after in zip(points, points[1:], strict=False):
            if before.release is None or after.release is None:
                continue
            city = wave_change(before.release, after.release, keys=[CITY_LINE])
            if city:
                assert after.release.id is not None
                changes[after.release.id] = city[0]
        found.append(Series(published, changes))
    return found
