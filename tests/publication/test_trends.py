"""Waves in public (issue 16): /public/trends shows each wave's published whole-city line and the
change between waves; a release page says how its wave compares with the one before. Only
published releases count; only figures each release published are shown; the change is computed
only from lines both releases published (docs/release-rules.md rule 4), and it is the change of
docs/methods.md §7 (analysis.compare) of the two waves' summary bundles."""

from __future__ import annotations

import copy
import html
import io
import re
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlmodel import select

from analysis.compare import compare
from analysis.disclosure import p_public
from analysis.disclosure import percent
from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import Release
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.services.export.summary import export_summary
from fieldwork.services.releases import lifecycle as releases
from fieldwork.services.releases import trends
from tests.publication.conftest import DEMO_NOW
from tests.publication.conftest import DemoRelease
from tests.publication.conftest import build_demo_at_fixed_time
from tests.publication.conftest import release_study
from tests.publication.conftest import user_named
from tests.publication.waves import A_YEAR_LATER
from tests.publication.waves import next_wave_with_fieldwork
from tests.web.test_every_page_in_dutch import checker  # noqa: F401 (a fixture)
from tests.web.test_every_page_in_dutch import visible_text  # noqa: F401 (a fixture)

LATER = DEMO_NOW + A_YEAR_LATER
SECRET = "a secret the city keeps for its summaries"


@dataclass
class Waves:
    earlier: list[int]  # the releases of the demo's waves before DEMO-NL, first wave first
    first: DemoRelease
    second: DemoRelease
    kept_other: set[str]  # the "other" venues the second wave still visited


def build_two_waves() -> Waves:
    """The demo's nightlife study (its third wave: the two before it are published) and its next
    wave a year later (a smaller effect; most tests at "other" venues cancelled, so that line is
    too small to publish in the second release), both closed and published."""
    build_demo_at_fixed_time()
    session = get_session()
    earlier = [
        made.id
        for code in ("DEMO-NL-W1", "DEMO-NL-W2")
        for made in session.exec(select(Release).join(Study).where(Study.code == code))
    ]
    first = session.exec(select(Study).where(Study.code == "DEMO-NL")).one()
    others = sorted(session.exec(select(Target.code).where(
        Target.study_id == first.id, Target.target_type == "other")))  # fmt: skip
    kept = set(others[:2])
    next_wave_with_fieldwork(
        session, first, code="DEMO-NL-2", user=user_named("coordinator"), swap_every=3,
        cancel=lambda target: target.target_type == "other" and target.code not in kept,
    )  # fmt: skip
    return Waves(earlier, release_study("DEMO-NL"), release_study("DEMO-NL-2", now=LATER), kept)


@pytest.fixture
def waves(app) -> Waves:
    with app.app_context():
        return build_two_waves()


def release(release_id: int) -> Release:
    found = get_session().get(Release, release_id)
    assert found is not None
    return found


def signed(value: int | None) -> str:
    return "–" if value is None else ("−" if value < 0 else "") + str(abs(value))


def interval(values) -> str:
    return f"{signed(values['net_difference_pct'])} ({signed(values['ci_low_pct'])} to " \
        f"{signed(values['ci_high_pct'])})"  # fmt: skip


