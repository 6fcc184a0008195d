"""Every page of the app, in Dutch, for every role, on the demo data: no English, no raw code.

The site is the demo (both studies, built in its own SQLite file: the pages are under test, not
the database) plus what the demo leaves out, made through the services: review states and
messages, an override, a report conflict, an amendment, incidents, a closed study with a
withdrawn release, its published correction and another correction in draft. Each rule of the URL map is called (like
tests/hardening/test_route_matrix.py) by an anonymous visitor, a tester, a coordinator and a
researcher, with both studies and a handful of tests in different states; POSTs are sent empty
(they are refused) and the page they lead to is read, so the refusals are read too. Every HTML
answer's visible text (text, ``title``/``placeholder``/``aria-label``/``alt``, the sentences in
``data-*`` attributes the phone script shows) and every JSON ``message``/``errors`` must hold

- no English sentence: no msgid of the catalogue whose Dutch differs, and no run of English-only
  words (``the``, ``your``, ``with`` …) that a sentence made outside the catalogue would show;
- no raw code: none of the codes of :mod:`fieldwork.labels`, the instruments' question ids and
  answer values, or Python's ``None``/``True``/``False``, unless the Dutch word is the same.

Text that is not prose is skipped: ``<code>``/``<pre>`` (an audit entry's JSON, a checksum, the
codes a CSV column takes) and ``translate="no"`` (user names).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask import url_for
from sqlmodel import Session
from sqlmodel import select

from fieldwork import clock
from fieldwork import create_app
from fieldwork.db import ENGINE_KEY
from fieldwork.db import get_session
from fieldwork.demo.data import STAFF
from fieldwork.labels import LABELS
from fieldwork.migrate import upgrade
from fieldwork.models import Incident
from fieldwork.models import Pair
from fieldwork.models import Release
from fieldwork.models import Study
from fieldwork.models import Team
from fieldwork.models import TeamMember
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from forms import available_instruments
from forms import get_instrument
from tests.support import csrf_from

# It builds the whole demo: make test runs it, make test-fast leaves it out.
pytestmark = pytest.mark.slow
PASSWORD = "demo-password"
ZONE = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 5, 15)  # a Friday; the demo's tonight
NOW = datetime(2026, 5, 15, 23, 40, tzinfo=ZONE)  # during tonight's window
CATALOGUE = Path(__file__).resolve().parents[2] / "fieldwork/translations/nl/LC_MESSAGES"
# An administrator uses the coordinator's pages; a researcher reads them without names.
ROLES = ("anonymous", "tester", "coordinator", "researcher")
# Not called: signing out ends the session (its page is the sign-in page); the PDF is made from
# the release page's own template and texts, which are read here as HTML; the service worker's
# probe answers 204 with nothing to read (the worker answers it on the phone).
SKIP = {("auth.logout", "POST"), ("public.release_pdf", "GET"), ("pwa.probe", "GET")}


# --- the site --------------------------------------------------------------------------------


@dataclass
class Site:
    app: Flask
    args: list[dict[str, object]] = field(default_factory=list)  # URL argument sets
    tester: str = ""  # username of a tester with tests tonight, reports and messages


def _login_of(session: Session, tester_code: str, study: Study) -> User:
    tester = session.exec(
        select(Tester).where(Tester.study_id == study.id, Tester.code == tester_code)
    ).one()
    return session.get(User, tester.user_id)


def _team_user(session: Session, team_id: int) -> User:
    member = session.exec(select(TeamMember).where(TeamMember.team_id == team_id)).first()
    tester = session.get(Tester, member.tester_id)
    return session.get(User, tester.user_id)


def _build(session: Session) -> Site:
    from fieldwork.demo import build_demo
    from fieldwork.services.monitoring.incidents import record_incident
    from fieldwork.services.releases import lifecycle as releases
    from fieldwork.services.reports import intake
    from fieldwork.services.reports import review as reviews
    from fieldwork.services.schedule.assignments import assignment_for_user

    build_demo(session=session, seed=2026, password=PASSWORD, today=TODAY)
    coordinator = session.exec(select(User).where(User.username == "coordinator")).one()
    studies = {s.code: s for s in session.exec(select(Study)).all()}
    nightlife, housing = studies["DEMO-NL"], studies["DEMO-WON"]
    picked: dict[int, list[int]] = defaultdict(list)  # study id -> test ids in different states
    tester = ""
    for study in (nightlife, housing):
        statuses = reviews.study_statuses(session, study=study, timezone="Europe/Amsterdam")
        done = [s for s in statuses if len(s.reports) == 2 and s.reviewable(clock.now())]
        # The demo's coordinator has reviewed the earlier nights; last night's tests wait.
        waiting = [s for s in done if s.state == "received"]
        verdicts = {
            "invalid": [s for s in waiting if s.verdict and not s.verdict.valid],
            "valid": [s for s in waiting if s.verdict and s.verdict.valid],
        }
        # An invalid test to declare valid after all, reviewed or not.
        verdicts["invalid"] += [s for s in done if s.verdict and not s.verdict.valid
                                and s.state == "rejected"]  # fmt: skip
        one_report = [s for s in statuses if len(s.reports) == 1]
        upcoming = [s for s in statuses if not s.reports and not s.reviewable(clock.now())]
        approved, issues, rejected = (
            verdicts["valid"][0],
            verdicts["valid"][1],
            verdicts["invalid"][0],
        )
        overridden = verdicts["invalid"][1]
        reviews.change_state(session=session, study=study, status=approved, state="approved",
                             messages={}, user=coordinator)  # fmt: skip
        team = issues.teams["control"]
        reviews.change_state(session=session, study=study, status=issues, state="has_issues",
                             messages={team.id: "Klopt de wachttijd? Pas die aan als dat nodig is."},
                             user=coordinator)  # fmt: skip
        reviews.change_state(session=session, study=study, status=rejected, state="rejected",
                             messages={}, user=coordinator)  # fmt: skip
        reviews.override(session=session, study=study, status=overridden, valid=True,
                         reason="De tijden zijn achteraf met de portier nagelopen.",
                         user=coordinator)  # fmt: skip
        # A second, different report of the same team: kept as a conflict.
        user = _team_user(session, issues.teams["control"].id)
        assignment = assignment_for_user(session, user.id, issues.test.id)
        instrument = get_instrument(study.instrument_id, study.instrument_version)
        notes = [q.id for q in instrument.questions if q.type == "text" and not q.relevant][-1]
        changed = {**assignment.report.answers, notes: "Tweede versie van ons verslag."}
        intake.submit_report(session=session, assignment=assignment, user=user,
                             submission=intake.ReportSubmission(uuid=str(uuid.uuid4()),
                                                                answers=changed))  # fmt: skip
        # The team answers the question with an amendment: a changed choice and a note.
        report = assignment.report
        controllers = {q.relevant.question for q in instrument.questions if q.relevant}
        choice = next(
            q for q in instrument.questions
            if q.type == "choice" and q.id in report.answers and q.id not in controllers
        )  # fmt: skip
        amended = dict(report.answers)
        amended[choice.id] = next(v for v in choice.choice_values if v != amended[choice.id])
        amended[notes] = "Nagekeken met de andere groep."
        result = intake.amend_report(session=session, assignment=assignment, report=report,
                                     user=user, answers=amended,
                                     reason="De coördinator vroeg ernaar.")  # fmt: skip
        assert result.amendment is not None, result.errors
        ids = [approved, issues, rejected, overridden] + one_report[:1] + upcoming[:1]
        picked[study.id] = [s.test.id for s in ids]
        if study is nightlife:
            tester = user.username
            tonight = [s for s in statuses if s.test.night == TODAY
                       and team.id in {t.id for t in s.teams.values()}]  # fmt: skip
            for kind, status in zip(("threat", "unwell"), (tonight[0], None), strict=True):
                result = record_incident(
                    session=session, user=user, uuid=None, kind=kind,
                    description="Portier werd boos.", study_id=study.id,
                    test_id=status.test.id if status else None,
                )  # fmt: skip
                assert result.incident is not None, result.errors
    # The housing study ends: a release withdrawn, its correction public, another in draft.
    housing.status = "closed"
    session.commit()
    texts = releases.ReleaseTexts(next_steps_nl="De gemeente bespreekt de uitkomsten.",
                                  next_steps_en="The city discusses the results.")  # fmt: skip
    first = releases.create_release(session=session, study=housing, user=coordinator, texts=texts)
    admin = session.exec(select(User).where(User.username == "admin")).one()
    releases.approve_release(session=session, release=first, user=admin)  # a second person
    releases.publish_release(session=session, release=first, user=coordinator)
    releases.withdraw_release(session=session, release=first, user=coordinator,
                              reason="Een tabel bevatte een rekenfout.", confirmed=True)  # fmt: skip
    correction = releases.create_release(session=session, study=housing, user=coordinator,
                                         texts=texts, replaces=first)  # fmt: skip
    releases.approve_release(session=session, release=correction, user=admin)
    releases.publish_release(session=session, release=correction, user=coordinator)
    second = releases.create_release(session=session, study=housing, user=coordinator,
                                     texts=texts, replaces=correction)  # fmt: skip
    # Approved, so the crawl's POST to "publish" reads the page that asks first.
    releases.approve_release(session=session, release=second, user=admin)
    incident_id = session.exec(select(Incident.id)).first()
    # An account nobody crawls with: the coordinator's POST ends its sessions, lifts its wait.
    other_user_id = session.exec(
        select(User.id).where(User.role == "tester", User.username != tester).order_by(User.id)
    ).first()
    site = Site(app=None, tester=tester)  # type: ignore[arg-type]
    release_ids = {
        study.id: [r.id for r in session.exec(select(Release).where(Release.study_id == study.id))]
        for study in (nightlife, housing)
    }
    for study in (nightlife, housing):
        team = session.exec(select(Team).where(Team.study_id == study.id)).first()
        member = session.exec(select(TeamMember).where(TeamMember.team_id == team.id)).first()
        pair = session.exec(select(Pair).where(Pair.study_id == study.id)).first()
        target_id = session.get(Test, picked[study.id][0]).target_id
        for test_id in picked[study.id]:
            for release_id in release_ids[housing.id]:
                site.args.append(
                    {"study_id": study.id, "test_id": test_id, "team_id": team.id,
                     "tester_id": member.tester_id, "target_id": target_id, "pair_id": pair.id,
                     "release_id": release_id, "incident_id": incident_id,
                     "user_id": other_user_id, "code": "nl", "filename": "app.css"}
                )  # fmt: skip
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path_factory.mktemp('dutch') / 'demo.sqlite'}"
    upgrade(url)
    app = create_app({"ENVIRONMENT": "testing", "TESTING": True, "DATABASE_URL": url,
                      "SECRET_KEY": "dutch-pages-" + "x" * 20})  # fmt: skip
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with clock.frozen(NOW), app.app_context():
        built = _build(get_session())
    built.app = app
    yield built
    app.extensions[ENGINE_KEY].dispose()


# --- what a person reads ---------------------------------------------------------------------

BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "button",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "label",
        "legend",
        "li",
        "main",
        "nav",
        "ol",
        "optgroup",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
        "br",
    ]
)
HIDDEN = frozenset({"script", "style", "template"})
# Machine records shown as such (an audit entry's JSON, a checksum): not read as prose.
AS_CODE = frozenset({"code", "pre", "kbd", "samp"})
VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _Text(HTMLParser):
    """The chunks of text a person reads: one per block element, inline elements joined."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._current: list[str] = []
        self._hidden = 0
        self._open: list[tuple[str, bool]] = []  # (tag, hides its content)

    def _flush(self) -> None:
        text = " ".join(" ".join(self._current).split())
        if text:
            self.chunks.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self._flush()
        hides = tag in HIDDEN or tag in AS_CODE or dict(attrs).get("translate") == "no"
        if tag not in VOID:
            self._open.append((tag, hides))
            self._hidden += hides
        if hides or self._hidden:
            return
        for name, value in attrs:
            if not value:
                continue
            if name in READ_ATTRIBUTES or (name.startswith("data-") and _prose(value)):
                self.chunks.append(" ".join(value.split()))
            if tag == "input" and name == "value" and dict(attrs).get("type") in ("submit",):
                self.chunks.append(value)

    def handle_endtag(self, tag: str) -> None:
        while self._open and tag in {name for name, _hides in self._open}:
            name, hides = self._open.pop()
            self._hidden -= hides
            if name == tag:
                break
        if tag in BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _prose(value: str) -> bool:
    """A sentence the phone script may show (not JSON, a URL or a code)."""
    return " " in value.strip() and not value.lstrip().startswith(("[", "{", "/"))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.chunks


