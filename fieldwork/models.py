"""Database tables (SQLModel) for studies, people, the schedule, reports and their audit trail.

Times: every datetime column holds a timezone-aware instant (SQLModel stores it as UTC);
pages show it in the study's time zone (Europe/Amsterdam). A test's ``night`` is the calendar
date of the evening it starts on, so a visit at 01:30 still belongs to the night before. Table models do not validate on construction: input is
validated by the services (and by ``forms`` for report answers) before it reaches them.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Column
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlmodel import Field
from sqlmodel import SQLModel

from fieldwork.clock import now

ROLES = ("tester", "coordinator", "researcher", "admin")
TEAM_ROLES = ("protected", "control")
STUDY_DOMAINS = ("nightlife", "housing")
STUDY_STATUSES = ("draft", "fieldwork", "closed")
ORDER_RULES = ("randomised", "protected_first", "control_first")
PURPOSES = ("monitoring", "enforcement")
REPORT_STATUSES = ("received", "has_issues", "approved", "rejected")
CONFLICT_REASONS = (
    "same_uuid_other_content",
    "second_report_for_team",
    "author_mismatch",
    "author_not_in_team",
)
INVALID_REASONS = (
    "incomplete",
    "interval_exceeded",
    "order_violated",
    "deviation",
    "matching_failed",
    "other",
)
DEFAULT_TARGET_TYPES = {
    "nightlife": ["club", "bar", "cafe", "other"],
    "housing": ["private_landlord", "letting_agent", "housing_association", "other"],
}


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC (from the app's one clock)."""
    return now()


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Raised by sign-out, a password change and "end sessions": every older cookie stops working.
    session_generation: int = 0
    # A one-time password (new tester accounts): the user must choose their own before going on.
    must_change_password: bool = False


class Study(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    title: str = Field(max_length=200)
    domain: str = Field(max_length=16)
    instrument_id: str = Field(max_length=64)
    instrument_version: int
    purpose: str = Field(default="monitoring", max_length=16)
    order_rule: str = Field(default="randomised", max_length=16)
    planned_gap_minutes: int = 5
    max_interval_minutes: int = 15
    seed: int
    publication_min_cell: int = 10
    status: str = Field(default="draft", max_length=16)
    target_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_sample_size: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    # The effect the study is planned to detect (expected b- and c-shares), for the power figure.
    planned_p10: float | None = None
    planned_p01: float | None = None
    retention_until: date | None = None
    # Target types whose name and address the purge removes besides private landlords' (people).
    generalise_target_types: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Whom a tester calls when something goes wrong (shown next to 112 on every tester page).
    emergency_contact_name: str = Field(default="", max_length=100)
    emergency_contact_phone: str = Field(default="", max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class WaveLink(SQLModel, table=True):
    """Study ``study_id`` is the next wave of study ``previous_id``: the same city (one install
    serves one city), an instrument whose outcomes mean the same, and the earlier wave's targets
    carried over with their codes, so that summary pseudonyms match across the waves. A study has
    at most one previous and at most one next wave: the waves of a series form a chain."""

    study_id: int = Field(foreign_key="study.id", primary_key=True)
    previous_id: int = Field(foreign_key="study.id", unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class Target(SQLModel, table=True):
    """A venue (nightlife) or a listing/provider (housing). ``name``/``address`` are restricted."""

    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="study.id", index=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=300)
    target_type: str = Field(max_length=32)
    area: str = Field(max_length=64)
    active: bool = True


class Tester(SQLModel, table=True):
    """A pseudonymous tester: code and coarse matching attributes only (GDPR art. 9 minimisation)."""

    __test__ = False  # not a pytest test class

    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="study.id", index=True)
    code: str = Field(max_length=16)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    group: str = Field(max_length=16)  # protected | control
    gender: str = Field(default="", max_length=8)
    age_band: str = Field(default="", max_length=8)
    language: str = Field(default="", max_length=32)
    active: bool = True


class Team(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="study.id", index=True)
    code: str = Field(max_length=16)
    role: str = Field(max_length=16)  # protected | control


class TeamMember(SQLModel, table=True):
    """A tester's membership of a team, with its history: a member on the nights from
    ``joined_on`` (None: from the start) up to the night before ``left_on`` (None: still a member).

    A tester is in at most one team of a study on any night (the services keep it so); a move
    ends one membership and starts the next on the same night.
    """

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    tester_id: int = Field(foreign_key="tester.id", index=True)
    joined_on: date | None = None
    left_on: date | None = None
    reason: str = Field(default="", max_length=500)  # why they joined (a move's reason)

    def member_on(self, night: date) -> bool:
        return (self.joined_on is None or self.joined_on <= night) and (
            self.left_on is None or night < self.left_on
        )


class Pair(SQLModel, table=True):
    """A protected and a control team; a sham pair joins two teams of the same group."""

    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="study.id", index=True)
    code: str = Field(max_length=16)
    protected_team_id: int = Field(foreign_key="team.id")
    control_team_id: int = Field(foreign_key="team.id")
    sham: bool = False


