"""Testers (pseudonymous), teams with their members, and pairs with the matching check."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import READ_ROLES
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import Page
from fieldwork.coordinator.common import back
from fieldwork.coordinator.common import can_write
from fieldwork.coordinator.common import done
from fieldwork.coordinator.common import form_page
from fieldwork.coordinator.common import int_arg
from fieldwork.coordinator.common import invalid_form
from fieldwork.coordinator.common import refusal_shown
from fieldwork.coordinator.common import refused
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import texts
from fieldwork.coordinator.common import user
from fieldwork.coordinator.forms import EndMembershipForm
from fieldwork.coordinator.forms import MemberForm
from fieldwork.coordinator.forms import MoveMemberForm
from fieldwork.coordinator.forms import PairForm
from fieldwork.coordinator.forms import TeamForm
from fieldwork.coordinator.forms import TesterForm
from fieldwork.coordinator.forms import options
from fieldwork.db import get_session
from fieldwork.i18n import error_message
from fieldwork.labels import label
from fieldwork.models import Study
from fieldwork.models import Team
from fieldwork.models import Tester
from fieldwork.services.errors import Refused
from fieldwork.services.people import pairs as pairing
from fieldwork.services.people import testers as service
from fieldwork.timeutil import tonight

# --- testers ------------------------------------------------------------------------------------


@bp.get("/studies/<int:study_id>/testers")
@roles_required(*READ_ROLES)
def testers(study_id: int) -> str:
    study = study_or_404(study_id)
    session = get_session()
    rows = service.list_testers(session, study=study)
    accounts = (
        service.usernames(session, [t.user_id for t in rows if t.user_id]) if can_write() else {}
    )
    return render_template("coordinator/testers.html", study=study, testers=rows, accounts=accounts)


def _tester_form(study: Study, tester: Tester | None) -> TesterForm:
    session = get_session()
    form = TesterForm(obj=tester)
    free = [u.username for u in service.free_tester_accounts(session, study=study)]
    current = ""
    if tester is not None and tester.user_id:
        current = service.usernames(session, [tester.user_id]).get(tester.user_id, "")
    form.username.choices = options([("", _("(no account yet)"))]) + options(
        [(name, name) for name in sorted({*free, *([current] if current else [])})]
    )
    if not form.is_submitted():
        form.username.data = current
    return form


@bp.route("/studies/<int:study_id>/testers/new", methods=["GET", "POST"])
@bp.route("/studies/<int:study_id>/testers/<int:tester_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def tester_edit(study_id: int, tester_id: int | None = None) -> Page:
    study = study_or_404(study_id)
    session = get_session()
    tester = None
    if tester_id is not None:
        tester = service.get_tester(session, study=study, tester_id=tester_id)
        if tester is None:
            abort(404)
    form = _tester_form(study, tester)
    if form.validate_on_submit():
        with refusal_shown():
            fields = texts(form, "code", "group", "gender", "age_band", "language", "username")
            saved = service.save_tester(
                session=session, study=study, tester=tester, active=bool(form.active.data),
                user=user(), **fields,
            )  # fmt: skip
            saved_message = _("Tester %(code)s saved.", code=saved.code)
            return done(saved_message, "coordinator.testers", study_id=study.id)
    return form_page("coordinator/tester_form.html", study=study, tester=tester, form=form)


# --- teams --------------------------------------------------------------------------------------


@bp.route("/studies/<int:study_id>/teams", methods=["GET", "POST"])
@roles_required(*READ_ROLES)
def teams(study_id: int) -> Page:
    study = study_or_404(study_id)
    form = TeamForm()
    if request.method == "POST":
        if not can_write():
            abort(403)
        if form.validate_on_submit():
            with refusal_shown():
                team = service.create_team(
                    session=get_session(), study=study, user=user(), **texts(form, "code", "role")
                )
                return done(
                    _("Team %(code)s created.", code=team.code),
                    "coordinator.team",
                    study_id=study.id,
                    team_id=team.id,
                )
    profiles = service.list_teams(get_session(), study=study)
    return form_page("coordinator/teams.html", study=study, profiles=profiles, form=form)


def _profile_or_404(study: Study, team_id: int) -> service.TeamProfile:
    profile = service.team_profile(get_session(), study=study, team_id=team_id)
    if profile is None:
        abort(404)
    return profile


MOVE_PREFIX = "move"  # the move form shares the team page with the add form: distinct ids


def _team_page(
    study: Study,
    profile: service.TeamProfile,
    *,
    form: MemberForm | None = None,
    move_form: MoveMemberForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    session = get_session()
    testers = [
        t
        for t in service.list_testers(session, study=study)
        if t.group == profile.team.role and t.active
    ]
    current = service.current_teams(session, study=study)  # tester id -> team code
    member_ids = {m.id for m in profile.members}
    form = form or MemberForm()
    move_form = move_form or MoveMemberForm(prefix=MOVE_PREFIX)
    form.tester_id.choices = options(
        [
            (
                t.id,
                t.code
                if t.id not in current
                else _("%(code)s (in %(team)s)", code=t.code, team=current[t.id]),
            )
            for t in testers
            if t.id not in member_ids
        ]
    )
    move_form.tester_id.choices = options(
        [
            (t.id, f"{t.code} ({current[t.id]})")
            for t in testers
            if t.id in current and t.id not in member_ids
        ]
    )
    night = tonight()
    for night_field in (form.on, move_form.on):
        if night_field.data is None and not night_field.errors:
            night_field.data = night
    return render_template(
        "coordinator/team.html",
        study=study,
        profile=profile,
        form=form,
        move_form=move_form,
        end_form=EndMembershipForm(formdata=None, on=night),
        history=service.membership_history(session, team=profile.team),
        current=current,
    ), status


@bp.get("/studies/<int:study_id>/teams/<int:team_id>")
@roles_required(*READ_ROLES)
def team(study_id: int, team_id: int) -> Page:
    study = study_or_404(study_id)
    return _team_page(study, _profile_or_404(study, team_id))


def _tester_or_404(study: Study, tester_id: int | None) -> Tester:
    tester = (
        service.get_tester(get_session(), study=study, tester_id=tester_id) if tester_id else None
    )
    if tester is None:
        abort(404)
    return tester


def _chosen_tester(study: Study, tester_id: int | None) -> Tester | None:
    return (
        service.get_tester(get_session(), study=study, tester_id=tester_id) if tester_id else None
    )


def _change_membership(
    study_id: int,
    team_id: int,
    form: MemberForm | MoveMemberForm,
    change: Callable[[Study, Team, Tester], str],
) -> Page:
    """Validate the add or move form, apply ``change`` (which returns the success message); a
    refusal (a tester in another team, say) shows on the form, with 422, and changes nothing."""
    study = study_or_404(study_id)
    profile = _profile_or_404(study, team_id)

    def again() -> tuple[str, int]:
        if isinstance(form, MoveMemberForm):
            return _team_page(study, profile, move_form=form, status=422)
        return _team_page(study, profile, form=form, status=422)

    if not form.validate_on_submit():
        return again()
    tester = _chosen_tester(study, int_arg(str(form.tester_id.data)))
    if tester is None:
        form.tester_id.errors = [_("Choose a tester of this study.")]
        return again()
    try:
        message = change(study, profile.team, tester)
    except Refused as error:
        get_session().rollback()
        form.tester_id.errors = [error_message(error)]
        return again()
    return done(message, "coordinator.team", study_id=study.id, team_id=team_id)


@bp.post("/studies/<int:study_id>/teams/<int:team_id>/members")
@roles_required(*WRITE_ROLES)
def team_add_member(study_id: int, team_id: int) -> Page:
    """Add a member from a night on (refused when the tester is in another team of the study)."""
    form = MemberForm()

    def add(study: Study, team: Team, tester: Tester) -> str:
        service.add_member(
            session=get_session(), study=study, team=team, tester=tester, user=user(),
            on=form.on.data,
        )  # fmt: skip
        return _("%(tester)s added.", tester=tester.code)

    return _change_membership(study_id, team_id, form, add)


@bp.post("/studies/<int:study_id>/teams/<int:team_id>/move")
@roles_required(*WRITE_ROLES)
def team_move_member(study_id: int, team_id: int) -> Page:
    """Move a tester from their team into this one, from a night on, with a reason (audited)."""
    form = MoveMemberForm(prefix=MOVE_PREFIX)

    def move(study: Study, team: Team, tester: Tester) -> str:
        service.move_member(
            session=get_session(), study=study, tester=tester, to_team=team,
            on=form.on.data,  # type: ignore[arg-type]  (validated: required)
            reason=form.reason.data or "", user=user(),
        )  # fmt: skip
        return _("%(tester)s moved to team %(team)s.", tester=tester.code, team=team.code)

    return _change_membership(study_id, team_id, form, move)


@bp.post("/studies/<int:study_id>/teams/<int:team_id>/members/<int:tester_id>/remove")
@roles_required(*WRITE_ROLES)
def team_remove_member(study_id: int, team_id: int, tester_id: int) -> Response:
    study = study_or_404(study_id)
    profile = _profile_or_404(study, team_id)
    form = EndMembershipForm()
    if not form.validate_on_submit() or form.on.data is None:
        invalid_form()
        return back("coordinator.team", study_id=study.id, team_id=team_id)
    tester = _tester_or_404(study, tester_id)
    with refusal_shown(rollback=True):
        service.remove_member(
            session=get_session(),
            study=study,
            team=profile.team,
            tester=tester,
            user=user(),
            on=form.on.data,
        )
        return done(
            _("%(tester)s leaves team %(team)s.", tester=tester.code, team=profile.team.code),
            "coordinator.team",
            study_id=study.id,
            team_id=team_id,
        )
    return back("coordinator.team", study_id=study.id, team_id=team_id)


# --- pairs --------------------------------------------------------------------------------------


@bp.get("/studies/<int:study_id>/pairs")
@roles_required(*READ_ROLES)
def pairs(study_id: int) -> str:
    study = study_or_404(study_id)
    return render_template(
        "coordinator/pairs.html", study=study, rows=pairing.list_pairs(get_session(), study=study)
    )


@bp.route("/studies/<int:study_id>/pairs/new", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def pair_new(study_id: int) -> Page:
    """GET with both teams chosen shows the matching check; POST creates the pair."""
    study = study_or_404(study_id)
    session = get_session()
    profiles = service.list_teams(session, study=study)
    form = PairForm(formdata=request.form if request.method == "POST" else request.args or None)
    choices = [
        (
            p.team.id,
            ngettext(
                "%(team)s (%(group)s, %(num)d member)",
                "%(team)s (%(group)s, %(num)d members)",
                p.size,
                team=p.team.code,
                group=label(p.team.role, "team_role"),
            ),
        )
        for p in profiles
    ]
    form.protected_team_id.choices = options(choices)
    form.control_team_id.choices = options(choices)
    check = None
    if form.protected_team_id.data and form.control_team_id.data:
        try:
            _first, _second, check = pairing.check_new_pair(
                session,
                study=study,
                protected_team_id=form.protected_team_id.data,
                control_team_id=form.control_team_id.data,
                sham=bool(form.sham.data),
            )
        except Refused as error:
            if request.method == "GET":
                refused(error)
    if request.method == "POST" and form.validate_on_submit():
        with refusal_shown():
            pair = pairing.create_pair(
                session=session,
                study=study,
                code=form.code.data or "",
                protected_team_id=form.protected_team_id.data or 0,
                control_team_id=form.control_team_id.data or 0,
                sham=bool(form.sham.data),
                accept_differences=bool(form.accept_differences.data),
                user=user(),
            )
            return done(
                _("Pair %(code)s created.", code=pair.code), "coordinator.pairs", study_id=study.id
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "coordinator/pair_form.html", study=study, form=form, check=check, profiles=profiles
    ), status