# --- what is not Dutch -----------------------------------------------------------------------

# Words that are English and never Dutch; two of them in one chunk make an English sentence.
ENGLISH_ONLY = frozenset(
    [
        "the",
        "and",
        "with",
        "this",
        "that",
        "your",
        "you",
        "not",
        "from",
        "for",
        "to",
        "has",
        "are",
        "will",
        "should",
        "which",
        "there",
        "can",
        "please",
        "were",
        "been",
        "into",
        "when",
        "than",
        "cannot",
        "could",
        "would",
        "after",
        "before",
        "about",
    ]
) - {"been"}  # Dutch: a leg
# A word: letters, "_" or "-" joined ("nightlife-door" is an id, not a code), not inside a hash.
WORD = re.compile(r"(?<![\w-])[A-Za-z_]+(?:-[A-Za-z0-9_]+)*(?![\w-])")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
ENGLISH_NAMES = frozenset(
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "May",
        "June",
        "July",
        "August",
        "October",
    ]
)


@dataclass(frozen=True)
class Checker:
    whole: frozenset[str]  # short msgids: English when a chunk is exactly one of them
    inside: tuple[str, ...]  # longer msgids: English wherever they appear
    patterns: tuple[re.Pattern[str], ...]  # msgids with placeholders
    codes: frozenset[str]
    # Usernames that are also codes (the demo's "coordinator"): a name where a page says who
    # did something ("2 mei 2026, 09:15 · coordinator"), not a code.
    names: frozenset[str] = frozenset()
    _seen: dict[str, list[str]] = field(default_factory=dict, compare=False)

    def problems(self, chunk: str) -> list[str]:
        if chunk not in self._seen:  # most chunks (menus, banners) repeat on every page
            self._seen[chunk] = self._problems(chunk)
        return self._seen[chunk]

    def _problems(self, chunk: str) -> list[str]:
        found = []
        bare = chunk.strip(" :*·-–—()")
        if bare in self.whole:
            found.append(f"English: {bare!r}")
        found += [f"English: {msgid!r}" for msgid in self.inside if msgid in chunk]
        found += [f"English: {p.pattern!r}" for p in self.patterns if p.search(chunk)]
        words = WORD.findall(chunk)
        english = [w for w in words if w.lower() in ENGLISH_ONLY]
        if len(english) >= 2 and not found:
            found.append(f"English words {english} in {chunk!r}")
        found += [f"English name {w!r} in {chunk!r}" for w in words if w in ENGLISH_NAMES]
        found += [f"raw code {w!r} in {chunk!r}" for w in words if w in self.codes
                  and not (w in self.names and chunk.rstrip().endswith(f"· {w}"))]  # fmt: skip
        return found


