"""What happens in the demo's fieldwork, drawn from a seeded ``random.Random``: the places, when
the teams arrive, what they answer and when their phones send it (pure functions, no database).

The planted effect (nightlife; :mod:`fieldwork.demo.data`): admission of the control group by
type with a venue random effect, lowered for the protected group; a sham pair (two control-group
teams) shares the venue's probability and so shows only chance discordance. Housing: a viewing
invitation, lowered for the protected group, with a provider random effect. About 5 % of tests
lack one report, about 5 % have arrivals further apart than the study allows, a few report
deviations or a reversed order, so the rule engine and the review have work.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldwork.demo import data


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID from ``rng`` (as a phone makes one, but reproducible)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def address(rng: random.Random, street: str, postcode: str) -> str:
    letters = "".join(rng.choice("ABCEGHJKLMNPRTVWXZ") for _ in range(2))  # no SA, SD, SS
    return f"{street} {rng.randint(1, 180)}, {postcode} {letters} Den Haag"


def past_days(today: date, count: int, weekdays: set[int]) -> list[date]:
    """The last ``count`` days before ``today`` that fall on ``weekdays`` (Monday 0), in order."""
    days: list[date] = []
    day = today - timedelta(days=1)
    while len(days) < count:
        if day.weekday() in weekdays:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


# --- places -------------------------------------------------------------------------------------

TARGET_COLUMNS = ("code", "name", "address", "target_type", "area")  # of a target file


def target_row(*values: str) -> dict[str, str]:
    """A row of a target file, its values in the order of :data:`TARGET_COLUMNS`."""
    return dict(zip(TARGET_COLUMNS, values, strict=True))


def venues(rng: random.Random) -> list[dict[str, str]]:
    """The nightlife venues as rows of a target file (code, name, address, type, area)."""
    words = list(data.VENUE_WORDS)
    rng.shuffle(words)
    rows: list[dict[str, str]] = []
    for area, streets, postcode, per_type in data.AREAS:
        for kind, count in per_type.items():
            for _ in range(count):
                name = f"{rng.choice(data.VENUE_PREFIX[kind])} {words.pop()}"
                where = address(rng, rng.choice(streets), postcode)
                rows.append(target_row(f"V-{len(rows) + 1:03d}", name, where, kind, area))
    return rows


def listings(rng: random.Random) -> list[dict[str, str]]:
    """The housing adverts as rows of a target file."""
    kinds = [kind for kind, count in data.LISTINGS.items() for _ in range(count)]
    rng.shuffle(kinds)
    rows: list[dict[str, str]] = []
    for index, kind in enumerate(kinds):
        district, streets, postcode = data.DISTRICTS[index % len(data.DISTRICTS)]
        if kind == "private_landlord":
            provider = f"{rng.choice('ABCDEHJKMNPRSW')}. {rng.choice(data.SURNAMES)} (particulier)"
        elif kind == "letting_agent":
            provider = rng.choice(data.AGENTS)
        else:
            provider = rng.choice(data.ASSOCIATIONS)
        name = f"{provider}: {rng.choice(data.UNITS)}"
        where = address(rng, rng.choice(streets), postcode)
        rows.append(target_row(f"L-{index + 1:03d}", name, where, kind, district))
    return rows


# --- arrivals and phones --------------------------------------------------------------------------


def arrivals(
    rng: random.Random,
    planned: dict[str, datetime],
    first_role: str,
    late_minutes: Callable[[], float],
    opens: datetime,
) -> tuple[dict[str, datetime], str]:
    """Actual arrivals (to the minute) near the planned ones, none before the window ``opens``;
    some planted late (the second team ``late_minutes()`` after its time) or in reversed order.
    Returns them and what was planted."""
    second = "control" if first_role == "protected" else "protected"
    arrived = {role: moment + timedelta(minutes=rng.gauss(0, 1.5))
               for role, moment in planned.items()}  # fmt: skip
    draw = rng.random()
    planted = "none"
    if draw < 0.055:
        arrived[second] = planned[second] + timedelta(minutes=late_minutes())
        planted = "late"
    elif draw < 0.075:
        arrived[second] = planned[first_role] - timedelta(minutes=rng.uniform(2, 5))
        planted = "reversed"
    return {role: max(opens, _to_minute(moment)) for role, moment in arrived.items()}, planted


def _to_minute(moment: datetime) -> datetime:
    return (moment + timedelta(seconds=30)).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class PhoneTimes:
    """When a report reaches the server and what the phone says about time: ``submitted_at``
    and ``device_time`` are the phone's clock (skewed) when the tester pressed submit and when
    the phone sent it; ``received_at`` is the server's clock on arrival."""

    elapsed_seconds: int
    submitted_at: datetime
    device_time: datetime
    received_at: datetime


def phone_times(rng: random.Random, visit_ended: datetime) -> PhoneTimes:
    """The tester fills the form in soon after the visit; most phones send at once, some wait in
    the outbox for signal, a few have a clock minutes off."""
    elapsed = rng.randint(55, 240)
    pressed = visit_ended + timedelta(minutes=rng.uniform(1, 12), seconds=elapsed)
    outbox = timedelta(minutes=rng.uniform(5, 90)) if rng.random() < 0.08 else timedelta(0)
    latency = timedelta(seconds=rng.uniform(0.3, 8))
    skew = (timedelta(minutes=rng.uniform(6, 15)) if rng.random() < 0.03
            else timedelta(seconds=rng.gauss(0, 15)))  # fmt: skip
    sent = pressed + outbox
    return PhoneTimes(elapsed, pressed + skew, sent + skew, sent + latency)


