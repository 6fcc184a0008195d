"""The audit trail: every audited event as a sentence, filterable by who, what and when, and the
same events as JSON. Read only; the log has no edit path."""

from __future__ import annotations

import json

from flask import Response
from flask import render_template
from flask import request
from werkzeug.datastructures import MultiDict

from fieldwork import clock
from fieldwork.auth.access import roles_required
from fieldwork.coordinator.audit_sentences import action_name
from fieldwork.coordinator.audit_sentences import describe
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import date_arg
from fieldwork.coordinator.common import int_arg
from fieldwork.db import get_session
from fieldwork.services.audit import PER_PAGE
from fieldwork.services.audit import AuditFilter
from fieldwork.services.audit import actions
from fieldwork.services.audit import actors
from fieldwork.services.audit import list_events
from fieldwork.services.studies.overview import study_overview
from fieldwork.timeutil import zone

# At most this many events in one JSON download (filter by study or dates for more).
JSON_LIMIT = 50_000


def _filters(args: MultiDict[str, str]) -> AuditFilter:
    return AuditFilter(
        study_id=int_arg(args.get("study")),
        action=args.get("action", "")[:64],
        actor=args.get("actor", "")[:64],
        object_type=args.get("object_type", "")[:32],
        object_id=int_arg(args.get("object_id")),
        since=date_arg(args.get("since")),
        until=date_arg(args.get("until")),
    )


# Audit events hold names and addresses of targets (before/after of edits): not for researchers.
@bp.get("/audit")
@roles_required(*WRITE_ROLES)
def audit() -> str:
    filters = _filters(request.args)
    page = int_arg(request.args.get("page")) or 1
    session = get_session()
    events, total = list_events(session, filters=filters, page=page, zone=zone())
    return render_template(
        "coordinator/audit.html",
        lines=describe(session, events),
        total=total,
        page=page,
        per_page=PER_PAGE,
        filters=filters,
        actions=sorted(
            ((code, action_name(code)) for code in actions(session)),
            key=lambda item: item[1].casefold(),
        ),  # fmt: skip
        actors=actors(session),
        studies=[row.study for row in study_overview(session)],
    )


@bp.get("/audit.json")
@roles_required(*WRITE_ROLES)
def audit_json() -> Response:
    """The events the page shows (all pages of them), as JSON with times in UTC."""
    filters = _filters(request.args)
    events, total = list_events(get_session(), filters=filters, per_page=JSON_LIMIT, zone=zone())
    body = {
        "exported_at": clock.now().isoformat(),
        "total": total,
        "complete": total <= JSON_LIMIT,
        "events": [
            {
                "id": event.id,
                "at": event.at.isoformat(),
                "actor": event.actor,
                "action": event.action,
                "study_id": event.study_id,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "before": event.before,
                "after": event.after,
            }
            for event in events
        ],
    }
    stamp = clock.now().astimezone(zone()).strftime("%Y%m%d-%H%M")
    return Response(
        json.dumps(body, ensure_ascii=False, indent=1) + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=audit-{stamp}.json"},
    )
