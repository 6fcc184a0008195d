"""Studies: the list, create and edit, and the status ``draft → fieldwork → closed``."""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask import Response as FlaskResponse
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup
from markupsafe import escape
from sqlmodel import select
from werkzeug.wrappers import Response

from fieldwork import clock
from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import READ_ROLES
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import Page
from fieldwork.coordinator.common import back
from fieldwork.coordinator.common import confirmation
from fieldwork.coordinator.common import confirmed
from fieldwork.coordinator.common import done
from fieldwork.coordinator.common import form_page
from fieldwork.coordinator.common import invalid_form
from fieldwork.coordinator.common import refusal_shown
from fieldwork.coordinator.common import refused
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import texts
from fieldwork.coordinator.common import user
from fieldwork.coordinator.forms import ReopenForm
from fieldwork.coordinator.forms import StatusForm
from fieldwork.coordinator.forms import StudyForm
from fieldwork.coordinator.forms import options
from fieldwork.db import get_session
from fieldwork.labels import label
from fieldwork.models import DEFAULT_TARGET_TYPES
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.services.errors import Refused
from fieldwork.services.monitoring.incidents import open_incidents
from fieldwork.services.monitoring.tonight import in_fieldwork_hours
from fieldwork.services.studies import waves
from fieldwork.services.studies.overview import study_overview
from fieldwork.services.studies.setup import MIN_REOPEN_REASON
from fieldwork.services.studies.setup import TRANSITIONS
from fieldwork.services.studies.setup import StudyInput
from fieldwork.services.studies.setup import change_status
from fieldwork.services.studies.setup import closing_summary
from fieldwork.services.studies.setup import create_study
from fieldwork.services.studies.setup import locked_fields
from fieldwork.services.studies.setup import reopen_study
from fieldwork.services.studies.setup import update_study
from fieldwork.timeutil import tonight
from forms import available_instruments
from forms import get_instrument


@bp.get("/")
@roles_required(*READ_ROLES)
def index() -> str:
    """The studies (a study in the middle of its fieldwork night opens on "tonight"), and the
    open incidents raised by a tester of no open study."""
    session = get_session()
    rows = study_overview(session)
    night, now = tonight(), clock.now()
    landing = {
        row.study.id: "coordinator.tonight"
        if in_fieldwork_hours(session, study=row.study, night=night, now=now)
        else "coordinator.study"
        for row in rows
    }
    return render_template(
        "coordinator/index.html",
        rows=rows,
        landing=landing,
        unattached=open_incidents(session, None),
    )


def _form(study: Study | None = None) -> StudyForm:
    form = StudyForm(obj=None)
    form.target_types.description = escape(
        _("Comma-separated codes, e.g. %(codes)s. Empty: the domain's defaults.")
    ) % {"codes": Markup("<code>club, bar, cafe, other</code>")}
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
            "emergency_contact_name",
            "emergency_contact_phone",
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
        **texts(form, "code", "title", "domain", "purpose", "order_rule"),
        **texts(form, "emergency_contact_name", "emergency_contact_phone"),
        instrument_id=instrument_id,
        instrument_version=int(version),
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
        with refusal_shown():
            study = create_study(session=get_session(), data=_input(form), user=user())
            return done(
                _("Study %(code)s created.", code=study.code),
                "coordinator.study",
                study_id=study.id,
            )
    return form_page("coordinator/study_form.html", form=form, study=None, locked=())