def _catalogue() -> list[tuple[str, str]]:
    with open(CATALOGUE / "messages.po", "rb") as po_file:
        po = read_po(po_file)
    pairs = []
    for message in po:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        if msgid.strip().lower() != msgstr.strip().lower():
            pairs.append((msgid, msgstr))
    return pairs


def _whole(literal: str) -> str:
    """A msgid's literal text as a pattern of whole words: the English "on" of "… on %(night)s",
    not the "on" inside the Dutch "zonder" or "avond" (nor "target" inside a code "target_type")."""
    letter = r"[^\W\d]"  # a letter or "_"; a digit may touch a word ("%(n)smin" -> "5min")
    start = f"(?<!{letter})" if literal[0].isalpha() else ""
    end = f"(?!{letter})" if literal[-1].isalpha() else ""
    return start + re.escape(literal) + end


def _dutch(english: str, catalogue: dict[str, str]) -> str:
    return catalogue.get(english, english)


@pytest.fixture(scope="module")
def checker() -> Checker:
    pairs = _catalogue()
    catalogue = dict(pairs)
    whole, inside, patterns = set(), [], []
    for msgid, _msgstr in pairs:
        if PLACEHOLDER.search(msgid):
            literal = PLACEHOLDER.split(msgid)
            if sum(len(part.split()) for part in literal) >= 3:
                patterns.append(
                    re.compile(".+?".join(_whole(part.strip()) for part in literal if part.strip()))
                )
        elif len(msgid.split()) >= 3:
            inside.append(msgid)
        else:
            whole.add(msgid.strip(" :"))
    codes = {code for table in LABELS.values() for code in table}
    for instrument_id, version in available_instruments():
        instrument = get_instrument(instrument_id, version)
        for question in instrument.questions:
            codes.add(question.id)
            codes.update(question.choice_values)
    # A code is raw on a page when its Dutch label is another word.
    labels = {code: english for table in LABELS.values() for code, english in table.items()}
    raw = {
        code
        for code in codes
        if not code.isdigit() and _dutch(labels.get(code, code), catalogue).lower() != code.lower()
    }
    return Checker(frozenset(whole), tuple(inside), tuple(patterns),
                   frozenset(raw | {"None", "True", "False"}),
                   frozenset(name for name, _role in STAFF))  # fmt: skip


