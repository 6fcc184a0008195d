"""Access control over every route: each rule of the URL map is called by every role and the
status is compared with the table below. A route without a row fails the test, so a new route
needs a decision about who may use it. Object-level checks (another team's test, the partner's
report, target names for researchers) follow the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import url_for
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import Tester
from fieldwork.models import User
from tests.hardening.conftest import ANSWERS
from tests.hardening.conftest import submit
from tests.hardening.test_security import assert_secure_headers
from tests.support import PASSWORD
from tests.support import csrf_from

ROLES = ("anonymous", "tester", "partner", "coordinator", "researcher", "admin")
USERS = {"tester": "t01", "partner": "t02", "coordinator": "coord", "researcher": "res",
         "admin": "adm"}  # fmt: skip
OK = "ok"  # allowed: 2xx, a redirect that is not to the sign-in, or a 4xx about the input
LOGIN = "login"  # sent to the sign-in page


def access(anonymous, tester, partner, coordinator, researcher, admin) -> dict[str, object]:
    return dict(
        zip(ROLES, (anonymous, tester, partner, coordinator, researcher, admin), strict=True)
    )


EVERYONE = access(OK, OK, OK, OK, OK, OK)
SIGN_OUT = access(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)
HOME = access(LOGIN, OK, OK, OK, OK, OK)
TESTERS = access(LOGIN, OK, OK, 403, 403, 403)
TESTERS_API = access(401, OK, OK, 403, 403, 403)
READERS = access(LOGIN, 403, 403, OK, OK, OK)  # coordinator pages a researcher may read
WRITERS = access(LOGIN, 403, 403, OK, 403, OK)  # changes, names and addresses
ADMINS = access(LOGIN, 403, 403, 403, 403, OK)  # undoing what coordinators cannot undo

EXPECTED: dict[str, dict[str, object]] = {
    "static": EVERYONE,
    "main.index": HOME,
    "main.set_language": EVERYONE,
    "main.healthz": EVERYONE,
    "auth.login": EVERYONE,
    "auth.logout": SIGN_OUT,
    "auth.change_password": HOME,  # any signed-in user, for their own account
    "pwa.manifest": EVERYONE,
    "pwa.probe": EVERYONE,
    "pwa.service_worker": EVERYONE,
    "public.index": EVERYONE,
    "public.release": EVERYONE,
    "public.release_csv": EVERYONE,
    "public.release_pdf": EVERYONE,
    "public.trends": EVERYONE,
    "tester.index": TESTERS,
    "tester.report": TESTERS,  # the partner has its own slot in the same test
    "tester.amend": TESTERS,
    "tester.incident": TESTERS,
    "tester.offline_pages": TESTERS,
    "api.reports": TESTERS_API,
    "api.device_status": TESTERS_API,
    "api.incidents": TESTERS_API,
    "coordinator.index": READERS,
    "coordinator.study": READERS,
    "coordinator.tonight": READERS,
    "coordinator.study_export": READERS,  # the export bundle: codes only
    "coordinator.monitoring": READERS,
    "coordinator.incidents": READERS,
    "coordinator.incidents_open": READERS,
    "coordinator.incident_handle": WRITERS,
    "coordinator.testers": READERS,
    "coordinator.teams": {"GET": READERS, "POST": WRITERS},  # POST creates a team
    "coordinator.team": READERS,
    "coordinator.pairs": READERS,
    "coordinator.targets": READERS,
    "coordinator.schedule": READERS,
    "coordinator.reviews": READERS,
    "coordinator.review": READERS,
    "coordinator.releases_page": {"GET": READERS, "POST": WRITERS},  # POST makes a release
    "coordinator.release_preview": READERS,
    "coordinator.audit": WRITERS,
    "coordinator.audit_json": WRITERS,
    "coordinator.accounts": WRITERS,  # a coordinator acts on tester accounts only (see below)
    "coordinator.account_end_sessions": WRITERS,
    "coordinator.account_lift_wait": WRITERS,
    "coordinator.study_new": WRITERS,
    "coordinator.study_edit": WRITERS,
    "coordinator.study_next_wave": WRITERS,  # a new study, with the targets' names
    "coordinator.study_status": WRITERS,
    "coordinator.study_reopen": ADMINS,
    "coordinator.tester_edit": WRITERS,
    "coordinator.team_add_member": WRITERS,
    "coordinator.team_remove_member": WRITERS,
    "coordinator.team_move_member": WRITERS,
    "coordinator.pair_new": WRITERS,
    "coordinator.target_edit": WRITERS,
    "coordinator.targets_import": WRITERS,
    "coordinator.import_unsent": WRITERS,
    "coordinator.targets_template": WRITERS,
    "coordinator.schedule_new": WRITERS,
    "coordinator.test_edit": WRITERS,
    "coordinator.test_cancel": WRITERS,
    "coordinator.runsheet": WRITERS,
    "coordinator.review_state": WRITERS,
    "coordinator.review_override": WRITERS,
    "coordinator.release_approve": WRITERS,
    "coordinator.release_publish": WRITERS,
    "coordinator.release_withdraw": WRITERS,
}
# Form fields a POST needs to get past its form to the access decision of the object.
POST_DATA = {"coordinator.team_add_member": ("tester_id",)}
# POST routes that end the session or publish: called last, so they do not change what the
# other calls see.
LAST = (
    "coordinator.release_withdraw", "coordinator.release_approve", "coordinator.release_publish",
    "auth.logout",
)  # fmt: skip


# The same for everyone (no personal content): cacheable even for a signed-in user.
SHARED_FILES = ("static", "pwa.service_worker", "pwa.manifest")


@dataclass(frozen=True)
class Call:
    endpoint: str
    method: str
    url: str


def _calls(app, args: dict[str, object]) -> list[Call]:
    calls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            unknown = sorted(set(rule.arguments) - set(args))
            if unknown:
                pytest.fail(f"{rule.rule}: give {unknown} a value in the arguments fixture")
            values = {name: args[name] for name in rule.arguments}
            if "release_id" in values and "study_id" in values:
                values["study_id"] = args["release_study_id"]
            url = url_for(rule.endpoint, **values)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                calls.append(Call(rule.endpoint, method, url))

    def order(call: Call) -> tuple[int, str, str]:
        return (
            LAST.index(call.endpoint) + 1 if call.endpoint in LAST else 0,
            call.url,
            call.method,
        )

    return sorted(calls, key=order)


@pytest.fixture
def arguments(app, world) -> dict[str, object]:
    """A value for every URL argument: the world's ids, with reports by both teams of test P1,
    and a published release of a second, closed (empty) study."""
    from fieldwork.models import Study
    from fieldwork.models import Target
    from fieldwork.services.releases import lifecycle as releases

    with app.app_context():
        session = get_session()
        submit(session, "t01", world.test_p1)
        submit(session, "t02", world.test_p1, {**ANSWERS, "admitted": "yes", "notes": "B's"})
        closed = Study(code="S2", title="Closed study", domain="nightlife", seed=1,
                       instrument_id="nightlife-door", instrument_version=1, status="closed",
                       target_types=["club"])  # fmt: skip
        session.add(closed)
        session.commit()
        coord, adm = (session.exec(select(User).where(User.username == name)).one()
                      for name in ("coord", "adm"))  # fmt: skip
        release = releases.create_release(
            session=session, study=closed, user=coord,
            texts=releases.ReleaseTexts(next_steps_nl="De gemeente bespreekt het.",
                                        next_steps_en="The city discusses it."),
        )  # fmt: skip
        releases.approve_release(session=session, release=release, user=adm)
        releases.publish_release(session=session, release=release, user=coord)
        from fieldwork.models import Incident

        incident = Incident(study_id=world.study_id, kind="unwell", description="dizzy")
        session.add(incident)
        session.commit()
        return {
            "study_id": world.study_id,
            "release_study_id": closed.id,
            "test_id": world.test_p1,
            "team_id": world.team_a,
            "tester_id": session.exec(select(Tester.id).where(Tester.code == "T-01")).one(),
            # t01: ending its sessions during the sweep touches no later role's client
            "user_id": session.exec(select(User.id).where(User.username == "t01")).one(),
            "target_id": session.exec(select(Target.id).where(Target.code == "V-001")).one(),
            "release_id": release.id,
            "incident_id": incident.id,
            "code": "en",
            "filename": "app.css",
        }


def unexpected_routes(app) -> tuple[list[str], list[str]]:
    """Endpoints of the URL map without a row in EXPECTED, and rows without an endpoint."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    return sorted(endpoints - set(EXPECTED)), sorted(set(EXPECTED) - endpoints)


