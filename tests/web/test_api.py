"""``POST /api/reports`` and friends: the JSON intake of the phone's outbox."""

from __future__ import annotations

import gzip
import re
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import DeviceStatus
from fieldwork.models import ReportConflict
from fieldwork.models import VisitReport
from tests.support import PASSWORD
from tests.support import csrf_from

ANSWERS = {
    "arrival_time": "23:02",
    "admitted": "no",
    "refusal_reasons": ["full"],
    "id_asked": True,
    "wait_minutes": 12,
    "staff_tone": "unfriendly",
    "physical_contact": False,
}


def count(app, model) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def api(client, auth, world):
    """Signed in as t01 (team A); posts JSON with the page's CSRF token."""
    auth.login("t01")
    token = csrf_from(client.get("/tester/").get_data(as_text=True))

    def post(body, *, path="/api/reports", headers=None, **kwargs):
        return client.post(
            path, json=body, headers={"X-CSRFToken": token, **(headers or {})}, **kwargs
        )

    post.token = token
    return post


def report(world, **changes):
    body = {
        "uuid": str(uuid.uuid4()),
        "test_id": world.test_p1,
        "instrument": "nightlife-door",
        "instrument_version": 1,
        "answers": dict(ANSWERS),
        "device_time": datetime.now(UTC).isoformat(),
        "elapsed_seconds": 95,
    }
    body.update(changes)
    return body


def test_created_then_same_then_conflict(app, api, world):
    body = report(world)
    first = api(body)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "created" and first.json["uuid"] == body["uuid"]
    assert first.json["report_url"] == f"/tester/tests/{world.test_p1}/report"
    again = api(body)
    assert again.status_code == 200 and again.json["status"] == "same"
    changed = api({**body, "answers": {**ANSWERS, "wait_minutes": 30}})
    assert changed.status_code == 409
    assert "nothing was overwritten" in changed.json["message"].lower() or changed.json["message"]
    second = api(report(world, answers={**ANSWERS, "staff_tone": "neutral"}))
    assert second.status_code == 409
    assert count(app, VisitReport) == 1
    assert count(app, ReportConflict) == 2


def test_stores_device_time_elapsed_and_flags_skew(app, api, world):
    late = datetime.now(UTC) - timedelta(hours=2)
    assert api(report(world, device_time=late.isoformat(), elapsed_seconds=61)).status_code == 201
    with app.app_context():
        stored = get_session().exec(select(VisitReport)).one()
        assert stored.elapsed_seconds == 61
        assert stored.clock_skew_flag is True
        assert stored.clock_skew_seconds is not None and stored.clock_skew_seconds < -7000
        assert stored.received_at is not None


def test_invalid_answers_are_422_with_field_errors(api, world):
    response = api(report(world, answers={**ANSWERS, "wait_minutes": 300, "admitted": None}))
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["admitted"] and errors["wait_minutes"]


def test_the_same_messages_as_the_html_form_in_dutch(client, api, world):
    client.set_cookie("lang", "nl")
    response = api(report(world, answers={**ANSWERS, "wait_minutes": 300}))
    assert response.json["errors"]["wait_minutes"] == ["Vul een heel getal in tussen 0 en 240."]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"test_id": "one"}, "test_id"),
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"device_time": "2026-01-01T23:00:00"}, "device_time"),  # no time zone
        ({"elapsed_seconds": 1.5}, "elapsed_seconds"),
        ({"instrument_version": 2}, "instrument_version"),
        ({"instrument": "housing-access"}, "instrument"),
        ({"answers": ["23:02"]}, "answers"),
    ],
)
def test_malformed_fields_are_422_naming_them(api, world, change, field):
    response = api(report(world, **change))
    assert response.status_code == 422
    assert field in response.json["errors"], response.json


def test_missing_fields_are_422(api, world):
    response = api({"answers": {}})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"uuid", "test_id"}


