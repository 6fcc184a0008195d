"""`mysteryguest export-summary` (issue 16): a study's per-target counts under the city's
pseudonyms, with nothing that names a place, a person or a day; the same numbers as `analyze`."""

from __future__ import annotations

import json
import re
from datetime import date
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel
from sqlmodel import select

import fieldwork.models as models
from analysis.compare import compare
from analysis.result import analyze
from analysis.summary import pseudonym
from analysis.summary import read_summary
from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.services.export.bundle import export_study
from forms import get_instrument
from tests.publication.conftest import build_demo_at_fixed_time
from tests.publication.conftest import user_named
from tests.publication.waves import next_wave_with_fieldwork

SECRET, OTHER = "the Hague's own secret, kept by the city", "Utrecht keeps another secret here"
LINE_KEYS = ("n_pairs", "n_targets", "net_difference", "ci_low_cluster", "ci_high_cluster",
             "p_cluster", "design_effect")  # fmt: skip


@pytest.fixture
def demo(app):
    with app.app_context():
        build_demo_at_fixed_time()


def secret_file(tmp_path: Path, secret: str = SECRET, name: str = "city-secret.txt") -> Path:
    path = tmp_path / name
    path.write_text(secret + "\n", encoding="utf-8")
    return path


def export(runner, tmp_path: Path, code: str, name: str, *extra: str, secret: str = SECRET):
    out = tmp_path / name
    result = runner.invoke(args=["export-summary", code, "--out", str(out), "--city", "Den Haag",
                                 "--secret-file", str(secret_file(tmp_path, secret)), *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.mark.parametrize(("code", "wave"), [("DEMO-NL-W1", 1), ("DEMO-NL", 3), ("DEMO-WON", 1)])
def test_each_demo_study_round_trips_to_the_analyze_lines(app, demo, runner, tmp_path, code, wave):
    """export-summary → analysis.compare: the city's lines are analyze's venue-robust lines of
    the exported bundle, overall and per target type, for every yes/no outcome."""
    out, printed = export(runner, tmp_path, code, "summary.json")
    assert f"Wrote {out}: Den Haag, study {code} (wave {wave})" in printed
    closed = code == "DEMO-NL-W1"  # the demo's earlier waves are closed and released
    assert (f"Note: study {code} is not closed, so these are the counts so far" in printed) \
        is not closed  # fmt: skip
    with app.app_context():
        export_study(session=get_session(), study_code=code, folder=tmp_path / "bundle")
        study = get_session().exec(select(Study).where(Study.code == code)).one()
        instrument = get_instrument(study.instrument_id, study.instrument_version)
    analysed = analyze(tmp_path / "bundle")
    summary = read_summary(out)
    assert summary.study["wave"] == wave and summary.city == "Den Haag"
    binary = [q.id for q in instrument.outcomes() if q.outcome.kind == "binary"]
    assert [o["id"] for o in summary.data["outcomes"]] == binary
    checked = 0
    for outcome in binary:
        compared = compare([out], outcome=outcome)
        for line in compared.by_city:
            theirs = analysed.estimate(outcome, line["stratum"] or None)
            for key in LINE_KEYS:
                assert line[key] == pytest.approx(theirs[key], rel=1e-12, abs=1e-12), (
                    outcome, line["stratum"], key)  # fmt: skip
            checked += 1
    assert checked >= 2 * len(binary)  # the whole city and at least one type per outcome


def _database_strings() -> tuple[set[str], set[str]]:
    """Every name, address, code and free text in the database, and every date (ISO day)."""
    session = get_session()
    texts: set[str] = set()
    for target in session.exec(select(Target)):
        texts |= {target.name, target.address, target.code}
    for model, fields in ((models.Tester, ("code",)), (models.Team, ("code",)),
                          (models.Pair, ("code",)), (models.User, ("username",)),
                          (models.Incident, ("description",)),
                          (models.ReviewMessage, ("body",)), (models.Amendment, ("reason",)),
                          (models.PairReview, ("override_reason",)),
                          (models.VisitReport, ("uuid",))):  # fmt: skip
        for row in session.exec(select(model)):
            texts |= {str(getattr(row, name)) for name in fields}
    for report in session.exec(select(models.VisitReport)):
        instrument = get_instrument(report.instrument_id, report.instrument_version)
        free = {q.id for q in instrument.questions if q.type == "text"}
        texts |= {str(value) for key, value in report.answers.items() if key in free}
    days: set[str] = set()
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(sa_select(table)):
            for value in row:
                if isinstance(value, datetime | date):
                    days.add(value.isoformat()[:10])
    return {text for text in texts if text and len(text.strip()) >= 2}, days


def test_a_summary_holds_none_of_the_databases_names_addresses_codes_or_dates(
    app, demo, runner, tmp_path
):
    """Against every such string of the database (the areas included on request, as the most
    the file can hold): only the study's own code and title, months and pseudonyms."""
    files = [export(runner, tmp_path, code, f"{code}.json", "--areas")[0]
             for code in ("DEMO-NL", "DEMO-WON")]  # fmt: skip
    with app.app_context():
        strings, days = _database_strings()
        studies = {s.code: s for s in get_session().exec(select(Study))}
    assert len(strings) > 300 and len(days) > 10  # the check has something to find
    for file in files:
        data = json.loads(file.read_text(encoding="utf-8"))
        own = studies[data["study"]["code"]]
        assert data["study"]["title"] == own.title
        assert all(re.fullmatch(r"[0-9a-f]{20}", t["target"]) for t in data["targets"])
        assert any(t["area"] for t in data["targets"])  # --areas kept them
        # What is left once the pseudonyms and the study's own code and title are taken out:
        text = re.sub(r'"target": "[0-9a-f]{20}"', "", file.read_text(encoding="utf-8"))
        text = text.replace(own.code, "").replace(own.title, "").casefold()
        found = sorted(s for s in strings if s.casefold() in text)
        assert found == [], f"{file.name} holds {found}"
        assert not [day for day in days if day in text]
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}", text)  # no day, no time
        assert re.fullmatch(r"\d{4}-\d{2}", data["period"]["from"])
        assert SECRET.casefold() not in text
    # Without --areas, the default, only the type is said.
    plain, _ = export(runner, tmp_path, "DEMO-NL", "plain.json")
    assert {t["area"] for t in json.loads(plain.read_text())["targets"]} == {None}


def test_the_secret_stays_out_of_the_file_the_database_and_the_audit(app, demo, runner, tmp_path):
    out, _ = export(runner, tmp_path, "DEMO-NL", "s.json")
    assert SECRET not in out.read_text(encoding="utf-8")
    with app.app_context():
        session = get_session()
        dump = [str(value) for table in SQLModel.metadata.sorted_tables
                for row in session.execute(sa_select(table)) for value in row]  # fmt: skip
        assert not [value for value in dump if SECRET in value]
        event = session.exec(select(AuditEvent).where(
            AuditEvent.action == "study.export_summary")).one()  # fmt: skip
    summary = read_summary(out)
    assert event.after == {
        "city": "Den Haag", "wave": 3, "targets": len(summary.targets()),
        "pairs": sum(sum(t["counts"]["admitted"]) for t in summary.targets()),
        "from": summary.period[0], "to": summary.period[1], "areas": False,
    }  # fmt: skip


def test_pseudonyms_differ_between_city_secrets_and_match_across_waves(app, demo, runner, tmp_path):
    """The next wave carries the codes over: with one secret a venue has one pseudonym in both
    waves (so the comparison counts it as one cluster); another secret gives other pseudonyms."""
    with app.app_context():
        session = get_session()
        first = session.exec(select(Study).where(Study.code == "DEMO-NL")).one()
        first_id = first.id
        next_wave_with_fieldwork(session, first, code="DEMO-NL-2",
                                 user=user_named("coordinator"))  # fmt: skip
    wave1, _ = export(runner, tmp_path, "DEMO-NL", "w1.json")
    wave2, printed = export(runner, tmp_path, "DEMO-NL-2", "w2.json")
    other, _ = export(runner, tmp_path, "DEMO-NL", "other.json", secret=OTHER)
    assert "(wave 4)" in printed and "not closed" in printed  # the demo's DEMO-NL is wave 3
    with app.app_context():
        session = get_session()
        session.exec(select(Study).where(Study.code == "DEMO-NL")).one().status = "closed"
        session.commit()
    _, printed = export(runner, tmp_path, "DEMO-NL", "closed.json")
    assert "not closed" not in printed
    one, two, elsewhere = (read_summary(path) for path in (wave1, wave2, other))
    assert (one.study["wave"], two.study["wave"]) == (3, 4)
    names = [{t["target"] for t in s.targets()} for s in (one, two, elsewhere)]
    with app.app_context():
        codes = set(get_session().exec(select(Target.code).where(Target.study_id == first_id)))
    mine = {pseudonym(code, SECRET) for code in codes}
    assert names[0] <= mine and names[1] <= mine
    assert names[0] & names[1] and len(names[0] & names[1]) == len(names[0])  # stable
    assert names[2].isdisjoint(names[0]) and len(names[2]) == len(names[0])  # other secret
    change = compare([wave1, wave2]).line("change", {}, city="Den Haag")
    assert change["n_targets_in_both"] == len(names[0] & names[1])
    assert (change["from"], change["to"]) == ("DEMO-NL", "DEMO-NL-2")


def _refusal_cases(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    good = str(secret_file(tmp_path))
    short = str(secret_file(tmp_path, "too short", "short.txt"))
    empty = str(secret_file(tmp_path, "", "empty.txt"))
    exists = tmp_path / "exists.json"
    exists.write_text("{}", encoding="utf-8")
    out = str(tmp_path / "new.json")
    return {
        "no city": (["DEMO-NL", "--out", out, "--secret-file", good],
                    r"No city\. Give --city NAME"),
        "no secret": (["DEMO-NL", "--out", out, "--city", "Den Haag"],
                      r"No city secret\. Give --secret-file FILE .* set CITY_SECRET_FILE"),
        "empty secret file": (["DEMO-NL", "--out", out, "--city", "Den Haag", "--secret-file",
                               empty], r"No city secret"),
        "short secret": (["DEMO-NL", "--out", out, "--city", "Den Haag", "--secret-file", short],
                         r"shorter than 16 characters\. Make a longer one"),
        "missing secret file": (["DEMO-NL", "--out", out, "--city", "Den Haag", "--secret-file",
                                 str(tmp_path / "nowhere.txt")], r"nowhere\.txt does not exist"),
        "unknown study": (["NOPE", "--out", out, "--city", "Den Haag", "--secret-file", good],
                          r"No study with code 'NOPE'\. Known studies: DEMO-NL, DEMO-NL-W1, "
                          r"DEMO-NL-W2, DEMO-WON"),
        "file exists": (["DEMO-NL", "--out", str(exists), "--city", "Den Haag", "--secret-file",
                         good], r"exists\. Choose a new file name"),
    }  # fmt: skip


@pytest.mark.parametrize("case", ["no city", "no secret", "empty secret file", "short secret",
                                  "missing secret file", "unknown study", "file exists"])  # fmt: skip
def test_bad_input_is_refused_with_what_to_do_and_writes_nothing(app, demo, runner, tmp_path, case):
    args, message = _refusal_cases(tmp_path)[case]
    before = sorted(path.name for path in tmp_path.iterdir())
    result = runner.invoke(args=["export-summary", *args])
    assert result.exit_code == 1 and re.search(message, result.output), result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == before
    with app.app_context():
        assert not get_session().exec(
            select(AuditEvent).where(AuditEvent.action == "study.export_summary")).all()  # fmt: skip


def test_a_title_that_names_a_venue_is_refused(app, demo, runner, tmp_path):
    """The title goes into the file, so it passes the release's identifying-text check."""
    with app.app_context():
        session = get_session()
        study = session.exec(select(Study).where(Study.code == "DEMO-NL")).one()
        venue = session.exec(select(Target).where(Target.study_id == study.id)).first()
        study.title = f"Deurbeleid bij {venue.name}"
        session.commit()
    out = tmp_path / "s.json"
    result = runner.invoke(args=["export-summary", "DEMO-NL", "--out", str(out), "--city", "Den Haag",
                                 "--secret-file", str(secret_file(tmp_path))])  # fmt: skip
    assert result.exit_code == 1 and "names a venue, landlord or agent" in result.output
    assert "change it first" in result.output and not out.exists()


def test_a_study_without_valid_pairs_says_so(app, demo, runner, tmp_path):
    with app.app_context():
        session = get_session()
        study = session.exec(select(Study).where(Study.code == "DEMO-NL")).one()
        for test in session.exec(select(Test).where(Test.study_id == study.id)):
            test.status = "cancelled"
        session.commit()
    out = tmp_path / "s.json"
    result = runner.invoke(args=["export-summary", "DEMO-NL", "--out", str(out), "--city", "Den Haag",
                                 "--secret-file", str(secret_file(tmp_path))])  # fmt: skip
    assert result.exit_code == 1 and "needs at least one valid pair" in result.output
    assert not out.exists()


def test_the_city_and_secret_file_come_from_the_settings(app, demo, tmp_path):
    app.config.update(CITY="Den Haag", CITY_SECRET_FILE=str(secret_file(tmp_path)))
    out = tmp_path / "s.json"
    result = app.test_cli_runner().invoke(args=["export-summary", "DEMO-WON", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = read_summary(out)
    assert summary.city == "Den Haag" and summary.study["domain"] == "housing"
    with app.app_context():
        codes = get_session().exec(select(Target.code)).all()
    assert {t["target"] for t in summary.targets()} <= {pseudonym(c, SECRET) for c in codes}