# --- the crawl -------------------------------------------------------------------------------


def _calls(app: Flask, argsets: list[dict[str, object]]) -> list[tuple[str, str, str]]:
    calls = set()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            for args in argsets:
                unknown = sorted(set(rule.arguments) - set(args))
                if unknown:
                    pytest.fail(f"{rule.rule}: give {unknown} a value in the site's arguments")
                url = url_for(rule.endpoint, **{name: args[name] for name in rule.arguments})
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    if (rule.endpoint, method) not in SKIP:
                        calls.add((rule.endpoint, method, url))
    return sorted(calls, key=lambda call: (call[1] != "GET", call[2]))


def _client(site: Site, role: str):
    client = site.app.test_client()
    client.set_cookie("lang", "nl")
    username = {"tester": site.tester, "coordinator": "coordinator", "researcher": "researcher",
                "admin": "admin"}.get(role)  # fmt: skip
    token = csrf_from(client.get("/login").get_data(as_text=True))
    if username:
        answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                             "csrf_token": token})  # fmt: skip
        assert answer.status_code == 302, f"{username} could not sign in"
    return client, token


@dataclass
class Crawl:
    problems: dict[tuple[str, str], set[str]]  # (problem, chunk) -> pages ("role METHOD url")
    pages: int  # HTML pages read
    answered: set[str]  # endpoints that answered 200 to a GET for some role


