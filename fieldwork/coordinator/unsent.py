"""Unsent reports a phone exported: upload on the study page, a dry run per report, then the
import through the same intake as the app, with a result per report (audited)."""

from __future__ import annotations

import json

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import gettext as _

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import Page
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import user
from fieldwork.coordinator.forms import ImportConfirmForm
from fieldwork.coordinator.forms import UnsentImportForm
from fieldwork.db import get_session
from fieldwork.i18n import error_message
from fieldwork.models import Study
from fieldwork.services.reports.outbox_import import ImportedReport
from fieldwork.services.reports.outbox_import import OutboxFileError
from fieldwork.services.reports.outbox_import import import_unsent_reports
from fieldwork.services.reports.outbox_import import read_outbox


def _page(study: Study, form: UnsentImportForm, *, outcomes: list[ImportedReport] | None = None,
          confirm: ImportConfirmForm | None = None, applied: bool = False,
          status: int = 200) -> tuple[str, int]:  # fmt: skip
    return render_template(
        "coordinator/import_unsent.html",
        study=study,
        form=form,
        outcomes=outcomes,
        confirm=confirm,
        applied=applied,
        storable=sum(1 for o in outcomes or [] if o.stored),
    ), status


@bp.route("/studies/<int:study_id>/import-unsent", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def import_unsent(study_id: int) -> Page:
    """A phone's file of unsent reports. GET: the upload form. POST a file: what would happen
    to each report (nothing stored). POST the checked content: the import."""
    study, session = study_or_404(study_id), get_session()
    form, confirm = UnsentImportForm(), ImportConfirmForm()
    threshold = current_app.config["CLOCK_SKEW_THRESHOLD_SECONDS"]
    if "content" in request.form:
        if not confirm.validate_on_submit():
            form.file.errors = [_("The checked file was lost; upload it again.")]
            return _page(study, form, status=422)
        try:
            data = read_outbox((confirm.content.data or "").encode("utf-8"))
        except OutboxFileError as error:
            form.file.errors = [error_message(error)]
            return _page(study, form, status=422)
        outcomes = import_unsent_reports(
            session=session, data=data, study=study, actor=user(),
            skew_threshold_seconds=threshold,
        )  # fmt: skip
        return _page(study, UnsentImportForm(formdata=None), outcomes=outcomes, applied=True)
    if form.validate_on_submit():
        try:
            data = read_outbox(form.file.data.read())
        except OutboxFileError as error:
            form.file.errors = [error_message(error)]
            return _page(study, form, status=422)
        outcomes = import_unsent_reports(
            session=session, data=data, study=study, actor=user(), dry_run=True,
            skew_threshold_seconds=threshold,
        )  # fmt: skip
        confirm.content.data = json.dumps(data, ensure_ascii=False)
        return _page(study, form, outcomes=outcomes, confirm=confirm)
    return _page(study, form, status=422 if form.is_submitted() else 200)
