"""The schedule: generate with a preview, the list by night, move or cancel a test, run sheets."""

from __future__ import annotations

from flask import abort
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import READ_ROLES
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import Page
from fieldwork.coordinator.common import back
from fieldwork.coordinator.common import confirmation
from fieldwork.coordinator.common import confirmed
from fieldwork.coordinator.common import date_arg
from fieldwork.coordinator.common import done
from fieldwork.coordinator.common import form_page
from fieldwork.coordinator.common import refusal_shown
from fieldwork.coordinator.common import refused
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import timezone
from fieldwork.coordinator.common import user
from fieldwork.coordinator.forms import CancelForm
from fieldwork.coordinator.forms import MoveForm
from fieldwork.coordinator.forms import ScheduleForm
from fieldwork.coordinator.forms import options
from fieldwork.db import get_session
from fieldwork.models import Study
from fieldwork.services.errors import Refused
from fieldwork.services.people.pairs import list_pairs
from fieldwork.services.people.testers import TeamProfile
from fieldwork.services.people.testers import list_teams
from fieldwork.services.people.testers import team_profile
from fieldwork.services.reports.intake import report_count
from fieldwork.services.schedule import edit as service
from fieldwork.services.schedule import view as schedule_view
from fieldwork.services.studies.targets import TargetFilter
from fieldwork.services.studies.targets import list_targets
from fieldwork.timeutil import local
from fieldwork.timeutil import tonight

DEFAULT_SLOT_MINUTES = 30


@bp.get("/studies/<int:study_id>/schedule")
@roles_required(*READ_ROLES)
def schedule(study_id: int) -> str:
    """The tests from tonight on (or of one ``night``, or ``all``), each with its progress."""
    study = study_or_404(study_id)
    session = get_session()
    night = date_arg(request.args.get("night"))
    rows = schedule_view.scheduled_tests(session, study=study, night=night)
    today, earlier = tonight(), 0
    show_all = night is not None or request.args.get("all") == "1"
    if not show_all:
        upcoming = [row for row in rows if row.test.night >= today]
        earlier = len(rows) - len(upcoming)
        if upcoming:  # a finished study shows its whole history
            rows = upcoming
        else:
            earlier = 0
    return render_template(
        "coordinator/schedule.html",
        study=study,
        rows=rows,
        night=night,
        today=today,
        earlier=earlier,
        progress=schedule_view.progress(session, study=study),
        teams=[p.team for p in _profiles(study)],
    )


def _profiles(study: Study) -> list[TeamProfile]:
    return list_teams(get_session(), study=study)


def _schedule_form(study: Study) -> ScheduleForm:
    session = get_session()
    form = ScheduleForm()
    pair_rows = list_pairs(session, study=study)
    form.pair_ids.choices = options(
        [
            (
                row.pair.id,
                _("%(code)s (sham)", code=row.pair.code) if row.pair.sham else row.pair.code,
            )
            for row in pair_rows
        ]
    )
    active = list_targets(
        session, study=study, filters=TargetFilter(active="yes"), names_visible=False
    )
    form.target_ids.choices = options([(t.id, t.code) for t in active])  # the picker shows more
    if not form.is_submitted():
        form.pair_ids.data = [row.pair.id for row in pair_rows]
    return form


def _request(form: ScheduleForm) -> service.ScheduleRequest:
    nights = []
    for text in (form.nights.data or "").replace(";", ",").split(","):
        if text.strip():
            night = date_arg(text)
            if night is None:
                raise Refused(
                    _("%(text)r is not a date; write dates as 2026-12-04.", text=text.strip())
                )
            nights.append(night)
    if form.window_start.data is None or form.window_end.data is None:
        raise Refused(_("Give the window's start and end."))
    return service.ScheduleRequest(
        nights=nights,
        window_start=form.window_start.data,
        window_end=form.window_end.data,
        slot_minutes=form.slot_minutes.data or DEFAULT_SLOT_MINUTES,
        visits_per_target=form.visits_per_target.data or 1,
        pair_ids=list(form.pair_ids.data or []),
        target_ids=list(form.target_ids.data or []),
        retest=bool(form.retest.data),
    )