def test_every_route_has_an_expectation(app):
    missing, stale = unexpected_routes(app)
    assert missing == [], f"routes without a row in EXPECTED (decide who may use them): {missing}"
    assert stale == [], f"rows in EXPECTED for routes that no longer exist: {stale}"


def test_a_new_route_without_a_row_is_caught(app):
    app.add_url_rule("/new-page", "main.new_page", lambda: "new")
    assert unexpected_routes(app)[0] == ["main.new_page"]


def _expected(call: Call) -> dict[str, object]:
    row = EXPECTED.get(call.endpoint, {})
    return row.get(call.method, {}) if set(row) <= {"GET", "POST"} else row  # type: ignore[return-value]


def _outcome(response) -> str | int:
    if response.status_code in (301, 302, 303, 307, 308) and "/login" in response.location:
        return LOGIN
    if response.status_code in (401, 403, 404) or response.status_code >= 500:
        return response.status_code
    return OK


def test_every_route_with_every_role(app, arguments):
    mismatches = []
    calls = _calls(app, arguments)
    checked: set[str] = set()
    for role in ROLES:
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        if role != "anonymous":
            signed_in = client.post(
                "/login", data={"username": USERS[role], "password": PASSWORD, "csrf_token": token}
            )
            assert signed_in.status_code == 302
        for call in calls:
            if call.endpoint == "auth.login" and role != "anonymous":
                continue  # a signed-in user is sent home; covered by the anonymous call
            if call.method == "GET":
                response = client.get(call.url)
            elif call.endpoint.startswith("api."):
                response = client.post(call.url, json={}, headers={"X-CSRFToken": token})
            else:
                fields = {name: arguments[name] for name in POST_DATA.get(call.endpoint, ())}
                response = client.post(call.url, data={"csrf_token": token, **fields})
            expected = _expected(call).get(role, "no expectation")
            got = _outcome(response)
            checked.add(call.endpoint)
            if got != expected:
                mismatches.append(
                    f"{role:<11} {call.method:<4} {call.url}: {got}, expected {expected}"
                )
            if response.mimetype == "text/html":
                assert_secure_headers(response)
            api_answer = call.endpoint.startswith("api.") and call.method == "POST"  # not cached
            if (
                role != "anonymous"
                and call.endpoint not in SHARED_FILES
                and not (api_answer or got == LOGIN)
            ):
                assert response.headers.get("Cache-Control") == "no-store", (role, call)
            response.close()
    assert mismatches == [], "\n".join(mismatches)
    assert checked == {rule.endpoint for rule in app.url_map.iter_rules()}


