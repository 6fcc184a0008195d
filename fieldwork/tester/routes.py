"""The tester's pages: their tests, the report form, their reports and amendments.

Every lookup goes through :mod:`fieldwork.services.schedule.assignments`, which starts from the
signed-in user; a test of another team is answered with 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import format_datetime
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import Session
from werkzeug.wrappers import Response

from fieldwork import clock
from fieldwork.auth.access import roles_required
from fieldwork.db import get_session
from fieldwork.i18n import translate
from fieldwork.models import User
from fieldwork.services.monitoring import incidents as incident_service
from fieldwork.services.reports import intake as report_service
from fieldwork.services.reports.review import messages_for_team
from fieldwork.services.schedule.assignments import Assignment
from fieldwork.services.schedule.assignments import assignment_for_user
from fieldwork.services.schedule.assignments import assignments_for_user
from fieldwork.services.schedule.assignments import awaiting_answer
from fieldwork.tester.agenda import build_agenda
from fieldwork.tester.forms import IncidentForm
from fieldwork.tester.forms import amendment_form
from fieldwork.tester.forms import answers_to_formdata
from fieldwork.tester.forms import field_errors
from fieldwork.tester.forms import report_form
from fieldwork.tester.words import words_for
from fieldwork.timeutil import local
from fieldwork.timeutil import tonight
from fieldwork.timeutil import zone

bp = Blueprint("tester", __name__, url_prefix="/tester")

Page = str | Response | tuple[str, int]


@bp.app_context_processor
def _tester_words() -> dict[str, object]:
    return {"words_for": words_for}


@bp.app_template_filter("day_clock")
def day_clock(value: datetime) -> str:
    """A moment on another day than today, short: "di 3 dec., 17:00" / "Tue 3 Dec, 17:00"."""
    return format_datetime(local(value), "EEE d MMM, HH:mm", rebase=False)


@bp.after_request
def _owner(response: Response) -> Response:
    """The phone's service worker is told whose page it is (it keeps one tester's at a time)."""
    if current_user.is_authenticated and response.mimetype == "text/html":
        response.headers["X-Mg-User"] = str(current_user.id)
    return response


@bp.get("/")
@roles_required("tester")
def index() -> str:
    session = get_session()
    assignments = assignments_for_user(session, current_user.id)
    agenda = build_agenda(
        assignments,
        domains=_domains(session),
        now=clock.now(),
        zone=zone(),
        night_ends_hour=current_app.config["NIGHT_ENDS_HOUR"],
        attention=awaiting_answer(session, assignments),
    )
    show_all = request.args.get("done") == "all"
    return render_template(
        "tester/index.html",
        agenda=agenda,
        done_shown=agenda.done if show_all else agenda.done[:DONE_SHOWN],
    )


def _domains(session: Session) -> set[str]:
    """The domains of the open studies the signed-in user is a tester of."""
    return {study.domain for study in incident_service.tester_studies(session, _user())}


# The done list can run to dozens of visits; the newest few are what a tester looks back at.
DONE_SHOWN = 8
# At most this many pages in one offline bundle (the list, help, tonight's forms).
MAX_KEPT = 20
# What a page kept on the phone needs when it is shown again without a connection.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Mg-User",
)


@bp.get("/offline-pages")
@roles_required("tester")
def offline_pages() -> Response:
    """Tester pages in one answer, for the phone's service worker to keep for use without a
    connection (``?page=/tester/&page=/tester/incident``): one round trip and one compressed
    body instead of one per page, for a phone with one bar of signal."""
    paths = [path for path in dict.fromkeys(request.args.getlist("page")) if _keepable(path)]
    pages = [page for page in map(_rendered, paths[:MAX_KEPT]) if page is not None]
    return jsonify(pages=pages)


def _keepable(path: str) -> bool:
    return (
        path.startswith("/tester/")
        and path != url_for("tester.offline_pages")
        and "?" not in path
        and "//" not in path
    )


def _rendered(path: str) -> dict[str, Any] | None:
    """The page at ``path`` as this request's user gets it (rendered in a request of its own,
    with this request's cookie, address and language); None when it is not a page for them."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    copied = ("HTTP_COOKIE", "HTTP_USER_AGENT", "HTTP_ACCEPT_LANGUAGE", "HTTP_HOST", "REMOTE_ADDR")
    environ = {name: request.environ[name] for name in copied if name in request.environ}
    environ["wsgi.url_scheme"] = request.environ.get("wsgi.url_scheme", "http")
    with app.test_request_context(path, environ_base=environ):
        response = app.full_dispatch_request()
    if response.status_code != 200 or response.mimetype != "text/html":
        return None
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    return {"path": path, "headers": headers, "html": response.get_data(as_text=True)}