def test_unknown_answer_keys_are_422_naming_them(api, world):
    response = api(report(world, answers={**ANSWERS, "shoe_size": 44, "colour": "red"}))
    assert response.status_code == 422
    assert "colour, shoe_size" in response.json["errors"]["answers"][0]


def test_a_test_of_another_team_is_404(app, api, world):
    response = api(report(world, test_id=world.test_p2))
    assert response.status_code == 404 and response.json["message"]
    assert api(report(world, test_id=999_999)).status_code == 404
    assert count(app, VisitReport) == 0


def test_malformed_json_is_400(client, api):
    response = client.post(
        "/api/reports",
        data="{not json",
        headers={"X-CSRFToken": api.token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json["message"]
    assert api([1, 2, 3]).status_code == 400


def test_without_csrf_token_is_refused(app, client, api, world):
    response = client.post("/api/reports", json=report(world))
    assert response.status_code == 400
    assert response.json["error"] == "csrf"
    assert count(app, VisitReport) == 0


def test_signed_out_is_401_json(client, world):
    response = client.post("/api/reports", json={})
    assert response.status_code in (400, 401)  # CSRF first, then sign-in; both JSON
    assert response.is_json


def test_coordinators_do_not_send_reports(client, auth, world):
    auth.login("coord")
    with client.session_transaction() as session:
        assert session.get("csrf_token")  # the sign-in form left a CSRF secret
    page = client.get("/coordinator/").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/api/reports", json=report(world), headers={"X-CSRFToken": token})
    assert response.status_code == 403 and response.json["error"] == "forbidden"


def sign_in(client, username: str, device_id: str | None = None) -> str:
    """Sign in as the phone does (with its device id); the CSRF token of the tester page."""
    client.get("/lang/en")  # the messages below are checked in English
    data = {"username": username, "password": PASSWORD}
    if device_id is not None:
        data["device_id"] = device_id
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={**data, "csrf_token": token})
    assert response.status_code == 302
    return csrf_from(client.get("/tester/").get_data(as_text=True))


def device_post(client, token, body):
    return client.post("/api/device-status", json=body, headers={"X-CSRFToken": token})


def test_device_status_is_recorded_for_the_coordinator(app, client, world):
    token = sign_in(client, "t01", device_id="phone-1")
    assert (
        device_post(client, token, {"device_id": "phone-1", "unsent_count": 2}).status_code == 200
    )
    assert (
        device_post(client, token, {"device_id": "phone-1", "unsent_count": 3}).status_code == 200
    )
    bad = device_post(client, token, {"device_id": "", "unsent_count": -1, "x": 1})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"device_id", "unsent_count", "x"}
    with app.app_context():
        from fieldwork.services.monitoring.devices import devices_with_unsent

        rows = devices_with_unsent(get_session())
        assert [(row.username, row.unsent_count) for row in rows] == [("t01", 3)]


def test_only_devices_known_from_a_sign_in_report_with_sane_numbers(app, client, world):
    """20 made-up phones of one tester used to show up on the dashboard; now a device counts only
    after a sign-in on it, at most 3 per tester are kept, and 0 to 200 unsent reports."""
    token = sign_in(client, "t01", device_id="phone-1")
    made_up = [
        device_post(client, token, {"device_id": f"fake-{n}", "unsent_count": 5}) for n in range(20)
    ]
    assert {r.status_code for r in made_up} == {422}
    assert "Sign out and sign in" in made_up[0].json["errors"]["device_id"][0]
    too_many = device_post(client, token, {"device_id": "phone-1", "unsent_count": 201})
    assert too_many.status_code == 422 and "0 to 200" in too_many.json["errors"]["unsent_count"][0]
    for phone in ("phone-2", "phone-3", "phone-4"):
        client.post("/logout", data={"csrf_token": token})
        token = sign_in(client, "t01", device_id=phone)
    with app.app_context():
        kept = get_session().exec(select(DeviceStatus.device_id).order_by(DeviceStatus.device_id))
        assert list(kept) == ["phone-2", "phone-3", "phone-4"]  # the oldest, phone-1, is gone
    assert (
        device_post(client, token, {"device_id": "phone-1", "unsent_count": 1}).status_code == 422
    )
    assert (
        device_post(client, token, {"device_id": "phone-4", "unsent_count": 1}).status_code == 200
    )
    with app.app_context():
        from fieldwork.services.monitoring.devices import devices_with_unsent

        assert [(d.username, d.status.device_id) for d in devices_with_unsent(get_session())] == [
            ("t01", "phone-4")
        ]


