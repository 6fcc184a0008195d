"""Who may open which coordinator page: coordinators and admins everything, researchers the read
pages without names, testers nothing; a POST without a token is refused."""

from __future__ import annotations

import pytest

from tests.coordinator.conftest import post
from tests.coordinator.conftest import shown
from tests.coordinator.conftest import token

READ_PAGES = [
    "/coordinator/",
    "/coordinator/studies/{study}",
    "/coordinator/studies/{study}/monitoring",
    "/coordinator/studies/{study}/targets",
    "/coordinator/studies/{study}/testers",
    "/coordinator/studies/{study}/teams",
    "/coordinator/studies/{study}/teams/{team_a}",
    "/coordinator/studies/{study}/pairs",
    "/coordinator/studies/{study}/schedule",
    "/coordinator/studies/{study}/review?ready=",
    "/coordinator/studies/{study}/review/{test_p1}",
]
WRITE_PAGES = [
    "/coordinator/studies/new",
    "/coordinator/studies/{study}/edit",
    "/coordinator/studies/{study}/targets/{target}/edit",
    "/coordinator/studies/{study}/targets/import",
    "/coordinator/studies/{study}/targets/template.csv",
    "/coordinator/studies/{study}/testers/new",
    "/coordinator/studies/{study}/testers/{tester}/edit",
    "/coordinator/studies/{study}/pairs/new",
    "/coordinator/studies/{study}/schedule/new",
    "/coordinator/studies/{study}/tests/{test_p1}/edit",
    "/coordinator/studies/{study}/teams/{team_a}/runsheet",
    "/coordinator/audit",
]
POSTS = [
    "/coordinator/studies/new",
    "/coordinator/studies/{study}/edit",
    "/coordinator/studies/{study}/status",
    "/coordinator/studies/{study}/targets/{target}/edit",
    "/coordinator/studies/{study}/targets/import",
    "/coordinator/studies/{study}/testers/new",
    "/coordinator/studies/{study}/testers/{tester}/edit",
    "/coordinator/studies/{study}/teams",
    "/coordinator/studies/{study}/teams/{team_a}/members",
    "/coordinator/studies/{study}/teams/{team_a}/members/{tester}/remove",
    "/coordinator/studies/{study}/pairs/new",
    "/coordinator/studies/{study}/schedule/new",
    "/coordinator/studies/{study}/tests/{test_p1}/edit",
    "/coordinator/studies/{study}/tests/{test_p1}/cancel",
    "/coordinator/studies/{study}/review/{test_p1}/state",
    "/coordinator/studies/{study}/review/{test_p1}/override",
]


def fill(url: str, ids) -> str:
    w = ids.world
    return url.format(
        study=ids.study, team_a=w.team_a, test_p1=w.test_p1, target=ids.target, tester=ids.tester
    )


@pytest.mark.parametrize("user", ["coord", "adm"])
@pytest.mark.parametrize("url", READ_PAGES + WRITE_PAGES)
def test_coordinator_and_admin_open_every_page(client, auth, ids, user, url):
    auth.login(user)
    response = client.get(fill(url, ids))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]


@pytest.mark.parametrize("url", READ_PAGES)
def test_researcher_reads_without_names_or_addresses(client, auth, ids, url):
    auth.login("res")
    response = client.get(fill(url, ids))
    assert response.status_code == 200
    html = shown(response)
    for restricted in ("Club Nachtuil", "Cafe De Kroeg", "Grote Markt 1", "Plein 7", "t01", "t02"):
        assert restricted not in html


@pytest.mark.parametrize("url", WRITE_PAGES)
def test_researcher_gets_403_on_pages_that_change_or_name(client, auth, ids, url):
    auth.login("res")
    assert client.get(fill(url, ids)).status_code == 403


def test_researcher_cannot_read_a_target_name_anywhere(client, auth, ids):
    auth.login("res")
    edit = client.get(f"/coordinator/studies/{ids.study}/targets/{ids.target}/edit")
    assert edit.status_code == 403
    search = client.get(f"/coordinator/studies/{ids.study}/targets?q=Nachtuil")
    assert "V-001" not in shown(search)  # no searching by the hidden name either


@pytest.mark.parametrize("url", POSTS)
def test_researcher_gets_403_on_every_post(client, auth, ids, url):
    auth.login("res")
    assert post(client, fill(url, ids)).status_code == 403


@pytest.mark.parametrize("url", READ_PAGES + WRITE_PAGES)
def test_tester_gets_403_on_every_page(client, auth, ids, url):
    auth.login("t01")
    assert client.get(fill(url, ids)).status_code == 403


@pytest.mark.parametrize("url", POSTS)
def test_tester_gets_403_on_every_post(client, auth, ids, url):
    auth.login("t01")
    page = client.get("/tester/").get_data(as_text=True)
    from tests.support import csrf_from

    response = client.post(fill(url, ids), data={"csrf_token": csrf_from(page)})
    assert response.status_code == 403


@pytest.mark.parametrize("url", ["/coordinator/", "/coordinator/studies/{study}/monitoring"])
def test_anonymous_is_sent_to_sign_in(client, ids, url):
    response = client.get(fill(url, ids))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_refused(client, auth, ids):
    auth.login("coord")
    token(client)
    response = client.post(
        f"/coordinator/studies/{ids.study}/tests/{ids.world.test_p1}/cancel",
        data={"reason": "no token here"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/coordinator/studies/999999",
        "/coordinator/studies/{study}/targets/999999/edit",
        "/coordinator/studies/{study}/review/999999",
        "/coordinator/studies/{study}/teams/999999",
        "/coordinator/studies/{study}/tests/999999/edit",
    ],
)
def test_unknown_ids_are_404(client, auth, ids, url):
    auth.login("coord")
    assert client.get(fill(url, ids)).status_code == 404
