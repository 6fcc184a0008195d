"""Releases: the city's frozen, disclosure-checked publication of a closed study.

Life of a release: ``create_release`` exports the closed study to a temporary bundle, analyses
it, applies the release rules (:mod:`analysis.disclosure`) and freezes the result as a *draft*
(content + SHA-256 of its canonical JSON, and — never public — the test ids behind each line).
A second person, another coordinator or an admin, approves its texts; then it can be published.
Withdrawal is final and takes the content down (the public URLs answer 410 with the date and the
reason); the content stays in the database for audit. A correction is a new release whose
``replaces_id`` names the release it corrects. Every transition is audited with the names of
the people involved. The content never changes after creation: the services have no path that
writes it, and a mapper event refuses any UPDATE of the frozen columns whatever code tries it.

Before a release is made and again before it is published, it is compared with every release
that was ever public (of this study or of any study sharing its tests): a difference between
two releases may not isolate fewer than the minimum number of pairs of a line (docs/release-rules.md).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from analysis.disclosure import STANDARD_MIN_PAIRS
from analysis.disclosure import isolated_differences
from analysis.publication import PublicationError
from analysis.publication import build_release
from analysis.publication import canonical_json
from fieldwork.clock import now
from fieldwork.i18n import N_
from fieldwork.i18n import _
from fieldwork.labels import label
from fieldwork.models import Pair
from fieldwork.models import Release
from fieldwork.models import Study
from fieldwork.models import TeamMember
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.export.bundle import export_study
from fieldwork.services.releases.text_check import Vocabulary
from fieldwork.services.releases.text_check import check_public_text
from fieldwork.services.studies.instruments import instrument_for

TRANSITIONS = {"draft": ("published",), "published": ("withdrawn",), "withdrawn": ()}
TEXT_KEYS = ("next_steps", "training")
LANGUAGES = ("nl", "en")
MAX_TEXT = 4000
APPROVER_ROLES = ("coordinator", "admin")
TEXT_NAMES = {
    "next_steps_nl": N_("What the city does next (Dutch)"),
    "next_steps_en": N_("What the city does next (English)"),
    "training_nl": N_("The training text (Dutch)"),
    "training_en": N_("The training text (English)"),
    "min_pairs_reason": N_("The reason for the lower minimum"),
}


def checksum_of(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``content``."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReleaseTexts:
    """What the coordinator writes, per language: next steps (required) and training; and why
    the study's minimum line size is below 10, when it is."""

    next_steps_nl: str
    next_steps_en: str = ""
    training_nl: str = ""
    training_en: str = ""
    min_pairs_reason: str = ""

    def as_content(self) -> dict[str, dict[str, str]]:
        texts: dict[str, dict[str, str]] = {}
        for key in TEXT_KEYS:
            values = {lang: getattr(self, f"{key}_{lang}").strip() for lang in LANGUAGES}
            texts[key] = {lang: value for lang, value in values.items() if value}
        return texts

    def labelled(self) -> list[tuple[str, str]]:
        """(what, text) of every non-empty text, for the identifying-text check."""
        return [(_(what), getattr(self, key).strip()) for key, what in TEXT_NAMES.items()
                if getattr(self, key).strip()]  # fmt: skip


def _public_texts(release: Release, study: Study) -> list[tuple[str, str]]:
    """(what, text) of everything a coordinator wrote that a release makes public."""
    texts = release.content.get("texts", {})
    found = [(_("The study's title"), str(release.content["study"].get("title") or study.title))]
    for key, values in texts.items():
        for lang, text in values.items():
            found.append((_(TEXT_NAMES[f"{key}_{lang}"]), text))
    reason = release.content.get("rules", {}).get("min_pairs_reason")
    if reason:
        found.append((_(TEXT_NAMES["min_pairs_reason"]), reason))
    return found


def _refuse_identifying(session: Session, texts: list[tuple[str, str]]) -> None:
    vocabulary = Vocabulary(session)
    problems = [problem for what, text in texts
                if (problem := check_public_text(vocabulary, what, text))]  # fmt: skip
    if problems:
        raise Refused(" ".join(problems))


def _check_texts(session: Session, study: Study, texts: ReleaseTexts) -> None:
    if len(texts.next_steps_nl.strip()) < 10:
        raise Refused(_("Write what the city does next (in Dutch, at least 10 characters)."))
    for what, value in texts.labelled():
        if len(value) > MAX_TEXT:
            raise Refused(_("%(what)s is longer than %(max)s characters.", what=what, max=MAX_TEXT))
    minimum = study.publication_min_cell
    if minimum < 5:
        raise Refused(
            _(
                "The study's minimum line size is %(min)s; a release needs at least 5. Raise "
                "the study's publication minimum to 10 (or, with a reason, to 5–9).",
                min=minimum,
            )
        )
    if minimum < STANDARD_MIN_PAIRS and len(texts.min_pairs_reason.strip()) < 10:
        raise Refused(
            _(
                "The study's minimum line size is %(min)s, below the standard 10. Say why "
                "(at least 10 characters): the reason is logged and shown in the release.",
                min=minimum,
            )
        )
    _refuse_identifying(session, [(_("The study's title"), study.title), *texts.labelled()])


