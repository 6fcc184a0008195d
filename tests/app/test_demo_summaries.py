"""The demo's summary bundles shipped in notebooks/data (issue 16 point 4): The Hague's nightlife
waves are what `export-summary` writes from the demo built at the shipped moment, the second
city's are what its generator writes, and they compare as notebook 04 says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.compare import compare
from analysis.summary import read_summary
from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.demo import data
from fieldwork.demo.builder import build_demo
from fieldwork.demo.summaries import BUILT_AT
from fieldwork.demo.summaries import FOLDER
from fieldwork.demo.summaries import SEED
from fieldwork.demo.summaries import write_summaries

# builds the whole demo: make test runs it, make test-fast leaves it out
pytestmark = pytest.mark.slow


def content(path: Path) -> dict:
    found = json.loads(path.read_text(encoding="utf-8"))
    found.pop("software")  # the version of the package that wrote it
    return found


def test_the_shipped_summaries_are_what_the_demo_exports(app, tmp_path):
    with app.app_context(), clock.frozen(BUILT_AT):
        build_demo(session=get_session(), seed=SEED, password="demo password, not used")
        written = write_summaries(get_session(), tmp_path)
    shipped = sorted(FOLDER.glob("*.json"))
    assert [path.name for path in shipped] == sorted(path.name for path in written)
    for path in written:
        assert content(path) == content(FOLDER / path.name), path.name
    summaries = [read_summary(path) for path in shipped]
    assert sorted((s.city, s.code, s.study["wave"]) for s in summaries) == sorted(
        [*((data.CITY, wave.code, number) for number, wave in enumerate(data.WAVES, start=1)),
         (data.SECOND_CITY, "ZST-NL-2025", 1)]
    )  # fmt: skip


def test_the_waves_share_their_venues_and_the_cities_do_not():
    summaries = {read_summary(path).code: read_summary(path) for path in FOLDER.glob("*.json")}
    venues = {code: {t["target"] for t in s.targets()} for code, s in summaries.items()}
    waves = [venues[wave.code] for wave in data.WAVES]
    assert all(len(earlier & later) >= 0.9 * len(earlier)
               for earlier, later in zip(waves, waves[1:], strict=False))  # fmt: skip
    assert venues["ZST-NL-2025"].isdisjoint(set().union(*waves))
    second_city = summaries["ZST-NL-2025"]
    assert sum(sum(t["counts"]["admitted"]) for t in second_city.targets()) \
        == data.SECOND_CITY_PAIRS  # fmt: skip
    assert {t["area"] for s in summaries.values() for t in s.targets()} == {None}
    # The planted effects: the second wave's is smaller than the first's; the two cities differ
    # no more than chance allows.
    series = compare([FOLDER / f"den-haag-{wave.code.lower()}.json" for wave in data.WAVES])
    first, second = (series.line("by_wave", study=wave.code) for wave in data.WAVES[:2])
    assert second["net_difference"] < first["net_difference"]
    assert len([line for line in series.change if not line["stratum"]]) == len(data.WAVES) - 1
    cities = compare([FOLDER / "den-haag-demo-nl-w2.json", FOLDER / "zeestad-zst-nl-2025.json"])
    assert {line["city"] for line in cities.by_city} == {data.CITY, data.SECOND_CITY}
    assert cities.heterogeneity[0]["p_value"] > 0.05
