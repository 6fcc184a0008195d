"""The audit trail in words: one sentence per event, in the reader's language, with its object
linked ("coordinator cancelled the test of pair P-01 at V-001 on Friday 4 December: venue
closed").

:data:`ACTIONS` is the catalogue: every action code the code base records has a short name (for
the "what" filter) and a sentence template, both in the Babel catalogue (a test finds the codes
with ``audit.record(action=…)`` in the source and renders each in Dutch and English). Templates
name their values: ``%(who)s`` (the actor), ``%(object)s`` (the linked object) and values taken
from the event's before/after (``%(reason)s``, ``%(changes)s``, …). Values are escaped; codes
among them are shown through :mod:`fieldwork.labels`. An action missing from the catalogue (an
old database, a new feature) still gets a plain sentence instead of an error.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import format_date
from flask_babel import get_locale
from flask_babel import gettext
from markupsafe import Markup
from markupsafe import escape
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.labels import UnknownCode
from fieldwork.labels import label
from fieldwork.models import AuditEvent
from fieldwork.models import Incident
from fieldwork.models import Pair
from fieldwork.models import Release
from fieldwork.models import ReportConflict
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.templating import clock
from fieldwork.templating import moment
from fieldwork.templating import username

__all__ = ["ACTIONS", "AuditLine", "action_name", "describe"]


def N_(message: str) -> str:  # noqa: N802 - the usual gettext_noop marker name
    return message


# action code -> (short name for the filter, sentence template)
ACTIONS: dict[str, tuple[str, str]] = {
    "demo.build": (N_("Demo built"), N_("%(who)s built the demo studies (seed %(seed)s).")),
    "user.create": (
        N_("Account created"),
        N_("%(who)s created the account %(object)s (%(role)s)."),
    ),
    "user.password_change": (
        N_("Password changed"),
        N_("%(who)s chose a new password; every other session of the account ended."),
    ),
    "user.end_sessions": (
        N_("Sessions ended"),
        N_("%(who)s ended every session of the account %(object)s."),
    ),
    "user.lift_sign_in_wait": (
        N_("Sign-in wait lifted"),
        N_("%(who)s lifted the sign-in wait of the account %(object)s."),
    ),
    "study.create": (N_("Study created"), N_("%(who)s created %(object)s.")),
    "study.update": (
        N_("Study settings changed"),
        N_("%(who)s changed the settings of %(object)s: %(changes)s."),
    ),
    "study.status": (N_("Study status changed"), N_("%(who)s set %(object)s to “%(status)s”.")),
    "study.reopen": (N_("Study reopened"), N_("%(who)s reopened %(object)s: %(reason)s")),
    "study.retention": (
        N_("Retention date set"),
        N_("%(who)s set the retention date of %(object)s to %(retention_until)s."),
    ),
    "study.purge": (
        N_("Personal data removed"),
        N_(
            "%(who)s removed the personal data of %(object)s: %(accounts)s accounts anonymised, "
            "%(testers)s testers unlinked, free text removed from %(reports)s reports."
        ),
    ),
    "study.export": (
        N_("Data bundle exported"),
        N_("%(who)s exported the data bundle of %(object)s (%(tests)s tests, %(valid)s valid)."),
    ),
    "study.export_summary": (
        N_("Summary bundle exported"),
        N_(
            "%(who)s exported the summary bundle of %(object)s for %(city)s (wave %(wave)s: "
            "%(targets)s targets, %(pairs)s valid pairs)."
        ),
    ),
    "study.next_wave": (
        N_("Next wave planned"),
        N_(
            "%(who)s made %(object)s the next wave of study %(previous)s, with its %(targets)s "
            "targets carried over."
        ),
    ),
    "targets.import": (
        N_("Targets imported"),
        N_("%(who)s imported %(count)s targets into %(object)s."),
    ),
    "target.update": (N_("Target changed"), N_("%(who)s changed %(object)s: %(changes)s.")),
    "tester.create": (N_("Tester added"), N_("%(who)s added %(object)s.")),
    "tester.update": (N_("Tester changed"), N_("%(who)s changed %(object)s: %(changes)s.")),
    "team.create": (N_("Team created"), N_("%(who)s created %(object)s (%(role)s).")),
    "team.add_member": (
        N_("Tester added to a team"),
        N_("%(who)s added tester %(tester)s to %(object)s."),
    ),
    "team.remove_member": (
        N_("Tester taken out of a team"),
        N_("%(who)s took tester %(before_tester)s out of %(object)s."),
    ),
    "team.move_member": (
        N_("Tester moved to another team"),
        N_(
            "%(who)s moved %(object)s from team %(before_team)s to team %(team)s from the night "
            "of %(on)s: %(reason)s"
        ),
    ),
    "pair.create": (
        N_("Pair created"),
        N_("%(who)s paired team %(protected_team)s with team %(control_team)s as %(object)s."),
    ),
    "schedule.create": (
        N_("Tests planned"),
        N_("%(who)s planned %(tests)s tests in %(object)s on %(nights)s."),
    ),
    "randomisation.draw": (
        N_("First team drawn"),
        N_("The server drew who goes first in %(object)s: the %(first_role)s."),
    ),
    "test.mark_retest": (N_("Marked as a retest"), N_("%(who)s marked %(object)s as a retest.")),
    "test.move": (
        N_("Test moved"),
        N_(
            "%(who)s moved %(object)s to %(planned_protected)s (protected group) and "
            "%(planned_control)s (control group): %(reason)s"
        ),
    ),
    "test.cancel": (N_("Test cancelled"), N_("%(who)s cancelled %(object)s: %(reason)s")),
    "report.submit": (N_("Report received"), N_("%(who)s sent %(object)s.")),
    "report.conflict": (
        N_("Conflicting report kept apart"),
        N_("%(who)s sent %(object)s, kept apart for review (%(reason)s)."),
    ),
    "report.import_unsent": (
        N_("Unsent reports imported"),
        N_("%(who)s imported a file of %(reports)s unsent reports for %(object)s (%(results)s)."),
    ),
    "report.amend": (
        N_("Report amended"),
        N_("%(who)s amended %(object)s (%(changes)s): %(reason)s"),
    ),
    "review.state": (
        N_("Review state changed"),
        N_("%(who)s set the review of %(object)s to “%(state)s”."),
    ),
    "review.override": (
        N_("Verdict overridden"),
        N_("%(who)s overrode the verdict on %(object)s (%(verdict)s): %(reason)s"),
    ),
    "incident.report": (
        N_("Incident reported"),
        N_("%(who)s reported %(object)s: %(kind)s."),
    ),
    "incident.resolve": (N_("Incident resolved"), N_("%(who)s marked %(object)s as resolved.")),
    "release.create": (N_("Release drafted"), N_("%(who)s made %(object)s as a draft.")),
    "release.approve": (
        N_("Release approved"),
        N_("%(who)s approved the texts of %(object)s."),
    ),
    "release.publish": (N_("Release published"), N_("%(who)s published %(object)s.")),
    "release.republish": (  # no longer recorded (a withdrawal is final); older events keep it
        N_("Release published again"),
        N_("%(who)s published %(object)s again."),
    ),
    "release.withdraw": (N_("Release withdrawn"), N_("%(who)s withdrew %(object)s: %(reason)s")),
}
UNKNOWN_ACTION = N_("%(who)s: %(action)s on %(object)s.")

# Values shown through a label table: (action, key) -> label kind.
LABELLED = {
    ("user.create", "role"): "role",
    ("study.status", "status"): "study_status",
    ("team.create", "role"): "team_role",
    ("randomisation.draw", "first_role"): "team_role",
    ("report.conflict", "reason"): "conflict_reason",
    ("review.state", "state"): "report_status",
    ("incident.report", "kind"): "incident_kind",
    ("report.import_unsent", "results"): "import_result",  # {result code: count}
}
# Values that are moments (ISO 8601) or dates, shown in local time / the reader's language;
# planned times as a clock time only (the sentence names the test's night already).
CLOCK_TIMES = {"planned_protected", "planned_control"}
MOMENTS = {"resolved_at"}
DATES = {"retention_until", "nights", "today", "on"}
# Actions whose before/after are field changes, listed as "field: old → new".
FIELD_CHANGES = {"study.update", "target.update", "tester.update"}
LONG_VALUE = 80


@dataclass(frozen=True)
class AuditLine:
    event: AuditEvent
    sentence: Markup


def action_name(action: str) -> str:
    """The short name of an action in the reader's language (the code itself if unknown)."""
    return gettext(ACTIONS[action][0]) if action in ACTIONS else action


