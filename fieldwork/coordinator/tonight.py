"""Tonight: the coordinator's page during a fieldwork night (it updates itself)."""

from __future__ import annotations

from flask import current_app
from flask import render_template
from flask import request

from fieldwork import clock
from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import READ_ROLES
from fieldwork.coordinator.common import date_arg
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import versioned_static
from fieldwork.db import get_session
from fieldwork.services.monitoring.tonight import tonight as night_of_study
from fieldwork.timeutil import tonight as tonights_date

# How often the page fetches itself again (seconds); tests set it lower.
DEFAULT_REFRESH_SECONDS = 60


@bp.get("/studies/<int:study_id>/tonight")
@roles_required(*READ_ROLES)
def tonight(study_id: int) -> str:
    study = study_or_404(study_id)
    night = date_arg(request.args.get("night")) or tonights_date()
    data = night_of_study(get_session(), study=study, night=night, now=clock.now())
    return render_template(
        "coordinator/tonight.html",
        study=study,
        data=data,
        is_tonight=night == tonights_date(),
        refresh=current_app.config.get("TONIGHT_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS),
        script=versioned_static("live.js"),
    )