@bp.route("/studies/<int:study_id>/next-wave", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def study_next_wave(study_id: int) -> Page:
    """A new study as the next wave of this one: the same instrument (or a version declared
    equivalent), its settings as a start, its targets carried over with their codes."""
    previous = study_or_404(study_id)
    session = get_session()
    form = _form(previous)  # its settings as a start (only on the first GET)
    form.instrument.choices = options(
        [
            (f"{i}:{v}", f"{i} v{v}")
            for i, v in available_instruments()
            if i == previous.instrument_id
        ]
    )
    if not form.is_submitted():
        form.code.data = ""
        form.seed.data = secrets.randbelow(2**31)
    if form.validate_on_submit():
        with refusal_shown(rollback=True):
            study = create_study(session=session, data=_input(form), user=user(),
                                 previous_wave=previous)  # fmt: skip
            return done(
                _(
                    "Study %(code)s created as the next wave of %(previous)s, with its targets.",
                    code=study.code,
                    previous=previous.code,
                ),
                "coordinator.study",
                study_id=study.id,
            )
    return form_page(
        "coordinator/study_form.html", form=form, study=None, locked=(), previous=previous,
        carried=len(session.exec(select(Target.id).where(Target.study_id == previous.id)).all()),
    )  # fmt: skip


@bp.get("/studies/<int:study_id>")
@roles_required(*READ_ROLES)
def study(study_id: int) -> str:
    study = study_or_404(study_id)
    session = get_session()
    return render_template(
        "coordinator/study.html",
        study=study,
        next_statuses=TRANSITIONS[study.status],
        status_form=StatusForm(),
        reopen_form=ReopenForm(),
        waves=waves.series(session, study),
        next_wave=waves.next_wave(session, study),
    )


@bp.route("/studies/<int:study_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def study_edit(study_id: int) -> Page:
    study = study_or_404(study_id)
    session = get_session()
    locked = locked_fields(session, study)
    form = _form(study)
    if form.validate_on_submit():
        with refusal_shown(rollback=True):
            update_study(session=session, study=study, data=_input(form), user=user())
            return done(_("Study saved."), "coordinator.study", study_id=study.id)
    return form_page("coordinator/study_form.html", form=form, study=study, locked=locked)


@bp.post("/studies/<int:study_id>/status")
@roles_required(*WRITE_ROLES)
def study_status(study_id: int) -> str | Response:
    """Move the study on; closing asks first, on a page that says what closing ends."""
    study = study_or_404(study_id)
    form = StatusForm()
    if not form.validate_on_submit():
        invalid_form()
        return back("coordinator.study", study_id=study.id)
    closing = form.status.data == "closed" and "closed" in TRANSITIONS[study.status]
    if closing and not confirmed():
        return _confirm_closing(study)
    with refusal_shown():
        change_status(
            session=get_session(), study=study, status=form.status.data or "", user=user()
        )
        return done(
            _(
                "Study %(code)s now has status '%(status)s'.",
                code=study.code,
                status=label(study.status, "study_status"),
            ),
            "coordinator.study",
            study_id=study.id,
        )
    return back("coordinator.study", study_id=study.id)


def _confirm_closing(study: Study) -> str:
    summary = closing_summary(get_session(), study)
    return confirmation(
        study=study,
        title=_("Close study %(code)s?", code=study.code),
        consequences=[
            _(
                "All %(reports)d reports of the study are locked for good: no tester can send, "
                "amend or correct a report any more, and the review stops.",
                reports=summary.reports,
            ),
            _(
                "Of %(planned)d planned tests, %(both)d have both reports, %(one)d one report "
                "and %(none)d none. Missing reports can no longer come in; testers can export "
                "unsent reports from their phones and give them to you.",
                planned=summary.planned,
                both=summary.both_in,
                one=summary.one_in,
                none=summary.none_in,
            ),
            _("The study's tests leave the testers' lists."),
            _(
                "Only an administrator can reopen the study, with a reason that is kept in the "
                "audit trail."
            ),
        ],
        action=url_for("coordinator.study_status", study_id=study.id),
        fields={"status": "closed"},
        button=_("Close the study"),
        back_url=url_for("coordinator.study", study_id=study.id),
    )


@bp.post("/studies/<int:study_id>/reopen")
@roles_required("admin")
def study_reopen(study_id: int) -> Response:
    """An administrator reopens a closed study, with a reason (audited)."""
    study = study_or_404(study_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        refused(
            Refused(
                _(
                    "Say why the study is reopened (%(min)d to 1000 characters).",
                    min=MIN_REOPEN_REASON,
                )
            )
        )
        return back("coordinator.study", study_id=study.id)
    with refusal_shown(rollback=True):
        reopen_study(session=get_session(), study=study, reason=form.reason.data or "", user=user())
        return done(
            _("Study %(code)s is open for fieldwork again.", code=study.code),
            "coordinator.study",
            study_id=study.id,
        )
    return back("coordinator.study", study_id=study.id)


@bp.get("/studies/<int:study_id>/export.zip")
@roles_required(*READ_ROLES)
def study_export(study_id: int) -> Response:
    """The study's export bundle as a zip (codes only, no names): for researchers and
    coordinators; audited like the export command."""
    from fieldwork.services.export.bundle import ExportError
    from fieldwork.services.export.download import bundle_zip

    study = study_or_404(study_id)
    try:
        packed = bundle_zip(session=get_session(), study=study, user=user())
    except ExportError as error:
        refused(Refused(str(error)))
        return back("coordinator.study", study_id=study.id)
    return FlaskResponse(
        packed.content,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f"attachment; filename={packed.filename}",
            "Cache-Control": "no-store",
        },
    )
