"""A published release of the demo nightlife study, built into the test database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import Study, User

DEMO_PASSWORD = "demo-password"


@dataclass
class DemoRelease:
    study_id: int
    release_id: int
    coordinator_id: int


def build_demo_release(*, publish: bool = True) -> DemoRelease:
    from fieldwork.demo import build_demo
    from fieldwork.services.releases import lifecycle as releases

    session = get_session()
    build_demo(session=session, seed=2026, password=DEMO_PASSWORD)
    study = session.exec(select(Study).where(Study.code == "DEMO-NL")).one()
    study.status = "closed"
    session.commit()
    coordinator = session.exec(select(User).where(User.username == "coordinator")).one()
    release = releases.create_release(
        session=session, study=study, user=coordinator,
        texts=releases.ReleaseTexts(
            next_steps_nl="De gemeente bespreekt de uitkomsten met de branche en test opnieuw.",
            next_steps_en="The city discusses the results with the sector and tests again.",
        ),
    )  # fmt: skip
    if publish:
        releases.publish_release(session=session, release=release, user=coordinator)
    return DemoRelease(study.id, release.id, coordinator.id)


@pytest.fixture
def demo_release(app: Flask) -> DemoRelease:
    with app.app_context():
        return build_demo_release()


@pytest.fixture
def draft_release(app: Flask) -> DemoRelease:
    with app.app_context():
        return build_demo_release(publish=False)
