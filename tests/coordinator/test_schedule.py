"""The schedule: preview then save, balanced first roles, no double booking, reproducible draws
that no route can change, moves and cancellations with a reason, per-team run sheets."""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from datetime import time
from datetime import timedelta

from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms.fields.core import UnboundField

from fieldwork.coordinator import forms as coordinator_forms
from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.services.studies.target_import import import_targets
from fieldwork.timeutil import tonight
from tests.coordinator.conftest import post

SLOT = timedelta(minutes=30)


def add_targets(app, study_id, per_type=8):
    rows = ["code,name,address,target_type,area"]
    for kind in ("club", "bar"):
        rows += [
            f"{kind[0].upper()}-{i:02d},{kind} {i},Street {i},{kind},centrum"
            for i in range(per_type)
        ]
    with app.app_context():
        session = get_session()
        study = session.get(Study, study_id)
        import_targets(session=session, study=study, text="\n".join(rows) + "\n", user=None)


def new_target_ids(app, study_id):
    with app.app_context():
        rows = get_session().exec(
            select(Target.id).where(
                Target.study_id == study_id, Target.code.not_in(["V-001", "V-002"])
            )
        )
        return list(rows)


def schedule_form(app, world, nights=None, **extra):
    with app.app_context():
        first = tonight() + timedelta(days=30)
        pairs = list(get_session().exec(select(Pair.id).where(Pair.study_id == world.study_id)))
    nights = nights or [first, first + timedelta(days=1)]
    return {
        "nights": nights if isinstance(nights, str) else ", ".join(n.isoformat() for n in nights),
        "window_start": "22:00",
        "window_end": "02:00",
        "slot_minutes": "30",
        "visits_per_target": "1",
        "pair_ids": pairs,
        "target_ids": new_target_ids(app, world.study_id),
        **extra,
    }


def fingerprint(html):
    return html.split('name="fingerprint" value="')[1].split('"')[0]


def planned_tests(app, study_id):
    with app.app_context():
        session = get_session()
        rows = session.exec(
            select(Test, Target, Pair)
            .join(Target, Target.id == Test.target_id)
            .join(Pair, Pair.id == Test.pair_id)
            .where(Test.study_id == study_id, Test.status == "planned")
        ).all()
        session.expunge_all()
        return rows


def save(client, app, world, **extra):
    url = f"/coordinator/studies/{world.study_id}/schedule/new"
    data = schedule_form(app, world, **extra)
    preview = post(client, url, data)
    assert preview.status_code == 200, preview.get_data(as_text=True)[-3000:]
    html = preview.get_data(as_text=True)
    return post(client, url, {**data, "save": "1", "fingerprint": fingerprint(html)}), html


def test_preview_saves_nothing_and_save_stores_what_was_previewed(app, client, auth, world):
    add_targets(app, world.study_id)
    auth.login("coord")
    before = len(planned_tests(app, world.study_id))
    url = f"/coordinator/studies/{world.study_id}/schedule/new"
    html = post(client, url, schedule_form(app, world)).get_data(as_text=True)
    assert "Preview: 16 tests" in html and "Nothing is saved yet." in html
    assert len(planned_tests(app, world.study_id)) == before
    response, preview_html = save(client, app, world)
    assert response.status_code == 303
    rows = planned_tests(app, world.study_id)
    assert len(rows) == before + 16
    for _test, target, _pair in rows:
        if target.code not in ("V-001", "V-002"):
            assert f"<td>{target.code} · {target.name}</td>" in preview_html
    with app.app_context():
        session = get_session()
        draws = session.exec(select(AuditEvent).where(AuditEvent.action == "randomisation.draw"))
        assert len(list(draws)) == 16


def test_first_roles_are_balanced_per_target_type(app, client, auth, world):
    add_targets(app, world.study_id)
    auth.login("coord")
    save(client, app, world)
    counts = defaultdict(Counter)
    for test, target, _pair in planned_tests(app, world.study_id):
        if target.code not in ("V-001", "V-002"):
            counts[target.target_type][test.first_role] += 1
    assert counts == {
        "club": Counter(protected=4, control=4),
        "bar": Counter(protected=4, control=4),
    }


def test_no_team_is_double_booked(app, client, auth, world):
    add_targets(app, world.study_id)
    auth.login("coord")
    save(client, app, world)
    busy = defaultdict(list)
    for test, _target, pair in planned_tests(app, world.study_id):
        busy[pair.protected_team_id].append(test.planned_protected)
        busy[pair.control_team_id].append(test.planned_control)
    for moments in busy.values():
        moments.sort()
        for earlier, later in zip(moments, moments[1:], strict=False):
            assert later >= earlier + SLOT
    nightly = Counter(
        (test.night, test.target_id) for test, *_ in planned_tests(app, world.study_id)
    )
    assert max(nightly.values()) == 1


