"""Zero 5xx: every input of the red-team list answers 4xx with a message in the user's language,
and Hypothesis sends arbitrary paths, query strings, bodies, numbers and times to the anonymous
routes, the sign-in and the API. The suite runs on PostgreSQL too (TEST_DATABASE_URL in CI),
where a NUL character, a 64-bit overflow or a 45-character report id fail differently than on
SQLite. (Arbitrary report bodies and forms: test_bad_input.py.)"""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import ReportConflict
from fieldwork.models import VisitReport
from fieldwork.security import MAX_JSON_DEPTH
from tests.hardening.conftest import ANSWERS
from tests.hardening.conftest import submit
from tests.support import csrf_from

EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ENGLISH = {"Accept-Language": "en"}


def rows(app, model) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(model)).one()


def says_what_is_wrong(response) -> bool:
    if response.is_json:
        body = response.get_json()
        return bool(body.get("message") or body.get("errors"))
    html = response.get_data(as_text=True)
    return 'role="alert"' in html or 'class="errors"' in html or 'class="problems"' in html


@pytest.fixture
def tester(client, auth, world):
    auth.login("t01")
    return client, csrf_from(client.get("/tester/").get_data(as_text=True))


def report(world, **changes):
    body = {"uuid": str(uuid.uuid4()), "test_id": world.test_p1, "answers": dict(ANSWERS)}
    body.update(changes)
    return body


def post_json(client, token, path, body, *, raw: str | None = None, headers=None):
    return client.post(
        path,
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token, **(headers or {})},
    )


# --- the red team's list -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".pdf", ".csv"])
def test_a_twenty_digit_release_id_is_not_found(client, suffix):
    response = client.get(f"/public/releases/{'9' * 20}{suffix}", headers=ENGLISH)
    assert response.status_code == 404 and "does not exist" in response.text
    dutch = client.get(f"/public/releases/{'9' * 20}{suffix}")
    assert dutch.status_code == 404 and "bestaat niet" in dutch.text


def test_a_json_body_on_the_sign_in_is_refused_with_a_message(client, world):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for body in ('{"username": {"a": 1}, "password": ["x"]}', "[1, 2]", '"t01"', "null"):
        response = client.post(
            "/login", data=body, content_type="application/json",
            headers={"X-CSRFToken": token, **ENGLISH},
        )  # fmt: skip
        assert response.status_code == 400, body
        assert "The sign-in takes the form on this page" in response.text


@pytest.mark.parametrize("next_", ["/\n/evil.example", "/tester/\r\nSet-Cookie: x=1", "\n"])
def test_a_newline_in_next_sends_home(client, world, next_):
    response = client.get("/lang/en?next=" + quote(next_, safe=""))
    assert response.status_code == 302 and response.location == "/"
    token = csrf_from(client.get("/login").get_data(as_text=True))
    signed_in = client.post(
        "/login?next=" + quote(next_, safe=""),
        data={"username": "t01", "password": "correct horse", "csrf_token": token},
    )
    assert signed_in.status_code == 302 and signed_in.location == "/tester/"


@pytest.mark.parametrize("path", ["/api/reports", "/api/device-status"])
def test_deeply_nested_json_is_refused_with_a_message(app, tester, path):
    client, token = tester
    for depth in (MAX_JSON_DEPTH + 1, 5_000, 200_000):
        raw = "[" * depth + "]" * depth
        response = post_json(client, token, path, None, raw=raw, headers=ENGLISH)
        assert response.status_code == 400, depth
        assert "nested deeper than" in response.get_json()["message"]
    nested: object = "x"
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = {"a": nested}
    fine = post_json(client, token, path, {"device_id": "p", "unsent_count": 0, "x": nested})
    assert fine.status_code == 422  # within the depth: an unknown field, named


@pytest.mark.parametrize("test_id", [2**63, 2**63 - 1 + 10, -(2**63) - 1, 10**30])
def test_a_test_id_beyond_64_bits_is_a_clear_422(app, tester, world, test_id):
    client, token = tester
    response = post_json(client, token, "/api/reports", report(world, test_id=test_id))
    assert response.status_code == 422 and "test_id" in response.get_json()["errors"]


@pytest.mark.parametrize("test_id", [2**31, 2**63 - 1, 0, -1, -(2**62)])
def test_a_test_id_outside_the_id_range_is_not_found(app, tester, world, test_id):
    client, token = tester
    response = post_json(client, token, "/api/reports", report(world, test_id=test_id))
    assert response.status_code == 404 and response.get_json()["message"]


