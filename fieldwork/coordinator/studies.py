"""Studies: the list, create and edit, and the status ``draft → fieldwork → closed``."""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask import render_template
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import (
    READ_ROLES,
    WRITE_ROLES,
    back,
    done,
    invalid_form,
    refused,
    study_or_404,
    user,
)
from fieldwork.coordinator.forms import StatusForm, StudyForm, options
from fieldwork.db import get_session
from fieldwork.models import DEFAULT_TARGET_TYPES, Study
from fieldwork.services.errors import Refused
from fieldwork.services.studies.overview import study_overview
from fieldwork.services.studies.setup import (
    TRANSITIONS,
    StudyInput,
    change_status,
    create_study,
    locked_fields,
    update_study,
)
from forms import available_instruments, get_instrument

Page = str | Response | tuple[str, int]


@bp.get("/")
@roles_required(*READ_ROLES)
def index() -> str:
    return render_template("coordinator/index.html", rows=study_overview(get_session()))


def _form(study: Study | None = None) -> StudyForm:
    form = StudyForm(obj=None)
    form.instrument.choices = options(
        [(f"{i}:{v}", f"{i} v{v}") for i, v in available_instruments()]
    )
    if study is not None and not form.is_submitted():
        for name in (
            "code",
            "title",
            "domain",
            "purpose",
            "order_rule",
            "planned_gap_minutes",
            "max_interval_minutes",
            "seed",
            "publication_min_cell",
        ):
            getattr(form, name).data = getattr(study, name)
        form.instrument.data = f"{study.instrument_id}:{study.instrument_version}"
        form.target_types.data = ", ".join(study.target_types)
        form.target_sample_size.data = ", ".join(
            f"{key}={value}" for key, value in study.target_sample_size.items()
        )
        form.planned_p10.data = _decimal(study.planned_p10)
        form.planned_p01.data = _decimal(study.planned_p01)
    return form


def _default_instrument(domain: str) -> str:
    """The newest shipped instrument of ``domain``, as the select's value."""
    for instrument_id, version in reversed(available_instruments()):
        if get_instrument(instrument_id, version).domain == domain:
            return f"{instrument_id}:{version}"
    return ""


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _input(form: StudyForm) -> StudyInput:
    """The form as service input; raises Refused for text the form's validators cannot judge."""
    instrument_id, _sep, version = (form.instrument.data or "").partition(":")
    if not version.isdigit():
        raise Refused(_("Choose an instrument."))
    types = [t.strip() for t in (form.target_types.data or "").split(",") if t.strip()]
    if not types:
        types = list(DEFAULT_TARGET_TYPES[form.domain.data or "nightlife"])
    sizes: dict[str, int] = {}
    for item in (form.target_sample_size.data or "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not value.strip().isascii() or not value.strip().isdigit():
            raise Refused(_("Write sample sizes as type=number, e.g. club=40, bar=30."))
        sizes[key.strip()] = int(value)
    return StudyInput(
        code=form.code.data or "",
        title=form.title.data or "",
        domain=form.domain.data or "",
        instrument_id=instrument_id,
        instrument_version=int(version),
        purpose=form.purpose.data or "",
        order_rule=form.order_rule.data or "",
        planned_gap_minutes=form.planned_gap_minutes.data or 0,
        max_interval_minutes=form.max_interval_minutes.data or 0,
        seed=form.seed.data or 0,
        publication_min_cell=form.publication_min_cell.data or 0,
        target_types=types,
        target_sample_size=sizes,
        planned_p10=None if form.planned_p10.data is None else float(form.planned_p10.data),
        planned_p01=None if form.planned_p01.data is None else float(form.planned_p01.data),
    )


@bp.route("/studies/new", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def study_new() -> Page:
    form = _form()
    if not form.is_submitted():
        form.planned_gap_minutes.data, form.max_interval_minutes.data = 5, 15
        form.publication_min_cell.data = 10
        form.seed.data = secrets.randbelow(2**31)
        form.instrument.data = _default_instrument("nightlife")
    if form.validate_on_submit():
        try:
            study = create_study(session=get_session(), data=_input(form), user=user())
        except Refused as error:
            refused(error)
        else:
            return done(
                _("Study %(code)s created.", code=study.code),
                "coordinator.study",
                study_id=study.id,
            )
    status = 422 if form.is_submitted() else 200
    return render_template("coordinator/study_form.html", form=form, study=None, locked=()), status


@bp.get("/studies/<int:study_id>")
@roles_required(*READ_ROLES)
def study(study_id: int) -> str:
    study = study_or_404(study_id)
    return render_template(
        "coordinator/study.html",
        study=study,
        next_statuses=TRANSITIONS[study.status],
        status_form=StatusForm(),
    )


@bp.route("/studies/<int:study_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def study_edit(study_id: int) -> Page:
    study = study_or_404(study_id)
    session = get_session()
    locked = locked_fields(session, study)
    form = _form(study)
    if form.validate_on_submit():
        try:
            update_study(session=session, study=study, data=_input(form), user=user())
        except Refused as error:
            session.rollback()
            refused(error)
        else:
            return done(_("Study saved."), "coordinator.study", study_id=study.id)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "coordinator/study_form.html", form=form, study=study, locked=locked
    ), status


@bp.post("/studies/<int:study_id>/status")
@roles_required(*WRITE_ROLES)
def study_status(study_id: int) -> Response:
    study = study_or_404(study_id)
    form = StatusForm()
    if not form.validate_on_submit():
        invalid_form()
        return back("coordinator.study", study_id=study.id)
    try:
        change_status(
            session=get_session(), study=study, status=form.status.data or "", user=user()
        )
    except Refused as error:
        refused(error)
        return back("coordinator.study", study_id=study.id)
    return done(
        _("Study %(code)s is now %(status)s.", code=study.code, status=study.status),
        "coordinator.study",
        study_id=study.id,
    )