def test_the_same_seed_reproduces_the_schedule(app, client, auth, world):
    add_targets(app, world.study_id)
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/schedule/new"
    first = post(client, url, schedule_form(app, world)).get_data(as_text=True)
    second = post(client, url, schedule_form(app, world)).get_data(as_text=True)
    assert fingerprint(first) == fingerprint(second)
    table = first.split("<tbody>", 2)[2].split("</tbody>")[0]
    assert table == second.split("<tbody>", 2)[2].split("</tbody>")[0]
    with app.app_context():  # another seed, another draw
        session = get_session()
        study = session.get(Study, world.study_id)
        study.seed = 8
        session.add(study)
        session.commit()
    other = post(client, url, schedule_form(app, world)).get_data(as_text=True)
    assert fingerprint(other) != fingerprint(first)


def test_a_stale_preview_is_not_saved(app, client, auth, world):
    add_targets(app, world.study_id)
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/schedule/new"
    data = schedule_form(app, world)
    response = post(client, url, {**data, "save": "1", "fingerprint": "0" * 64})
    assert response.status_code == 422 and "changed since the preview" in response.get_data(
        as_text=True
    )
    assert len(planned_tests(app, world.study_id)) == 3


def test_a_target_with_a_test_needs_the_retest_mark(app, client, auth, world):
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/schedule/new"
    data = schedule_form(app, world, target_ids=[])
    with app.app_context():
        data["target_ids"] = list(
            get_session().exec(select(Target.id).where(Target.code == "V-001"))
        )
    response = post(client, url, data)
    assert response.status_code == 422 and "have a planned test already" in response.get_data(
        as_text=True
    )
    response, _html = save(client, app, world, target_ids=data["target_ids"], retest="y")
    assert response.status_code == 303
    retests = [t for t, target, _ in planned_tests(app, world.study_id) if t.retest]
    assert len(retests) == 1


def test_bad_schedule_input_is_refused_with_a_message(app, client, auth, world):
    add_targets(app, world.study_id)
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/schedule/new"
    for bad, message in (
        ({"nights": "tomorrow"}, "is not a date"),
        ({"target_ids": [999999]}, "not part of this study"),
        ({"window_start": "22:00", "window_end": "22:00"}, "starts and ends"),
    ):
        response = post(client, url, schedule_form(app, world, **bad))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True).replace("&#39;", "'"), bad
    assert len(planned_tests(app, world.study_id)) == 3


def test_the_planner_refuses_in_the_coordinators_language(app, client, auth, world):
    """The scheduling service's messages reach a Dutch coordinator in Dutch."""
    add_targets(app, world.study_id)
    auth.login("coord")
    client.set_cookie("lang", "nl")
    url = f"/coordinator/studies/{world.study_id}/schedule/new"
    first = schedule_form(app, world)["nights"].split(", ")[0]
    for bad, message in (
        (
            {"window_start": "22:00", "window_end": "22:00"},
            "Het tijdvak begint en eindigt om 22:00. Geef een eindtijd na de begintijd",
        ),
        (
            {"nights": first, "window_end": "23:00"},
            "Er zijn 16 bezoeken nodig (16 locaties x 1), maar de planning biedt plaats aan "
            "hooguit 4 (avonden x tijdsloten per avond x paren: 1 x 2 x 2). Voeg avonden toe "
            "(minstens 3)",
        ),
    ):
        response = post(client, url, schedule_form(app, world, **bad))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True), bad
    assert len(planned_tests(app, world.study_id)) == 3


def test_moving_a_test_keeps_the_drawn_order(app, client, auth, world):
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/tests/{world.test_p1}/edit"
    # The draw said protected first (23:00, control 23:05). Swapping, or a tampered first_role, fails.
    swapped = {
        "protected_at": "23:10",
        "control_at": "23:00",
        "reason": "venue asked",
        "first_role": "control",
    }
    response = post(client, url, swapped)
    assert response.status_code == 422 and "drawn order is fixed" in response.get_data(as_text=True)
    with app.app_context():
        test = get_session().get(Test, world.test_p1)
        assert test.first_role == "protected"
    moved = {
        "protected_at": "23:30",
        "control_at": "23:35",
        "reason": "queue at the door",
        "first_role": "control",
    }
    assert post(client, url, moved).status_code == 303
    with app.app_context():
        session = get_session()
        test = session.get(Test, world.test_p1)
        assert test.first_role == "protected"
        assert test.planned_control - test.planned_protected == timedelta(minutes=5)
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "test.move")).one()
        assert event.after["reason"] == "queue at the door"
    assert post(client, url, {**moved, "reason": ""}).status_code == 422  # a reason is required