def describe(session: Session, events: Iterable[AuditEvent]) -> list[AuditLine]:
    """Each event as a sentence; the objects of all events are loaded in a few queries."""
    events = list(events)
    objects = _Objects(session, events)
    return [AuditLine(event, _sentence(event, objects)) for event in events]


def _sentence(event: AuditEvent, objects: _Objects) -> Markup:
    values: dict[str, Any] = _Values()
    after, before = event.after or {}, event.before or {}
    for prefix, data in (("before_", before), ("", after)):
        for key, value in data.items():
            values[prefix + key] = _value(event.action, key, value)
    for key, value in before.items():  # e.g. the tester taken out of a team
        values.setdefault(key, _value(event.action, key, value))
    if event.action in FIELD_CHANGES:
        values["changes"] = _field_changes(before, after)
    elif event.action == "report.amend":
        values["changes"] = objects.question_labels(event, after.get("changes") or {})
    if event.action == "review.override":
        verdict = after.get("override_valid")
        values["verdict"] = (
            gettext("valid")
            if verdict is True
            else gettext("invalid")
            if verdict is False
            else gettext("override removed")
        )
    values["who"] = gettext("The system") if event.actor == "system" else username(event.actor)
    values["object"] = objects.link(event)
    values["action"] = event.action
    template = (
        gettext(ACTIONS[event.action][1]) if event.action in ACTIONS else gettext(UNKNOWN_ACTION)
    )
    return Markup(template) % values