def _design(session: Session, study: Study) -> dict[str, Any]:
    planned = session.exec(
        select(func.count()).select_from(Test)
        .where(Test.study_id == study.id, Test.status == "planned")
    ).one()  # fmt: skip
    team_ids, sham_pairs = set(), 0
    for pair in session.exec(select(Pair).where(Pair.study_id == study.id)):
        team_ids.update((pair.protected_team_id, pair.control_team_id))
        sham_pairs += bool(pair.sham) and _has_tests(session, pair)
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
        "sham_pairs": sham_pairs,
    }


def _has_tests(session: Session, pair: Pair) -> bool:
    found = session.exec(
        select(Test.id).where(Test.pair_id == pair.id, Test.status == "planned").limit(1)
    ).first()  # fmt: skip
    return found is not None


def _ever_public(session: Session, exclude: int | None = None) -> list[Release]:
    query = select(Release).where(col(Release.published_at).is_not(None))
    if exclude is not None:
        query = query.where(Release.id != exclude)
    return list(session.exec(query.order_by(col(Release.id))).all())


def _refuse_isolating(session: Session, records: dict[str, Any], minimum: int,
                      exclude: int | None = None) -> None:  # fmt: skip
    """Rule 4 across releases: refuse when a difference with an earlier release isolates fewer
    than `minimum` pairs of a line."""
    earlier = {release.id: release.line_tests for release in _ever_public(session, exclude)}
    found = isolated_differences(records, earlier, min_pairs=minimum)
    if found:
        first = found[0]
        raise Refused(
            _(
                "This release and release %(other)s differ by fewer than %(min)s pairs in table "
                "%(table)s, line %(line)s: together they would reveal those pairs. A release may "
                "differ from an earlier one by none or by at least %(min)s pairs in every line; "
                "publish it when more tests are complete.",
                other=first.earlier,
                min=minimum,
                table=first.table,
                line=first.line,
            )
        )


def create_release(
    *, session: Session, study: Study, user: User, texts: ReleaseTexts,
    replaces: Release | None = None,
) -> Release:  # fmt: skip
    """Analyse the closed ``study``, apply the release rules and freeze a draft release."""
    if study.status != "closed":
        raise Refused(
            _(
                "Study %(code)s has status '%(status)s'. Close the study first: a release is made only "
                "from a closed study, whose reports can no longer change.",
                code=study.code,
                status=label(study.status, "study_status"),
            )
        )
    if replaces is not None and (replaces.study_id != study.id or replaces.status == "draft"):
        raise Refused(
            _("A correction replaces a published or withdrawn release of the same study.")
        )
    _check_texts(session, study, texts)
    instrument_for(session, study)  # a release reads the reports with their own questions
    minimum = study.publication_min_cell
    with tempfile.TemporaryDirectory(prefix="mysteryguest-release-") as temp:
        folder = Path(temp) / "bundle"
        export_study(session=session, study_code=study.code, folder=folder, user=user)
        try:
            built = build_release(
                folder, design=_design(session, study), texts=texts.as_content(),
                min_pairs=minimum, min_pairs_reason=texts.min_pairs_reason.strip(),
            )  # fmt: skip
        except PublicationError as error:
            raise Refused(
                _("No release was made: %(error)s", error=str(error))
            ) from error  # fmt: skip
        except ValueError as error:  # a bundle or analysis problem (numpy's LinAlgError too)
            raise Refused(
                _("The analysis of the study's export failed, so no release was made: %(error)s",
                  error=str(error) or type(error).__name__)
            ) from error  # fmt: skip
    _refuse_isolating(session, built.line_records, minimum)
    content = built.content
    content["replaces"] = replaces.id if replaces is not None else None
    release = Release(
        study_id=study.id,
        status="draft",
        content=content,
        checksum=checksum_of(content),
        line_tests=built.line_records,
        line_targets=built.line_targets,
        replaces_id=replaces.id if replaces is not None else None,
        created_by_id=user.id,
    )
    made = {
        "checksum": release.checksum,
        "replaces": release.replaces_id,
        "author": user.username,
        "min_pairs": minimum,
        "min_pairs_reason": texts.min_pairs_reason.strip() or None,
        "suppressed": sum(1 for d in content["decisions"] if d["action"] == "suppressed"),
    }
    audit.record(session, action="release.create", user=user, about=release, after=made)
    session.commit()
    return release