def test_no_coordinator_form_can_set_a_first_role():
    forms = [
        form
        for form in vars(coordinator_forms).values()
        if isinstance(form, type) and issubclass(form, FlaskForm)
    ]
    assert len(forms) > 10
    for form in forms:
        fields = {name for name in dir(form) if isinstance(getattr(form, name), UnboundField)}
        assert not fields & {"first_role", "block", "seed"} or form is coordinator_forms.StudyForm
    # The seed is on the study form, but fixed once tests are drawn (see test_studies.py).


def test_cancel_with_a_reason_then_a_new_audited_draw(app, client, auth, world):
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/tests/{world.test_p1}/cancel"
    assert post(client, url, {"reason": ""}).status_code == 303
    with app.app_context():
        assert get_session().get(Test, world.test_p1).status == "planned"
    assert post(client, url, {"reason": "Venue closed tonight"}).status_code == 303
    with app.app_context():
        session = get_session()
        test = session.get(Test, world.test_p1)
        assert (test.status, test.cancel_reason) == ("cancelled", "Venue closed tonight")
        target_id = test.target_id
    response, _html = save(client, app, world, target_ids=[target_id])
    assert response.status_code == 303
    with app.app_context():
        session = get_session()
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions[-3:] == ["test.cancel", "randomisation.draw", "schedule.create"]


def test_run_sheet_shows_only_the_teams_own_times(client, auth, world):
    auth.login("coord")
    html = client.get(
        f"/coordinator/studies/{world.study_id}/teams/{world.team_a}/runsheet"
    ).get_data(as_text=True)
    assert "23:00" in html and "Club Nachtuil" in html and "Grote Markt 1" in html
    assert "23:05" not in html and "TM-B" not in html


def test_schedule_list_by_night(client, auth, world):
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/schedule"
    with client.application.app_context():
        night = tonight()
    html = client.get(f"{base}?night={night.isoformat()}").get_data(as_text=True)
    assert "V-001" in html and "V-002" in html
    html = client.get(f"{base}?night={(night + timedelta(days=7)).isoformat()}").get_data(
        as_text=True
    )
    assert html.count("<td>P-01") == 1 and "P-02" not in html


def test_saved_tests_are_exactly_the_previewed_ones(app, world):
    """The preview uses the same busy times and draw counts as create_schedule, so they agree
    even when the pairs' teams have tests already (world: tonight and next week)."""
    from fieldwork.models import User
    from fieldwork.services.schedule.edit import ScheduleRequest
    from fieldwork.services.schedule.edit import preview_schedule
    from fieldwork.services.schedule.edit import save_schedule

    add_targets(app, world.study_id, per_type=6)
    with app.app_context():
        session = get_session()
        study = session.get(Study, world.study_id)
        user = session.exec(select(User).where(User.username == "coord")).one()
        pairs = list(session.exec(select(Pair.id).where(Pair.study_id == study.id)))
        targets = new_target_ids(app, world.study_id)
        night = tonight()  # the teams are busy tonight already, so the plan must avoid them
        request = ScheduleRequest(
            nights=[night, night + timedelta(days=7)],
            window_start=time(22, 0),
            window_end=time(2, 0),
            slot_minutes=30,
            visits_per_target=1,
            pair_ids=pairs,
            target_ids=targets,
        )
        preview = preview_schedule(
            session, study=study, request=request, timezone="Europe/Amsterdam"
        )
        saved = save_schedule(
            session=session,
            study=study,
            request=request,
            fingerprint=preview.fingerprint,
            timezone="Europe/Amsterdam",
            user=user,
        )
        planned = [
            (p.pair_id, p.target_id, p.night, p.first_role, p.planned_protected, p.planned_control)
            for p in preview.planned
        ]
        stored = [
            (t.pair_id, t.target_id, t.night, t.first_role, t.planned_protected, t.planned_control)
            for t in saved
        ]
        assert sorted(stored) == sorted(planned) and len(stored) == 12


def test_cancelling_a_test_with_reports_asks_first(app, client, auth, world):
    from tests.coordinator.conftest import add_report

    add_report(app, world.test_p1, "protected")
    auth.login("coord")
    url = f"/coordinator/studies/{world.study_id}/tests/{world.test_p1}/cancel"
    asked = post(client, url, {"reason": "Venue closed tonight"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Cancel test {world.test_p1} with its reports?" in html
    assert "1 report of this test is in" in html and "Venue closed tonight" in html
    assert 'name="reason" value="Venue closed tonight"' in html
    with app.app_context():
        assert get_session().get(Test, world.test_p1).status == "planned"
    assert (
        post(client, url, {"reason": "Venue closed tonight", "confirmed": "yes"}).status_code == 303
    )
    with app.app_context():
        assert get_session().get(Test, world.test_p1).status == "cancelled"