def test_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"  # never an old worker from a proxy
    source = response.get_data(as_text=True)
    assert "__VERSION__" not in source
    # It must leave every non-GET request alone (served minified).
    assert re.search(r'if\(\w+\.method!=="GET"\)return;', source)


def test_manifest_names_the_app_in_the_users_language(client):
    client.set_cookie("lang", "nl")
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["lang"] == "nl" and "mijn tests" in manifest.json["name"]
    for icon in manifest.json["icons"]:
        with client.get(icon["src"]) as response:
            assert response.status_code == 200


def test_text_is_gzipped_with_vary_and_revalidates(client):
    with client.get("/static/app.js") as plain:
        plain_bytes, plain_etag = plain.get_data(), plain.headers["ETag"]
    zipped = client.get("/static/app.js", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain_bytes
    assert len(zipped.get_data()) < len(plain_bytes) / 2
    zipped.close()
    etag = zipped.headers["ETag"]
    assert etag != plain_etag
    with client.get(
        "/static/app.js", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    ) as again:
        assert again.status_code == 304
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "<h1>" in gzip.decompress(page.get_data()).decode()


TEMPLATES = Path(__file__).resolve().parents[2] / "fieldwork" / "templates"


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_allow_a_strict_content_security_policy(path):
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\ssrc=)", html), "inline <script>"
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert "<style" not in html, "<style> block"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_streamed_responses_are_left_alone(app):
    from flask import Response

    @app.get("/stream-test")
    def stream():  # a generator: compressing would hold it all in memory
        return Response((line for line in ["a" * 600, "b" * 600]), mimetype="text/csv")

    response = app.test_client().get("/stream-test", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True) == "a" * 600 + "b" * 600


# --- the author owns the report (contract items 2 and 3) ------------------------------------------


def user_id(app, username: str) -> int:
    from fieldwork.models import User

    with app.app_context():
        return get_session().exec(select(User.id).where(User.username == username)).one()


def conflicts(app) -> list[tuple[str, int, int | None]]:
    with app.app_context():
        return [
            (c.reason, c.team_id, c.existing_report_id)
            for c in get_session().exec(select(ReportConflict).order_by(ReportConflict.id))
        ]


def test_a_report_of_another_author_is_refused_and_kept_as_a_conflict(app, client, auth, world):
    """The shared phone: t01 (team A) queued a report; t02 of the partner team B signed in on the
    same phone. Sent in t02's session it is refused, nothing is stored for either team; sent again
    in t01's session it is stored once, under team A, submitted by t01."""
    body = report(world, author=user_id(app, "t01"), team="TM-A")
    token = sign_in(client, "t02")
    refused = client.post("/api/reports", json=body, headers={"X-CSRFToken": token})
    assert refused.status_code == 409 and refused.json["error"] == "author_mismatch"
    assert "someone else" in refused.json["message"]
    assert count(app, VisitReport) == 0
    assert conflicts(app) == [("author_mismatch", world.team_a, None)]
    again = client.post("/api/reports", json=body, headers={"X-CSRFToken": token})
    assert again.status_code == 409 and len(conflicts(app)) == 1  # a retry keeps one row

    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, "t01")
    stored = client.post("/api/reports", json=body, headers={"X-CSRFToken": token})
    assert stored.status_code == 201, stored.json
    with app.app_context():
        report_row = get_session().exec(select(VisitReport)).one()
        assert (report_row.team_id, report_row.submitted_by_id) == (
            world.team_a,
            user_id(app, "t01"),
        )