@pytest.fixture(scope="module")
def crawled(site: Site, checker: Checker) -> Crawl:
    """Every call of every role, read once for the tests below."""
    found = Crawl(defaultdict(set), 0, set())
    calls = _calls(site.app, site.args)
    with clock.frozen(NOW):
        for role in ROLES:
            client, token = _client(site, role)
            for endpoint, method, url in calls:
                if endpoint == "auth.login" and method == "POST" and role != "anonymous":
                    continue
                if method == "GET":
                    response = client.get(url)
                elif endpoint.startswith("api."):
                    response = client.post(url, json={}, headers={"X-CSRFToken": token})
                else:
                    response = client.post(url, data={"csrf_token": token})
                for _hop in range(3):  # on to the page with the flashed message, not the sign-in
                    if response.status_code not in (302, 303) or "/login" in response.location:
                        break
                    response = client.get(response.location)
                assert response.status_code < 500, f"{role} {method} {url}: {response.status}"
                if method == "GET" and response.status_code == 200:
                    found.answered.add(endpoint)
                if response.status_code in (301, 302, 303, 307, 308):
                    texts = []  # to the sign-in page, which is read on its own; nobody sees this
                elif response.mimetype == "application/json":
                    texts = _json_texts(response.get_json())
                elif response.mimetype == "text/html":
                    texts = _read(response.get_data(as_text=True))
                    found.pages += 1
                else:
                    texts = []
                for text in texts:
                    for problem in checker.problems(text):
                        found.problems[(problem, text)].add(f"{role} {method} {url}")
                response.close()
    return found


@functools.lru_cache(maxsize=64)
def _read(html: str) -> list[str]:
    """:func:`visible_text`, once per distinct page (error pages repeat)."""
    return visible_text(html)


