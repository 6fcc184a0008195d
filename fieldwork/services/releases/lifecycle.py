"""Releases: the city's frozen, disclosure-checked publication of a closed study.

Life of a release: ``create_release`` exports the closed study to a temporary bundle, analyses
it, applies the release rules (:mod:`analysis.disclosure`) and freezes the result as a *draft*
(content + SHA-256 of its canonical JSON). A coordinator previews it and publishes it; a
published release can be withdrawn and published again. Every transition is audited. The
content never changes after creation: the services have no path that writes it, and a mapper
event refuses any UPDATE of the frozen columns whatever code tries it. A correction is a new
release whose ``replaces_id`` names the release it corrects.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from analysis.publication import build_release, canonical_json
from fieldwork.i18n import _
from fieldwork.models import (
    AuditEvent,
    Pair,
    Release,
    Study,
    Target,
    TeamMember,
    Test,
    Tester,
    User,
    utcnow,
)
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.export.bundle import export_study

TRANSITIONS = {"draft": ("published",), "published": ("withdrawn",), "withdrawn": ("published",)}
TEXT_KEYS = ("next_steps", "training")
LANGUAGES = ("nl", "en")
MAX_TEXT = 4000


def checksum_of(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``content``."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReleaseTexts:
    """What the coordinator writes, per language: next steps (required) and training."""

    next_steps_nl: str
    next_steps_en: str = ""
    training_nl: str = ""
    training_en: str = ""

    def as_content(self) -> dict[str, dict[str, str]]:
        texts: dict[str, dict[str, str]] = {}
        for key in TEXT_KEYS:
            values = {lang: getattr(self, f"{key}_{lang}").strip() for lang in LANGUAGES}
            texts[key] = {lang: value for lang, value in values.items() if value}
        return texts


def forbidden_strings(session: Session, study: Study) -> set[str]:
    """Strings of ``study`` that must never appear in public: target names, addresses and codes,
    tester codes."""
    found: set[str] = set()
    for target in session.exec(select(Target).where(Target.study_id == study.id)):
        found.update(value for value in (target.name, target.address, target.code) if value)
    for tester in session.exec(select(Tester).where(Tester.study_id == study.id)):
        found.add(tester.code)
    return {value.strip() for value in found if len(value.strip()) >= 3}


def _check_texts(session: Session, study: Study, texts: ReleaseTexts) -> None:
    if len(texts.next_steps_nl.strip()) < 10:
        raise Refused(_("Write what the city does next (in Dutch, at least 10 characters)."))
    forbidden = forbidden_strings(session, study)
    for values in texts.as_content().values():
        for lang, value in values.items():
            if len(value) > MAX_TEXT:
                raise Refused(
                    _(
                        "A text (%(lang)s) is longer than %(max)s characters.",
                        lang=lang,
                        max=MAX_TEXT,
                    )
                )
            lowered = value.casefold()
            hits = sorted(item for item in forbidden if item.casefold() in lowered)
            if hits:
                raise Refused(
                    _(
                        "A text (%(lang)s) names a venue, an address or a tester code. "
                        "Public texts never name targets or testers; rewrite it.",
                        lang=lang,
                    )
                )
    if any(item.casefold() in study.title.casefold() for item in forbidden):
        raise Refused(
            _("The study's title names a venue, an address or a tester code; change the title.")
        )


def _design(session: Session, study: Study) -> dict[str, Any]:
    planned = session.exec(
        select(func.count()).select_from(Test)
        .where(Test.study_id == study.id, Test.status == "planned")
    ).one()  # fmt: skip
    team_ids = set()
    for pair in session.exec(select(Pair).where(Pair.study_id == study.id)):
        team_ids.update((pair.protected_team_id, pair.control_team_id))
    sizes = session.exec(
        select(TeamMember.team_id, func.count())
        .where(col(TeamMember.team_id).in_(team_ids or {-1}), col(TeamMember.left_on).is_(None))
        .group_by(col(TeamMember.team_id))
    ).all()  # fmt: skip
    counts = [count for _, count in sizes]
    return {
        "title": study.title,
        "planned": int(planned),
        "team_size": [min(counts), max(counts)] if counts else None,
    }


def create_release(
    *, session: Session, study: Study, user: User | None, texts: ReleaseTexts,
    replaces: Release | None = None,
) -> Release:  # fmt: skip
    """Analyse the closed ``study``, apply the release rules and freeze a draft release."""
    if study.status != "closed":
        raise Refused(
            _(
                "Study %(code)s is %(status)s. Close the study first: a release is made only "
                "from a closed study, whose reports can no longer change.",
                code=study.code,
                status=study.status,
            )
        )
    if replaces is not None and (replaces.study_id != study.id or replaces.status == "draft"):
        raise Refused(
            _("A correction replaces a published or withdrawn release of the same study.")
        )
    _check_texts(session, study, texts)
    with tempfile.TemporaryDirectory(prefix="mysteryguest-release-") as temp:
        folder = Path(temp) / "bundle"
        export_study(session=session, study_code=study.code, folder=folder, user=user)
        try:
            content = build_release(
                folder, design=_design(session, study), texts=texts.as_content(),
                min_pairs=study.publication_min_cell,
            )  # fmt: skip
        except ValueError as error:  # a bundle or analysis problem (numpy's LinAlgError too)
            raise Refused(
                _("The analysis of the study's export failed, so no release was made: %(error)s",
                  error=str(error) or type(error).__name__)
            ) from error  # fmt: skip
    content["replaces"] = replaces.id if replaces is not None else None
    release = Release(
        study_id=study.id,
        status="draft",
        content=content,
        checksum=checksum_of(content),
        replaces_id=replaces.id if replaces is not None else None,
        created_by_id=user.id if user else None,
    )
    session.add(release)
    session.flush()
    audit.record(
        session, action="release.create", user=user, study_id=study.id, object_type="release",
        object_id=release.id,
        after={"checksum": release.checksum, "replaces": release.replaces_id,
               "suppressed": sum(1 for d in content["decisions"] if d["action"] == "suppressed")},
    )  # fmt: skip
    session.commit()
    return release


def _transition(session: Session, release: Release, status: str, user: User | None,
                extra: dict[str, Any] | None = None) -> Release:  # fmt: skip
    if status not in TRANSITIONS.get(release.status, ()):
        raise Refused(
            _(
                "Release %(id)s is %(old)s; it cannot become %(new)s.",
                id=release.id,
                old=release.status,
                new=status,
            )
        )
    if checksum_of(release.content) != release.checksum:
        raise Refused(_("Release %(id)s does not match its checksum.", id=release.id))
    before = {"status": release.status}
    release.status = status
    if status == "published" and release.published_at is None:
        release.published_at = utcnow()
    action = {"published": "release.publish", "withdrawn": "release.withdraw"}[status]
    if status == "published" and before["status"] == "withdrawn":
        action = "release.republish"
    audit.record(
        session, action=action, user=user, study_id=release.study_id, object_type="release",
        object_id=release.id, before=before, after={"status": status, **(extra or {})},
    )  # fmt: skip
    session.commit()
    return release


def publish_release(*, session: Session, release: Release, user: User | None) -> Release:
    """Make a draft (or a withdrawn release) public."""
    return _transition(session, release, "published", user)


def withdraw_release(
    *, session: Session, release: Release, user: User | None, reason: str
) -> Release:
    """Take a published release off the public list; its page stays, marked as withdrawn."""
    reason = reason.strip()
    if len(reason) < 10:
        raise Refused(_("Say why the release is withdrawn (at least 10 characters)."))
    study = session.get(Study, release.study_id)
    forbidden = forbidden_strings(session, study) if study else set()
    if any(item.casefold() in reason.casefold() for item in forbidden):
        raise Refused(_("The reason names a venue, an address or a tester code; rewrite it."))
    return _transition(session, release, "withdrawn", user, {"reason": reason})


def withdrawal_reason(session: Session, release: Release) -> str | None:
    """The reason of the newest withdrawal of ``release`` (shown on its public page)."""
    event_ = session.exec(
        select(AuditEvent)
        .where(AuditEvent.object_type == "release", AuditEvent.object_id == release.id,
               AuditEvent.action == "release.withdraw")
        .order_by(col(AuditEvent.id).desc())
    ).first()  # fmt: skip
    return (event_.after or {}).get("reason") if event_ else None


def public_releases(session: Session) -> list[Release]:
    """Published releases, newest first (withdrawn ones are not listed)."""
    return list(session.exec(
        select(Release).where(Release.status == "published")
        .order_by(col(Release.published_at).desc(), col(Release.id).desc())
    ).all())  # fmt: skip


def public_release(session: Session, release_id: int) -> Release | None:
    """A release anyone may see: published or withdrawn (never a draft)."""
    release = session.get(Release, release_id)
    if release is None or release.status not in ("published", "withdrawn"):
        return None
    return release


def replaced_by(session: Session, release: Release) -> Release | None:
    """The newest published release that says it replaces ``release``."""
    return session.exec(
        select(Release)
        .where(Release.replaces_id == release.id, Release.status == "published")
        .order_by(col(Release.id).desc())
    ).first()  # fmt: skip


def study_releases(session: Session, study: Study) -> list[Release]:
    return list(session.exec(
        select(Release).where(Release.study_id == study.id).order_by(col(Release.id).desc())
    ).all())  # fmt: skip