@bp.route("/studies/<int:study_id>/schedule/new", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def schedule_new(study_id: int) -> Page:
    """GET: the form. POST without 'save': the preview (nothing stored). POST 'save': store it."""
    study = study_or_404(study_id)
    session = get_session()
    form = _schedule_form(study)
    preview = None
    if form.validate_on_submit():
        with refusal_shown():
            schedule_request = _request(form)
            if "save" in request.form:
                tests = service.save_schedule(
                    session=session,
                    study=study,
                    request=schedule_request,
                    fingerprint=form.fingerprint.data or "",
                    timezone=timezone(),
                    user=user(),
                )
                return done(
                    _("%(n)d tests planned.", n=len(tests)),
                    "coordinator.schedule",
                    study_id=study.id,
                )
            preview = service.preview_schedule(
                session, study=study, request=schedule_request, timezone=timezone()
            )
            form.fingerprint.data = preview.fingerprint
    rows = []
    if preview is not None:
        pairs = {row.pair.id: row for row in list_pairs(session, study=study)}
        targets = {
            t.id: t
            for t in list_targets(session, study=study, filters=TargetFilter(), names_visible=False)
        }
        rows = [(plan, pairs[plan.pair_id], targets[plan.target_id]) for plan in preview.planned]
    status = 422 if form.is_submitted() and preview is None else 200
    return render_template(
        "coordinator/schedule_form.html",
        study=study,
        form=form,
        preview=preview,
        rows=rows,
        balance=_balance(rows),
        history=schedule_view.target_history(session, study=study, today=tonight()),
        chosen=set(form.target_ids.data or []),
    ), status


def _balance(rows: list) -> dict[str, dict[str, int]]:
    """First roles per target type in the preview."""
    counts: dict[str, dict[str, int]] = {}
    for plan, _pair, target in rows:
        counts.setdefault(target.target_type, {"protected": 0, "control": 0})[plan.first_role] += 1
    return dict(sorted(counts.items()))


def _scheduled_or_404(study: Study, test_id: int) -> schedule_view.ScheduledTest:
    found = schedule_view.get_scheduled(get_session(), study=study, test_id=test_id)
    if found is None:
        abort(404)
    return found


@bp.route("/studies/<int:study_id>/tests/<int:test_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def test_edit(study_id: int, test_id: int) -> Page:
    study = study_or_404(study_id)
    row = _scheduled_or_404(study, test_id)
    form = MoveForm()
    if not form.is_submitted():
        form.protected_at.data = local(row.test.planned_protected).time()
        form.control_at.data = local(row.test.planned_control).time()
    if form.validate_on_submit():
        with refusal_shown(rollback=True):
            service.move_test(
                session=get_session(),
                study=study,
                test=row.test,
                protected_at=form.protected_at.data,
                control_at=form.control_at.data,  # type: ignore[arg-type]
                reason=form.reason.data or "",
                slot_minutes=DEFAULT_SLOT_MINUTES,
                timezone=timezone(),
                user=user(),
            )
            return done(_("Test moved."), "coordinator.schedule", study_id=study.id)
    return form_page(
        "coordinator/test_edit.html", study=study, row=row, form=form, cancel=CancelForm()
    )


@bp.post("/studies/<int:study_id>/tests/<int:test_id>/cancel")
@roles_required(*WRITE_ROLES)
def test_cancel(study_id: int, test_id: int) -> str | Response:
    study = study_or_404(study_id)
    row = _scheduled_or_404(study, test_id)
    form = CancelForm()
    if not form.validate_on_submit():
        refused(Refused(_("Give a reason for cancelling.")))
        return back("coordinator.test_edit", study_id=study.id, test_id=test_id)
    reports = report_count(get_session(), test_id)
    if reports and not confirmed():
        return confirmation(
            study=study,
            title=_("Cancel test %(id)s with its reports?", id=test_id),
            consequences=[
                ngettext(
                    "%(num)d report of this test is in. It stays stored, but the test leaves "
                    "the schedule, the review, monitoring, the export and the analysis.",
                    "%(num)d reports of this test are in. They stay stored, but the test leaves "
                    "the schedule, the review, monitoring, the export and the analysis.",
                    reports,
                ),
                _("A cancelled test cannot be planned again; draw a new test instead."),
                _("Your reason is kept in the audit trail: %(reason)s", reason=form.reason.data),
            ],
            action=url_for("coordinator.test_cancel", study_id=study.id, test_id=test_id),
            fields={"reason": form.reason.data},
            button=_("Cancel the test"),
            back_url=url_for("coordinator.test_edit", study_id=study.id, test_id=test_id),
        )
    with refusal_shown():
        service.cancel_test(
            session=get_session(),
            study=study,
            test=row.test,
            reason=form.reason.data or "",
            user=user(),
        )
        return done(_("Test cancelled."), "coordinator.schedule", study_id=study.id)
    return back("coordinator.test_edit", study_id=study.id, test_id=test_id)


@bp.get("/studies/<int:study_id>/teams/<int:team_id>/runsheet")
@roles_required(*WRITE_ROLES)
def runsheet(study_id: int, team_id: int) -> str:
    study = study_or_404(study_id)
    profile = team_profile(get_session(), study=study, team_id=team_id)
    if profile is None:
        abort(404)
    lines = schedule_view.run_sheet(get_session(), study=study, team=profile.team)
    return render_template("coordinator/runsheet.html", study=study, profile=profile, lines=lines)