# --- answers ------------------------------------------------------------------------------------


def door_answers(
    rng: random.Random,
    kind: str,
    protected: bool,
    admitted: bool,
    full_for_all: bool,
    arrival: datetime,
    deviations: list[str],
) -> dict[str, Any]:
    """A nightlife report as the phone sends it (JSON values)."""
    wait_mean = {"club": 12, "bar": 3, "cafe": 1, "other": 5}[kind]
    wait = min(240, int(rng.expovariate(1 / wait_mean))) if rng.random() < 0.8 else 0
    queue = "none" if wait == 0 else "q1_10" if wait < 10 else "q11_30" if wait < 25 else "over_30"
    answers: dict[str, Any] = {
        "arrival_time": arrival.strftime("%H:%M"),
        "house_rules_visible": weighted(rng, {"yes": 30, "no": 50, "unknown": 20}),
        "id_asked": rng.random() < (0.45 if protected else 0.25) + (0.15 if kind == "club" else 0),
        "wait_minutes": wait,
        "queue_length": queue,
        "physical_contact": rng.random() < (0.005 if admitted else 0.03),
        "deviations": deviations,
    }
    if admitted:
        answers["admitted"] = "yes"
        answers["staff_tone"] = weighted(rng, {"friendly": 55, "neutral": 40, "unfriendly": 5})
        if kind == "club" and rng.random() < 0.8:
            answers["fee_eur"] = rng.choice([10.0, 12.5, 15.0])
        elif rng.random() < 0.05:
            answers["fee_eur"] = 5.0
    else:
        conditional = not full_for_all and rng.random() < 0.2
        answers["admitted"] = "conditional" if conditional else "no"
        if full_for_all:
            reasons = ["full"]
        else:
            weights = dict(data.REASONS_PROTECTED if protected else data.REASONS_CONTROL)
            if conditional:
                weights["entrance_fee"] = 40
            reasons = [weighted(rng, weights)]
            if rng.random() < 0.25:
                reasons.append(weighted(rng, weights))
        answers["refusal_reasons"] = sorted(set(reasons))
        answers["refusal_stage"] = weighted(rng, {"door": 70, "queue": 25, "inside": 5})
        answers["asked_reason"] = rng.random() < 0.4
        if rng.random() < 0.7:
            answers["reason_verbatim"] = rng.choice(data.VERBATIM[reasons[0]])
        if conditional and "entrance_fee" in reasons:
            answers["fee_eur"] = rng.choice([20.0, 25.0])
        hostile = 20 if protected else 10
        answers["staff_tone"] = weighted(
            rng, {"neutral": 40, "unfriendly": 45, "hostile": hostile, "friendly": 5}
        )
    if rng.random() < 0.1:
        answers["notes"] = rng.choice(data.NOTES)
    return answers


def housing_answers(
    rng: random.Random,
    kind: str,
    protected: bool,
    invited: bool,
    mode: str,
    rent: int,
    contact: datetime,
) -> dict[str, Any]:
    """A housing report as the phone sends it."""
    responded = invited or rng.random() < 0.55
    answers: dict[str, Any] = {
        "contact_mode": mode,
        "contact_time": contact.strftime("%Y-%m-%dT%H:%M"),
        "any_response": responded,
        "invited_to_viewing": invited,
    }
    if rng.random() < 0.02:
        answers["deviations"] = [weighted(rng, data.HOUSING_DEVIATIONS)]
    if not responded:
        return answers
    answers["unit_available_said"] = (
        "yes" if invited else weighted(rng, {"yes": 40, "no": 40, "unclear": 20})
    )
    answers["units_offered"] = (2 if rng.random() < 0.15 else 1) if invited else 0
    if rng.random() < 0.7:
        answers["rent_quoted_eur"] = float(rent + (50 if protected and rng.random() < 0.05 else 0))
    if kind == "letting_agent" and rng.random() < 0.3:
        answers["fees_quoted_eur"] = float(rng.randrange(150, 400, 25))
    asked = {
        "income": 0.8,
        "employment_contract": 0.5,
        "landlord_statement": 0.45 if protected else 0.3,
        "credit_check": 0.15,
        "household": 0.2,
        "origin": 0.06 if protected and kind == "private_landlord" else 0.005,
    }
    answers["qualifications_asked"] = [item for item, p in asked.items() if rng.random() < p]
    answers["follow_up_contact"] = invited and rng.random() < 0.6
    answers["courtesy"] = weighted(
        rng, {"good": 50 if invited else 30, "neutral": 40, "poor": 15 if protected else 8}
    )
    return answers


def corrected(rng: random.Random, answers: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """A correction a tester might make to their own report soon after sending it: the answer
    it changes and the full corrected answers, or None when none applies."""
    if "wait_minutes" in answers and answers["wait_minutes"] > 0:
        return "wait_minutes", {
            **answers,
            "wait_minutes": answers["wait_minutes"] + rng.choice((1, 2, 5)),
        }
    if answers.get("id_asked") is False:
        return "id_asked", {**answers, "id_asked": True}
    if "rent_quoted_eur" in answers:
        return "rent_quoted_eur", {**answers, "rent_quoted_eur": answers["rent_quoted_eur"] + 25.0}
    return None


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(data.TIMEZONE))
