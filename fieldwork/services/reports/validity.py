"""Whether a test is a valid pair, and why not: the one definition (reference/domain.md §2.4).

:func:`judge` decides, and every consumer asks it through :func:`judge_tests`: the review pages,
monitoring, the export bundle (hence the analysis) and the release. It combines

- the rule engine, :func:`evaluate_pair`, on the two reports' effective answers;
- ``matching_failed``: the matching check of the two teams *as they were on the test's night*
  (team membership has a history, so a later move does not rewrite an earlier night);
- the coordinator's override (valid, or invalid with reason ``other`` when no rule applies).

A pair is invalid for each rule it breaks, with the reason codes of ``models.INVALID_REASONS``:

- ``incomplete``: a report is missing, or lacks the primary outcome or a required arrival time;
- ``interval_exceeded``: the two arrivals lie more than ``study.max_interval_minutes`` apart;
- ``order_violated``: the team that arrived first is not the test's ``first_role``
  (equal times count as followed);
- ``deviation``: either report names a deviation from the script.

Reports store wall-clock answers in the study's time zone. A ``time`` answer is placed on the
test's night; in an evening window (starting at or after noon) a time before 12:00 is taken to be
after midnight, i.e. on the next calendar day. A ``datetime`` answer is read as it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask import has_app_context
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.models import INVALID_REASONS
from fieldwork.models import Amendment
from fieldwork.models import Pair
from fieldwork.models import PairReview
from fieldwork.models import Study
from fieldwork.models import Test
from fieldwork.models import VisitReport
from fieldwork.services.people.pairs import matching_check
from fieldwork.services.people.testers import TeamProfile
from fieldwork.services.people.testers import teams_on_nights
from fieldwork.services.reports.intake import effective_answers
from forms import Instrument
from forms import get_instrument

NOON = time(12, 0)
DEFAULT_TIMEZONE = "Europe/Amsterdam"


@dataclass(frozen=True)
class Verdict:
    """The engine's judgement of one test."""

    valid: bool
    reasons: list[str]  # in the order of models.INVALID_REASONS
    interval_minutes: float | None  # |arrival difference|, None when an arrival is unknown
    order_followed: bool | None  # None when an arrival is unknown


def evaluate_pair(
    *,
    study: Study,
    test: Test,
    protected_answers: Mapping[str, Any] | None,
    control_answers: Mapping[str, Any] | None,
    instrument: Instrument,
    timezone: str = "Europe/Amsterdam",
) -> Verdict:
    """Judge a test from the answers of its protected-slot and control-slot reports (pure).

    Pass the effective answers (amendments applied), or None for a report not received.
    """
    zone = ZoneInfo(timezone)
    reports = {"protected": protected_answers, "control": control_answers}
    reasons: set[str] = set()

    primary = instrument.primary_outcome()
    arrival_question = (
        instrument.question(instrument.arrival_question) if instrument.arrival_question else None
    )
    arrivals: dict[str, datetime | None] = {}
    for role, answers in reports.items():
        if answers is None:
            reasons.add("incomplete")
            arrivals[role] = None
            continue
        if primary is not None and _is_empty(answers.get(primary.id)):
            reasons.add("incomplete")
        arrivals[role] = None
        if arrival_question is not None:
            arrivals[role] = _arrival(
                answers.get(arrival_question.id), arrival_question.type, test, zone
            )
            if arrivals[role] is None and arrival_question.required:
                reasons.add("incomplete")
        if instrument.deviation_question and not _is_empty(
            answers.get(instrument.deviation_question)
        ):
            reasons.add("deviation")

    interval_minutes: float | None = None
    order_followed: bool | None = None
    protected_at, control_at = arrivals.get("protected"), arrivals.get("control")
    if protected_at is not None and control_at is not None:
        difference = (control_at - protected_at).total_seconds() / 60
        interval_minutes = abs(difference)
        if interval_minutes > study.max_interval_minutes:
            reasons.add("interval_exceeded")
        if difference != 0:
            first = "protected" if difference > 0 else "control"
            order_followed = first == test.first_role
        else:
            order_followed = True
        if not order_followed:
            reasons.add("order_violated")

    ordered = [reason for reason in INVALID_REASONS if reason in reasons]
    return Verdict(
        valid=not ordered,
        reasons=ordered,
        interval_minutes=interval_minutes,
        order_followed=order_followed,
    )


@dataclass(frozen=True)
class Judgement:
    """Whether a test counts as a valid pair: what every consumer uses."""

    valid: bool  # the verdict that counts: the override where there is one, else the rules
    reasons: list[str]  # why it does not count ([] when valid), in INVALID_REASONS order
    computed: Verdict  # the rules alone, matching on the night included
    matching_warnings: list[str]  # the teams' differences on the test's night
    override_valid: bool | None = None

    @property
    def computed_valid(self) -> bool:
        return self.computed.valid

    @property
    def interval_minutes(self) -> float | None:
        return self.computed.interval_minutes

    @property
    def order_followed(self) -> bool | None:
        return self.computed.order_followed