class Test(SQLModel, table=True):
    """One matched test: a pair at a target in a time window, with the randomised first role."""

    __test__ = False  # not a pytest test class
    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="study.id", index=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    target_id: int = Field(foreign_key="target.id", index=True)
    night: date = Field(index=True)
    window_start: datetime
    window_end: datetime
    first_role: str = Field(max_length=16)
    planned_protected: datetime
    planned_control: datetime
    block: int = 0  # randomisation block within the target type
    retest: bool = False
    status: str = Field(default="planned", max_length=16)  # planned | cancelled
    cancel_reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class VisitReport(SQLModel, table=True):
    """One team's report of one test: locked on submit, corrected only by amendments."""

    __table_args__ = (UniqueConstraint("test_id", "team_id"),)
    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=36, unique=True, index=True)
    test_id: int = Field(foreign_key="test.id", index=True)
    team_id: int = Field(foreign_key="team.id")
    role: str = Field(max_length=16)
    instrument_id: str = Field(max_length=64)
    instrument_version: int
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    device_time: datetime | None = None  # the phone's clock when it sent the report
    received_at: datetime = Field(default_factory=utcnow)
    # The phone's clock when the tester pressed submit (the report may wait offline for hours);
    # read through services.reports.timing.submitted_moment, which corrects it for clock skew.
    submitted_on_device_at: datetime | None = None
    clock_skew_seconds: int | None = None
    clock_skew_flag: bool = False
    elapsed_seconds: int | None = None
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")
    status: str = Field(default="received", max_length=16)
    locked: bool = True


class ReportConflict(SQLModel, table=True):
    """A submission that clashed with a stored report: kept for review, never merged silently."""

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=36, index=True)
    test_id: int = Field(foreign_key="test.id", index=True)
    team_id: int = Field(foreign_key="team.id")
    # The stored report it clashed with; None when there is none (an author not in the team).
    existing_report_id: int | None = Field(default=None, foreign_key="visitreport.id")
    reason: str = Field(max_length=32)  # a code of CONFLICT_REASONS
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    device_time: datetime | None = None
    received_at: datetime = Field(default_factory=utcnow)
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")


class Amendment(SQLModel, table=True):
    """An append-only correction of a locked report: the changed answers and why."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="visitreport.id", index=True)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class PairReview(SQLModel, table=True):
    """The rule engine's verdict on a test's two reports, with the coordinator's override."""

    id: int | None = Field(default=None, primary_key=True)
    test_id: int = Field(foreign_key="test.id", unique=True)
    computed_valid: bool = False
    computed_reasons: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    interval_minutes: float | None = None
    override_valid: bool | None = None
    override_reason: str = Field(default="", max_length=1000)
    state: str = Field(default="received", max_length=16)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class ReviewMessage(SQLModel, table=True):
    """A coordinator's message about one team's report of a test; only that team sees it."""

    id: int | None = Field(default=None, primary_key=True)
    test_id: int = Field(foreign_key="test.id", index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    state: str = Field(max_length=16)  # the review state the message came with
    body: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class Incident(SQLModel, table=True):
    """A tester's call for help: of a study and, where chosen, a test; open until handled."""

    id: int | None = Field(default=None, primary_key=True)
    # The phone's idempotency key: the same incident sent twice is stored once.
    uuid: str | None = Field(default=None, max_length=36, unique=True, index=True)
    study_id: int | None = Field(default=None, foreign_key="study.id", index=True)
    test_id: int | None = Field(default=None, foreign_key="test.id")
    reported_by_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=32)
    description: str = Field(default="", max_length=2000)
    device_time: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None  # when a coordinator marked it handled
    resolved_by_id: int | None = Field(default=None, foreign_key="user.id")
    resolution_note: str = Field(default="", max_length=1000)


class DeviceStatus(SQLModel, table=True):
    """A device a tester signed in from (``signed_in_at``) and what it last said about its
    outbox (reports saved but not yet sent). Only devices known from a sign-in may report."""

    __table_args__ = (UniqueConstraint("user_id", "device_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    device_id: str = Field(max_length=64)
    unsent_count: int = 0
    user_agent: str = Field(default="", max_length=200)
    signed_in_at: datetime | None = None
    last_seen_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Append-only log: the code has an insert path and no update or delete path."""

    __table_args__ = (Index("ix_auditevent_object", "object_type", "object_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = Field(default="system", max_length=64)
    action: str = Field(max_length=64, index=True)
    study_id: int | None = Field(default=None, foreign_key="study.id", index=True)
    object_type: str = Field(default="", max_length=32)
    object_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class FrozenInstrument(SQLModel, table=True):
    """An instrument version as it was when the first report was stored with it: from then on
    the shipped file must say the same (a changed question needs a new version)."""

    __table_args__ = (UniqueConstraint("instrument_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    instrument_id: str = Field(max_length=64)
    version: int
    fingerprint: str = Field(max_length=64)  # forms.Instrument.fingerprint
    source: str = Field(default="", max_length=200)  # the file it was read from
    recorded_at: datetime = Field(default_factory=utcnow)


class Release(SQLModel, table=True):
    """A frozen set of aggregated, disclosure-checked results of a closed study.

    ``line_tests`` (never public) holds the test ids behind every public line, so that a later
    release can be checked against this one (docs/release-rules.md rule 4); ``line_targets``
    (never public) the per-target counts of the published lines by target type, for the change
    between waves. A second person approves the
    texts before publication; a withdrawal is final and keeps the content for audit.
    """

    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="study.id", index=True)
    status: str = Field(default="draft", max_length=16)  # draft | published | withdrawn
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    checksum: str = Field(default="", max_length=64)
    line_tests: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # Never public either: per published line of the table by target type, the (a, b, c, d) of
    # the release's outcome per target code, so that the next wave's release can say how the
    # city changed (docs/methods.md §7) from lines both releases published.
    line_targets: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    replaces_id: int | None = Field(default=None, foreign_key="release.id")
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = None
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = Field(
        default="", max_length=1000, sa_column_kwargs={"server_default": ""}
    )