def test_a_team_the_author_is_not_in_is_refused(app, api, world):
    partner = api(report(world, author=user_id(app, "t01"), team="TM-B"))
    assert partner.status_code == 409 and partner.json["error"] == "author_not_in_team"
    assert partner.json["message"]
    made_up = api(report(world, team="TM-Z"))
    assert made_up.status_code == 409 and made_up.json["error"] == "author_not_in_team"
    outside = api(report(world, test_id=world.test_p2, team="TM-C"))  # a team not in t01's test
    assert outside.status_code == 409 and outside.json["error"] == "author_not_in_team"
    assert count(app, VisitReport) == 0
    # Kept for the coordinator where the test and the team are real; never as a report.
    assert conflicts(app) == [
        ("author_not_in_team", world.team_b, None),
        ("author_not_in_team", world.team_c, None),
    ]
    bad = api(report(world, author="t01", team=7))
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"author", "team"}
    own = api(report(world, author=user_id(app, "t01"), team="TM-A"))
    assert own.status_code == 201


def test_a_uuid_of_another_teams_report_is_refused_without_a_trace_on_it(app, client, world):
    token = sign_in(client, "t01")
    body = report(world, team="TM-A")
    assert client.post("/api/reports", json=body, headers={"X-CSRFToken": token}).status_code == 201
    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, "t02")
    stolen = {**body, "team": "TM-B", "answers": {**ANSWERS, "admitted": "yes"}}
    stolen["answers"].pop("refusal_reasons")
    response = client.post("/api/reports", json=stolen, headers={"X-CSRFToken": token})
    assert response.status_code == 409 and response.json["error"] == "foreign_report"
    assert count(app, VisitReport) == 1 and conflicts(app) == []


def test_a_closed_study_answers_study_closed_in_the_testers_language(app, client, world):
    from fieldwork.models import Study

    token = sign_in(client, "t01")
    client.get("/lang/nl")
    assert "Club Nachtuil" in client.get("/tester/").get_data(as_text=True)
    with app.app_context():
        session = get_session()
        study = session.get(Study, world.study_id)
        study.status = "closed"
        session.add(study)
        session.commit()
    response = client.post("/api/reports", json=report(world), headers={"X-CSRFToken": token})
    assert response.status_code == 409 and response.json["error"] == "study_closed"
    assert "afgesloten" in response.json["message"] and "coördinator" in response.json["message"]
    assert count(app, VisitReport) == 0 and conflicts(app) == []
    # The study's tests have left the tester's list; the form says why instead of showing.
    listed = client.get("/tester/").get_data(as_text=True)
    assert "Club Nachtuil" not in listed and "Cafe De Kroeg" not in listed
    form = client.get(f"/tester/tests/{world.test_p1}/report", follow_redirects=True)
    assert "afgesloten" in form.get_data(as_text=True)


@pytest.mark.parametrize("off_by_minutes", [-4, 4, 5.25, -6])
def test_a_phone_clock_off_by_more_than_the_threshold_is_flagged_and_less_is_not(
    app, api, world, off_by_minutes
):
    """The server's receive time against the phone's clock: beyond the configured threshold
    (5 minutes) the report is flagged for the coordinator; a clock a few minutes off is usual."""
    threshold = app.config["CLOCK_SKEW_THRESHOLD_SECONDS"]
    assert threshold == 300
    off = timedelta(minutes=off_by_minutes)
    response = api(report(world, device_time=(datetime.now(UTC) + off).isoformat()))
    assert response.status_code == 201
    with app.app_context():
        stored = get_session().exec(select(VisitReport)).one()
    assert abs(stored.clock_skew_seconds - off.total_seconds()) < 5  # the receive moment
    assert stored.clock_skew_flag == (abs(off.total_seconds()) > threshold)
