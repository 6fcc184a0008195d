"""The schedule opens at tonight and shows each test's progress (planned, one report, both,
reviewed, cancelled); the target picker shows names, type, area and each target's visits; the
preview warns when a team would visit a target twice."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import format_date

from fieldwork.db import get_session
from fieldwork.models import Test
from fieldwork.timeutil import tonight
from tests.coordinator.conftest import add_report
from tests.coordinator.conftest import move_to_past
from tests.coordinator.conftest import post
from tests.coordinator.conftest import shown
from tests.coordinator.test_schedule import fingerprint
from tests.coordinator.test_schedule import schedule_form


def status_cell(html: str, test_id: int) -> str:
    return html.split(f'data-test="{test_id}"')[1].split("</tr>")[0].split('class="progress"')[1]


def test_each_test_shows_its_progress(app, client, auth, world):
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/schedule"
    html = shown(client.get(url))
    assert ">planned<" in status_cell(html, world.test_p1)
    add_report(app, world.test_p1, "protected")
    assert ">one report in<" in status_cell(shown(client.get(url)), world.test_p1)
    add_report(app, world.test_p1, "control")
    html = shown(client.get(url))
    assert ">both reports in<" in status_cell(html, world.test_p1)
    assert ">planned<" in status_cell(html, world.test_p2)  # its neighbour is untouched
    review = f"/coordinator/studies/{world.study_id}/review/{world.test_p1}/state"
    assert post(client, review, {"state": "approved"}).status_code == 303
    assert ">reviewed<" in status_cell(shown(client.get(url)), world.test_p1)
    cancel = f"/coordinator/studies/{world.study_id}/tests/{world.test_p2}/cancel"
    assert post(client, cancel, {"reason": "Venue closed tonight"}).status_code == 303
    cell = status_cell(shown(client.get(url)), world.test_p2)
    assert ">cancelled<" in cell and "Venue closed tonight" in cell


def test_the_schedule_opens_at_tonight(app, client, auth, world):
    move_to_past(app, world.test_p2, days=14)
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/schedule"
    html = shown(client.get(url))
    assert (
        f'data-test="{world.test_p1}"' in html and f'data-test="{world.test_p1_upcoming}"' in html
    )
    assert f'data-test="{world.test_p2}"' not in html
    assert "1 test on earlier nights is not shown" in html
    html = shown(client.get(url + "?all=1"))
    assert f'data-test="{world.test_p2}"' in html and "earlier nights" not in html
    with app.app_context():
        night = get_session().get(Test, world.test_p2).night
    html = shown(client.get(f"{url}?night={night.isoformat()}"))
    assert f'data-test="{world.test_p2}"' in html and f'data-test="{world.test_p1}"' not in html


def test_a_finished_study_shows_its_whole_schedule(app, client, auth, world):
    for test_id in (world.test_p1, world.test_p2):
        move_to_past(app, test_id, days=14)
    move_to_past(app, world.test_p1_upcoming, days=21)
    auth.login("coord")
    html = shown(client.get(f"/coordinator/studies/{world.study_id}/schedule"))
    assert all(f'data-test="{t}"' in html for t in (world.test_p1, world.test_p2))


def picker_row(html: str, code: str) -> str:
    return html.split(f"{code} · ")[1].split("</tr>")[0]


def test_the_picker_shows_names_types_areas_and_visits(app, client, auth, world):
    add_report(app, world.test_p1, "protected")  # V-001 tested tonight
    auth.login("coord")
    html = shown(client.get(f"/coordinator/studies/{world.study_id}/schedule/new"))
    with app.app_context():
        night = tonight()
    row = picker_row(html, "V-001")
    assert row.startswith("Club Nachtuil</label>") and "<td>club</td>" in row
    assert "<td>Grote Markt</td>" in row
    cells = row.split('<td class="num">')
    assert cells[1].startswith("1<") and cells[2].startswith("0<")  # tested once, none ahead
    with app.test_request_context(), force_locale("en"):
        assert format_date(night, "full") in row
    row = picker_row(html, "V-002")  # tonight's test of P2 and next week's of P1, no report
    assert "<td>café</td>" in row
    cells = row.split('<td class="num">')
    assert cells[1].startswith("0<") and cells[2].startswith("2<") and "–" in row


def test_the_preview_warns_when_a_team_would_visit_a_target_twice(app, client, auth, world):
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/schedule/new"
    with app.app_context():
        first = tonight() + timedelta(days=30)
        v001 = get_session().get(Test, world.test_p1).target_id
        p1 = get_session().get(Test, world.test_p1).pair_id
    data = {
        **schedule_form(app, world, nights=[first]),
        "pair_ids": [p1],
        "target_ids": [v001],
        "retest": "y",
    }
    html = shown(post(client, url, data))
    assert "Preview: 1 test" in html and "Retests of: V-001" in html
    assert "Warning: a team would visit a target more than once." in html
    assert "team TM-A at V-001 on" in html and "team TM-B at V-001 on" in html
    # The other pair has not been there: no warning.
    with app.app_context():
        data["pair_ids"] = [get_session().get(Test, world.test_p2).pair_id]
    html = shown(post(client, url, data))
    assert "Preview: 1 test" in html and "more than once" not in html
    response = post(client, url, {**data, "save": "1", "fingerprint": fingerprint(html)})
    assert response.status_code == 303
