"""The monitoring dashboard of a study."""

from __future__ import annotations

from flask import current_app
from flask import render_template

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import READ_ROLES
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import timezone
from fieldwork.coordinator.common import versioned_static
from fieldwork.db import get_session
from fieldwork.models import utcnow
from fieldwork.services.monitoring.dashboard import dashboard

# How often the open incidents at the top of the page are fetched again (seconds).
DEFAULT_REFRESH_SECONDS = 30


@bp.get("/studies/<int:study_id>/monitoring")
@roles_required(*READ_ROLES)
def monitoring(study_id: int) -> str:
    study = study_or_404(study_id)
    board = dashboard(get_session(), study=study, timezone=timezone(), now=utcnow())
    return render_template(
        "coordinator/monitoring.html",
        study=study,
        board=board,
        refresh=current_app.config.get("MONITOR_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS),
        script=versioned_static("live.js"),
    )