def _assignment_or_404(test_id: int) -> Assignment:
    assignment = assignment_for_user(get_session(), current_user.id, test_id)
    if assignment is None:
        abort(404)
    return assignment


def _user() -> User:
    return current_user.record


@bp.route("/tests/<int:test_id>/report", methods=["GET", "POST"])
@roles_required("tester")
def report(test_id: int) -> Page:
    assignment = _assignment_or_404(test_id)
    if assignment.report is not None and request.method == "GET":
        return _show_report(assignment)
    if assignment.study.status == "closed":
        flash(report_service.refusal_message("study_closed"), "error")
        return redirect(url_for("tester.index"), 303)
    instrument = report_service.instrument_of(assignment)
    form = report_form(instrument, str(get_locale()))
    if request.method == "POST":
        if not form.validate():
            _translate_field_errors(form)
            return render_template(
                "tester/report_form.html", assignment=assignment, form=form, instrument=instrument
            ), 422
        result = report_service.file_report(
            session=get_session(),
            user=_user(),
            test_id=test_id,
            team_code=request.form.get("team") or None,
            author_id=None,
            submission=report_service.ReportSubmission(
                uuid=form.report_uuid.data or "",
                answers=form.answer_result.answers,
                elapsed_seconds=_int_or_none(request.form.get("elapsed_seconds")),
            ),
            skew_threshold_seconds=current_app.config["CLOCK_SKEW_THRESHOLD_SECONDS"],
        )
        if result.status in report_service.FINAL_REFUSALS:
            form.form_errors.append(report_service.refusal_message(result.status))
            return render_template(
                "tester/report_form.html", assignment=assignment, form=form, instrument=instrument
            ), 409
        if result.status == "not_found":
            abort(404)
        if result.status == "invalid":
            for name, messages in result.errors.items():
                field_errors(form, name).extend(translate(m) for m in messages)
            return render_template(
                "tester/report_form.html", assignment=assignment, form=form, instrument=instrument
            ), 422
        if result.status == "conflict":
            flash(
                _(
                    "Your team had already sent a different report for this test. We kept your "
                    "new version for the coordinator; nothing was overwritten. To correct the "
                    "report, add an amendment below."
                ),
                "error",
            )
            return redirect(url_for("tester.report", test_id=test_id), 303)
        flash(_("Thank you. Your report is saved and locked."), "success")
        return redirect(url_for("tester.report", test_id=test_id), 303)
    form.report_uuid.data = report_service.new_report_uuid()
    return render_template(
        "tester/report_form.html", assignment=assignment, form=form, instrument=instrument
    )


def _show_report(assignment: Assignment, amend_form: FlaskForm | None = None) -> str:
    session = get_session()
    assert assignment.report is not None
    amendments = report_service.amendments_of(session, assignment.report)
    answers = report_service.effective_answers(assignment.report, amendments)
    instrument = report_service.instrument_of(assignment)
    if amend_form is None:
        amend_form = amendment_form(
            instrument,
            str(get_locale()),
            formdata=None,
            data=answers_to_formdata(instrument, answers),
        )
    return render_template(
        "tester/report_view.html",
        messages=messages_for_team(session, assignment.test.id, assignment.team.id),
        assignment=assignment,
        report=assignment.report,
        answers=answers,
        amendments=amendments,
        instrument=instrument,
        amend_form=amend_form,
    )