def cells(page: str) -> list[list[str]]:
    """The text of every cell of every table row of a page."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S):
        found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found])
    return rows


def page(client, url: str, lang: str = "en") -> str:
    client.set_cookie("lang", lang)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_trends_show_each_published_wave_as_its_release_published_it(app, client, waves):
    text = page(client, "/public/trends")
    with app.app_context():
        first, second = release(waves.first.release_id), release(waves.second.release_id)
        change = trends.wave_change(first, second, keys=["total"])[0]
        published = [*(release(made) for made in waves.earlier), first, second]
    rows = [row for row in cells(text) if row and re.fullmatch(r"Wave \d+", row[0])]
    expected = []
    for number, made in enumerate(published, start=1):
        headline, period = made.content["headline"], made.content["period"]
        start, end = (
            datetime.strptime(period[k], "%Y-%m").strftime("%B %Y") for k in ("from", "to")
        )
        months = f"In {start}" if start == end else f"From {start} to {end}"
        expected.append([f"Wave {number}", months, str(headline["n_pairs"]),
                         interval(headline)])  # fmt: skip
    assert [row[:4] for row in rows] == expected
    assert rows[0][4:] == ["–", "–"]  # the first wave has nothing before it
    assert rows[-1][4:] == [interval({"net_difference_pct": change.difference_pct,
                                     "ci_low_pct": change.ci_low_pct,
                                     "ci_high_pct": change.ci_high_pct}), change.p_value]  # fmt: skip
    # Each point of the chart (and each wave in the table) links to its release.
    svg = re.search(r"<svg.*?</svg>", text, re.S).group(0)
    assert 'role="group"' in svg and "<desc" in svg
    links = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)"', svg)
    assert [href for href, _ in links] == [f"/public/releases/{r.id}" for r in published]
    assert all(label.endswith("Open its release.") for _, label in links)
    assert f'<a href="/public/releases/{second.id}">Wave {len(published)}</a>' in text
    # Nothing from elsewhere: no address with a host, no script.
    assert not re.search(r'(src|href)="(https?:)?//', text) and "<script" not in text


def test_the_release_page_compares_the_wave_with_the_one_before(app, client, waves, tmp_path):
    """The change of every line both releases published, equal to analysis.compare's change
    between the two waves' summary bundles (exported from the database, an independent path)."""
    first_wave_page = page(client, f"/public/releases/{waves.earlier[0]}")
    second_page = page(client, f"/public/releases/{waves.second.release_id}")
    assert "Compared with the previous wave" not in first_wave_page  # nothing before it
    assert "Compared with the previous wave" in second_page
    assert f'href="/public/releases/{waves.first.release_id}">Its release</a>' in second_page
    with app.app_context(), clock.frozen(LATER):
        session = get_session()
        files = [tmp_path / f"{code}.json" for code in ("DEMO-NL", "DEMO-NL-2")]
        for code, file in zip(("DEMO-NL", "DEMO-NL-2"), files, strict=True):
            export_summary(session=session, study_code=code, out=file, city="Den Haag",
                           secret=SECRET)  # fmt: skip
        first, second = release(waves.first.release_id), release(waves.second.release_id)
        changes = {change.key: change for change in trends.wave_change(first, second)}
    compared = compare(files)
    assert "total" in changes and len(changes) >= 3
    for key, change in changes.items():
        stratum = {} if key == "total" else {"target_type": key}
        theirs = compared.line("change", stratum)
        assert change.difference_pct == percent(theirs["difference"])
        assert (change.ci_low_pct, change.ci_high_pct) == (percent(theirs["ci_low"]),
                                                           percent(theirs["ci_high"]))  # fmt: skip
        assert change.p_value == p_public(theirs["p_value"])
        assert change.n_targets_in_both == theirs["n_targets_in_both"]
    city = changes["total"]
    assert city.difference_pct < 0  # the planted effect is smaller in the second wave
    sentence = (f"The net measure went from {signed(city.net_from_pct)} to "
                f"{signed(city.net_to_pct)} in 100 tests: a change of "
                f"{signed(city.difference_pct)}.")  # fmt: skip
    assert sentence in html.unescape(second_page)
    table = [row for row in cells(second_page) if row and row[0] == "Whole city"]
    assert [signed(city.net_from_pct), signed(city.net_to_pct)] in [row[1:3] for row in table]


def test_the_change_uses_only_lines_both_releases_published(app, client, waves):
    with app.app_context():
        first, second = release(waves.first.release_id), release(waves.second.release_id)
        published = [{row["key"] for row in r.content["tables"]["by_target_type"]["rows"]
                      if row["published"]} for r in (first, second)]  # fmt: skip
        suppressed = {row["key"] for row in second.content["tables"]["by_target_type"]["rows"]
                      if not row["published"]}  # fmt: skip
        assert "other" in suppressed  # the second wave kept too few "other" venues
        assert set(second.line_targets) == published[1] | {"total"}  # nothing frozen of them
        keys = {change.key for change in trends.wave_change(first, second)}
        assert keys == (published[0] & published[1]) | {"total"}
        assert not keys & suppressed
        # Had the first release not published a line, it would not be compared either:
        hidden = copy.deepcopy(first.content)
        club = next(r for r in hidden["tables"]["by_target_type"]["rows"] if r["key"] == "club")
        club.update(published=False, values={}, rules=["min_pairs"])
        without = SimpleNamespace(content=hidden, line_targets=first.line_targets,
                                  checksum=first.checksum, id=first.id)  # fmt: skip
        assert {c.key for c in trends.wave_change(without, second)} == keys - {"club"}
        # Frozen counts that do not add up to the published line are not used.
        tampered = copy.deepcopy(first.line_targets)
        code = next(iter(tampered["bar"]))
        tampered["bar"][code] = [value + 1 for value in tampered["bar"][code]]
        wrong = SimpleNamespace(content=first.content, line_targets=tampered,
                                checksum=first.checksum, id=first.id)  # fmt: skip
        assert {c.key for c in trends.wave_change(wrong, second)} == keys - {"bar"}
    second_page = page(client, f"/public/releases/{waves.second.release_id}")
    section = second_page[second_page.index('id="compared"') : second_page.index('id="design"')]
    labels = {row[0] for row in cells(section) if row}
    assert "Other" not in labels and "Whole city" in labels
    # The trend page shows only whole-city lines as published and their changes: every number
    # in its table is one of those.
    trend = page(client, "/public/trends")
    allowed = set()
    with app.app_context():
        published = [*(release(made) for made in waves.earlier), first, second]
    for made in published:
        headline = made.content["headline"]
        allowed |= {signed(headline[k]) for k in ("net_difference_pct", "ci_low_pct",
                                                    "ci_high_pct")} | {str(headline["n_pairs"])}  # fmt: skip
    for before, after in zip(published, published[1:], strict=False):
        city = trends.wave_change(before, after, keys=["total"])[0]
        allowed |= {signed(v) for v in (city.difference_pct, city.ci_low_pct, city.ci_high_pct)}
    shown = set()
    for row in cells(trend)[1:]:
        for cell in row[2:5]:
            shown |= set(re.findall(r"−?\d+", cell))
    assert shown and shown <= allowed


