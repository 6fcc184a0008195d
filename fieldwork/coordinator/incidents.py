"""Incidents of a study: the open ones first (a fragment the monitoring page refreshes on its own),
marking one handled with a note (audited), and the handled ones with what was done."""

from __future__ import annotations

from flask import abort
from flask import render_template
from flask_babel import gettext as _

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import READ_ROLES
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import Page
from fieldwork.coordinator.common import done
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import user
from fieldwork.coordinator.forms import HandleIncidentForm
from fieldwork.db import get_session
from fieldwork.i18n import error_message
from fieldwork.models import Study
from fieldwork.services.errors import Refused
from fieldwork.services.monitoring import incidents as service


def _page(study: Study, *, form: HandleIncidentForm | None = None, failed: int | None = None,
          status: int = 200) -> tuple[str, int]:  # fmt: skip
    session = get_session()
    return render_template(
        "coordinator/incidents.html",
        study=study,
        incidents=service.open_incidents(session, study.id),
        handled=service.handled_incidents(session, study.id or 0),
        form=form or HandleIncidentForm(),
        failed=failed,
    ), status


@bp.get("/studies/<int:study_id>/incidents")
@roles_required(*READ_ROLES)
def incidents(study_id: int) -> Page:
    return _page(study_or_404(study_id))


@bp.get("/studies/<int:study_id>/incidents/open")
@roles_required(*READ_ROLES)
def incidents_open(study_id: int) -> str:
    """The open incidents alone, for the monitoring page's refresh (static/live.js)."""
    study = study_or_404(study_id)
    return render_template(
        "partials/incidents.html",
        study=study,
        incidents=service.open_incidents(get_session(), study.id),
    )


@bp.post("/studies/<int:study_id>/incidents/<int:incident_id>/handle")
@roles_required(*WRITE_ROLES)
def incident_handle(study_id: int, incident_id: int) -> Page:
    study = study_or_404(study_id)
    session = get_session()
    incident = service.get_incident(session, study_id=study.id, incident_id=incident_id)
    if incident is None:
        abort(404)
    form = HandleIncidentForm()
    if form.validate_on_submit():
        try:
            service.resolve_incident(
                session=session, incident=incident, user=user(), note=form.note.data or ""
            )
        except Refused as error:
            session.rollback()
            form.note.errors = [error_message(error)]
        else:
            return done(
                _("Incident marked as handled."), "coordinator.incidents", study_id=study.id
            )
    return _page(study, form=form, failed=incident_id, status=422)