@bp.post("/tests/<int:test_id>/amendments")
@roles_required("tester")
def amend(test_id: int) -> Page:
    assignment = _assignment_or_404(test_id)
    if assignment.report is None:
        abort(404)
    instrument = report_service.instrument_of(assignment)
    form = amendment_form(instrument, str(get_locale()))
    if form.validate():
        result = report_service.amend_report(
            session=get_session(),
            assignment=assignment,
            report=assignment.report,
            user=_user(),
            answers=form.answer_result.answers,
            reason=form.reason.data or "",
        )
        if result.amendment is not None:
            flash(_("Your amendment is saved. The original report stays on record."), "success")
            return redirect(url_for("tester.report", test_id=test_id), 303)
        for name, messages in result.errors.items():
            field_errors(form, name).extend(translate(m) for m in messages)
    _translate_field_errors(form)
    return _show_report(assignment, amend_form=form), 422


@bp.route("/incident", methods=["GET", "POST"])
@roles_required("tester")
def incident() -> Page:
    """Help / incident: recorded at once, once (the page's hidden UUID), in the tester's study
    and, where chosen, against one of their tests (preselected when opened from a test)."""
    session = get_session()
    test_id = request.args.get("test", type=int)
    assignment = _assignment_or_404(test_id) if test_id is not None else None
    form = IncidentForm()
    studies = incident_service.tester_studies(session, _user())
    form.study_id.choices = [(study.id, study.title) for study in studies]
    tests = [a for a in assignments_for_user(session, current_user.id) if a.test.night == tonight()]
    if assignment is not None and assignment not in tests:
        tests.insert(0, assignment)
    form.test_id.choices = [("", _("none"))] + [
        (str(a.test.id), f"{a.target.name}, {a.planned_time.astimezone(zone()):%H:%M}")
        for a in tests
    ]
    if not form.is_submitted():
        form.uuid.data = str(uuid4())
        form.test_id.data = str(assignment.test.id) if assignment else ""
        form.study_id.data = assignment.study.id if assignment else None
    if form.validate_on_submit():
        result = incident_service.record_incident(
            session=session,
            user=_user(),
            uuid=form.uuid.data or None,
            kind=form.kind.data or "",
            description=form.description.data or "",
            study_id=form.study_id.data if len(studies) > 1 else None,
            # The select, else the test the page was opened from (?test=).
            test_id=_int_or_none(form.test_id.data)
            if "test_id" in request.form
            else (assignment.test.id if assignment else None),
        )
        if result.status != "invalid":
            flash(
                _(
                    "Your coordinator can see your message now. If you are in danger, call 112. "
                    "Stop the test if you do not feel safe."
                ),
                "success",
            )
            sent = result.incident
            if sent is not None and sent.test_id is not None:
                return redirect(url_for("tester.report", test_id=sent.test_id), 303)
            return redirect(url_for("tester.index"), 303)
        for name, messages in result.errors.items():
            field_errors(form, name).extend(messages)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "tester/incident.html", form=form, assignment=assignment, several_studies=len(studies) > 1
    ), status


def _translate_field_errors(form: FlaskForm) -> None:
    """Answer errors come from ``forms`` in English; show them in the user's language."""
    for field in form:
        if field.errors:
            field.errors = [translate(message) for message in field.errors]


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.context_processor
def _safety() -> dict[str, Any]:
    """Every tester page shows 112 and the emergency contact of the tester's studies."""
    if not current_user.is_authenticated or current_user.role != "tester":
        return {}
    return {"emergency_contacts": incident_service.emergency_contacts(get_session(), _user())}