def test_withdrawn_and_draft_releases_are_left_out(app, client, waves):
    with app.app_context(), clock.frozen(LATER):
        session = get_session()
        first = release(waves.first.release_id)
        releases.withdraw_release(session=session, release=first, user=user_named("coordinator"),
                                  reason="Een tabel bevatte een rekenfout.", confirmed=True)  # fmt: skip
        study = session.get(Study, waves.first.study_id)
        draft = releases.create_release(
            session=session, study=study, user=user_named("coordinator"), replaces=first,
            texts=releases.ReleaseTexts(next_steps_nl="De gemeente bespreekt het opnieuw."),
        )  # fmt: skip
        draft_id = draft.id
    trend = page(client, "/public/trends")
    waves_shown = [row[0] for row in cells(trend) if row and re.fullmatch(r"Wave \d+", row[0])]
    assert waves_shown == ["Wave 1", "Wave 2", "Wave 4"]  # wave 3 has no published release now
    assert f"/public/releases/{waves.first.release_id}" not in trend
    assert f"/public/releases/{draft_id}" not in trend
    assert "Compared with the previous wave" not in page(
        client, f"/public/releases/{waves.second.release_id}")  # fmt: skip
    with app.app_context(), clock.frozen(LATER):
        session = get_session()
        draft = release(draft_id)
        releases.approve_release(session=session, release=draft, user=user_named("admin"))
        releases.publish_release(session=session, release=draft, user=user_named("coordinator"))
    second = page(client, f"/public/releases/{waves.second.release_id}")
    assert f'href="/public/releases/{draft_id}">Its release</a>' in second  # the correction
    assert [row[0] for row in cells(page(client, "/public/trends"))
            if row and re.fullmatch(r"Wave \d+", row[0])] == ["Wave 1", "Wave 2", "Wave 3",
                                                             "Wave 4"]  # fmt: skip


def test_an_empty_trend_page_says_so(client, app):
    assert "No waves have been published yet." in page(client, "/public/trends")


@pytest.mark.parametrize("url", ["/public/trends", "/public/releases/{second}"])
def test_the_pages_read_as_dutch(client, waves, checker, url):  # noqa: F811 (the fixture)
    text = page(client, url.format(second=waves.second.release_id), lang="nl")
    assert 'lang="nl"' in text
    chunks = visible_text(text)
    problems = [problem for chunk in chunks for problem in checker.problems(chunk)]
    assert len(chunks) > 20 and problems == []
    assert "Vergeleken met de vorige ronde" in text or "Uitkomsten in de loop van de tijd" in text


def test_the_pdf_says_how_the_wave_compares(client, waves):
    from pypdf import PdfReader

    client.set_cookie("lang", "en")
    data = client.get(f"/public/releases/{waves.second.release_id}.pdf").get_data()
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Compared with the previous wave" in words
    assert f"Release {waves.first.release_id}." in words  # named, not linked, on paper


def test_a_month_is_the_finest_date_on_the_public_pages(client, waves):
    for url in ("/public/trends", f"/public/releases/{waves.second.release_id}"):
        text = page(client, url)
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
