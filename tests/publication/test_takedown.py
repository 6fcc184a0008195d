"""Take-down: a withdrawn release answers 410 with the date and the reason only, on its page, PDF
and CSV; the index lists it without a link; the content stays for audit; a correction is linked."""

from __future__ import annotations

from sqlmodel import select

from fieldwork import clock
from fieldwork.db import get_session
from fieldwork.models import Release
from fieldwork.models import Target
from fieldwork.services.releases import lifecycle as releases
from tests.publication.conftest import DEMO_NOW
from tests.publication.conftest import DEMO_PASSWORD
from tests.publication.conftest import TEXTS
from tests.publication.conftest import user_named

REASON = "Tabel 2 bevatte een rekenfout."


def withdraw(app, release_id: int) -> None:
    with app.app_context(), clock.frozen(DEMO_NOW):
        session = get_session()
        releases.withdraw_release(session=session, release=session.get(Release, release_id),
                                  user=user_named("coordinator"), reason=REASON,
                                  confirmed=True)  # fmt: skip


def test_every_public_address_answers_410_with_date_and_reason_only(app, client, demo_release):
    base = f"/public/releases/{demo_release.release_id}"
    with app.app_context():
        stored = get_session().get(Release, demo_release.release_id)
        content, checksum = stored.content, stored.checksum
    before = client.get(base).get_data(as_text=True)
    assert content["study"]["title"] in before
    withdraw(app, demo_release.release_id)
    for lang, date_text in (("nl", "20 november 2026"), ("en", "November 20, 2026")):
        client.set_cookie("lang", lang)
        page = client.get(base)
        html = page.get_data(as_text=True)
        assert page.status_code == 410 and page.mimetype == "text/html"
        assert REASON in html and date_text in html
        assert page.headers["Cache-Control"] == "no-cache"
        for gone in (
            content["study"]["title"],
            TEXTS["nightlife"][0],
            TEXTS["nightlife"][1],
            "<svg",
            "<table",
            checksum,
        ):
            assert gone not in html, gone
        for suffix in (".pdf", ".csv"):
            response = client.get(base + suffix)
            text = response.get_data(as_text=True)
            assert response.status_code == 410 and response.mimetype == "text/plain"
            assert REASON in text and date_text in text
            assert content["study"]["title"] not in text and "by_target_type" not in text
    with app.app_context():
        kept = get_session().get(Release, demo_release.release_id)
        assert kept.content == content and kept.status == "withdrawn"  # kept for audit


def test_the_index_lists_a_withdrawn_release_without_a_link(app, client, demo_release):
    withdraw(app, demo_release.release_id)
    client.set_cookie("lang", "en")
    html = client.get("/public/").get_data(as_text=True)
    assert f"Release {demo_release.release_id}" in html and "withdrawn on November 20, 2026" in html
    assert f"/public/releases/{demo_release.release_id}" not in html


def test_a_correction_is_linked_from_the_withdrawn_release(app, client, demo_release):
    withdraw(app, demo_release.release_id)
    with app.app_context(), clock.frozen(DEMO_NOW):
        session = get_session()
        old = session.get(Release, demo_release.release_id)
        study = old.study_id
        from fieldwork.models import Study

        correction = releases.create_release(
            session=session, study=session.get(Study, study), user=user_named("coordinator"),
            texts=releases.ReleaseTexts(next_steps_nl=TEXTS["nightlife"][0]), replaces=old,
        )  # fmt: skip
        releases.approve_release(session=session, release=correction, user=user_named("admin"))
        releases.publish_release(session=session, release=correction,
                                 user=user_named("coordinator"))  # fmt: skip
        new_id = correction.id
    link = f"/public/releases/{new_id}"
    gone = client.get(f"/public/releases/{demo_release.release_id}")
    assert gone.status_code == 410 and link in gone.get_data(as_text=True)
    assert link in client.get("/public/").get_data(as_text=True)
    assert f"publicatie {new_id}" in client.get(
        f"/public/releases/{demo_release.release_id}.csv").get_data(as_text=True)  # fmt: skip
    page = client.get(link).get_data(as_text=True)
    assert f"publicatie {demo_release.release_id}" in page  # "vervangt publicatie N"


def test_the_coordinator_still_sees_the_withdrawn_content(app, client, auth, demo_release):
    withdraw(app, demo_release.release_id)
    auth.login("coordinator", DEMO_PASSWORD)
    page = client.get(
        f"/coordinator/studies/{demo_release.study_id}/releases/{demo_release.release_id}"
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and REASON in html and "<table" in html
    with app.app_context():
        names = get_session().exec(select(Target.name)).all()
    assert not [name for name in names if name in html]  # the preview is the public content
