"""The audit trail in words: every action the code base records has a sentence in Dutch and
English; events read as sentences in local time with their object linked; who/what/when filters
on local days; the JSON download."""

from __future__ import annotations

import ast
import json
import re
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext
from sqlmodel import select

from fieldwork import clock
from fieldwork.coordinator.audit_sentences import ACTIONS
from fieldwork.coordinator.audit_sentences import describe
from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Target
from fieldwork.models import Test
from fieldwork.services import audit
from tests.coordinator.conftest import add_report
from tests.coordinator.conftest import post
from tests.coordinator.conftest import shown

ROOT = Path(__file__).resolve().parents[2] / "fieldwork"
CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and CODE.match(n.value)}  # fmt: skip


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def recorded_actions() -> set[str]:
    """Every action code the code base records: the ``action=`` of each ``audit.record(...)``
    call, and of each call of a helper that hands its own ``action`` parameter on to it (such as
    the schedule's ``_audited``). Literal strings, both sides of a conditional, and the strings a
    local variable is assigned from are read; anything else fails, so no action goes unseen."""
    functions = [
        (path, node)
        for path in sorted(ROOT.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
    ]
    found: set[str] = set()
    callees, seen = {"record"}, set()
    while callees - seen:
        name = sorted(callees - seen)[0]
        seen.add(name)
        for path, function in functions:
            for call in ast.walk(function):
                if not isinstance(call, ast.Call) or _called(call) != name:
                    continue
                if (
                    name == "record"
                    and "audit" not in ast.unparse(call.func)
                    and path.name != "audit.py"
                ):
                    continue
                for keyword in call.keywords:
                    if keyword.arg != "action":
                        continue
                    value = keyword.value
                    parameters = {a.arg for a in function.args.args + function.args.kwonlyargs}
                    if isinstance(value, ast.Constant | ast.IfExp):
                        codes = _strings(value)
                    elif isinstance(value, ast.Name) and value.id in parameters:
                        callees.add(function.name)  # read at the helper's callers
                        continue
                    elif isinstance(value, ast.Name):
                        assigned = [
                            n.value for n in ast.walk(function) if isinstance(n, ast.Assign)
                            and any(getattr(t, "id", None) == value.id for t in n.targets)
                        ]  # fmt: skip
                        codes = set().union(*(_strings(v) for v in assigned))
                    else:
                        pytest.fail(
                            f"{path}:{call.lineno}: cannot read action={ast.unparse(value)}"
                        )
                    assert codes, f"{path}:{call.lineno}: no action code in {ast.unparse(value)}"
                    found |= codes
    return found


def test_the_scan_finds_the_actions_it_should():
    found = recorded_actions()
    # literal, conditional, a variable from a dict, and a parameter handed on by its callers
    assert {"report.submit", "tester.create", "tester.update", "release.publish",
            "release.withdraw", "test.cancel", "test.move"} <= found  # fmt: skip


@pytest.mark.parametrize("action", sorted(recorded_actions()))
def test_every_recorded_action_has_a_sentence_in_both_languages(app, action):
    assert action in ACTIONS, f"add {action!r} to fieldwork.coordinator.audit_sentences.ACTIONS"
    name, template = ACTIONS[action]
    event = AuditEvent(id=1, action=action, actor="anna", at=datetime(2026, 6, 1, tzinfo=UTC))
    sentences = {}
    with app.test_request_context("/coordinator/audit"), app.app_context():
        session = get_session()
        for lang in ("en", "nl"):
            with force_locale(lang):
                [line] = describe(session, [event])
                sentences[lang] = str(line.sentence)
                if lang == "nl":
                    assert gettext(name) != name, f"no Dutch for the name of {action}"
                    assert gettext(template) != template, f"no Dutch for the sentence of {action}"
    for lang, sentence in sentences.items():
        assert action not in sentence and len(sentence) > 10, (lang, sentence)
        assert ("anna" in sentence) == ("%(who)s" in template), (lang, sentence)
    assert sentences["en"] != sentences["nl"]


def cancel_and_move(app, client, world):
    post(client, f"/coordinator/studies/{world.study_id}/tests/{world.test_p1}/cancel",
         {"reason": "Venue closed tonight"})  # fmt: skip
    post(client, f"/coordinator/studies/{world.study_id}/tests/{world.test_p2}/edit",
         {"protected_at": "23:40", "control_at": "23:45", "reason": "Queue at the door"})  # fmt: skip
    with app.app_context():
        session = get_session()
        target = session.exec(select(Target).where(Target.code == "V-002")).one()
    post(client, f"/coordinator/studies/{world.study_id}/targets/{target.id}/edit",
         {"name": "Cafe De Kroeg", "address": "Plein 7", "target_type": "bar",
          "area": "Plein", "active": "y"})  # fmt: skip


def rows(html: str) -> dict[str, str]:
    """The sentence of each event, by action (the newest of each)."""
    found = {}
    for row in html.split("<tbody>")[1].split("</tr>"):
        match = re.search(r'data-action="([^"]+)"', row)
        if match and match[1] not in found:
            sentence = row.split('class="audit-sentence">')[1].split("</td>")[0]
            found[match[1]] = sentence
    return found


def test_events_read_as_sentences_with_links(app, client, auth, world):
    auth.login("coord")
    cancel_and_move(app, client, world)
    with app.app_context():
        night = get_session().get(Test, world.test_p1).night
    with app.test_request_context(), force_locale("en"):
        from flask_babel import format_date

        day = format_date(night, "full")
    html = shown(client.get("/coordinator/audit"))
    found = rows(html)
    study = f"/coordinator/studies/{world.study_id}"
    coord = '<span translate="no">coord</span>'  # a user name is data, not translated
    assert found["test.cancel"] == (
        f'{coord} cancelled <a href="{study}/schedule?night={night.isoformat()}">the test of pair '
        f"P-01 at V-001 on {day}</a>: Venue closed tonight"
    )
    assert found["test.move"] == (
        f'{coord} moved <a href="{study}/review/{world.test_p2}">the test of pair P-02 at V-002 on '
        f"{day}</a> to 23:40 (protected group) and 23:45 (control group): Queue at the door"
    )
    assert found["target.update"].endswith("(Cafe De Kroeg)</a>: type: café → bar.")
    client.set_cookie("lang", "nl")
    found = rows(shown(client.get("/coordinator/audit")))
    assert (
        found["test.cancel"].startswith(f"{coord} heeft <a href=")
        and "paar P-01" in found["test.cancel"]
    )
    assert found["test.cancel"].endswith("geannuleerd: Venue closed tonight")
    assert "soort: café → bar" in found["target.update"]


def test_the_integrity_events_read_with_labels_and_dates(app, world):
    """A move, an import of unsent reports and a reopened study: the result codes of the import
    are shown by their labels, the night of the move as a date, in both languages."""
    events = [
        AuditEvent(id=1, action="team.move_member", actor="anna", object_type="tester",
                   at=datetime(2026, 6, 1, tzinfo=UTC),
                   before={"tester": "T-01", "team": "TM-A"},
                   after={"team": "TM-B", "on": "2026-06-05", "reason": "TM-B is one short"}),
        AuditEvent(id=2, action="report.import_unsent", actor="anna", object_type="study",
                   object_id=world.study_id, at=datetime(2026, 6, 1, tzinfo=UTC),
                   after={"reports": 3, "results": {"created": 2, "author_mismatch": 1},
                          "uuids": []}),
        AuditEvent(id=3, action="study.reopen", actor="adm", object_type="study",
                   object_id=world.study_id, at=datetime(2026, 6, 1, tzinfo=UTC),
                   before={"status": "closed"},
                   after={"status": "fieldwork", "reason": "Two nights were missed"}),
    ]  # fmt: skip
    with app.test_request_context("/coordinator/audit"), app.app_context():
        session = get_session()
        with force_locale("en"):
            moved, imported, reopened = (str(line.sentence) for line in describe(session, events))
        with force_locale("nl"):
            dutch = [str(line.sentence) for line in describe(session, events)]
    assert "from team TM-A to team TM-B from the night of June 5, 2026: TM-B is one short" in moved
    assert "3 unsent reports" in imported and "stored: 2" in imported
    assert "author_mismatch" not in imported and "created" not in imported
    assert reopened.startswith('<span translate="no">adm</span> reopened')  # a name is data
    assert reopened.endswith(": Two nights were missed")
    assert "5 juni 2026" in dutch[0] and "opgeslagen: 2" in dutch[1]
    assert "author_mismatch" not in dutch[1]


def test_times_are_local_and_dates_filter_local_days(app, client, auth, world):
    # 22:30 UTC on 1 June 2026 is 00:30 on 2 June in The Hague (summer time).
    with app.app_context(), clock.frozen(datetime(2026, 6, 1, 22, 30, tzinfo=UTC)):
        session = get_session()
        audit.record(session, action="study.export", study_id=world.study_id,
                     object_type="study", object_id=world.study_id,
                     after={"tests": 12, "pending": 0, "valid": 10})  # fmt: skip
        session.commit()
    auth.login("coord")
    html = shown(client.get("/coordinator/audit?action=study.export"))
    assert "Jun 2, 2026" in html and "12:30:00" in html and "10:30:00" not in html
    assert "exported the data bundle of" in html and "(12 tests, 10 valid)" in html
    assert 'datetime="2026-06-01T22:30:00+00:00"' in html
    since = shown(client.get("/coordinator/audit?action=study.export&since=2026-06-02"))
    assert "1 event" in since
    until = shown(client.get("/coordinator/audit?action=study.export&until=2026-06-01"))
    assert "No events match." in until
    client.set_cookie("lang", "nl")
    html = shown(client.get("/coordinator/audit?action=study.export"))
    assert "2 jun 2026, 00:30:00" in html and "de gegevensbundel van" in html


def test_who_and_what_filters_offer_names_not_codes(app, client, auth, world):
    auth.login("coord")
    cancel_and_move(app, client, world)
    html = shown(client.get("/coordinator/audit"))
    what = html.split('name="action"')[1].split("</select>")[0]
    assert '<option value="test.cancel">Test cancelled</option>' in what
    who = html.split('name="actor"')[1].split("</select>")[0]
    assert '<option value="coord" translate="no">coord</option>' in who
    only = shown(client.get("/coordinator/audit?actor=coord&action=test.move"))
    assert list(rows(only)) == ["test.move"]


def test_the_json_download_holds_the_filtered_events(app, client, auth, world):
    auth.login("coord")
    cancel_and_move(app, client, world)
    add_report(app, world.test_p2, "protected")
    response = client.get("/coordinator/audit.json?action=test.cancel")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=audit-")
    body = json.loads(response.get_data(as_text=True))
    assert body["total"] == 1 and body["complete"] is True
    [event] = body["events"]
    assert event["action"] == "test.cancel" and event["after"]["reason"] == "Venue closed tonight"
    assert event["at"].endswith("+00:00")
    page = shown(client.get("/coordinator/audit?action=test.cancel"))
    assert 'href="/coordinator/audit.json?action=test.cancel"' in page
    auth.logout()
    auth.login("res")
    assert client.get("/coordinator/audit.json").status_code == 403