def judge(
    verdict: Verdict, *, matching_warnings: Sequence[str], override_valid: bool | None = None
) -> Judgement:
    """The one decision whether a test is a valid pair (pure; :func:`judge_tests` feeds it):
    the rule engine's ``verdict`` on the reports, the teams' matching and the review's override."""
    if matching_warnings:
        reasons = set(verdict.reasons) | {"matching_failed"}
        verdict = Verdict(
            valid=False,
            reasons=[reason for reason in INVALID_REASONS if reason in reasons],
            interval_minutes=verdict.interval_minutes,
            order_followed=verdict.order_followed,
        )
    valid, reasons = verdict.valid, list(verdict.reasons)
    if override_valid is not None:
        valid = override_valid
        reasons = [] if valid else (reasons or ["other"])
    return Judgement(
        valid=valid,
        reasons=reasons,
        computed=verdict,
        matching_warnings=list(matching_warnings),
        override_valid=override_valid,
    )


@dataclass
class JudgedTest:
    """A test with what its judgement was made from: reports by slot, amendments, the review and
    the two teams as they were on the night."""

    test: Test
    pair: Pair
    teams: dict[str, TeamProfile]  # slot -> the team on the test's night
    reports: dict[str, VisitReport] = field(default_factory=dict)  # slot -> report
    amendments: dict[int, list[Amendment]] = field(default_factory=dict)  # report id -> list
    review: PairReview | None = None
    judgement: Judgement | None = None

    def answers(self, slot: str) -> dict[str, Any] | None:
        """The slot's effective answers (amendments applied), None when it has no report."""
        report = self.reports.get(slot)
        if report is None:
            return None
        return effective_answers(report, self.amendments.get(report.id or 0, []))


def judge_tests(
    session: Session,
    *,
    study: Study,
    tests: Sequence[tuple[Test, Pair]],
    timezone: str | None = None,
    instrument: Instrument | None = None,
) -> dict[int, JudgedTest]:
    """Judge ``tests`` (with their pairs) of ``study``, by test id, in a few queries.

    ``timezone`` defaults to the app's (``TIMEZONE``), so every caller reads arrival times alike.
    ``instrument`` is the study's version (the export passes the one it checked against its
    frozen fingerprint).
    """
    if timezone is None:
        timezone = current_app.config["TIMEZONE"] if has_app_context() else DEFAULT_TIMEZONE
    ids = [test.id for test, _pair in tests] or [-1]
    reports: dict[int, dict[str, VisitReport]] = defaultdict(dict)
    for report in session.exec(select(VisitReport).where(col(VisitReport.test_id).in_(ids))):
        reports[report.test_id][report.role] = report
    report_ids = [r.id for by_slot in reports.values() for r in by_slot.values()] or [-1]
    amendments: dict[int, list[Amendment]] = defaultdict(list)
    for amendment in session.exec(
        select(Amendment)
        .where(col(Amendment.report_id).in_(report_ids))
        .order_by(col(Amendment.id))
    ):
        amendments[amendment.report_id].append(amendment)
    reviews = {
        review.test_id: review
        for review in session.exec(select(PairReview).where(col(PairReview.test_id).in_(ids)))
    }
    teams = teams_on_nights(session, study=study, nights={test.night for test, _pair in tests})
    if instrument is None:
        instrument = get_instrument(study.instrument_id, study.instrument_version)
    judged: dict[int, JudgedTest] = {}
    for test, pair in tests:
        on_night = teams[test.night]
        item = JudgedTest(
            test=test,
            pair=pair,
            teams={
                "protected": on_night[pair.protected_team_id],
                "control": on_night[pair.control_team_id],
            },
            reports=reports.get(test.id or 0, {}),
            review=reviews.get(test.id or 0),
        )
        item.amendments = {r.id or 0: amendments.get(r.id or 0, []) for r in item.reports.values()}
        verdict = evaluate_pair(
            study=study,
            test=test,
            protected_answers=item.answers("protected"),
            control_answers=item.answers("control"),
            instrument=instrument,
            timezone=timezone,
        )
        item.judgement = judge(
            verdict,
            matching_warnings=matching_check(
                item.teams["protected"], item.teams["control"]
            ).warnings,
            override_valid=item.review.override_valid if item.review is not None else None,
        )
        judged[test.id or 0] = item
    return judged


def _arrival(value: Any, question_type: str, test: Test, zone: ZoneInfo) -> datetime | None:
    """The arrival as a UTC instant, or None when it is missing or unreadable."""
    if _is_empty(value):
        return None
    try:
        if question_type == "time":
            clock = value if isinstance(value, time) else time.fromisoformat(str(value).strip())
            day = test.night
            if clock < NOON and _evening_window(test, zone):
                day = day + timedelta(days=1)
            moment = datetime.combine(day, clock.replace(tzinfo=None), tzinfo=zone)
        elif question_type == "datetime":
            moment = (
                value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
            )
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
        else:
            raise ValueError(f"arrival question of type {question_type!r}")
    except ValueError:
        return None
    # Subtracting aware datetimes that share a tzinfo ignores DST; UTC makes the interval true.
    return moment.astimezone(UTC)


def _evening_window(test: Test, zone: ZoneInfo) -> bool:
    start = test.window_start
    if start is None:
        return True
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start.astimezone(zone).time() >= NOON


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()
