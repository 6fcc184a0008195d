"""The demo's entry point: :func:`build_demo` lets its studies happen, step by step in time.

Every step runs with the app's clock (:mod:`fieldwork.clock`) set to the moment it happens —
a study set up weeks before its first night, a report arriving when the tester's phone sent it,
a review the morning after — so every row and every audit event carries the time it would carry
in real use. Steps that would happen after the moment of building are left out: they have not
happened yet.
"""

from __future__ import annotations

import heapq
import itertools
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask import has_app_context
from sqlmodel import Session
from sqlmodel import select

from fieldwork import clock
from fieldwork.demo import data
from fieldwork.models import Study
from fieldwork.models import User
from fieldwork.services import audit
from fieldwork.services.people.users import create_users


@dataclass(frozen=True)
class DemoResult:
    password: str
    logins: list[tuple[str, str]]  # (username, role)
    studies: list[str]


class DemoError(RuntimeError):
    """The demo cannot be built here; the message says why and what to do."""


def local_time(day: date, at: time) -> datetime:
    """``at`` on ``day`` in the demo's time zone, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(data.TIMEZONE))


class Timeline:
    """Steps in the order of their moments (steps added while running come in their place);
    each runs with the clock frozen at its moment. Steps after ``until`` are left out."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        self.now: datetime | None = None
        self._steps: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def at(self, moment: datetime, step: Callable[[], None]) -> None:
        if self.now is not None and moment < self.now:
            raise DemoError(f"A demo step at {moment} comes after its cause at {self.now}.")
        if moment <= self.until:
            heapq.heappush(self._steps, (moment, next(self._order), step))

    def run(self) -> None:
        while self._steps:
            moment, _order, step = heapq.heappop(self._steps)
            self.now = moment
            with clock.frozen(moment):
                step()


class Demo:
    """What the demo's studies share: the session, the seed, the timeline and the accounts."""

    def __init__(self, session: Session, seed: int, today: date, until: datetime,
                 password: str) -> None:  # fmt: skip
        self.session = session
        self.seed = seed
        self.today = today
        self.password = password
        self.timeline = Timeline(until)
        self.users: dict[str, User] = {}
        self._testers = itertools.count(1)
        # The threshold the app applies to a phone's clock (the intake's own default outside it).
        self.intake: dict[str, Any] = (
            {"skew_threshold_seconds": current_app.config["CLOCK_SKEW_THRESHOLD_SECONDS"]}
            if has_app_context() else {}
        )  # fmt: skip

    def rng(self, *purpose: object) -> random.Random:
        return random.Random(":".join(map(str, (self.seed, *purpose))))

    def next_tester(self) -> tuple[str, str]:
        """The username ``tNN`` of the next tester account and the pseudonym ``T-NN``."""
        number = next(self._testers)
        return f"t{number:02d}", f"T-{number:02d}"

    def accounts(self, accounts: list[tuple[str, str]]) -> None:
        """Accounts with the demo's one password, none of them one-time (the demo prints the
        password for trying the app; `demo --reset` builds them anew)."""
        made = create_users(session=self.session, accounts=accounts, password=self.password,
                            one_time=False)  # fmt: skip
        self.session.commit()
        self.users.update((user.username, user) for user in made)

    def logins(self) -> list[tuple[str, str]]:
        staff = [(name, role) for name, role in data.STAFF if name in self.users]
        testers = sorted(name for name, user in self.users.items() if user.role == "tester")
        return staff + [(name, "tester") for name in testers]

    def __getitem__(self, username: str) -> User:
        return self.users[username]


def build_demo(
    *, session: Session, seed: int = 2026, password: str | None = None, today: date | None = None
) -> DemoResult:
    """Fill an empty, migrated database with the demo's studies and their fieldwork, made
    through the services as in real use; ``today`` (default: the clock's night) is tonight."""
    from fieldwork.demo.studies import plan_studies

    if session.exec(select(User)).first() or session.exec(select(Study)).first():
        raise DemoError(
            "The database already holds users or studies. Build the demo in a new, empty database "
            "(e.g. set DATABASE_URL to a new SQLite file and run `mysteryguest init-db` first)."
        )
    now = clock.now()
    night_of_now = (now.astimezone(ZoneInfo(data.TIMEZONE))
                    - timedelta(hours=data.NIGHT_ENDS_HOUR)).date()  # fmt: skip
    if today is None:
        today = night_of_now
    # The moment of building: now, or noon of `today` when the caller names another day.
    until = now if today == night_of_now else local_time(today, time(12, 0))
    demo = Demo(session, seed, today, until, password or secrets.token_urlsafe(9))
    studies = plan_studies(demo)
    expire = session.expire_on_commit
    session.expire_on_commit = False  # one writer: nothing to reload after each step's commit
    try:
        demo.timeline.run()
    finally:
        session.expire_on_commit = expire
    with clock.frozen(until):
        audit.record(
            session,
            action="demo.build",
            user=demo["admin"],
            after={
                "seed": seed,
                "today": today.isoformat(),
                "studies": studies,
                "accounts": sorted(demo.users),
            },  # `demo --reset` deletes only these
        )
        session.commit()
    return DemoResult(password=demo.password, logins=demo.logins(), studies=studies)