# --- object level --------------------------------------------------------------------------------


def _client_of(app, username: str):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return client, token


def test_a_tester_guessing_another_teams_test_gets_404(app, arguments, world):
    client, token = _client_of(app, "t01")
    for test_id in (world.test_p2, 10**6):
        assert client.get(f"/tester/tests/{test_id}/report").status_code == 404
        assert (
            client.post(f"/tester/tests/{test_id}/report", data={"csrf_token": token}).status_code
            == 404
        )
        assert (
            client.post(
                f"/tester/tests/{test_id}/amendments", data={"csrf_token": token}
            ).status_code
            == 404
        )
        body = {"uuid": "6d1c1a0e-0000-4000-8000-000000000000", "test_id": test_id,
                "answers": ANSWERS}  # fmt: skip
        answer = client.post("/api/reports", json=body, headers={"X-CSRFToken": token})
        assert answer.status_code == 404


def test_the_partner_never_sees_the_other_teams_report(app, arguments, world):
    client, _token = _client_of(app, "t02")  # team B; team A (t01) reported "no" with a quote
    response = client.get(f"/tester/tests/{world.test_p1}/report")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Club Nachtuil" in page and "B&#39;s" in page  # team B's own report, loaded
    assert "Jan de Vries" not in page and "My cousin Piet" not in page
    response = client.get("/tester/")
    assert response.status_code == 200
    listing = response.get_data(as_text=True)
    assert "Club Nachtuil" in listing  # team B's own list, loaded
    assert "Jan de Vries" not in listing and "My cousin Piet" not in listing


def test_a_researcher_never_reads_a_targets_name_or_address(app, arguments, world):
    client, _token = _client_of(app, "res")
    pages = ["/coordinator/", f"/coordinator/studies/{world.study_id}"]
    pages += [
        f"/coordinator/studies/{world.study_id}/{part}"
        for part in ("targets", "schedule", "review", "monitoring", "pairs", "teams", "testers")
    ]
    pages.append(f"/coordinator/studies/{world.study_id}/review/{world.test_p1}")
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        for secret in ("Club Nachtuil", "Grote Markt 1", "Cafe De Kroeg", "Plein 7"):
            assert secret not in html, f"{secret!r} shown to a researcher on {page}"
