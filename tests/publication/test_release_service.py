"""Releases: frozen on creation, approved by a second person, published, withdrawn for good (410),
never changed by any route; a correction is a new release; no two releases differ by a few
pairs."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col
from sqlmodel import func
from sqlmodel import select

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Release
from fieldwork.models import Study
from fieldwork.models import User
from fieldwork.services.errors import Refused
from fieldwork.services.releases import lifecycle as releases
from fieldwork.services.releases.guard import FrozenRelease
from tests.publication.conftest import DEMO_NOW
from tests.publication.conftest import DEMO_PASSWORD
from tests.publication.conftest import build_demo_at_fixed_time
from tests.publication.conftest import close_study
from tests.publication.conftest import user_named
from tests.support import csrf_from


def actions(release_id: int) -> list[str]:
    return list(get_session().exec(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "release", AuditEvent.object_id == release_id)
        .order_by(col(AuditEvent.id))
    ).all())  # fmt: skip


def texts() -> releases.ReleaseTexts:
    return releases.ReleaseTexts(next_steps_nl="De gemeente praat met de zaken.")


def test_only_a_closed_study_can_be_released(app):
    with app.app_context():
        build_demo_at_fixed_time()
        study = get_session().exec(select(Study).where(Study.code == "DEMO-NL")).one()
        with pytest.raises(Refused, match="Close the study first"):
            releases.create_release(session=get_session(), study=study,
                                    user=user_named("coordinator"), texts=texts())  # fmt: skip


def test_release_is_frozen_with_checksum_decision_log_and_line_records(app, draft_release):
    with app.app_context():
        release = get_session().get(Release, draft_release.release_id)
        assert release.status == "draft" and len(release.checksum) == 64
        assert releases.checksum_of(release.content) == release.checksum
        assert release.created_at.tzinfo is not None
        assert any(d["action"] == "suppressed" for d in release.content["decisions"])
        assert actions(release.id) == ["release.create"]
        # The test ids behind each public line are kept beside the content, never in it.
        total = release.line_tests["by_target_type"]["total"]
        assert len(total) == release.content["headline"]["n_pairs"]
        assert "line_tests" not in release.content
        assert json.dumps(total[:3])[1:-1] not in json.dumps(release.content)


def test_a_second_person_approves_before_publication_and_both_names_are_audited(app, draft_release):
    with app.app_context():
        session = get_session()
        release = session.get(Release, draft_release.release_id)
        coordinator, admin = user_named("coordinator"), user_named("admin")
        researcher = user_named("researcher")
        with pytest.raises(Refused, match="not approved yet"):
            releases.publish_release(session=session, release=release, user=coordinator)
        with pytest.raises(Refused, match="someone else must approve it"):
            releases.approve_release(session=session, release=release, user=coordinator)
        with pytest.raises(Refused, match="Only a coordinator or an admin"):
            releases.approve_release(session=session, release=release, user=researcher)
        assert release.approved_by_id is None and release.status == "draft"
        releases.approve_release(session=session, release=release, user=admin)
        releases.publish_release(session=session, release=release, user=coordinator)
        approve, publish = (
            session.exec(select(AuditEvent).where(AuditEvent.action == action,
                                                  AuditEvent.object_id == release.id)).one()
            for action in ("release.approve", "release.publish")
        )  # fmt: skip
        assert approve.actor == "admin"
        assert approve.after["author"] == "coordinator" and approve.after["approved_by"] == "admin"
        assert publish.after["author"] == "coordinator" and publish.after["approved_by"] == "admin"


def test_withdrawal_is_final_confirmed_audited_and_keeps_the_content(app, demo_release):
    with app.app_context():
        session = get_session()
        release = session.get(Release, demo_release.release_id)
        content = dict(release.content)
        coordinator = user_named("coordinator")
        with pytest.raises(Refused, match="at least 10 characters"):
            releases.withdraw_release(session=session, release=release, user=coordinator,
                                      reason="x", confirmed=True)  # fmt: skip
        with pytest.raises(Refused, match="Confirm the withdrawal"):
            releases.withdraw_release(session=session, release=release, user=coordinator,
                                      reason="Fout in tabel 2 gevonden.", confirmed=False)  # fmt: skip
        with pytest.raises(Refused, match="names a venue"):
            releases.withdraw_release(session=session, release=release, user=coordinator,
                                      reason="Café Het Lange Glas klaagde.", confirmed=True)  # fmt: skip
        assert release.status == "published"
        releases.withdraw_release(session=session, release=release, user=coordinator,
                                  reason="Fout in tabel 2 gevonden.", confirmed=True)  # fmt: skip
        assert release.status == "withdrawn" and release.withdrawn_at is not None
        assert release.content == content  # kept for audit
        with pytest.raises(Refused, match="cannot get status .published."):
            releases.publish_release(session=session, release=release, user=coordinator)
        assert actions(release.id) == [
            "release.create", "release.approve", "release.publish", "release.withdraw",
        ]  # fmt: skip
        withdraw = session.exec(
            select(AuditEvent).where(AuditEvent.action == "release.withdraw",
                                     AuditEvent.object_id == release.id)
        ).one()  # fmt: skip
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
        release.line_tests = {}
        with pytest.raises(FrozenRelease):
            session.flush()
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
        ("post", f"{base}/{demo_release.release_id}/approve"),
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
    # Every URL rule that names a release accepts no write method except the four actions.
    writers = {
        rule.rule for rule in app.url_map.iter_rules()
        if "release" in rule.rule and rule.methods - {"GET", "HEAD", "OPTIONS"}
    }  # fmt: skip
    assert writers == {
        "/coordinator/studies/<int:study_id>/releases",
        "/coordinator/studies/<int:study_id>/releases/<int:release_id>/approve",
        "/coordinator/studies/<int:study_id>/releases/<int:release_id>/publish",
        "/coordinator/studies/<int:study_id>/releases/<int:release_id>/withdraw",
    }


def signed_in(app, username: str):
    """A new client (a browser of its own) signed in as `username`."""
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def test_coordinator_creates_admin_approves_coordinator_publishes_then_withdraws(app):
    from tests.publication.conftest import build_demo_release

    with app.app_context():
        made = build_demo_release()  # a first, published release to correct
    client = signed_in(app, "coordinator")
    base = f"/coordinator/studies/{made.study_id}/releases"
    with clock.frozen(DEMO_NOW):  # the same data as the first release: no isolated pairs
        then = signed_in(app, "coordinator")  # a session of that day (sessions end after 16 h)
        page = then.get(base)
        assert page.status_code == 200
        response = then.post(base, data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "next_steps_nl": "De gemeente voert gesprekken met de branche.",
            "next_steps_en": "The city talks with the sector.",
            "replaces": str(made.release_id),
        })  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    preview = client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and ("Concept" in html or "Draft" in html)
    assert "/approve" not in html  # the author cannot approve
    with app.app_context():
        new = get_session().exec(select(Release).order_by(col(Release.id).desc())).first()
        assert new.status == "draft" and new.replaces_id == made.release_id
        new_id = new.id
    assert client.get(f"/public/releases/{new_id}").status_code == 404
    token = csrf_from(html)
    assert client.post(f"{base}/{new_id}/publish", data={}).status_code == 400  # no CSRF token
    refused = client.post(f"{base}/{new_id}/publish", data={"csrf_token": token})
    assert refused.status_code == 303  # not approved: refused at once, not asked
    with app.app_context():
        assert get_session().get(Release, new_id).status == "draft"
    admin = signed_in(app, "admin")
    html = admin.get(f"{base}/{new_id}").get_data(as_text=True)
    assert f"{base}/{new_id}/approve" in html
    token = csrf_from(html)
    assert admin.post(f"{base}/{new_id}/approve", data={}).status_code == 400  # no CSRF token
    assert admin.post(f"{base}/{new_id}/approve", data={"csrf_token": token}).status_code == 303
    token = csrf_from(client.get(f"{base}/{new_id}").get_data(as_text=True))
    asked = client.post(f"{base}/{new_id}/publish", data={"csrf_token": token})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Anyone can read, download and cite" in page or "Iedereen kan" in page
    assert "admin" in page  # who approved it
    with app.app_context():
        assert get_session().get(Release, new_id).status == "draft"  # asked, nothing changed
    published = client.post(
        f"{base}/{new_id}/publish", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert published.status_code == 303
    with app.app_context():
        assert get_session().get(Release, new_id).status == "published"
    old = client.get(f"/public/releases/{made.release_id}").get_data(as_text=True)
    assert f"/public/releases/{new_id}" in old  # the old one points to its correction
    withdraw = {"csrf_token": token, "reason": "Tabel 2 bevat een fout."}
    asked = client.post(f"{base}/{new_id}/withdraw", data=withdraw)
    assert asked.status_code == 200 and "Tabel 2 bevat een fout." in asked.get_data(as_text=True)
    assert 'name="confirm"' in asked.get_data(as_text=True)  # the box is on the page that asks
    unticked = client.post(f"{base}/{new_id}/withdraw", data={**withdraw, "confirmed": "yes"})
    assert unticked.status_code == 422  # the page was seen, but the box was not ticked
    assert client.get(f"/public/releases/{new_id}").status_code == 200  # not without confirming
    response = client.post(
        f"{base}/{new_id}/withdraw", data={**withdraw, "confirmed": "yes", "confirm": "y"}
    )
    assert response.status_code == 303
    assert client.get(f"/public/releases/{new_id}").status_code == 410


def test_texts_naming_a_venue_are_refused(app, client, auth):
    from fieldwork.models import Target
    from tests.publication.conftest import build_demo_release

    with app.app_context():
        made = build_demo_release()
        name = (
            get_session().exec(select(Target.name).where(Target.study_id == made.study_id)).first()
        )
    auth.login("coordinator", DEMO_PASSWORD)
    base = f"/coordinator/studies/{made.study_id}/releases"
    token = csrf_from(client.get(base).get_data(as_text=True))
    response = client.post(
        base, data={"csrf_token": token, "next_steps_nl": f"We spreken {name} aan op hun beleid."}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "noemt een zaak, verhuurder of makelaar" in html or "names a venue" in html


def test_testers_and_anonymous_cannot_manage_releases(client, auth, demo_release):
    base = f"/coordinator/studies/{demo_release.study_id}/releases"
    assert client.get(base).status_code == 302  # to the sign-in page
    auth.login("t01", DEMO_PASSWORD)
    assert client.get(base).status_code == 403
    assert client.get(f"{base}/{demo_release.release_id}").status_code == 403
    assert client.post(f"{base}/{demo_release.release_id}/approve").status_code in (400, 403)


def test_demo_release_never_hides_a_single_line_behind_a_total(app, demo_release):
    with app.app_context():
        content = get_session().get(Release, demo_release.release_id).content
    hidden_somewhere = False
    for name, table in content["tables"].items():
        if name.startswith("reasons_"):
            continue  # reasons are no partition: there is no total they add up to
        hidden = [row["key"] for row in table["rows"] if not row["published"]]
        hidden_somewhere |= bool(hidden)
        assert len(hidden) != 1 or not (table["total"] or {}).get("published"), name
        for row in table["rows"]:
            assert row["published"] or row["values"] == {}
    assert hidden_somewhere  # the demo has small areas, so the rules do bite


def test_a_release_that_differs_from_an_earlier_one_by_a_few_pairs_is_refused(app):
    """Rule 4 across releases: after a first release, re-opening the study for two more valid
    tests and releasing again would let anyone subtract the two and read those tests."""
    from tests.publication.conftest import build_demo_release

    with app.app_context():
        made = build_demo_release()
        session = get_session()
        first = session.get(Release, made.release_id)
        # What a second release would hold: the same lines plus two test ids of new pairs.
        grown = {table: {key: [*ids, "990001", "990002"] for key, ids in lines.items()}
                 for table, lines in first.line_tests.items()}  # fmt: skip
        with pytest.raises(Refused, match=f"release {first.id} differ by fewer than 10 pairs"):
            releases._refuse_isolating(session, grown, 10)
        releases._refuse_isolating(session, first.line_tests, 10)  # identical lines: fine


def test_the_check_against_earlier_releases_runs_again_at_publication(app):
    """Two drafts made before either was public: the second may not be published after the
    first when they differ by a few pairs."""
    from tests.publication.conftest import build_demo_release

    with app.app_context():
        made = build_demo_release(publish=False)
        session = get_session()
        first = session.get(Release, made.release_id)
        second = Release(
            study_id=first.study_id, status="draft", content=first.content,
            checksum=first.checksum, created_by_id=first.created_by_id,
            line_tests={"by_target_type": {"total": [*first.line_tests["by_target_type"]["total"],
                                                     "990001"]}},
        )  # fmt: skip
        session.add(second)
        session.commit()
        coordinator, admin = user_named("coordinator"), user_named("admin")
        for release in (first, second):
            releases.approve_release(session=session, release=release, user=admin)
        releases.publish_release(session=session, release=first, user=coordinator)
        with pytest.raises(Refused, match="differ by fewer than 10 pairs"):
            releases.publish_release(session=session, release=second, user=coordinator)
        session.rollback()
        assert session.get(Release, second.id).status == "draft"


def test_a_minimum_below_ten_needs_a_reason_that_is_published(app):
    with app.app_context():
        build_demo_at_fixed_time()
        study = close_study("DEMO-NL")
        study.publication_min_cell = 8
        get_session().commit()
        coordinator = user_named("coordinator")
        with pytest.raises(Refused, match="below the standard 10"):
            releases.create_release(session=get_session(), study=study, user=coordinator,
                                    texts=texts())  # fmt: skip
        reason = "Kleine stad: afgesproken met de functionaris gegevensbescherming."
        with clock.frozen(DEMO_NOW):
            release = releases.create_release(
                session=get_session(), study=study, user=coordinator,
                texts=releases.ReleaseTexts(next_steps_nl="De gemeente praat met de zaken.",
                                            min_pairs_reason=reason),
            )  # fmt: skip
        assert release.content["rules"]["min_pairs"] == 8
        assert release.content["rules"]["min_pairs_reason"] == reason
        event = (
            get_session()
            .exec(select(AuditEvent).where(AuditEvent.action == "release.create",
                                           AuditEvent.object_id == release.id))
            .one()
        )  # fmt: skip
        assert event.after["min_pairs"] == 8 and event.after["min_pairs_reason"] == reason
        study.publication_min_cell = 4
        get_session().commit()
        with pytest.raises(Refused, match="needs at least 5"):
            releases.create_release(
                session=get_session(), study=study, user=coordinator,
                texts=releases.ReleaseTexts(next_steps_nl="De gemeente praat met de zaken.",
                                            min_pairs_reason=reason),
            )  # fmt: skip


def test_an_analysis_failure_is_refused_not_a_crash(app, monkeypatch):
    import numpy as np

    def broken(*_args, **_kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    with app.app_context():
        build_demo_at_fixed_time()  # its earlier waves have releases
        before = get_session().exec(select(func.count()).select_from(Release)).one()
        study = close_study("DEMO-NL")
        monkeypatch.setattr(releases, "build_release", broken)
        with pytest.raises(Refused, match="Singular matrix"):
            releases.create_release(session=get_session(), study=study,
                                    user=user_named("coordinator"), texts=texts())  # fmt: skip
        assert get_session().exec(select(func.count()).select_from(Release)).one() == before
        assert get_session().exec(select(Release).where(Release.study_id == study.id)).first() \
            is None  # fmt: skip


def test_a_missing_role_is_a_clear_refusal(app, monkeypatch):
    """A nightlife instrument without a question marked role = "reasons": no release, and the
    message says how to mark one (never a table silently left out)."""
    import dataclasses

    import analysis.publication as publication
    from forms import get_instrument

    original = publication.read_bundle

    def without_role(folder):
        read = original(folder)
        questions = tuple(dataclasses.replace(q, role=None) for q in read.instrument.questions)
        return dataclasses.replace(read, instrument=dataclasses.replace(
            read.instrument, questions=questions))  # fmt: skip

    with app.app_context():
        build_demo_at_fixed_time()
        study = close_study("DEMO-NL")
        monkeypatch.setattr(publication, "read_bundle", without_role)
        with pytest.raises(Refused) as caught:
            releases.create_release(session=get_session(), study=study,
                                    user=user_named("coordinator"), texts=texts())  # fmt: skip
    message = str(caught.value)
    assert "no question with role 'reasons'" in message and "add role = 'reasons'" in message
    assert get_instrument("nightlife-door", 1).with_role("reasons") is not None
    assert User  # imported for the type of user_named
