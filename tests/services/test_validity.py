"""The validity rule engine, one rule at a time (reference/domain.md §2.4)."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldwork.models import Study
from fieldwork.models import Test
from fieldwork.services.reports.validity import Verdict
from fieldwork.services.reports.validity import evaluate_pair
from forms import get_instrument

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NIGHT = date(2026, 3, 6)
NIGHTLIFE = get_instrument("nightlife-door", 1)
HOUSING = get_instrument("housing-access", 1)


def nightlife_study(**fields: Any) -> Study:
    values: dict[str, Any] = {
        "code": "S-1", "title": "S", "domain": "nightlife", "instrument_id": "nightlife-door",
        "instrument_version": 1, "seed": 1, "planned_gap_minutes": 5, "max_interval_minutes": 15,
    }  # fmt: skip
    values.update(fields)
    return Study(**values)


def evening_test(first_role: str = "protected", night: date = NIGHT) -> Test:
    start = datetime.combine(night, datetime.min.time(), tzinfo=AMSTERDAM) + timedelta(hours=22)
    return Test(
        study_id=1, pair_id=1, target_id=1, night=night, window_start=start,
        window_end=start + timedelta(hours=5), first_role=first_role,
        planned_protected=start, planned_control=start + timedelta(minutes=5),
    )  # fmt: skip


def door(arrival: str, **answers: Any) -> dict[str, Any]:
    """A complete, admitted nightlife report arriving at ``arrival``."""
    report = {
        "arrival_time": arrival, "admitted": "yes", "id_asked": False, "staff_tone": "neutral",
        "physical_contact": False,
    }  # fmt: skip
    report.update(answers)
    return report


def judge(protected: dict[str, Any] | None, control: dict[str, Any] | None, **kw: Any) -> Verdict:
    return evaluate_pair(
        study=kw.pop("study", nightlife_study()),
        test=kw.pop("test", evening_test()),
        protected_answers=protected,
        control_answers=control,
        instrument=kw.pop("instrument", NIGHTLIFE),
    )


def test_a_clean_pair_is_valid() -> None:
    verdict = judge(door("23:10"), door("23:15"))
    assert verdict == Verdict(valid=True, reasons=[], interval_minutes=5.0, order_followed=True)


@pytest.mark.parametrize(
    ("control_arrival", "valid", "interval"),
    [("23:25", True, 15.0), ("23:26", False, 16.0), ("22:55", False, 15.0)],
)
def test_interval_limit_is_inclusive(control_arrival: str, valid: bool, interval: float) -> None:
    verdict = judge(door("23:10"), door(control_arrival))
    assert verdict.interval_minutes == interval
    assert ("interval_exceeded" in verdict.reasons) is (interval > 15)
    assert verdict.valid is valid


def test_interval_exceeded_is_reported() -> None:
    verdict = judge(door("23:10"), door("23:40"))
    assert verdict.reasons == ["interval_exceeded"]
    assert verdict.interval_minutes == 30.0


@pytest.mark.parametrize(
    ("first_role", "protected", "control", "followed"),
    [
        ("protected", "23:10", "23:15", True),
        ("protected", "23:15", "23:10", False),
        ("control", "23:15", "23:10", True),
        ("control", "23:10", "23:15", False),
        ("control", "23:10", "23:10", True),  # equal times count as followed
        ("protected", "23:10", "23:10", True),
    ],
)
def test_order_rule(first_role: str, protected: str, control: str, followed: bool) -> None:
    verdict = judge(door(protected), door(control), test=evening_test(first_role))
    assert verdict.order_followed is followed
    assert ("order_violated" in verdict.reasons) is not followed


@pytest.mark.parametrize("side", ["protected", "control"])
def test_a_deviation_in_either_report_invalidates(side: str) -> None:
    reports = {"protected": door("23:10"), "control": door("23:15")}
    reports[side]["deviations"] = ["argued"]
    verdict = judge(reports["protected"], reports["control"])
    assert verdict.reasons == ["deviation"]
    assert not verdict.valid


def test_an_empty_deviation_list_is_no_deviation() -> None:
    assert judge(door("23:10", deviations=[]), door("23:15")).valid


@pytest.mark.parametrize("missing", ["protected", "control", "both"])
def test_a_missing_report_is_incomplete(missing: str) -> None:
    protected = None if missing in ("protected", "both") else door("23:10")
    control = None if missing in ("control", "both") else door("23:15")
    verdict = judge(protected, control)
    assert verdict.reasons == ["incomplete"]
    assert verdict.interval_minutes is None
    assert verdict.order_followed is None


def test_a_missing_report_does_not_hide_a_deviation() -> None:
    verdict = judge(door("23:10", deviations=["intoxicated"]), None)
    assert verdict.reasons == ["incomplete", "deviation"]


def test_a_report_without_the_primary_outcome_is_incomplete() -> None:
    report = door("23:15")
    del report["admitted"]
    assert judge(door("23:10"), report).reasons == ["incomplete"]


def test_a_report_without_the_required_arrival_is_incomplete() -> None:
    report = door("23:15")
    del report["arrival_time"]
    verdict = judge(door("23:10"), report)
    assert verdict.reasons == ["incomplete"]
    assert verdict.interval_minutes is None


@pytest.mark.parametrize(
    ("protected", "control", "interval", "followed"),
    [
        ("23:58", "00:03", 5.0, True),  # across midnight: 00:03 is the next calendar day
        ("00:03", "23:58", 5.0, False),
        ("01:50", "02:04", 14.0, True),
        ("23:50", "00:10", 20.0, True),
    ],
)
def test_times_after_midnight_belong_to_the_next_day(
    protected: str, control: str, interval: float, followed: bool
) -> None:
    verdict = judge(door(protected), door(control))
    assert verdict.interval_minutes == interval
    assert verdict.order_followed is followed
    assert ("interval_exceeded" in verdict.reasons) is (interval > 15)


@pytest.mark.parametrize(
    ("night", "protected", "control", "interval"),
    [
        (date(2026, 3, 28), "01:55", "03:05", 10.0),  # clocks go forward at 02:00
        (date(2026, 10, 24), "01:50", "03:10", 140.0),  # clocks go back at 03:00
    ],
)
def test_summer_time_changes_count_real_minutes(
    night: date, protected: str, control: str, interval: float
) -> None:
    verdict = judge(door(protected), door(control), test=evening_test(night=night))
    assert verdict.interval_minutes == interval


def test_all_rules_at_once_keep_the_canonical_order() -> None:
    verdict = judge(door("23:40", deviations=["late"]), door("23:10"))
    assert verdict.reasons == ["interval_exceeded", "order_violated", "deviation"]


def housing_report(contact_time: str, **answers: Any) -> dict[str, Any]:
    report = {
        "contact_mode": "email", "contact_time": contact_time, "any_response": True,
        "invited_to_viewing": True,
    }  # fmt: skip
    report.update(answers)
    return report


def housing_case(protected: str, control: str, first_role: str = "protected") -> Verdict:
    start = datetime(2026, 3, 2, 10, 0, tzinfo=AMSTERDAM)
    test = Test(
        study_id=2, pair_id=1, target_id=1, night=date(2026, 3, 2), window_start=start,
        window_end=start + timedelta(hours=7), first_role=first_role, planned_protected=start,
        planned_control=start + timedelta(hours=1),
    )  # fmt: skip
    study = nightlife_study(
        domain="housing", instrument_id="housing-access", max_interval_minutes=2880
    )
    return judge(
        housing_report(protected),
        housing_report(control),
        study=study,
        test=test,
        instrument=HOUSING,
    )


def test_housing_datetimes_are_read_directly() -> None:
    verdict = housing_case("2026-03-02T10:00", "2026-03-02T11:30")
    assert verdict == Verdict(valid=True, reasons=[], interval_minutes=90.0, order_followed=True)


def test_housing_interval_of_two_days_is_the_limit() -> None:
    assert housing_case("2026-03-02T10:00", "2026-03-04T10:00").valid
    verdict = housing_case("2026-03-02T10:00", "2026-03-04T10:01")
    assert verdict.reasons == ["interval_exceeded"]


def test_housing_morning_times_stay_on_the_day() -> None:
    verdict = housing_case("2026-03-02T11:00", "2026-03-02T10:30", first_role="control")
    assert verdict.valid
    assert verdict.interval_minutes == 30.0
