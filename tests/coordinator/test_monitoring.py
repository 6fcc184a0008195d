"""The dashboard's numbers equal the ones computed here straight from the database."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import pytest
from sqlmodel import select

from analysis.power import DEFAULT_ICC
from analysis.power import clustered_power
from analysis.power import power_at
from fieldwork.db import get_session
from fieldwork.models import DeviceStatus
from fieldwork.models import Incident
from fieldwork.models import Pair
from fieldwork.models import PairReview
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from tests.coordinator.conftest import add_report
from tests.coordinator.conftest import move_to_past
from tests.coordinator.conftest import post
from tests.coordinator.conftest import shown


def independent_counts(app, study_id):
    """Planned / both in / valid per target type and area, straight from the tables."""
    with app.app_context():
        session = get_session()
        study = session.get(Study, study_id)
        rows = session.exec(
            select(Test, Target, Pair)
            .join(Target, Target.id == Test.target_id)
            .join(Pair, Pair.id == Test.pair_id)
            .where(Test.study_id == study_id, Test.status == "planned", Pair.sham == False)  # noqa: E712
        ).all()
        result = {"type": Counter(), "area": Counter(), "total": Counter()}
        for test, target, _pair in rows:
            reports = {
                r.role: r.answers
                for r in session.exec(select(VisitReport).where(VisitReport.test_id == test.id))
            }
            complete = len(reports) == 2
            valid = False
            if complete:
                minutes = {
                    role: (lambda h, m: (h if h >= 12 else h + 24) * 60 + m)(
                        *map(int, answers["arrival_time"].split(":"))
                    )
                    for role, answers in reports.items()
                }
                first = min(minutes, key=minutes.get)
                valid = (
                    abs(minutes["protected"] - minutes["control"]) <= study.max_interval_minutes
                    and (minutes["protected"] == minutes["control"] or first == test.first_role)
                    and not any(a.get("deviations") for a in reports.values())
                )
            review = session.exec(select(PairReview).where(PairReview.test_id == test.id)).first()
            if review is not None and review.override_valid is not None:
                valid = review.override_valid
            for key, bucket in (
                ("type", target.target_type),
                ("area", target.area),
                ("total", "all"),
            ):
                result[key][(bucket, "planned")] += 1
                result[key][(bucket, "complete")] += complete
                result[key][(bucket, "valid")] += valid
        return result


def cells(html, caption):
    """{row header: [numbers]} of the table with this caption."""
    table = html.split(caption, 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table, re.S):
        header, rest = row.split("</th>", 1)
        rows[header] = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', rest)]
    return rows


@pytest.fixture
def fieldwork_state(app, world):
    """Tonight P-01 valid, P-02 too far apart; next week's test moved to the past with one report."""
    add_report(app, world.test_p1, "protected", arrival_time="23:00")
    add_report(app, world.test_p1, "control", arrival_time="23:04")
    add_report(app, world.test_p2, "protected", arrival_time="23:17")
    add_report(app, world.test_p2, "control", arrival_time="23:40")
    move_to_past(app, world.test_p1_upcoming, days=14)
    add_report(app, world.test_p1_upcoming, "protected", arrival_time="23:01")
    with app.app_context():
        session = get_session()
        study = session.get(Study, world.study_id)
        study.target_sample_size = {"club": 10, "cafe": 20}
        study.planned_p10, study.planned_p01 = 0.15, 0.03
        session.add(study)
        t01 = session.exec(select(User).where(User.username == "t01")).one()
        session.add(
            DeviceStatus(
                user_id=t01.id,
                device_id="phone-1",
                unsent_count=2,
                signed_in_at=datetime.now().astimezone(),
            )
        )
        session.add(
            Incident(
                study_id=study.id,
                test_id=world.test_p2,
                kind="threat",
                description="Shouted at in the queue",
            )
        )
        session.commit()
    return world


def test_numbers_equal_an_independent_count(app, client, auth, fieldwork_state):
    world = fieldwork_state
    auth.login("coord")
    html = client.get(f"/coordinator/studies/{world.study_id}/monitoring").get_data(as_text=True)
    expected = independent_counts(app, world.study_id)
    by_type = cells(html, "By target type (real pairs)")
    for target_type, shown_as in (("club", "club"), ("cafe", "café")):  # rows show labels
        planned, complete, valid = by_type[shown_as][:3]
        assert planned == expected["type"][(target_type, "planned")]
        assert complete == expected["type"][(target_type, "complete")]
        assert valid == expected["type"][(target_type, "valid")]
    assert by_type["club"] == [1, 1, 1, 10] and by_type["café"] == [2, 1, 0, 20]
    by_area = cells(html, "By area (real pairs)")
    for area, numbers in by_area.items():
        assert numbers == [expected["area"][(area, k)] for k in ("planned", "complete", "valid")]
    all_row = by_type["All"]
    assert all_row[:3] == [expected["total"][("all", k)] for k in ("planned", "complete", "valid")]


