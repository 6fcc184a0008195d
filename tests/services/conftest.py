"""Fixtures for the service tests: a throwaway SQLite database and a small nightlife study.

The study has two real pairs and a sham pair that shares team C1 with PAIR-1, so the scheduler
has to keep one team from being booked twice at once.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from sqlmodel import SQLModel

from fieldwork.db import make_engine
from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team

TYPES = ("club", "bar", "cafe", "other")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'services.sqlite'}")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@dataclass
class NightlifeWorld:
    study: Study
    targets: list[Target]
    teams: dict[str, Team]
    pairs: list[Pair]  # PAIR-1 (P1, C1), PAIR-2 (P2, C2), SHAM-1 (C1, C3)

    @property
    def real_pairs(self) -> list[Pair]:
        return [pair for pair in self.pairs if not pair.sham]


def gen_study(session: Session, *, code: str = "S-1", seed: int = 11, **fields: Any) -> Study:
    values: dict[str, Any] = {
        "code": code,
        "title": f"Study {code}",
        "domain": "nightlife",
        "instrument_id": "nightlife-door",
        "instrument_version": 1,
        "seed": seed,
        "status": "fieldwork",
        "target_types": list(TYPES),
    }
    values.update(fields)
    study = Study(**values)
    session.add(study)
    session.flush()
    return study


def gen_world(session: Session, *, per_type: int = 6, **study_fields: Any) -> NightlifeWorld:
    study = gen_study(session, **study_fields)
    targets = [
        Target(
            study_id=study.id,
            code=f"V-{index:03d}",
            name=f"Venue {index}",
            target_type=TYPES[index % len(TYPES)],
            area="Plein",
        )
        for index in range(1, per_type * len(TYPES) + 1)
    ]
    session.add_all(targets)
    teams = {
        code: Team(study_id=study.id, code=code, role=role)
        for code, role in [
            ("P1", "protected"),
            ("C1", "control"),
            ("P2", "protected"),
            ("C2", "control"),
            ("C3", "control"),
        ]
    }
    session.add_all(teams.values())
    session.flush()
    pairs = [
        Pair(
            study_id=study.id,
            code=code,
            protected_team_id=teams[a].id,
            control_team_id=teams[b].id,
            sham=sham,
        )
        for code, a, b, sham in [
            ("PAIR-1", "P1", "C1", False),
            ("PAIR-2", "P2", "C2", False),
            ("SHAM-1", "C1", "C3", True),
        ]
    ]
    session.add_all(pairs)
    session.commit()
    return NightlifeWorld(study=study, targets=targets, teams=teams, pairs=pairs)


@pytest.fixture
def make_world(session: Session) -> Callable[..., NightlifeWorld]:
    """Build a study world; keyword arguments go to the Study (seed, order_rule, ...)."""

    def make(**fields: Any) -> NightlifeWorld:
        return gen_world(session, **fields)

    return make


@pytest.fixture
def nightlife(make_world: Callable[..., NightlifeWorld]) -> NightlifeWorld:
    return make_world()
