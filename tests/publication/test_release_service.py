"""Releases: frozen on creation, published/withdrawn/re-published with an audit trail, never
changed by any route; a correction is a new release."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent, Release, Study, User
from fieldwork.services.errors import Refused
from fieldwork.services.releases import lifecycle as releases
from fieldwork.services.releases.guard import FrozenRelease
from tests.publication.conftest import DEMO_PASSWORD
from tests.support import csrf_from


def actions(release_id: int) -> list[str]:
    return list(get_session().exec(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "release", AuditEvent.object_id == release_id)
        .order_by(col(AuditEvent.id))
    ).all())  # fmt: skip


def coordinator() -> User:
    return get_session().exec(select(User).where(User.username == "coordinator")).one()


def texts() -> releases.ReleaseTexts:
    return releases.ReleaseTexts(next_steps_nl="De gemeente praat met de zaken.")


def test_only_a_closed_study_can_be_released(app):
    from fieldwork.demo import build_demo

    with app.app_context():
        session = get_session()
        build_demo(session=session, seed=2026, password=DEMO_PASSWORD)
        study = session.exec(select(Study).where(Study.code == "DEMO-NL")).one()
        with pytest.raises(Refused, match="Close the study first"):
            releases.create_release(session=session, study=study, user=None, texts=texts())


def test_release_is_frozen_with_checksum_and_decision_log(app, draft_release):
    with app.app_context():
        release = get_session().get(Release, draft_release.release_id)
        assert release.status == "draft" and len(release.checksum) == 64
        assert releases.checksum_of(release.content) == release.checksum
        assert release.created_at.tzinfo is not None
        assert any(d["action"] == "suppressed" for d in release.content["decisions"])
        assert actions(release.id) == ["release.create"]


def test_publish_withdraw_republish_are_audited(app, draft_release):
    with app.app_context():
        session = get_session()
        release = session.get(Release, draft_release.release_id)
        releases.publish_release(session=session, release=release, user=coordinator())
        assert release.published_at is not None and release.published_at.tzinfo is not None
        with pytest.raises(Refused):
            releases.withdraw_release(session=session, release=release, user=None, reason="x")
        releases.withdraw_release(
            session=session, release=release, user=coordinator(), reason="Fout in tabel 2 gevonden."
        )
        releases.publish_release(session=session, release=release, user=coordinator())
        assert actions(release.id) == [
            "release.create",
            "release.publish",
            "release.withdraw",
            "release.republish",
        ]
        withdraw = session.exec(
            select(AuditEvent).where(AuditEvent.action == "release.withdraw")
        ).one()
        assert withdraw.actor == "coordinator" and withdraw.after["reason"].startswith("Fout")


def test_published_content_cannot_be_changed_even_by_direct_writes(app, demo_release):
    with app.app_context():
        session = get_session()
        release = session.get(Release, demo_release.release_id)
        checksum = release.checksum
        release.content = {**release.content, "headline": None}
        with pytest.raises(FrozenRelease):
            session.commit()
        session.rollback()
        release.checksum = "0" * 64
        with pytest.raises(FrozenRelease):
            session.flush()
        session.rollback()
        assert session.get(Release, demo_release.release_id).checksum == checksum


def test_no_route_changes_a_published_release(app, client, auth, demo_release):
    with app.app_context():
        before = get_session().get(Release, demo_release.release_id).model_dump()
    auth.login("coordinator", DEMO_PASSWORD)
    base = f"/coordinator/studies/{demo_release.study_id}/releases"
    page = client.get(f"{base}/{demo_release.release_id}").get_data(as_text=True)
    token = csrf_from(page)
    data = {"csrf_token": token, "content": "{}", "checksum": "0" * 64, "next_steps_nl": "x" * 20}
    attempts = [
        ("post", f"{base}/{demo_release.release_id}/publish"),
        ("post", f"{base}/{demo_release.release_id}"),
        ("put", f"{base}/{demo_release.release_id}"),
        ("patch", f"{base}/{demo_release.release_id}"),
        ("delete", f"{base}/{demo_release.release_id}"),
        ("post", f"/public/releases/{demo_release.release_id}"),
        ("put", f"/public/releases/{demo_release.release_id}"),
        ("delete", f"/public/releases/{demo_release.release_id}"),
        ("post", f"/public/releases/{demo_release.release_id}.csv"),
    ]
    for method, path in attempts:
        getattr(client, method)(path, data=data)
    with app.app_context():
        after = get_session().get(Release, demo_release.release_id).model_dump()
    assert after == before
    # Every URL rule that names a release accepts no write method except the three actions.
    writers = {
        rule.rule for rule in app.url_map.iter_rules()
        if "release" in rule.rule and rule.methods - {"GET", "HEAD", "OPTIONS"}
    }  # fmt: skip
    assert writers == {
        "/coordinator/studies/<int:study_id>/releases",
        "/coordinator/studies/<int:study_id>/releases/<int:release_id>/publish",
        "/coordinator/studies/<int:study_id>/releases/<int:release_id>/withdraw",
    }


def test_coordinator_creates_previews_publishes_and_withdraws(app, client, auth):
    from tests.publication.conftest import build_demo_release

    with app.app_context():
        made = build_demo_release()  # a first, published release to correct
    auth.login("coordinator", DEMO_PASSWORD)
    base = f"/coordinator/studies/{made.study_id}/releases"
    page = client.get(base)
    assert page.status_code == 200
    response = client.post(base, data={
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "next_steps_nl": "De gemeente voert gesprekken met de branche.",
        "next_steps_en": "The city talks with the sector.",
        "replaces": str(made.release_id),
    })  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    preview = client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and ("Concept" in html or "Draft" in html)
    with app.app_context():
        new = get_session().exec(select(Release).order_by(col(Release.id).desc())).first()
        assert new.status == "draft" and new.replaces_id == made.release_id
        new_id = new.id
    assert client.get(f"/public/releases/{new_id}").status_code == 404
    token = csrf_from(html)
    assert client.post(f"{base}/{new_id}/publish", data={}).status_code == 400  # no CSRF token
    asked = client.post(f"{base}/{new_id}/publish", data={"csrf_token": token})
    assert (
        asked.status_code == 200
        and "Anyone can read, download and cite" in asked.get_data(as_text=True)
        or "Iedereen kan" in asked.get_data(as_text=True)
    )
    with app.app_context():
        assert get_session().get(Release, new_id).status == "draft"  # asked, nothing changed
    published = client.post(
        f"{base}/{new_id}/publish", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert published.status_code == 303
    old = client.get(f"/public/releases/{made.release_id}").get_data(as_text=True)
    assert f"/public/releases/{new_id}" in old  # the old one points to its correction
    withdraw = {"csrf_token": token, "reason": "Tabel 2 bevat een fout."}
    asked = client.post(f"{base}/{new_id}/withdraw", data=withdraw)
    assert asked.status_code == 200 and "Tabel 2 bevat een fout." in asked.get_data(as_text=True)
    with app.app_context():
        assert get_session().get(Release, new_id).status == "published"
    response = client.post(f"{base}/{new_id}/withdraw", data={**withdraw, "confirmed": "yes"})
    assert response.status_code == 303
    public = client.get(f"/public/releases/{new_id}").get_data(as_text=True)
    assert "ingetrokken" in public and "Tabel 2 bevat een fout." in public
    assert f'/public/releases/{new_id}"' not in client.get("/public/").get_data(as_text=True)


def test_texts_naming_a_venue_are_refused(app, client, auth):
    from tests.publication.conftest import build_demo_release

    with app.app_context():
        made = build_demo_release()
        from fieldwork.models import Target

        name = get_session().exec(select(Target.name)).first()
    auth.login("coordinator", DEMO_PASSWORD)
    base = f"/coordinator/studies/{made.study_id}/releases"
    token = csrf_from(client.get(base).get_data(as_text=True))
    response = client.post(
        base, data={"csrf_token": token, "next_steps_nl": f"We spreken {name} aan op hun beleid."}
    )
    assert response.status_code == 422
    assert "names a venue" in response.get_data(as_text=True) or "noemt" in response.get_data(
        as_text=True
    )


def test_testers_and_anonymous_cannot_manage_releases(client, auth, demo_release):
    base = f"/coordinator/studies/{demo_release.study_id}/releases"
    assert client.get(base).status_code == 302  # to the sign-in page
    auth.login("t01", DEMO_PASSWORD)
    assert client.get(base).status_code == 403
    assert client.get(f"{base}/{demo_release.release_id}").status_code == 403


def test_demo_release_never_hides_a_single_line_behind_a_total(app, demo_release):
    with app.app_context():
        content = get_session().get(Release, demo_release.release_id).content
    hidden_somewhere = False
    for name, table in content["tables"].items():
        hidden = [row["key"] for row in table["rows"] if not row["published"]]
        hidden_somewhere |= bool(hidden)
        assert len(hidden) != 1 or not (table["total"] or {}).get("published"), name
        for row in table["rows"]:
            assert row["published"] or row["values"] == {}
    assert hidden_somewhere  # the demo has small areas, so the rules do bite


def test_an_analysis_failure_is_refused_not_a_crash(app, monkeypatch):
    import numpy as np

    from fieldwork.demo import build_demo

    def broken(*_args, **_kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(releases, "build_release", broken)
    with app.app_context():
        session = get_session()
        build_demo(session=session, seed=2026, password=DEMO_PASSWORD)
        study = session.exec(select(Study).where(Study.code == "DEMO-NL")).one()
        study.status = "closed"
        session.commit()
        with pytest.raises(Refused, match="Singular matrix"):
            releases.create_release(session=session, study=study, user=None, texts=texts())
        assert session.exec(select(Release)).first() is None