@pytest.mark.parametrize("path", ["/tester/tests/{}/report", "/public/releases/{}",
                                  "/coordinator/studies/{}", "/coordinator/audit?object_id={}",
                                  "/coordinator/audit?study={}&page={}"])  # fmt: skip
def test_ids_beyond_the_integer_columns_are_not_found_or_ignored(client, auth, world, path):
    auth.login("coord")
    for number in (2**31, 2**63, 10**20):
        response = client.get(path.replace("{}", str(number)))
        assert response.status_code in {200, 404}, (path, number)


@pytest.mark.parametrize(
    "device_time",
    ["0001-01-01T00:30:00+02:00", "0001-01-01T00:00:00+00:00", "9999-12-31T23:30:00-02:00",
     "9999-12-31T23:59:59+00:00", "1969-12-31T23:59:59Z", "2101-01-01T00:00:00Z"],
)  # fmt: skip
def test_a_device_time_near_year_1_or_9999_is_a_clear_422(app, tester, world, device_time):
    client, token = tester
    before = rows(app, VisitReport)
    body = report(world, device_time=device_time)
    response = post_json(client, token, "/api/reports", body, headers=ENGLISH)
    assert response.status_code == 422
    assert "1970 and 2100" in response.get_json()["errors"]["device_time"][0]
    assert rows(app, VisitReport) == before


def test_a_phone_clock_at_1970_is_still_accepted_and_flagged(app, tester, world):
    client, token = tester
    body = report(world, device_time="1970-01-01T00:00:05+00:00")
    response = post_json(client, token, "/api/reports", body)
    assert response.status_code == 201
    with app.app_context():
        stored = get_session().exec(select(VisitReport)).one()
        assert stored.clock_skew_flag is True


@pytest.mark.parametrize(
    "spelling",
    ["urn:uuid:{}", "{{{}}}", "{}", "  {}  "],
    ids=["urn", "braces", "upper", "spaces"],
)
def test_report_ids_are_stored_canonical(app, tester, world, spelling):
    client, token = tester
    report_id = uuid.uuid4()
    sent = spelling.format(str(report_id).upper() if spelling == "{}" else report_id)
    response = post_json(client, token, "/api/reports", report(world, uuid=sent))
    assert response.status_code == 201, response.get_json()
    again = post_json(client, token, "/api/reports", report(world, uuid=str(report_id)))
    assert again.status_code == 200 and again.get_json()["status"] == "same"
    with app.app_context():
        assert get_session().exec(select(VisitReport.uuid)).all() == [str(report_id)]


def test_a_foreign_report_id_gets_its_own_409_and_no_conflict_row(app, tester, world):
    """Team B's report id sent by team A (t01) for A's own test: not A's conflict."""
    client, token = tester
    with app.app_context():
        foreign = submit(get_session(), "t03", world.test_p2).report.uuid
    before = (rows(app, VisitReport), rows(app, ReportConflict))
    for test_id in (world.test_p1, world.test_p1_upcoming):
        body = report(world, uuid=foreign.upper(), test_id=test_id)
        response = post_json(client, token, "/api/reports", body, headers=ENGLISH)
        assert response.status_code == 409
        answer = response.get_json()
        assert answer["error"] == "foreign_report"
        assert "belongs to a report of another team" in answer["message"]
        assert "already sent a different report" not in answer["message"]
    assert (rows(app, VisitReport), rows(app, ReportConflict)) == before


def test_the_same_team_reusing_its_id_on_another_test_is_its_own_conflict(app, tester, world):
    client, token = tester
    first = report(world)
    assert post_json(client, token, "/api/reports", first).status_code == 201
    again = post_json(client, token, "/api/reports", {**first, "test_id": world.test_p1_upcoming})
    assert again.status_code == 409 and again.get_json()["status"] == "conflict"
    with app.app_context():  # kept on the team's own test, for its coordinator
        conflict = get_session().exec(select(ReportConflict)).one()
        assert conflict.test_id == world.test_p1_upcoming and conflict.team_id == world.team_a


def test_a_nul_in_device_id_is_a_translated_400(app, tester):
    client, token = tester
    body = {"device_id": "phone\x00one", "unsent_count": 1}
    response = post_json(client, token, "/api/device-status", body)
    assert response.status_code == 400 and "NUL" in response.get_json()["message"]
    assert "Verwijder" in response.get_json()["message"]  # Dutch, the user's language
    key = post_json(client, token, "/api/device-status", {"device_id": "p", "a\x00": 1})
    assert key.status_code == 400


