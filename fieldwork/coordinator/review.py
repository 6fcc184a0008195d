"""Pair review: the list with filters, the side-by-side page, state changes and overrides."""

from __future__ import annotations

from flask import abort
from flask import render_template
from flask import request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import READ_ROLES
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import back
from fieldwork.coordinator.common import done
from fieldwork.coordinator.common import invalid_form
from fieldwork.coordinator.common import refusal_shown
from fieldwork.coordinator.common import refused
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import timezone
from fieldwork.coordinator.common import user
from fieldwork.coordinator.forms import OverrideForm
from fieldwork.coordinator.forms import ReviewStateForm
from fieldwork.coordinator.forms import options
from fieldwork.db import get_session
from fieldwork.labels import choices
from fieldwork.labels import label
from fieldwork.models import INVALID_REASONS
from fieldwork.models import Study
from fieldwork.models import utcnow
from fieldwork.services.errors import Refused
from fieldwork.services.reports import review as service
from forms import get_instrument


@bp.get("/studies/<int:study_id>/review")
@roles_required(*READ_ROLES)
def reviews(study_id: int) -> str:
    study = study_or_404(study_id)
    filters = service.ReviewFilter(
        state=request.args.get("state", ""),
        validity=request.args.get("validity", ""),
        reason=request.args.get("reason", ""),
        ready=request.args.get("ready", "reports"),
    )
    statuses = service.study_statuses(get_session(), study=study, timezone=timezone())
    rows = service.filter_statuses(statuses, filters, utcnow())
    return render_template(
        "coordinator/reviews.html",
        study=study,
        rows=rows,
        filters=filters,
        states=service.STATES,
        reasons=INVALID_REASONS,
        waiting=service.WAITING,
        answered=service.ANSWERED,
    )


def _status_or_404(study_id: int, test_id: int) -> tuple[Study, service.TestStatus]:
    """The study and the review status of its test ``test_id``; 404 if either is not there."""
    study = study_or_404(study_id)
    status = service.status_of(get_session(), study=study, test_id=test_id, timezone=timezone())
    if status is None:
        abort(404)
    return study, status


def state_choices(current: str) -> list[tuple[str, str]]:
    """The review's possible next states, after an empty first choice: nothing is chosen (and
    so nothing approved) unless the coordinator chooses it."""
    pairs = [("", _("— choose —"))]
    for state in service.NEXT_STATES[current]:
        if state == "has_issues" and current == "has_issues":
            pairs.append((state, _("still has issues: send another message")))
        else:
            pairs.append((state, label(state, "report_status")))
    return pairs


@bp.get("/studies/<int:study_id>/review/<int:test_id>")
@roles_required(*READ_ROLES)
def review(study_id: int, test_id: int) -> str:
    study, status = _status_or_404(study_id, test_id)
    session = get_session()
    state_form = ReviewStateForm()
    state_form.state.choices = options(state_choices(status.state))
    return render_template(
        "coordinator/review.html",
        study=study,
        status=status,
        ready=status.reviewable(utcnow()),
        window_over=status.window_over(utcnow()),
        instrument=get_instrument(study.instrument_id, study.instrument_version),
        conflicts=service.conflicts_of(session, test_id=test_id),
        messages=status.messages,
        amended=service.amended_since_message(status),
        state_form=state_form,
        override_form=OverrideForm(),
    )


@bp.post("/studies/<int:study_id>/review/<int:test_id>/state")
@roles_required(*WRITE_ROLES)
def review_state(study_id: int, test_id: int) -> Response:
    study, status = _status_or_404(study_id, test_id)
    form = ReviewStateForm()
    form.state.choices = options([("", ""), *choices("report_status", service.STATES)])
    if not form.validate_on_submit():
        invalid_form()
        return back("coordinator.review", study_id=study.id, test_id=test_id)
    messages = {
        status.teams["protected"].id or 0: form.message_protected.data or "",
        status.teams["control"].id or 0: form.message_control.data or "",
    }
    with refusal_shown(rollback=True):
        service.change_state(
            session=get_session(),
            study=study,
            status=status,
            state=form.state.data or "",
            messages=messages,
            user=user(),
        )
        return done(_("Review saved."), "coordinator.review", study_id=study.id, test_id=test_id)
    return back("coordinator.review", study_id=study.id, test_id=test_id)


@bp.post("/studies/<int:study_id>/review/<int:test_id>/override")
@roles_required(*WRITE_ROLES)
def review_override(study_id: int, test_id: int) -> Response:
    study, status = _status_or_404(study_id, test_id)
    form = OverrideForm()
    if not form.validate_on_submit() or not form.verdict.data:
        refused(Refused(_("Choose a verdict and write why.")))
        return back("coordinator.review", study_id=study.id, test_id=test_id)
    valid = {"valid": True, "invalid": False, "clear": None}[form.verdict.data]
    with refusal_shown(rollback=True):
        service.override(
            session=get_session(),
            study=study,
            status=status,
            valid=valid,
            reason=form.reason.data or "",
            user=user(),
        )
        return done(_("Verdict saved."), "coordinator.review", study_id=study.id, test_id=test_id)
    return back("coordinator.review", study_id=study.id, test_id=test_id)
