"""Releases of a study: create from the closed study, preview, approve (a second person),
publish, withdraw (for good), correct."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from fieldwork.auth.access import roles_required
from fieldwork.coordinator.blueprint import bp
from fieldwork.coordinator.common import READ_ROLES
from fieldwork.coordinator.common import WRITE_ROLES
from fieldwork.coordinator.common import back
from fieldwork.coordinator.common import can_write
from fieldwork.coordinator.common import confirmation
from fieldwork.coordinator.common import confirmed
from fieldwork.coordinator.common import done
from fieldwork.coordinator.common import form_page
from fieldwork.coordinator.common import refusal_shown
from fieldwork.coordinator.common import refused
from fieldwork.coordinator.common import study_or_404
from fieldwork.coordinator.common import user
from fieldwork.coordinator.forms import ActionForm
from fieldwork.db import get_session
from fieldwork.models import Release
from fieldwork.public.routes import page_context
from fieldwork.services.errors import Refused
from fieldwork.services.releases import lifecycle as releases
from fieldwork.templating import username


class ReleaseForm(FlaskForm):
    next_steps_nl = TextAreaField(
        _l("What the city does next (Dutch)"),
        validators=[DataRequired(), Length(min=10, max=releases.MAX_TEXT)],
        description=_l("Shown on the public page. Never name venues, landlords or testers."),
    )
    next_steps_en = TextAreaField(
        _l("What the city does next (English)"), validators=[Length(max=releases.MAX_TEXT)]
    )
    training_nl = TextAreaField(
        _l("Tester training (Dutch, optional)"),
        validators=[Length(max=releases.MAX_TEXT)],
        description=_l("Leave empty for the standard sentence about the training."),
    )
    training_en = TextAreaField(
        _l("Tester training (English, optional)"), validators=[Length(max=releases.MAX_TEXT)]
    )
    min_pairs_reason = TextAreaField(
        _l("Why lines of fewer than 10 valid tests may be shown"),
        validators=[Length(max=1000)],
        description=_l("Needed only when the study's publication minimum is below 10; it is "
                       "logged and shown in the release."),
    )  # fmt: skip
    replaces = IntegerField(
        _l("Corrects release number (optional)"), validators=[Optional()],
        description=_l("A correction is a new release; the old one stays, marked as replaced."),
    )  # fmt: skip


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is the release withdrawn?"),
        validators=[DataRequired(), Length(min=10, max=1000)],
        description=_l("Shown with the date on the public address of the withdrawn release, "
                       "instead of its content. Never name venues, landlords or testers."),
    )  # fmt: skip
    confirm = BooleanField(
        _l("Yes, take this release down for good: its page, PDF and CSV will show only the "
           "date and the reason."),
    )  # fmt: skip


def _release_or_404(study_id: int, release_id: int) -> Release:
    release = get_session().get(Release, release_id)
    if release is None or release.study_id != study_id:
        abort(404)
    return release


@bp.route("/studies/<int:study_id>/releases", methods=["GET", "POST"])
@roles_required(*READ_ROLES)
def releases_page(study_id: int) -> str | Response | tuple[str, int]:
    study = study_or_404(study_id)
    session = get_session()
    form = ReleaseForm()
    if form.is_submitted():
        if not can_write():
            abort(403)
        if form.validate():
            replaces = None
            if form.replaces.data is not None:
                replaces = session.get(Release, form.replaces.data)
                if replaces is None or replaces.study_id != study.id:
                    form.replaces.errors = [_("No release with this number in this study.")]
            if not form.replaces.errors:
                texts = releases.ReleaseTexts(
                    next_steps_nl=form.next_steps_nl.data or "",
                    next_steps_en=form.next_steps_en.data or "",
                    training_nl=form.training_nl.data or "",
                    training_en=form.training_en.data or "",
                    min_pairs_reason=form.min_pairs_reason.data or "",
                )
                with refusal_shown(rollback=True):
                    release = releases.create_release(
                        session=session, study=study, user=user(), texts=texts, replaces=replaces
                    )
                    return done(
                        _("Draft release %(id)s created. Check it, then publish it.",
                          id=release.id),
                        "coordinator.release_preview", study_id=study.id, release_id=release.id,
                    )  # fmt: skip
    return form_page(
        "coordinator/releases/index.html", study=study, form=form,
        items=releases.study_releases(session, study),
    )  # fmt: skip


@bp.get("/studies/<int:study_id>/releases/<int:release_id>")
@roles_required(*READ_ROLES)
def release_preview(study_id: int, release_id: int) -> str:
    study = study_or_404(study_id)
    release = _release_or_404(study.id, release_id)
    session = get_session()
    names = {key: releases.username_of(session, getattr(release, f"{key}_by_id"))
             for key in ("created", "approved")}  # fmt: skip
    me = user()
    return render_template(
        "coordinator/releases/preview.html", study=study, action_form=ActionForm(),
        withdraw_form=WithdrawForm(), public_url=url_for("public.release", release_id=release.id),
        author=names["created"], approver=names["approved"],
        may_approve=release.status == "draft" and release.approved_by_id is None
        and me.role in releases.APPROVER_ROLES and me.id != release.created_by_id,
        **page_context(release),
    )  # fmt: skip


def _act(
    study_id: int, release_id: int, action: Callable[..., Release], message: Callable[[int], str]
) -> Response:
    """A button on the preview (CSRF only): do `action`, say `message` or why not."""
    release = _release_or_404(study_id, release_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with refusal_shown(rollback=True):
        action(session=get_session(), release=release, user=user())
        return done(message(release_id), "coordinator.release_preview", study_id=study_id,
                    release_id=release_id)  # fmt: skip
    return back("coordinator.release_preview", study_id=study_id, release_id=release_id)


@bp.post("/studies/<int:study_id>/releases/<int:release_id>/approve")
@roles_required(*WRITE_ROLES)
def release_approve(study_id: int, release_id: int) -> Response:
    return _act(study_id, release_id, releases.approve_release,
                lambda id_: _("Release %(id)s is approved; it can be published.", id=id_))  # fmt: skip


@bp.post("/studies/<int:study_id>/releases/<int:release_id>/publish")
@roles_required(*WRITE_ROLES)
def release_publish(study_id: int, release_id: int) -> str | Response:
    """Publish an approved draft, after a page that says what publishing does. A release that
    cannot be published (not approved, say) is refused at once, without asking."""
    release = _release_or_404(study_id, release_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    if not confirmed():
        with refusal_shown():
            releases.check_publishable(session, release)
            return _confirm_publishing(study_id, release)
        return back("coordinator.release_preview", study_id=study_id, release_id=release_id)
    return _act(study_id, release_id, releases.publish_release,
                lambda id_: _("Release %(id)s is public.", id=id_))  # fmt: skip


def _confirm_publishing(study_id: int, release: Release) -> str:
    session = get_session()
    consequences = [
        Markup(
            _(
                "Its texts were written by %(author)s and approved by %(approver)s.",
                author=username(releases.username_of(session, release.created_by_id) or "–"),
                approver=username(releases.username_of(session, release.approved_by_id) or "–"),
            )
        ),  # the names escaped and marked as data; the rest of the sentence is the catalogue's
        _(
            "Anyone can read, download and cite the release at %(url)s, without "
            "signing in; it appears on the public list of releases.",
            url=url_for("public.release", release_id=release.id, _external=True),
        ),
        _(
            "Its content is frozen (checksum %(checksum)s): a mistake is corrected by a "
            "new release that replaces it, never by editing this one.",
            checksum=release.checksum[:12],
        ),
    ]
    if release.replaces_id is not None:
        consequences.append(
            _(
                "Release %(old)s stays online, marked as replaced by this one.",
                old=release.replaces_id,
            )
        )
    consequences.append(
        _(
            "It can be withdrawn later, but only for good: its page then shows only the date "
            "and the reason, and copies people made stay in the world."
        )
    )
    return confirmation(
        study=study_or_404(study_id),
        title=_("Publish release %(id)s?", id=release.id),
        consequences=consequences,
        action=url_for("coordinator.release_publish", study_id=study_id, release_id=release.id),
        button=_("Publish"),
        back_url=url_for("coordinator.release_preview", study_id=study_id, release_id=release.id),
    )


@bp.post("/studies/<int:study_id>/releases/<int:release_id>/withdraw")
@roles_required(*WRITE_ROLES)
def release_withdraw(study_id: int, release_id: int) -> str | Response | tuple[str, int]:
    """Withdraw for good: the preview's form gives the reason, then a page says what withdrawing
    does and asks for the box "yes, take it down for good" (the service's confirmation)."""
    release = _release_or_404(study_id, release_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        refused(Refused(_("Say why the release is withdrawn (at least 10 characters).")))
        return back("coordinator.release_preview", study_id=study_id, release_id=release_id)
    if not form.confirm.data:
        try:
            releases.check_transition(release, "withdrawn")  # not asked when it cannot be done
        except Refused as error:
            refused(error)
            return back("coordinator.release_preview", study_id=study_id, release_id=release_id)
        if not confirmed():
            return _confirm_withdrawal(study_id, release, form)
        form.confirm.errors = [_("Tick the box to take the release down for good.")]
        return _confirm_withdrawal(study_id, release, form), 422
    with refusal_shown(rollback=True):
        releases.withdraw_release(
            session=get_session(), release=release, user=user(), reason=form.reason.data or "",
            confirmed=bool(form.confirm.data),
        )  # fmt: skip
        return done(_("Release %(id)s is withdrawn.", id=release.id), "coordinator.release_preview",
                    study_id=study_id, release_id=release_id)  # fmt: skip
    return back("coordinator.release_preview", study_id=study_id, release_id=release_id)


def _confirm_withdrawal(study_id: int, release: Release, form: WithdrawForm) -> str:
    return confirmation(
        study=study_or_404(study_id),
        title=_("Withdraw release %(id)s for good?", id=release.id),
        consequences=[
            _("The release leaves the public list of releases."),
            _(
                "Its page, PDF and CSV answer only with the date and your reason: %(reason)s",
                reason=form.reason.data,
            ),
            _(
                "This cannot be undone: a withdrawn release is never published again. Its "
                "content stays in the database for the audit trail; a correction is a new "
                "release."
            ),
        ],
        action=url_for("coordinator.release_withdraw", study_id=study_id, release_id=release.id),
        fields={"reason": form.reason.data},
        consent=form.confirm,
        button=_("Withdraw for good"),
        back_url=url_for("coordinator.release_preview", study_id=study_id, release_id=release.id),
    )