class _Values(dict):
    """Template values; one a template names but the event lacks is shown as a dash."""

    def __missing__(self, key: str) -> str:
        return "–"


def _value(action: str, key: str, value: Any) -> Any:
    kind = LABELLED.get((action, key))
    if kind is not None and isinstance(value, str):
        return _labelled(value, kind)
    if kind is not None and isinstance(value, dict):  # counts by code
        return ", ".join(f"{_labelled(code, kind)}: {_plain(n)}" for code, n in value.items())
    if key in CLOCK_TIMES | MOMENTS and isinstance(value, str):
        try:
            moment_ = datetime.fromisoformat(value)
        except ValueError:
            return value
        return clock(moment_) if key in CLOCK_TIMES else moment(moment_)
    if key in DATES:
        return _dates(value)
    return _plain(value)


def _dates(value: Any) -> str:
    items = value if isinstance(value, list) else [value]
    shown = []
    for item in items:
        try:
            shown.append(format_date(date.fromisoformat(str(item)), "long"))
        except ValueError:
            shown.append(str(item))
    return ", ".join(shown)


def _plain(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value) or "–"
    if isinstance(value, dict):
        return ", ".join(f"{key}={_plain(item)}" for key, item in value.items()) or "–"
    text = str(value)
    return text if len(text) <= LONG_VALUE else text[: LONG_VALUE - 1] + "…"


# Fields whose values are codes, with their label kind.
FIELD_VALUE_KINDS = {
    "target_type": "target_type",
    "target_types": "target_type",
    "group": "team_role",
    "domain": "domain",
    "purpose": "purpose",
    "order_rule": "order_rule",
}


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    parts = []
    for key, new in after.items():
        old = before.get(key)
        if key in before and old == new:
            continue
        name = _labelled(key, "field")
        kind = FIELD_VALUE_KINDS.get(key)
        if kind is not None:
            old, new = (
                [_labelled(v, kind) for v in value] if isinstance(value, list)
                else _labelled(value, kind) if isinstance(value, str) else value
                for value in (old, new)
            )  # fmt: skip
        parts.append(f"{name}: {_plain(old)} → {_plain(new)}" if key in before else name)
    return "; ".join(parts) or "–"


def _labelled(code: str, kind: str) -> str:
    try:
        return label(code, kind)
    except UnknownCode:  # an old event may hold a code the table no longer has
        return code


class _Objects:
    """The objects a page of events names, loaded per type in one query each."""

    def __init__(self, session: Session, events: list[AuditEvent]) -> None:
        self.session = session
        wanted: dict[str, set[int]] = {}
        for event in events:
            if event.object_id is not None:
                wanted.setdefault(event.object_type, set()).add(event.object_id)
        self.loaded: dict[tuple[str, int], Any] = {}
        for object_type, model in _MODELS.items():
            ids = wanted.get(object_type)
            if ids:
                for row in session.exec(select(model).where(col(model.id).in_(ids))):
                    self.loaded[(object_type, row.id)] = row
        tests = {row.test_id for (kind, _), row in self.loaded.items()
                 if kind in ("visitreport", "reportconflict", "incident") and row.test_id}  # fmt: skip
        tests |= {row_id for (kind, row_id) in self.loaded if kind == "test"}
        self.tests: dict[int, tuple[Test, Pair, Target]] = {
            test.id: (test, pair, target)
            for test, pair, target in session.exec(
                select(Test, Pair, Target)
                .join(Pair, col(Pair.id) == col(Test.pair_id))
                .join(Target, col(Target.id) == col(Test.target_id))
                .where(col(Test.id).in_(tests or [-1]))
            )
        }
        team_ids = {row.team_id for (kind, _), row in self.loaded.items()
                    if kind in ("visitreport", "reportconflict")}  # fmt: skip
        self.teams = {
            team.id: team
            for team in session.exec(select(Team).where(col(Team.id).in_(team_ids or [-1])))
        }

    def link(self, event: AuditEvent) -> Markup:
        if event.object_id is None:
            return Markup("")
        row = self.loaded.get((event.object_type, event.object_id))
        describe_object = _DESCRIBE.get(event.object_type)
        if row is None or describe_object is None:
            return escape(gettext("item %(id)s", id=event.object_id))
        text, url = describe_object(self, row)
        return Markup('<a href="%s">%s</a>') % (url, text) if url else escape(text)

    def question_labels(self, event: AuditEvent, changes: dict[str, Any]) -> str:
        study = self.session.get(Study, event.study_id) if event.study_id else None
        if study is None:
            return ", ".join(changes)
        from forms import get_instrument

        instrument = get_instrument(study.instrument_id, study.instrument_version)
        lang = str(get_locale())
        names = []
        for qid in changes:
            try:
                names.append(instrument.question(qid).label_in(lang))
            except KeyError:
                names.append(qid)
        return ", ".join(names)

    def team_code(self, team_id: int | None) -> str:
        team = self.teams.get(team_id) if team_id is not None else None
        return team.code if team else "–"

    def test_text(self, test_id: int | None) -> tuple[str, str | None]:
        found = self.tests.get(test_id or -1)
        if found is None:
            return gettext("a test"), None
        test, pair, target = found
        text = gettext(
            "the test of pair %(pair)s at %(target)s on %(night)s",
            pair=pair.code,
            target=target.code,
            night=format_date(test.night, "full"),
        )
        if test.status == "cancelled":
            url = url_for(
                "coordinator.schedule", study_id=test.study_id, night=test.night.isoformat()
            )
        else:
            url = url_for("coordinator.review", study_id=test.study_id, test_id=test.id)
        return text, url