def _json_texts(value: object, read: bool = False) -> list[str]:
    """The messages of a JSON answer (``message`` and ``errors`` values, at any depth) a phone
    shows; other values are data (the audit download's before/after lists codes as recorded)."""
    if isinstance(value, dict):
        return [text for key, item in value.items()
                for text in _json_texts(item, read or key in ("message", "errors"))]  # fmt: skip
    if isinstance(value, list):
        return [text for item in value for text in _json_texts(item, read)]
    return [value] if read and isinstance(value, str) else []


def _report(problems: dict[tuple[str, str], set[str]]) -> str:
    return "\n".join(
        f"{problem}\n    on {len(where)} page(s): {', '.join(sorted(where)[:3])}"
        for (problem, _chunk), where in sorted(problems.items())
    )


def test_every_page_reads_as_dutch(crawled: Crawl):
    problems = crawled.problems
    assert not problems, f"{len(problems)} kinds of English or raw codes:\n{_report(problems)}"


def test_the_crawl_reads_every_page(site: Site, crawled: Crawl):
    """Every GET route answered 200 to someone, so the test above read real pages, not 404s."""
    gets = {
        rule.endpoint
        for rule in site.app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and (rule.endpoint, "GET") not in SKIP
    }
    assert sorted(gets - crawled.answered) == []
    assert crawled.pages > 500


def test_the_pages_that_ask_first_read_as_dutch(site: Site, checker: Checker):
    """Closing a study and cancelling a test with its reports ask first, on a page that says what
    will happen (publishing asks too: the crawl's POST to the approved draft reads that page)."""
    args = site.args[0]  # the nightlife study, a test with both reports in
    study = f"/coordinator/studies/{args['study_id']}"
    with clock.frozen(NOW):  # signed in on the same clock (a session from the future has ended)
        client, token = _client(site, "coordinator")
        pages = [
            client.post(f"{study}/status", data={"csrf_token": token, "status": "closed"}),
            client.post(f"{study}/tests/{args['test_id']}/cancel",
                        data={"csrf_token": token, "reason": "De zaak is vanavond dicht."}),
        ]  # fmt: skip
    problems = {}
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'name="confirmed" value="yes"' in html
        for text in _read(html):
            problems.update({problem: text for problem in checker.problems(text)})
    assert problems == {}


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ("<td>interval_exceeded</td>", "raw code 'interval_exceeded'"),
        ("<p>Status: <strong>received</strong></p>", "raw code 'received'"),
        ("<li>Choose at least one option.</li>", "English: 'Choose at least one option.'"),
        ("<p>Add nights, widen the window, or add pairs with their own teams.</p>", "English"),
        ('<button data-confirm="Are you sure you want to sign out?">x</button>', "English"),
        ("<p>Saturday 9 May</p>", "English name"),
        ("<p>anna: report.frobnicate on onderzoek DEMO-NL.</p>", "English"),
        ("<p>team T-1 at V-001 on vrijdag 15 mei</p>", "English"),
        ("<p>zaterdag 9 mei · <code>interval_exceeded</code></p>", None),
        ('<p>Door <span translate="no">coordinator</span></p>', None),
        ("<p>Controlegetal b2cfa67f60ab · nightlife-door v1</p>", None),
        ('<div data-relevant-in=\'["no", "conditional"]\'>Ja</div>', None),
        ("<script>show('the and the');</script><p>Gelukt.</p>", None),
        # "on" and "at" inside Dutch words are not the English words of a msgid's pattern
        ("<p>Gepland: komende tests zonder rapport.</p>", None),
        ("<p>geen team twee keer tegelijk; een locatie één keer per avond</p>", None),
    ],
)
def test_the_checker_finds_english_and_raw_codes(checker: Checker, html: str, found: str | None):
    problems = [problem for chunk in visible_text(html) for problem in checker.problems(chunk)]
    if found is None:
        assert problems == []
    else:
        assert any(problem.startswith(found) for problem in problems), problems


def test_a_json_answer_is_read_for_its_messages_not_its_data():
    answer = {
        "error": "invalid",
        "errors": {"device_id": ["Geef een apparaat-id van 1 tot 64 tekens."]},
        "results": [{"status": "stored", "message": "Opgeslagen."}],
        "events": [{"actor": "coordinator", "after": {"reasons": ["deviation"]}}],
    }
    assert _json_texts(answer) == ["Geef een apparaat-id van 1 tot 64 tekens.", "Opgeslagen."]