# --- fuzz: anonymous routes ----------------------------------------------------------------------

segment = st.text(max_size=30) | st.integers(min_value=-(2**80), max_value=2**80).map(str)
queries = st.dictionaries(
    st.sampled_from(["next", "page", "q", "lang", "study", "object_id"]) | st.text(max_size=8),
    st.text(max_size=40) | st.integers(min_value=-(2**80), max_value=2**80).map(str),
    max_size=3,
)
ANONYMOUS_PATHS = ["/", "/login", "/lang/{}", "/healthz", "/public/", "/public/releases/{}",
                   "/public/releases/{}.pdf", "/public/releases/{}.csv", "/static/{}",
                   "/manifest.webmanifest", "/sw.js", "/offline", "/{}", "/tester/{}",
                   "/coordinator/{}", "/api/{}"]  # fmt: skip


@EXAMPLES
@given(template=st.sampled_from(ANONYMOUS_PATHS), value=segment, query=queries)
def test_anonymous_routes_never_fail(client, template, value, query):
    path = template.replace("{}", quote(value, safe=""))
    query_string = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items())
    response = client.get(path + ("?" + query_string if query_string else ""))
    assert response.status_code < 500, (path, query)
    if response.status_code >= 400 and response.status_code != 401:
        assert says_what_is_wrong(response), (path, response.status_code)
    response.close()


@EXAMPLES
@given(raw=st.binary(max_size=100))
def test_raw_paths_never_fail(client, raw):
    path = "/" + quote(raw, safe="/%?=&")
    response = client.get(path)
    assert response.status_code < 500, path
    response.close()


# --- fuzz: the sign-in ---------------------------------------------------------------------------


@EXAMPLES
@given(
    content_type=st.sampled_from(["application/json", "text/plain", "application/xml",
                                  "application/x-www-form-urlencoded", "multipart/form-data"]),
    body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
)  # fmt: skip
def test_sign_in_never_fails_on_any_body(app, client, world, content_type, body):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "100000/minute"
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data=body, content_type=content_type, headers={"X-CSRFToken": token}
    )
    assert response.status_code in {400, 401, 413, 415, 422}, response.status_code
    assert says_what_is_wrong(response)


# --- fuzz: the API's integers, nesting and times -------------------------------------------------

huge_integers = st.integers(min_value=-(2**100), max_value=2**100) | st.sampled_from(
    [2**31, 2**31 - 1, 2**63, 2**63 - 1, -(2**63), -(2**63) - 1, 2**64]
)
nested = st.recursive(
    st.none() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=3), children, max_size=2),
    max_leaves=60,
)  # fmt: skip


@EXAMPLES
@given(
    test_id=huge_integers,
    version=huge_integers,
    elapsed=huge_integers,
    unsent=huge_integers,
    answers=nested,
)
def test_api_integer_ranges_and_nesting_never_fail(
    app, tester, world, test_id, version, elapsed, unsent, answers
):
    client, token = tester
    body = {"uuid": str(uuid.uuid4()), "test_id": test_id, "instrument_version": version,
            "elapsed_seconds": elapsed, "answers": {"notes": answers}}  # fmt: skip
    response = post_json(client, token, "/api/reports", body)
    assert response.status_code in {400, 404, 409, 422}, response.get_data(as_text=True)
    assert says_what_is_wrong(response)
    status = post_json(
        client, token, "/api/device-status", {"device_id": "p", "unsent_count": unsent}
    )
    assert status.status_code in {200, 400, 422}
    if status.status_code != 200:
        assert says_what_is_wrong(status)


offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: (
        f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    )
)


@EXAMPLES
@given(
    moment=st.datetimes(),
    offset=offsets | st.sampled_from(["Z", "", "+24:00", "-99:99"]),
    text=st.text(max_size=30),
)
def test_api_times_never_fail(app, tester, world, moment, offset, text):
    client, token = tester
    for device_time in (moment.isoformat() + offset, text):
        body = report(world, test_id=10**9, device_time=device_time)
        response = post_json(client, token, "/api/reports", body)
        # test 10**9 does not exist: a good time gets 404, a bad one 422 naming device_time
        if "\x00" in device_time:  # refused before the view, with its own message
            assert response.status_code == 400 and "NUL" in response.get_json()["message"]
            continue
        assert response.status_code in {404, 422}, response.get_data(as_text=True)
        if response.status_code == 422:
            assert "device_time" in response.get_json()["errors"]
