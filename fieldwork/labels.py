"""What a person reads for a code: one table of translated labels for every code the app shows.

Codes (``has_issues``, ``interval_exceeded``, ``private_landlord``) are for the database, the
export and the analysis; pages show :func:`label` of them (the ``|label`` filter in templates),
in the reader's language from the Babel catalogue. A code of a kind that is not in the table is a
bug: it raises, so a test that renders the page finds it. Target types a study defines itself
(not in the defaults) are its coordinator's own words and are shown as they are.
"""

from __future__ import annotations

from flask import has_request_context
from flask_babel import LazyString
from flask_babel import gettext

from fieldwork.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "role": {
        "tester": N_("tester"),
        "coordinator": N_("coordinator"),
        "researcher": N_("researcher"),
        "admin": N_("administrator"),
    },
    "team_role": {"protected": N_("protected group"), "control": N_("control group")},
    "gender": {"m": N_("man"), "f": N_("woman"), "x": N_("non-binary")},
    "domain": {"nightlife": N_("nightlife"), "housing": N_("housing")},
    "study_status": {
        "draft": N_("draft"),
        "fieldwork": N_("in the field"),
        "closed": N_("closed"),
    },
    "order_rule": {
        "randomised": N_("randomised"),
        "protected_first": N_("protected group first"),
        "control_first": N_("control group first"),
    },
    "purpose": {"monitoring": N_("monitoring"), "enforcement": N_("enforcement")},
    "report_status": {
        "received": N_("received"),
        "has_issues": N_("has issues"),
        "approved": N_("approved"),
        "rejected": N_("rejected"),
    },
    "invalid_reason": {
        "incomplete": N_("incomplete"),
        "interval_exceeded": N_("too long between the visits"),
        "order_violated": N_("order not followed"),
        "deviation": N_("deviation from the script"),
        "matching_failed": N_("teams not matched"),
        "other": N_("other reason"),
    },
    "target_type": {
        "club": N_("club"),
        "bar": N_("bar"),
        "cafe": N_("café"),
        "private_landlord": N_("private landlord"),
        "letting_agent": N_("letting agent"),
        "housing_association": N_("housing association"),
        "other": N_("other"),
    },
    "test_status": {"planned": N_("planned"), "cancelled": N_("cancelled")},
    # A test's progress as the schedule shows it (fieldwork.services.schedule.view).
    "test_progress": {
        "planned": N_("planned"),
        "one_report": N_("one report in"),
        "both_reports": N_("both reports in"),
        "reviewed": N_("reviewed"),
        "cancelled": N_("cancelled"),
    },
    # A pair's state tonight (fieldwork.services.monitoring.tonight).
    "pair_state": {
        "not_started": N_("not started"),
        "one_in": N_("one report in"),
        "both_in": N_("both reports in"),
        "late": N_("late"),
    },
    # Fields of studies, targets and testers, as the audit trail names a change.
    "field": {
        "code": N_("code"),
        "title": N_("title"),
        "domain": N_("domain"),
        "instrument_id": N_("instrument"),
        "instrument_version": N_("instrument version"),
        "purpose": N_("purpose"),
        "order_rule": N_("order rule"),
        "planned_gap_minutes": N_("planned gap (minutes)"),
        "max_interval_minutes": N_("maximum interval (minutes)"),
        "seed": N_("randomisation seed"),
        "publication_min_cell": N_("publication minimum cell"),
        "target_types": N_("target types"),
        "target_sample_size": N_("target sample size"),
        "planned_p10": N_("planned p10"),
        "planned_p01": N_("planned p01"),
        "emergency_contact_name": N_("emergency contact (name)"),
        "emergency_contact_phone": N_("emergency contact (phone)"),
        "name": N_("name"),
        "address": N_("address"),
        "target_type": N_("type"),
        "area": N_("area"),
        "active": N_("active"),
        "group": N_("group"),
        "gender": N_("gender"),
        "age_band": N_("age band"),
        "language": N_("language"),
        "user_id": N_("account"),
    },
    "release_status": {
        "draft": N_("draft"),
        "published": N_("published"),
        "withdrawn": N_("withdrawn"),
    },
    "conflict_reason": {
        "same_uuid_other_content": N_("same report id, different answers"),
        "second_report_for_team": N_("second report from the same team"),
        "author_mismatch": N_("sent in another tester's session"),
        "author_not_in_team": N_("author not in the team on the night"),
    },
    "import_result": {
        "created": N_("stored"),
        "same": N_("already in"),
        "conflict": N_("kept as a conflict"),
        "invalid": N_("answers not valid"),
        "not_found": N_("no such test"),
        "study_closed": N_("study closed"),
        "author_mismatch": N_("another author"),
        "author_not_in_team": N_("author not in the team"),
        "foreign_report": N_("another team's report"),
    },
    "incident_kind": {
        "threat": N_("Threatened or intimidated"),
        "violence": N_("Physical aggression"),
        "unwell": N_("Unwell or injured"),
        "police": N_("Police or security involved"),
        "other": N_("Something else"),
    },
}
# Kinds whose codes a coordinator may add to (a study's own target types).
OPEN_KINDS = frozenset({"target_type"})


class UnknownCode(LookupError):
    """A code has no label: add it to ``LABELS`` (and its Dutch to the catalogue)."""


def label(code: str, kind: str) -> str:
    """The label of ``code`` (of ``kind``, a key of ``LABELS``) in the reader's language during a
    request, in English outside one (the CLI, tests), like :func:`fieldwork.i18n._`."""
    try:
        table = LABELS[kind]
    except KeyError:
        raise UnknownCode(f"No label kind {kind!r}; the kinds are {', '.join(LABELS)}.") from None
    if code in table:
        return gettext(table[code]) if has_request_context() else table[code]
    if kind in OPEN_KINDS:
        return code
    raise UnknownCode(f"No label for {kind} {code!r}: add it to fieldwork.labels.LABELS.")


def choices(kind: str, codes: list[str] | tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """``(code, label)`` pairs for a select field, in the table's order (or of ``codes``)."""
    return [(code, label(code, kind)) for code in (codes if codes is not None else LABELS[kind])]


def lazy_choices(
    kind: str, codes: list[str] | tuple[str, ...] | None = None
) -> list[tuple[str, LazyString]]:
    """:func:`choices` for a form class: each label is looked up when the form is rendered."""
    return [
        (code, LazyString(label, code, kind))
        for code in (codes if codes is not None else LABELS[kind])
    ]
