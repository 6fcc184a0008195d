"""A phone's exported unsent reports, taken in by the server: a dry run first, then through the
intake of the API (idempotent by UUID), checked against the author's team on the night; the file's
claims about its author are not taken on trust."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import UTC
from datetime import datetime

import pytest
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import ReportConflict
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.reports.outbox_import import OutboxFileError
from fieldwork.services.reports.outbox_import import import_unsent_reports
from fieldwork.services.reports.outbox_import import read_outbox
from tests.coordinator.conftest import token

ANSWERS = {
    "arrival_time": "23:02",
    "admitted": "yes",
    "id_asked": "false",
    "staff_tone": "neutral",
    "physical_contact": "false",
}


def user_id(app, username):
    with app.app_context():
        return get_session().exec(select(User.id).where(User.username == username)).one()


def export(app, world, *, username="t01", team="TM-A", body_author=None, **changes):
    """What the phone's "Export unsent reports" writes for one queued report (contract item 2:
    the item carries its author, the body the author id and the team)."""
    report_uuid = str(uuid.uuid4())
    author_id = user_id(app, username)
    item = {
        "uuid": report_uuid,
        "user": username,
        "draftKey": f"{username}:{world.test_p1}",
        "author": {"user_id": author_id, "username": username, "team": team},
        "state": "unsent",
        "body": {
            "uuid": report_uuid,
            "test_id": world.test_p1,
            "instrument": "nightlife-door",
            "instrument_version": 1,
            "answers": dict(ANSWERS),
            "device_time": "2026-01-01T23:05:00.000Z",
            "submitted_at": "2026-01-01T23:04:30.000Z",
            "elapsed_seconds": 80,
            "author": author_id if body_author is None else body_author,
            "team": team,
        },
    }
    item.update(changes)
    return {"format": "mysteryguest-outbox", "version": 1, "reports": [item]}


def rows(model):
    return get_session().exec(select(model)).all()


def test_an_export_is_taken_in_once_after_a_dry_run(app, world):
    data = export(app, world)
    with app.app_context():
        session = get_session()
        [dry] = import_unsent_reports(session=session, data=data, dry_run=True)
        assert (dry.status, dry.http_status) == ("created", 201) and rows(VisitReport) == []
        [first] = import_unsent_reports(session=session, data=data)
        [again] = import_unsent_reports(session=session, data=data)
        assert (first.http_status, again.http_status) == (201, 200)
        stored = session.exec(select(VisitReport)).one()
        assert stored.elapsed_seconds == 80 and stored.device_time is None
        # The moment the tester pressed submit, as the phone kept it (the late rule reads it).
        assert stored.submitted_on_device_at == datetime(2026, 1, 1, 23, 4, 30, tzinfo=UTC)
        assert stored.submitted_by_id == user_id(app, "t01") and stored.team_id == world.team_a


def test_a_lost_response_duplicate_is_answered_200_and_stored_once(app, client, auth, world):
    """The phone sent the report, the server stored it, the answer was lost: the report stayed
    in the outbox and was exported. Importing it finds the stored one."""
    data = export(app, world)
    body = data["reports"][0]["body"]
    auth.login("t01")
    csrf = token_of(client)
    sent = client.post("/api/reports", json=body, headers={"X-CSRFToken": csrf})
    assert sent.status_code == 201
    with app.app_context():
        [outcome] = import_unsent_reports(session=get_session(), data=data)
        assert (outcome.status, outcome.http_status) == ("same", 200)
        assert len(rows(VisitReport)) == 1


def token_of(client):
    from tests.support import csrf_from

    return csrf_from(client.get("/tester/").get_data(as_text=True))


@pytest.mark.parametrize(
    ("claim", "status"),
    [
        # The item says t01 wrote it, the body says t02: two authors, store nothing.
        ({"body_author": "t02"}, "author_mismatch"),
        # The old user field names someone else than the author block.
        ({"user": "t02"}, "author_mismatch"),
        # t01 (team A) files it for team B, their partner: not a member on the night.
        ({"team": "TM-B"}, "author_not_in_team"),
        # t02 (team B) claims to be the author of a team-A report.
        ({"username": "t02"}, "author_not_in_team"),
    ],
)
def test_a_file_that_claims_another_author_or_team_is_refused(app, world, claim, status):
    if claim.get("body_author") == "t02":
        claim = {"body_author": user_id(app, "t02")}
    user = claim.pop("user", None)
    data = export(app, world, **claim)
    if user is not None:
        data["reports"][0]["user"] = user
    with app.app_context():
        session = get_session()
        [outcome] = import_unsent_reports(session=session, data=data)
        assert (outcome.status, outcome.http_status) == (status, 409)
        assert outcome.message
        assert rows(VisitReport) == [] and rows(ReportConflict) == []


def test_a_file_without_an_author_is_not_taken_on_its_user_field(app, world):
    data = export(app, world)
    item = data["reports"][0]
    del item["author"], item["body"]["author"]  # only the old "user" field names the tester
    with app.app_context():
        [outcome] = import_unsent_reports(session=get_session(), data=data)
        assert (outcome.status, outcome.http_status) == ("invalid", 422)
        assert "who wrote" in outcome.message and rows(VisitReport) == []


def test_a_different_report_becomes_a_conflict_and_unknown_tests_are_reported(app, world):
    with app.app_context():
        session = get_session()
        import_unsent_reports(session=session, data=export(app, world))
        other = export(app, world)
        other["reports"][0]["body"]["answers"]["staff_tone"] = "hostile"
        [clash] = import_unsent_reports(session=session, data=other)
        assert (clash.status, clash.http_status) == ("conflict", 409)
        assert len(rows(ReportConflict)) == 1
        stranger = export(app, world)
        stranger["reports"][0]["body"]["test_id"] = 999_999
        assert import_unsent_reports(session=session, data=stranger)[0].http_status == 404
        bad = export(app, world)
        bad["reports"][0]["body"]["answers"]["staff_tone"] = "purple"
        assert import_unsent_reports(session=session, data=bad)[0].http_status == 422


def test_something_else_is_refused(app):
    with app.app_context(), pytest.raises(OutboxFileError):
        import_unsent_reports(session=get_session(), data={"format": "other", "reports": []})
    for raw in (b"\xff\xfe", b"[1, 2]", b'{"format": "mysteryguest-outbox", "reports": [1]}'):
        with pytest.raises(OutboxFileError):
            read_outbox(raw)


def test_the_study_page_upload_dry_runs_then_imports_with_a_table(app, client, auth, world):
    good = export(app, world)
    claims_other = export(app, world, team="TM-B")
    data = {**good, "reports": good["reports"] + claims_other["reports"]}
    raw = json.dumps(data).encode()
    auth.login("coord")
    client.set_cookie("lang", "en")
    url = f"/coordinator/studies/{world.study_id}/import-unsent"
    assert "Import unsent reports" in client.get(f"/coordinator/studies/{world.study_id}").get_data(
        as_text=True
    )
    dry = client.post(
        url,
        data={"csrf_token": token(client), "file": (io.BytesIO(raw), "unsent.json")},
        content_type="multipart/form-data",
    )
    html = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "Dry run: nothing is stored yet" in html
    assert ">201</span>" in html and ">409</span>" in html
    with app.app_context():
        assert rows(VisitReport) == []
    content = re.search(r'<textarea name="content" hidden>(.*?)</textarea>', html, re.S).group(1)
    import html as htmllib

    done = client.post(
        url, data={"csrf_token": token(client), "content": htmllib.unescape(content)}
    )
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "Imported: 1 report stored" in page
    with app.app_context():
        session = get_session()
        assert len(rows(VisitReport)) == 1
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "report.import_unsent")
        ).one()
        assert event.actor == "coord" and event.after["reports"] == 2
        submit = session.exec(select(AuditEvent).where(AuditEvent.action == "report.submit")).one()
        assert submit.actor == "coord" and submit.after["via"] == "import"
        assert submit.after["author"] == "t01"
    wrong = client.post(
        url,
        data={"csrf_token": token(client), "file": (io.BytesIO(b"not json"), "x.json")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "Export unsent reports" in wrong.get_data(as_text=True)


def test_the_command_dry_runs_by_default_and_imports_with_apply(app, runner, world, tmp_path):
    path = tmp_path / "unsent.json"
    path.write_text(json.dumps(export(app, world)), encoding="utf-8")
    dry = runner.invoke(args=["import-unsent", str(path)])
    assert dry.exit_code == 0, dry.output
    assert "201 created" in dry.output and "Dry run" in dry.output
    with app.app_context():
        assert rows(VisitReport) == []
    applied = runner.invoke(args=["import-unsent", str(path), "--study", "S1", "--apply"])
    assert applied.exit_code == 0 and "1 of 1 reports are stored" in applied.output
    again = runner.invoke(args=["import-unsent", str(path), "--apply"])
    assert again.exit_code == 0 and "200 same" in again.output
    with app.app_context():
        assert len(rows(VisitReport)) == 1
    other = tmp_path / "other.json"
    other.write_text(json.dumps(export(app, world, team="TM-B")), encoding="utf-8")
    refused = runner.invoke(args=["import-unsent", str(other), "--apply"])
    assert refused.exit_code == 1 and "409 author_not_in_team" in refused.output
    assert runner.invoke(args=["import-unsent", str(path), "--study", "NOPE"]).exit_code != 0


@pytest.mark.parametrize("moment", ["23:04", "2026-01-01T23:04:30", "0001-01-01T00:00:00+14:00"])
def test_a_moment_of_submitting_that_no_phone_wrote_is_refused_with_what_to_do(app, world, moment):
    data = export(app, world)
    data["reports"][0]["body"]["submitted_at"] = moment
    with app.app_context():
        [outcome] = import_unsent_reports(session=get_session(), data=data)
        assert (outcome.status, outcome.http_status) == ("invalid", 422)
        assert "export the report again" in outcome.message
        assert rows(VisitReport) == []


@pytest.mark.parametrize("where", ["test", "author"])
def test_ids_beyond_the_database_range_are_no_test_and_no_author(app, world, where):
    """A file with an id no INTEGER column holds (PostgreSQL would refuse to look it up)."""
    data = export(app, world)
    item = data["reports"][0]
    if where == "test":
        item["body"]["test_id"] = 2**63 - 1
    else:
        item["author"]["user_id"] = item["body"]["author"] = 2**40
    with app.app_context():
        [outcome] = import_unsent_reports(session=get_session(), data=data)
        expected = ("not_found", 404) if where == "test" else ("invalid", 422)
        assert (outcome.status, outcome.http_status) == expected
        assert rows(VisitReport) == []
