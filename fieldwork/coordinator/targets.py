"""Targets: list and filter, edit, CSV import with a dry run, and the template CSV."""

from __future__ import annotations

from functools import partial

from flask import Response as FlaskResponse
from flask import abort
from flask import render_template
from flask import request
from flask_babel import gettext as _

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import READ_ROLES
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import Page
from fieldwork.coordinator.common import back
from fieldwork.coordinator.common import can_write
from fieldwork.coordinator.common import done
from fieldwork.coordinator.common import form_page
from fieldwork.coordinator.common import invalid_form
from fieldwork.coordinator.common import refusal_shown
from fieldwork.coordinator.common import refused
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import texts
from fieldwork.coordinator.common import user
from fieldwork.coordinator.forms import ImportConfirmForm
from fieldwork.coordinator.forms import ImportForm
from fieldwork.coordinator.forms import TargetForm
from fieldwork.coordinator.forms import options
from fieldwork.db import get_session
from fieldwork.labels import choices
from fieldwork.services.errors import Refused
from fieldwork.services.studies.target_import import COLUMNS
from fieldwork.services.studies.target_import import check_csv
from fieldwork.services.studies.target_import import decode
from fieldwork.services.studies.target_import import import_targets
from fieldwork.services.studies.target_import import template_csv
from fieldwork.services.studies.targets import TargetFilter
from fieldwork.services.studies.targets import areas_of
from fieldwork.services.studies.targets import get_target
from fieldwork.services.studies.targets import list_targets
from fieldwork.services.studies.targets import update_target


@bp.get("/studies/<int:study_id>/targets")
@roles_required(*READ_ROLES)
def targets(study_id: int) -> str:
    study = study_or_404(study_id)
    filters = TargetFilter(
        target_type=request.args.get("type", ""),
        area=request.args.get("area", ""),
        text=request.args.get("q", "")[:100],
        active=request.args.get("active", ""),
    )
    session = get_session()
    return render_template(
        "coordinator/targets.html",
        study=study,
        targets=list_targets(session, study=study, filters=filters, names_visible=can_write()),
        areas=areas_of(session, study=study),
        filters=filters,
    )


@bp.route("/studies/<int:study_id>/targets/<int:target_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def target_edit(study_id: int, target_id: int) -> Page:
    study = study_or_404(study_id)
    session = get_session()
    target = get_target(session, study=study, target_id=target_id)
    if target is None:
        abort(404)
    form = TargetForm(obj=target)
    form.target_type.choices = options(choices("target_type", study.target_types))
    if form.validate_on_submit():
        with refusal_shown(rollback=True):
            fields = texts(form, "name", "address", "target_type", "area")
            update_target(
                session=session, study=study, target=target, active=bool(form.active.data),
                user=user(), **fields,
            )  # fmt: skip
            return done(_("Target %(code)s saved.", code=target.code), "coordinator.targets",
                        study_id=study.id)  # fmt: skip
    return form_page("coordinator/target_form.html", study=study, target=target, form=form)


@bp.get("/studies/<int:study_id>/targets/template.csv")
@roles_required(*WRITE_ROLES)
def targets_template(study_id: int) -> FlaskResponse:
    study = study_or_404(study_id)
    return FlaskResponse(
        template_csv(study),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=targets-{study.code}.csv"},
    )


@bp.route("/studies/<int:study_id>/targets/import", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def targets_import(study_id: int) -> Page:
    """GET: the upload form. POST a file: the dry run. POST the checked content: the import."""
    study = study_or_404(study_id)
    session = get_session()
    form, confirm = ImportForm(), ImportConfirmForm()
    page = partial(
        render_template, "coordinator/targets_import.html", study=study, form=form, columns=COLUMNS
    )
    if "content" in request.form:
        if not confirm.validate_on_submit():
            invalid_form()
            return back("coordinator.targets_import", study_id=study.id)
        try:
            imported = import_targets(
                session=session, study=study, text=confirm.content.data or "", user=user()
            )
        except Refused as error:
            session.rollback()
            refused(error)
            check = check_csv(session, study=study, text=confirm.content.data or "")
            return page(check=check, confirm=confirm), 422
        return done(
            _("%(n)d targets imported.", n=len(imported)), "coordinator.targets", study_id=study.id
        )
    if form.validate_on_submit():
        try:
            text = decode(form.file.data.read())
        except Refused as error:
            refused(error)
            return page(check=None), 422
        check = check_csv(session, study=study, text=text)
        confirm.content.data = text
        return page(check=check, confirm=confirm), (200 if check.clean else 422)
    status = 422 if form.is_submitted() else 200
    return page(check=None), status