def username_of(session: Session, user_id: int | None) -> str | None:
    found = session.get(User, user_id) if user_id is not None else None
    return found.username if found is not None else None


def approve_release(*, session: Session, release: Release, user: User) -> Release:
    """A second person (another coordinator or an admin) approves the texts of a draft."""
    if release.status != "draft":
        raise Refused(_("Only a draft can be approved; release %(id)s is not one.", id=release.id))
    if user.role not in APPROVER_ROLES:
        raise Refused(_("Only a coordinator or an admin can approve a release."))
    if user.id == release.created_by_id:
        raise Refused(
            _(
                "You made this release, so someone else must approve it: another coordinator "
                "or an admin reads its texts before it is published."
            )
        )
    study = session.get(Study, release.study_id)
    assert study is not None
    _refuse_identifying(session, _public_texts(release, study))
    release.approved_by_id, release.approved_at = user.id, now()
    audit.record(
        session,
        action="release.approve",
        user=user,
        about=release,
        after={
            "author": username_of(session, release.created_by_id),
            "approved_by": user.username,
            "checksum": release.checksum,
        },
    )
    session.commit()
    return release


def check_transition(release: Release, status: str) -> None:
    """Raise :class:`Refused` when ``release`` cannot get ``status`` now; changes nothing."""
    if status not in TRANSITIONS.get(release.status, ()):
        raise Refused(
            _(
                "Release %(id)s has status '%(old)s' and cannot get status '%(new)s'.",
                id=release.id,
                old=label(release.status, "release_status"),
                new=label(status, "release_status"),
            )
        )
    if checksum_of(release.content) != release.checksum:
        raise Refused(_("Release %(id)s does not match its checksum.", id=release.id))


def _transition(session: Session, release: Release, status: str, user: User | None,
                extra: dict[str, Any] | None = None) -> None:  # fmt: skip
    check_transition(release, status)
    before = {"status": release.status}
    release.status = status
    action = {"published": "release.publish", "withdrawn": "release.withdraw"}[status]
    audit.record(session, action=action, user=user, about=release, before=before,
                 after={"status": status, **(extra or {})})  # fmt: skip


def check_publishable(session: Session, release: Release) -> None:
    """Raise :class:`Refused` when ``release`` cannot be published now (not an approved draft,
    or it would isolate pairs next to the releases public by now); changes nothing. The view
    asks this before its confirmation page, so it never asks about what would be refused."""
    if release.status == "draft" and release.approved_by_id is None:
        raise Refused(
            _(
                "Release %(id)s is not approved yet: another coordinator or an admin must "
                "approve its texts before it is published.",
                id=release.id,
            )
        )
    check_transition(release, "published")
    minimum = int(release.content.get("rules", {}).get("min_pairs") or STANDARD_MIN_PAIRS)
    _refuse_isolating(session, release.line_tests, minimum, exclude=release.id)


def publish_release(*, session: Session, release: Release, user: User) -> Release:
    """Make an approved draft public (after checking it against the releases public by now)."""
    check_publishable(session, release)
    _transition(session, release, "published", user, {
        "author": username_of(session, release.created_by_id),
        "approved_by": username_of(session, release.approved_by_id),
    })  # fmt: skip
    release.published_at = now()
    session.commit()
    return release


def withdraw_release(
    *, session: Session, release: Release, user: User, reason: str, confirmed: bool
) -> Release:
    """Take a published release down for good: its public URLs answer 410 with the date and
    the reason; the content stays in the database for audit."""
    reason = reason.strip()
    if len(reason) < 10:
        raise Refused(_("Say why the release is withdrawn (at least 10 characters)."))
    if not confirmed:
        raise Refused(
            _(
                "Confirm the withdrawal: the release's page, PDF and CSV will answer only with "
                "the date and the reason, for good."
            )
        )
    if len(reason) > 1000:
        raise Refused(_("Keep the reason under 1000 characters."))
    _refuse_identifying(session, [(_("The reason"), reason)])
    _transition(session, release, "withdrawn", user, {"reason": reason})
    release.withdrawn_at, release.withdrawn_reason = now(), reason
    session.commit()
    return release


def public_releases(session: Session) -> list[Release]:
    """Published and withdrawn releases, newest first (the index lists withdrawn ones without
    a link)."""
    return list(session.exec(
        select(Release).where(col(Release.status).in_(("published", "withdrawn")))
        .order_by(col(Release.published_at).desc(), col(Release.id).desc())
    ).all())  # fmt: skip


def public_release(session: Session, release_id: int) -> Release | None:
    """A release anyone may ask for: published or withdrawn (never a draft)."""
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
