"""The audit trail: every audited event, filterable. Read only; the log has no edit path."""

from __future__ import annotations

from datetime import date

from flask import render_template, request

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import WRITE_ROLES, int_arg
from fieldwork.db import get_session
from fieldwork.services.audit import PER_PAGE, AuditFilter, actions, list_events
from fieldwork.services.studies.overview import study_overview


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# Audit events hold names and addresses of targets (before/after of edits): not for researchers.
@bp.get("/audit")
@roles_required(*WRITE_ROLES)
def audit() -> str:
    args = request.args
    filters = AuditFilter(
        study_id=int_arg(args.get("study")),
        action=args.get("action", "")[:64],
        actor=args.get("actor", "")[:64],
        object_type=args.get("object_type", "")[:32],
        object_id=int_arg(args.get("object_id")),
        since=_date(args.get("since", "")),
        until=_date(args.get("until", "")),
    )
    page = int_arg(args.get("page")) or 1
    session = get_session()
    events, total = list_events(session, filters=filters, page=page)
    return render_template(
        "coordinator/audit.html",
        events=events,
        total=total,
        page=page,
        per_page=PER_PAGE,
        filters=filters,
        actions=actions(session),
        studies=[row.study for row in study_overview(session)],
    )