def _study(objects: _Objects, study: Study) -> tuple[str, str | None]:
    return gettext("study %(code)s", code=study.code), url_for(
        "coordinator.study", study_id=study.id
    )


def _target(objects: _Objects, target: Target) -> tuple[str, str | None]:
    return gettext("target %(code)s (%(name)s)", code=target.code, name=target.name), url_for(
        "coordinator.target_edit", study_id=target.study_id, target_id=target.id
    )


def _test(objects: _Objects, test: Test) -> tuple[str, str | None]:
    return objects.test_text(test.id)


def _report(objects: _Objects, report: VisitReport) -> tuple[str, str | None]:
    team, (test, url) = objects.team_code(report.team_id), objects.test_text(report.test_id)
    return gettext("the report of team %(team)s on %(test)s", team=team, test=test), url


def _conflict(objects: _Objects, conflict: ReportConflict) -> tuple[str, str | None]:
    team, (test, url) = objects.team_code(conflict.team_id), objects.test_text(conflict.test_id)
    return gettext("another report of team %(team)s on %(test)s", team=team, test=test), url


def _user(objects: _Objects, user: User) -> tuple[str, str | None]:
    return username(user.username), None


def _pair(objects: _Objects, pair: Pair) -> tuple[str, str | None]:
    return gettext("pair %(code)s", code=pair.code), url_for(
        "coordinator.pairs", study_id=pair.study_id
    )


def _team(objects: _Objects, team: Team) -> tuple[str, str | None]:
    return gettext("team %(code)s", code=team.code), url_for(
        "coordinator.team", study_id=team.study_id, team_id=team.id
    )


def _tester(objects: _Objects, tester: Tester) -> tuple[str, str | None]:
    return gettext("tester %(code)s", code=tester.code), url_for(
        "coordinator.tester_edit", study_id=tester.study_id, tester_id=tester.id
    )


def _release(objects: _Objects, release: Release) -> tuple[str, str | None]:
    return gettext("release %(id)s", id=release.id), url_for(
        "coordinator.release_preview", study_id=release.study_id, release_id=release.id
    )


def _incident(objects: _Objects, incident: Incident) -> tuple[str, str | None]:
    text = gettext("an incident")
    if incident.test_id:
        test_text, _url = objects.test_text(incident.test_id)
        text = gettext("an incident at %(test)s", test=test_text)
    url = (
        url_for("coordinator.monitoring", study_id=incident.study_id) if incident.study_id else None
    )
    return text, url


_MODELS: dict[str, Any] = {
    "study": Study,
    "target": Target,
    "test": Test,
    "visitreport": VisitReport,
    "reportconflict": ReportConflict,
    "user": User,
    "pair": Pair,
    "team": Team,
    "tester": Tester,
    "release": Release,
    "incident": Incident,
}
_DESCRIBE: dict[str, Callable[[_Objects, Any], tuple[str, str | None]]] = {
    "study": _study,
    "target": _target,
    "test": _test,
    "visitreport": _report,
    "reportconflict": _conflict,
    "user": _user,
    "pair": _pair,
    "team": _team,
    "tester": _tester,
    "release": _release,
    "incident": _incident,
}