def test_power_comes_from_the_analysis_package(app, client, auth, fieldwork_state):
    auth.login("coord")
    html = client.get(f"/coordinator/studies/{fieldwork_state.study_id}/monitoring").get_data(
        as_text=True
    )
    with app.app_context():  # the plan visits its targets more than once: the venue-robust power
        tests = get_session().exec(
            select(Test, Pair).join(Pair, Pair.id == Test.pair_id)
            .where(Test.study_id == fieldwork_state.study_id, Test.status == "planned")
        ).all()  # fmt: skip
        real = [test for test, pair in tests if not pair.sham]
        visits = len(real) / len({test.target_id for test in real})
    assert visits > 1
    expected = round(100 * clustered_power(1, 0.15, 0.03, visits_per_target=visits,
                                           icc=DEFAULT_ICC))  # fmt: skip
    assert f'<span class="tile-value" id="power">{expected}%</span>' in html
    assert "n=1" in html and f"{visits:.1f} visits per venue, intra-venue correlation 0.1" in html
    assert "pairs at the same venue share its door policy" in html


def test_power_for_one_visit_per_target_is_the_mid_p_power():
    from fieldwork.services.monitoring.dashboard import power_for

    one = power_for(40, 0.15, 0.03, visits_per_target=1.0)
    assert one.value == pytest.approx(power_at(40, 0.15, 0.03, alpha=0.05, test="midp"))
    assert one.icc is None
    three = power_for(40, 0.15, 0.03, visits_per_target=3.0)
    assert three.icc == DEFAULT_ICC and three.value < one.value


def test_power_is_not_faked_without_a_planned_effect(app, client, auth, world):
    auth.login("coord")
    html = client.get(f"/coordinator/studies/{world.study_id}/monitoring").get_data(as_text=True)
    assert "planned effect not set" in html and 'id="power">n/a<' in html


def test_override_changes_the_count(app, client, auth, fieldwork_state):
    world = fieldwork_state
    auth.login("coord")
    post(
        client,
        f"/coordinator/studies/{world.study_id}/review/{world.test_p2}/override",
        {"verdict": "valid", "reason": "Clocks of team C ran fast"},
    )
    html = client.get(f"/coordinator/studies/{world.study_id}/monitoring").get_data(as_text=True)
    expected = independent_counts(app, world.study_id)
    assert (
        cells(html, "By target type (real pairs)")["café"][2]
        == expected["type"][("cafe", "valid")]
        == 1
    )


def test_problems_incidents_first_late_reports_and_devices(app, client, auth, fieldwork_state):
    world = fieldwork_state
    auth.login("coord")
    html = client.get(f"/coordinator/studies/{world.study_id}/monitoring").get_data(as_text=True)
    assert html.index("1 open incident") < html.index("tests planned")
    assert "Shouted at in the queue" in html and "t01" in html  # who raised it, to call them
    invalid = html.split("Incomplete and invalid pairs", 1)[1].split("</section>", 1)[0]
    assert (
        "too long between the visits" in invalid and "incomplete" in invalid and "P-02" in invalid
    )
    assert "interval_exceeded" not in invalid  # codes are shown by their label
    late = html.split("Reports late against the window", 1)[1].split("</section>", 1)[0]
    # Team B never reported; team A's report came in (now) after the window had ended.
    assert "<td>TM-B</td><td>02:00</td><td><strong>missing</strong>" in late
    assert "<td>TM-A</td><td>02:00</td><td>received" in late
    devices = html.split("Phones with unsent reports", 1)[1].split("</section>", 1)[0]
    assert "T-01" in devices and '<td class="num">2</td>' in devices


def test_researcher_sees_the_dashboard_without_identities(app, client, auth, fieldwork_state):
    auth.login("res")
    html = shown(client.get(f"/coordinator/studies/{fieldwork_state.study_id}/monitoring"))
    assert "T-01" in html and "t01" not in html and "Club Nachtuil" not in html


def test_sham_pairs_are_counted_apart(app, client, auth, world):
    with app.app_context():
        session = get_session()
        pair = session.get(Pair, session.get(Test, world.test_p2).pair_id)
        pair.sham = True
        session.add(pair)
        session.commit()
    auth.login("coord")
    html = client.get(f"/coordinator/studies/{world.study_id}/monitoring").get_data(as_text=True)
    by_type = cells(html, "By target type (real pairs)")
    assert by_type["Sham pairs"][:3] == [1, 0, 0]
    assert by_type["All"][0] == 2


def test_devices_of_other_studies_are_left_out(app, client, auth, world):
    with app.app_context():
        session = get_session()
        outsider = User(username="t99", password_hash="x", role="tester")
        session.add(outsider)
        session.flush()
        session.add(
            DeviceStatus(
                user_id=outsider.id,
                device_id="p",
                unsent_count=5,
                signed_in_at=datetime.now().astimezone(),
                last_seen_at=datetime.now().astimezone(),
            )
        )
        session.commit()
        assert session.exec(select(Tester).where(Tester.user_id == outsider.id)).first() is None
    auth.login("coord")
    html = shown(client.get(f"/coordinator/studies/{world.study_id}/monitoring"))
    assert "t99" not in html and "Phones with unsent reports (0)" in html
