"""The monitoring dashboard's numbers: progress against the planned sample, power, problems.

Counts are of planned (not cancelled) tests of real pairs; sham pairs (which measure chance
discordance) are counted apart. A test is *complete* when both reports are in and *valid* by the
verdict that counts (the coordinator's override, else the rule engine's).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import _
from fieldwork.models import Study
from fieldwork.models import Tester
from fieldwork.services.monitoring.devices import devices_with_unsent
from fieldwork.services.monitoring.incidents import OpenIncident
from fieldwork.services.monitoring.incidents import open_incidents
from fieldwork.services.reports.review import TestStatus
from fieldwork.services.reports.review import study_statuses
from fieldwork.services.reports.timing import is_late
from fieldwork.services.reports.timing import submitted_moment

ALPHA = 0.05


@dataclass
class Progress:
    planned: int = 0
    complete: int = 0
    valid: int = 0
    target: int | None = None  # the planned sample size (valid pairs), where set

    @property
    def share_of_target(self) -> float | None:
        return self.valid / self.target if self.target else None


@dataclass(frozen=True)
class Power:
    n: int
    p10: float | None
    p01: float | None
    value: float | None
    note: str  # why there is no value, else ""
    visits_per_target: float = 1.0  # planned real tests per target
    icc: float | None = None  # the intra-venue correlation assumed (None: one visit per target)


@dataclass(frozen=True)
class LateReport:
    status: TestStatus
    slot: str
    received_at: datetime | None  # None: still missing after the window
    submitted_at: datetime | None = None  # when the tester pressed submit (server's clock)


@dataclass(frozen=True)
class UnsentDevice:
    tester_code: str
    username: str
    unsent: int
    last_seen_at: datetime


@dataclass
class Dashboard:
    total: Progress
    by_type: dict[str, Progress]
    by_area: dict[str, Progress]
    sham: Progress
    power: Power
    invalid: list[TestStatus] = field(default_factory=list)  # reviewable and not valid
    late: list[LateReport] = field(default_factory=list)
    incidents: list[OpenIncident] = field(default_factory=list)
    devices: list[UnsentDevice] = field(default_factory=list)


def power_for(
    n: int, p10: float | None, p01: float | None, visits_per_target: float = 1.0
) -> Power:
    """The power that ``n`` valid pairs give for the planned effect.

    One visit per target: McNemar's mid-p test (enumerated). More: the venue-robust test, whose
    pairs count for less by the design effect 1 + (m − 1)ρ with the default intra-venue
    correlation ρ of the analysis (docs/methods.md §6).
    """
    if p10 is None or p01 is None:
        return Power(n, p10, p01, None, _("planned effect not set"), visits_per_target)
    try:
        from analysis.power import DEFAULT_ICC
        from analysis.power import clustered_power
        from analysis.power import power_at
    except ImportError:  # the analysis package is optional for the field app
        return Power(n, p10, p01, None, _("not available"), visits_per_target)
    icc = DEFAULT_ICC if visits_per_target > 1 else None
    if n == 0:
        return Power(n, p10, p01, 0.0, "", visits_per_target, icc)
    try:
        if icc is None:
            value = power_at(n, p10, p01, alpha=ALPHA, test="midp")
        else:
            value = clustered_power(n, p10, p01, visits_per_target=visits_per_target, icc=icc,
                                    alpha=ALPHA)  # fmt: skip
        return Power(n, p10, p01, float(value), "", visits_per_target, icc)
    except ValueError as error:
        return Power(n, p10, p01, None, str(error), visits_per_target, icc)


def dashboard(session: Session, *, study: Study, timezone: str, now: datetime) -> Dashboard:
    statuses = study_statuses(session, study=study, timezone=timezone)
    total = Progress(target=sum(study.target_sample_size.values()) or None)
    by_type: dict[str, Progress] = {
        t: Progress(target=study.target_sample_size.get(t) or None) for t in study.target_types
    }
    by_area: dict[str, Progress] = defaultdict(Progress)
    sham = Progress()
    result = Dashboard(total, by_type, by_area, sham, power_for(0, None, None))
    targets: set[int] = set()
    for status in statuses:
        if not status.pair.sham:
            targets.add(status.target.id)
        buckets = (
            [sham]
            if status.pair.sham
            else [
                total,
                by_type.setdefault(status.target.target_type, Progress()),
                by_area[status.target.area],
            ]
        )
        for bucket in buckets:
            bucket.planned += 1
            bucket.complete += status.complete
            bucket.valid += status.valid
        if status.reviewable(now) and not status.valid:
            result.invalid.append(status)
        for slot in ("protected", "control"):
            report = status.reports.get(slot)
            if report is None and status.window_over(now):
                result.late.append(LateReport(status, slot, None))
            elif report is not None and is_late(report, status.test):
                result.late.append(
                    LateReport(status, slot, report.received_at, submitted_moment(report))
                )
    result.by_area = dict(sorted(by_area.items()))
    visits = total.planned / len(targets) if targets else 1.0
    result.power = power_for(total.valid, study.planned_p10, study.planned_p01, visits)
    result.incidents = open_incidents(session, study.id)
    codes = dict(
        session.exec(
            select(Tester.user_id, Tester.code).where(
                Tester.study_id == study.id, col(Tester.user_id).isnot(None)
            )
        ).all()
    )
    result.devices = [
        UnsentDevice(codes[d.status.user_id], d.username, d.unsent_count, d.status.last_seen_at)
        for d in devices_with_unsent(session)
        if d.status.user_id in codes
    ]
    return result
