"""The GDPR access export of a demo tester: complete (where and when they were sent, reviews,
cancellations, messages, incidents, audit events naming them, their account and team) and
limited to them (teammates' free text and ids redacted, GDPR art. 15(4))."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Team
from fieldwork.models import TeamMember
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.monitoring.incidents import record_incident
from fieldwork.services.reports import intake
from fieldwork.services.reports import review
from fieldwork.services.retention.tester_export import REDACTED
from fieldwork.services.schedule.assignments import assignment_for_user
from fieldwork.services.schedule.edit import cancel_test
from tests.publication.conftest import DEMO_NOW
from tests.publication.conftest import build_demo_at_fixed_time

PHONE_NOTE = "Mijn nummer is 06-12345678, bel gerust"
TEAMMATE_INCIDENT = "Buurman Jan Pietersen (06-99887766) zag het ook"
OWN_INCIDENT = "Ik werd duizelig bij de deur"
HEALTH_NOTE = "Gaat het weer? Je gaf aan dat je astma had; neem je inhaler mee."
CANCEL_REASON = "Zaak deze avond gesloten wegens verbouwing"
OVERRIDE_REASON = "Toch geldig: de vertraging kwam door de regen bij de ingang"


def user_named(session, name: str) -> User:
    return session.exec(select(User).where(User.username == name)).one()


@pytest.fixture
def subject(app):
    """Demo tester T-01 of DEMO-NL, with things done about them through the services."""
    with app.app_context(), clock.frozen(DEMO_NOW):
        build_demo_at_fixed_time()
        session = get_session()
        study = session.exec(select(Study).where(Study.code == "DEMO-NL")).one()
        tester = session.exec(select(Tester).where(Tester.study_id == study.id,
                                                   Tester.code == "T-01")).one()  # fmt: skip
        me = session.get(User, tester.user_id)
        team_id = session.exec(select(TeamMember.team_id).where(
            TeamMember.tester_id == tester.id)).first()  # fmt: skip
        mates = [session.get(User, session.get(Tester, m.tester_id).user_id) for m in
                 session.exec(select(TeamMember).where(TeamMember.team_id == team_id)).all()
                 if m.tester_id != tester.id]  # fmt: skip
        assert mates, "a demo team has two or more testers"
        mate = mates[0]
        pair = session.exec(select(Pair).where((Pair.protected_team_id == team_id)
                                               | (Pair.control_team_id == team_id))).first()  # fmt: skip
        tests = session.exec(select(Test).where(Test.pair_id == pair.id)
                             .order_by(Test.id)).all()  # fmt: skip
        with_report = next(t for t in tests if session.exec(select(VisitReport).where(
            VisitReport.test_id == t.id, VisitReport.team_id == team_id)).first())  # fmt: skip
        report = session.exec(select(VisitReport).where(VisitReport.test_id == with_report.id,
                                                        VisitReport.team_id == team_id)).one()  # fmt: skip
        assignment = assignment_for_user(session, mate.id, with_report.id)
        intake.amend_report(session=session, assignment=assignment, report=report, user=mate,
                            answers={**report.answers, "notes": PHONE_NOTE},
                            reason=f"Vergeten: {PHONE_NOTE}")  # fmt: skip
        for who, kind, text in ((me, "unwell", OWN_INCIDENT),
                                (mate, "threat", TEAMMATE_INCIDENT)):  # fmt: skip
            result = record_incident(session=session, user=who, uuid=None, kind=kind,
                                     description=text, test_id=with_report.id)  # fmt: skip
            assert result.incident is not None, result.errors
        coordinator = user_named(session, "coordinator")
        status = review.status_of(session, study=study, test_id=with_report.id,
                                  timezone="Europe/Amsterdam")  # fmt: skip
        partner = next(team.id for team in status.teams.values() if team.id != team_id)
        review.change_state(session=session, study=study, status=status,
                            state=review.NEXT_STATES[status.state][0],
                            messages={team_id: HEALTH_NOTE, partner: "Bericht aan het andere team"},
                            user=coordinator)  # fmt: skip
        status = review.status_of(session, study=study, test_id=with_report.id,
                                  timezone="Europe/Amsterdam")  # fmt: skip
        review.override(session=session, study=study, status=status, valid=True,
                        reason=OVERRIDE_REASON, user=coordinator)  # fmt: skip
        planned = next(t for t in reversed(tests) if t.status == "planned")
        cancel_test(session=session, study=study, test=planned, reason=CANCEL_REASON,
                    user=coordinator)  # fmt: skip
        team = session.get(Team, team_id)
        return {"me": me.id, "username": me.username, "mates": {m.id for m in mates},
                "mate_names": {m.username for m in mates}, "team": team.code,
                "tests": len(tests), "cancelled": planned.id, "partner": partner}  # fmt: skip


def test_the_export_holds_everything_about_the_tester(runner, subject, tmp_path):
    out = tmp_path / "t01.json"
    result = runner.invoke(args=["tester-export", "T-01", "--study", "DEMO-NL", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["account"]["username"] == subject["username"]
    assert "password_hash" not in data["account"]
    assert [team["code"] for team in data["teams"]] == [subject["team"]]
    assert data["teams"][0]["members"] == len(subject["mates"]) + 1
    # Where and when they were sent.
    assert len(data["tests"]) == subject["tests"]
    for test in data["tests"]:
        assert test["target"]["name"] and test["target"]["address"] and test["your_planned_time"]
    cancelled = next(t for t in data["tests"] if t["test_id"] == subject["cancelled"])
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == CANCEL_REASON
    # Reviews, messages, incidents.
    assert any(r["override_reason"] == OVERRIDE_REASON for r in data["reviews"])
    assert [m["body"] for m in data["review_messages"] if m["body"] == HEALTH_NOTE]
    assert any(i["description"] == OWN_INCIDENT for i in data["incidents"])
    # Audit events naming them: their account, the review of their test, the cancellation.
    actions = {event["action"] for event in data["audit_events"]}
    assert {"user.create", "review.state", "review.override", "test.cancel",
            "incident.report"} <= actions  # fmt: skip


def test_the_export_holds_nothing_about_anyone_else(runner, subject, tmp_path):
    out = tmp_path / "t01.json"
    runner.invoke(args=["tester-export", "T-01", "--study", "DEMO-NL", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    data = json.loads(text)
    for secret in ("06-12345678", "06-99887766", "Pietersen", "Bericht aan het andere team",
                   *subject["mate_names"]):  # fmt: skip
        assert secret not in text, secret
    assert REDACTED in text  # the teammate's amendment, incident and ids are there, redacted
    ids = [row.get(key) for section in ("reports", "amendments", "conflicts", "incidents")
           for row in data[section]
           for key in ("submitted_by_id", "created_by_id", "reported_by_id") if key in row]  # fmt: skip
    ids += [event["user_id"] for event in data["audit_events"]]
    assert not set(ids) & subject["mates"]
    state = next(e for e in data["audit_events"] if e["action"] == "review.state"
                 and str(subject["partner"]) in e["after"]["messages"])  # fmt: skip
    assert state["after"]["messages"][str(subject["partner"])] == REDACTED
