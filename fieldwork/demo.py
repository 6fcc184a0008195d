"""A realistic demo: a nightlife study and a housing study in The Hague, with simulated fieldwork.

Everything is drawn from ``seed`` (the accounts' password aside), so two builds with the same seed
and the same ``today`` hold the same venues, schedule and reports. The simulated reports carry a
planted, type-specific effect, so the analysis has something to find:

- nightlife: admission probability for the control group 0.85/0.90/0.95/0.90 (club/bar/cafe/
  other), lowered for the protected group by 0.25/0.10/0.02/0.05, with a venue random effect; a
  sham pair (two control-group teams) shares the venue's probability and so shows only chance
  discordance;
- housing: viewing invitation 0.55/0.60/0.50 (private landlord/letting agent/housing
  association), lowered by 0.22/0.10/0.03.

About 5 % of tests lack one report, about 5 % have arrivals further apart than the study allows,
a few report deviations or a reversed order, so the rule engine and the review pages have work.
Venue, provider and person names are invented; streets and districts are real.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from fieldwork import clock
from fieldwork.models import Pair, Study, Target, Team, TeamMember, Test, Tester, User, VisitReport
from fieldwork.services import audit
from fieldwork.services.people.users import create_user
from fieldwork.services.schedule.draw import create_schedule
from forms import Instrument, get_instrument, validate_answers

TIMEZONE = "Europe/Amsterdam"
NIGHT_ENDS_HOUR = 6  # as the app's NIGHT_ENDS_HOUR: at 01:00 "tonight" is still yesterday's evening
# Whom a demo tester's "call" button rings: an invented number of The Hague's exchange (070).
DEMO_EMERGENCY_CONTACT = {
    "emergency_contact_name": "Coördinator van dienst",
    "emergency_contact_phone": "+31 70 000 0000",
}
NIGHTLIFE_CODE = "DEMO-NL"
HOUSING_CODE = "DEMO-WON"


@dataclass(frozen=True)
class DemoResult:
    password: str
    logins: list[tuple[str, str]]  # (username, role)
    studies: list[str]


class DemoError(RuntimeError):
    """The demo cannot be built here; the message says why and what to do."""


def build_demo(
    *, session: Session, seed: int = 2026, password: str | None = None, today: date | None = None
) -> DemoResult:
    """Fill an empty, migrated database with the two demo studies and their fieldwork."""
    if session.exec(select(User)).first() or session.exec(select(Study)).first():
        raise DemoError(
            "The database already holds users or studies. Build the demo in a new, empty database "
            "(e.g. set DATABASE_URL to a new SQLite file and run `mysteryguest init-db` first)."
        )
    zone = ZoneInfo(TIMEZONE)
    if today is None:
        today = (clock.now().astimezone(zone) - timedelta(hours=NIGHT_ENDS_HOUR)).date()
    password = password or secrets.token_urlsafe(9)
    accounts = _Accounts(session, password)
    for username, role in (
        ("admin", "admin"),
        ("coordinator", "coordinator"),
        ("researcher", "researcher"),
    ):
        accounts.add(username, role)
    coordinator = accounts.users["coordinator"]
    _Nightlife(session, seed, today, zone, accounts, coordinator).build()
    _Housing(session, seed, today, zone, accounts, coordinator).build()
    audit.record(
        session,
        action="demo.build",
        user=accounts.users["admin"],
        after={
            "seed": seed,
            "today": today.isoformat(),
            "studies": [NIGHTLIFE_CODE, HOUSING_CODE],
            "accounts": sorted(accounts.users),
        },  # `demo --reset` deletes only these
    )
    session.commit()
    return DemoResult(
        password=password,
        logins=[(user.username, user.role) for user in accounts.users.values()],
        studies=[NIGHTLIFE_CODE, HOUSING_CODE],
    )


class _Accounts:
    """Demo accounts. All share one password, so they share one hash: argon2 takes 0.1 s a hash.
    None has a one-time password (``must_change_password`` stays off, testers included): the
    demo prints the one password for trying the app, and `demo --reset` builds them anew."""

    def __init__(self, session: Session, password: str) -> None:
        self.session = session
        self.password = password
        self.users: dict[str, User] = {}
        self._hash: str | None = None
        self._testers = 0

    def add(self, username: str, role: str) -> User:
        if self._hash is None:
            user = create_user(
                session=self.session,
                username=username,
                password=self.password,
                role=role,
                one_time=False,
            )
            self._hash = user.password_hash
        else:
            user = User(username=username, password_hash=self._hash, role=role)
            self.session.add(user)
            self.session.flush()
            audit.record(
                self.session,
                action="user.create",
                object_type="user",
                object_id=user.id,
                after={"username": username, "role": role},
            )
        self.users[username] = user
        return user

    def next_tester(self) -> tuple[User, str]:
        """A new tester account ``tNN`` and the matching pseudonym ``T-NN``."""
        self._testers += 1
        return self.add(f"t{self._testers:02d}", "tester"), f"T-{self._testers:02d}"


# --- shared machinery ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _TeamSpec:
    code: str
    role: str  # protected | control
    genders: str  # one letter per member
    age_band: str
    language: str


class _StudyBuilder:
    """What both demo studies do alike: people, teams, pairs and report rows."""

    code: str
    instrument: Instrument

    def __init__(
        self,
        session: Session,
        seed: int,
        today: date,
        zone: ZoneInfo,
        accounts: _Accounts,
        coordinator: User,
    ) -> None:
        self.session = session
        self.seed = seed
        self.today = today
        self.zone = zone
        self.accounts = accounts
        self.coordinator = coordinator
        self.members: dict[int, list[int]] = {}  # team id -> user ids

    def rng(self, purpose: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.code}:{purpose}")

    def teams(self, study: Study, specs: list[_TeamSpec]) -> dict[str, Team]:
        teams: dict[str, Team] = {}
        for spec in specs:
            team = Team(study_id=study.id, code=spec.code, role=spec.role)
            self.session.add(team)
            self.session.flush()
            self.members[team.id] = []
            for gender in spec.genders:
                user, tester_code = self.accounts.next_tester()
                tester = Tester(
                    study_id=study.id,
                    code=tester_code,
                    user_id=user.id,
                    group=spec.role,
                    gender=gender,
                    age_band=spec.age_band,
                    language=spec.language,
                )
                self.session.add(tester)
                self.session.flush()
                self.session.add(TeamMember(team_id=team.id, tester_id=tester.id))
                self.members[team.id].append(user.id)
            teams[spec.code] = team
        return teams

    def pair(
        self, study: Study, code: str, first: Team, second: Team, *, sham: bool = False
    ) -> Pair:
        pair = Pair(
            study_id=study.id,
            code=code,
            protected_team_id=first.id,
            control_team_id=second.id,
            sham=sham,
        )
        self.session.add(pair)
        self.session.flush()
        return pair

    def report(
        self,
        rng: random.Random,
        test: Test,
        pair: Pair,
        role: str,
        raw: dict[str, Any],
        arrival: datetime,
    ) -> None:
        """Store one team's report, made right after the visit; invalid answers are a bug here."""
        checked = validate_answers(self.instrument, raw)
        if not checked.ok:
            raise DemoError(f"Simulated {self.code} answers are invalid: {checked.errors} ({raw}).")
        team_id = pair.protected_team_id if role == "protected" else pair.control_team_id
        elapsed = rng.randint(55, 240)
        submitted = arrival + timedelta(minutes=rng.uniform(1, 12), seconds=elapsed)
        # Most phones send at once; some wait in the outbox for signal, a few have a wrong clock.
        # device_time is the phone's clock when it sends, as reports.submit_report compares it.
        outbox = timedelta(minutes=rng.uniform(5, 90)) if rng.random() < 0.08 else timedelta(0)
        latency = timedelta(seconds=rng.uniform(0.3, 8))
        skew = (
            timedelta(minutes=rng.uniform(6, 15))
            if rng.random() < 0.03
            else timedelta(seconds=rng.gauss(0, 15))
        )
        received_at = submitted + outbox + latency
        device_time = received_at - latency + skew
        clock_skew = int((device_time - received_at).total_seconds())
        self.session.add(
            VisitReport(
                uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                test_id=test.id,
                team_id=team_id,
                role=role,
                instrument_id=self.instrument.id,
                instrument_version=self.instrument.version,
                answers=checked.answers,
                device_time=device_time,
                received_at=received_at,
                clock_skew_seconds=clock_skew,
                clock_skew_flag=abs(clock_skew) > 300,
                elapsed_seconds=elapsed,
                submitted_by_id=rng.choice(self.members[team_id]),
            )
        )

    def arrivals(
        self, rng: random.Random, test: Test, late_minutes: Callable[[], float]
    ) -> tuple[dict[str, datetime], str]:
        """Actual arrivals near the planned times; some tests planted late or in reversed order."""
        planned = {"protected": test.planned_protected, "control": test.planned_control}
        second = "control" if test.first_role == "protected" else "protected"
        arrived = {
            role: moment + timedelta(minutes=rng.gauss(0, 1.5)) for role, moment in planned.items()
        }
        draw = rng.random()
        planted = "none"
        if draw < 0.055:
            arrived[second] = planned[second] + timedelta(minutes=late_minutes())
            planted = "late"
        elif draw < 0.075:
            arrived[second] = planned[test.first_role] - timedelta(minutes=rng.uniform(2, 5))
            planted = "reversed"
        return {role: _to_minute(moment) for role, moment in arrived.items()}, planted

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)


def _to_minute(moment: datetime) -> datetime:
    return (moment + timedelta(seconds=30)).replace(second=0, microsecond=0)


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _address(rng: random.Random, street: str, postcode: str) -> str:
    letters = "".join(rng.choice("ABCEGHJKLMNPRTVWXZ") for _ in range(2))  # no SA, SD, SS
    return f"{street} {rng.randint(1, 180)}, {postcode} {letters} Den Haag"


def _past_days(today: date, count: int, weekdays: set[int]) -> list[date]:
    days: list[date] = []
    day = today - timedelta(days=1)
    while len(days) < count:
        if day.weekday() in weekdays:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


# --- nightlife ----------------------------------------------------------------------------------

# (area, streets, postcode digits, venues per type)
_AREAS: list[tuple[str, tuple[str, ...], str, dict[str, int]]] = [
    ("Plein", ("Plein", "Lange Poten", "Korte Poten", "Tournooiveld"), "2511",
     {"club": 1, "bar": 4, "cafe": 4, "other": 1}),
    ("Grote Markt", ("Grote Markt", "Grote Halstraat", "Prinsegracht", "Lange Beestenmarkt"), "2511",
     {"club": 2, "bar": 4, "cafe": 3, "other": 1}),
    ("Spui/Chinatown", ("Spui", "Wagenstraat", "Gedempte Burgwal", "Bierstraat"), "2512",
     {"club": 3, "bar": 3, "cafe": 1, "other": 2}),
    ("Scheveningen", ("Strandweg", "Gevers Deynootplein", "Dr. Lelykade", "Keizerstraat"), "2586",
     {"club": 4, "bar": 2, "cafe": 2, "other": 3}),
    ("Centrum overig", ("Denneweg", "Papestraat", "Oude Molstraat", "Noordeinde", "Molenstraat"),
     "2513", {"club": 2, "bar": 2, "cafe": 4, "other": 0}),
    ("Zeeheldenkwartier", ("Piet Heinstraat", "Zoutmanstraat", "Prins Hendrikstraat"), "2518",
     {"club": 0, "bar": 1, "cafe": 2, "other": 1}),
]  # fmt: skip
_VENUE_PREFIX = {
    "club": ("Club", "Nachtclub", "Danscafé"),
    "bar": ("Bar", "Cocktailbar", "Wijnbar", "Bierbar"),
    "cafe": ("Café", "Eetcafé", "Grand Café", "Proeflokaal"),
    "other": ("Strandpaviljoen", "Karaokebar", "Danssalon", "Muziekpodium"),
}
_VENUE_WORDS = (
    "Het Zoutvat", "De Blauwe Meeuw", "De Koperen Ketel", "De Drie Lantaarns", "Nachtvlinder",
    "Kobalt", "Het Vergulde Hert", "Duinroos", "Zeester", "De Bonte Os", "De Groene Lamp",
    "De Houten Kraan", "Zilverreiger", "De Stille Wind", "De Rode Pelikaan", "Schelpenhof",
    "De Walvis", "Hofnar", "Avondrood", "De Sterrenkijker", "Maanzaad", "De Tinnen Beker",
    "Het Kraaiennest", "De Lachende Vis", "Polderlicht", "De Gele Ballon", "Noorderzon",
    "Het Zeepaard", "De Vrolijke Sluis", "Tegenwind", "De Glazen Klok", "Het Kompasje",
    "Windvaan", "De Ouwe Vuurbaak", "Het Dansend Paard", "Zuidenwind", "De Parelvisser",
    "Kaaplicht", "De Blije Bever", "Het Duinkonijn", "Mosselbank", "De Zingende Zaag",
    "Helmgras", "De Late Uil", "Het Ronde Raam", "Stormvogel", "De Fluitketel", "Nevelzee",
    "De Slapende Reus", "Koraal", "Het Lange Glas", "De Zeven Zeeën", "Havenlicht", "Strandgaper",
    "De Blauwe Tram", "Klaproos", "Het Hoge Woord", "Vlaggenmast",
)  # fmt: skip
_ADMISSION_CONTROL = {"club": 0.85, "bar": 0.90, "cafe": 0.95, "other": 0.90}
_PROTECTED_PENALTY = {"club": 0.25, "bar": 0.10, "cafe": 0.02, "other": 0.05}
_REASONS_PROTECTED = {
    "full": 30, "regulars_only": 20, "dress_code": 15, "guest_list_or_reservation": 15,
    "group_composition": 6, "explicit_origin": 5, "no_reason": 5, "members_only": 2,
    "private_party": 2,
}  # fmt: skip
_REASONS_CONTROL = {
    "full": 35, "dress_code": 20, "guest_list_or_reservation": 10, "age": 10, "id_check": 8,
    "behaviour_intoxication": 8, "private_party": 5, "no_reason": 4,
}  # fmt: skip
_VERBATIM = {
    "full": ("Het is vol vanavond.", "Sorry jongens, we zitten vol.", "Te druk binnen."),
    "regulars_only": ("Alleen vaste gasten vanavond.", "We kennen jullie niet."),
    "dress_code": ("Niet met die schoenen.", "Dresscode, sorry.", "Jullie kleding past hier niet."),
    "guest_list_or_reservation": ("Alleen op gastenlijst.", "Je moet gereserveerd hebben."),
    "group_composition": ("Niet met zo'n groep.", "Te veel mannen."),
    "explicit_origin": (
        "Er zijn al genoeg buitenlanders binnen.",
        "Vanavond is het een Nederlandse avond.",
    ),
    "no_reason": ("Vanavond niet.", "Nee."),
    "members_only": ("Alleen met ledenkaart.",),
    "private_party": ("Besloten feest vanavond.",),
    "age": ("Jullie zijn te jong voor hier.", "Niet onze doelgroep."),
    "id_check": ("Dit ID accepteren we niet.",),
    "behaviour_intoxication": ("Jullie hebben al te veel op.",),
    "entrance_fee": ("Voor jullie is het 25 euro.",),
}
_NOTES = (
    "Portier vroeg waar we vandaan kwamen.", "Groep voor ons werd wel doorgelaten.",
    "Lange rij, veel controle.", "Nieuwe portier sinds vorige week, volgens de rij.",
    "Regen; weinig mensen buiten.",
)  # fmt: skip
_NIGHTLIFE_TEAMS = [  # four matched pairs; C5 joins C4 in the sham pair
    ("mmm", "21-24", "nl"),
    ("mm", "25-29", "nl"),
    ("mf", "18-20", "nl"),
    ("ff", "21-24", "en"),
]


class _Nightlife(_StudyBuilder):
    code = NIGHTLIFE_CODE

    def build(self) -> None:
        self.instrument = get_instrument("nightlife-door", 1)
        counts = {kind: sum(area[3][kind] for area in _AREAS) for kind in _ADMISSION_CONTROL}
        study = Study(
            code=self.code,
            title="Deurbeleid Den Haag 2026 (demo)",
            domain="nightlife",
            instrument_id=self.instrument.id,
            instrument_version=self.instrument.version,
            purpose="monitoring",
            order_rule="randomised",
            planned_gap_minutes=5,
            max_interval_minutes=15,
            seed=self.seed,
            publication_min_cell=10,
            status="fieldwork",
            target_types=list(_ADMISSION_CONTROL),
            target_sample_size={kind: count * 3 for kind, count in counts.items()},
            # The effect the study is planned to detect: the dashboard's power is for this.
            planned_p10=0.15,
            planned_p01=0.05,
            **DEMO_EMERGENCY_CONTACT,
        )
        self.session.add(study)
        self.session.flush()
        venues = self.venues(study)
        specs = []
        for index, (genders, age_band, language) in enumerate(_NIGHTLIFE_TEAMS, start=1):
            specs.append(_TeamSpec(f"P{index}", "protected", genders, age_band, language))
            specs.append(_TeamSpec(f"C{index}", "control", genders, age_band, language))
        last = _NIGHTLIFE_TEAMS[-1]
        specs.append(_TeamSpec("C5", "control", *last))
        teams = self.teams(study, specs)
        pairs = [
            self.pair(study, f"PAIR-{index}", teams[f"P{index}"], teams[f"C{index}"])
            for index in range(1, len(_NIGHTLIFE_TEAMS) + 1)
        ]
        pairs.append(self.pair(study, "SHAM-1", teams["C4"], teams["C5"], sham=True))
        nights = _past_days(self.today, 5, {4, 5})  # Fridays and Saturdays
        past = create_schedule(
            session=self.session,
            study=study,
            pairs=pairs,
            targets=venues,
            nights=nights,
            window_start=time(22, 0),
            window_end=time(3, 0),
            slot_minutes=30,
            visits_per_target=3,
            user=self.coordinator,
        )
        tonight = self.rng("tonight").sample(venues, 2 * len(pairs))
        create_schedule(
            session=self.session,
            study=study,
            pairs=pairs,
            targets=tonight,
            nights=[self.today],
            window_start=time(22, 0),
            window_end=time(3, 0),
            slot_minutes=30,
            user=self.coordinator,
        )
        self.simulate(
            past, {pair.id: pair for pair in pairs}, {venue.id: venue for venue in venues}
        )

    def venues(self, study: Study) -> list[Target]:
        rng = self.rng("venues")
        words = list(_VENUE_WORDS)
        rng.shuffle(words)
        venues: list[Target] = []
        for area, streets, postcode, per_type in _AREAS:
            for kind, count in per_type.items():
                for _ in range(count):
                    venues.append(
                        Target(
                            study_id=study.id,
                            code=f"V-{len(venues) + 1:03d}",
                            name=f"{rng.choice(_VENUE_PREFIX[kind])} {words.pop()}",
                            address=_address(rng, rng.choice(streets), postcode),
                            target_type=kind,
                            area=area,
                        )
                    )
        self.session.add_all(venues)
        self.session.flush()
        return venues

    def simulate(
        self, tests: list[Test], pairs: dict[int, Pair], venues: dict[int, Target]
    ) -> None:
        rng = self.rng("reports")
        venue_effect = {venue_id: rng.gauss(0, 0.6) for venue_id in sorted(venues)}
        for test in sorted(tests, key=lambda t: t.id or 0):
            pair, venue = pairs[test.pair_id], venues[test.target_id]
            kind = venue.target_type
            p_control = _expit(_logit(_ADMISSION_CONTROL[kind]) + venue_effect[venue.id])
            groups = {"protected": "control" if pair.sham else "protected", "control": "control"}
            full_for_all = rng.random() < 0.03
            arrived, planted = self.arrivals(rng, test, lambda: rng.uniform(16, 35))
            missing = rng.choice(["protected", "control"]) if rng.random() < 0.05 else None
            deviating = rng.choice(["protected", "control"]) if rng.random() < 0.03 else None
            for role in ("protected", "control"):
                if role == missing:
                    continue
                group = groups[role]
                p_admit = p_control - (_PROTECTED_PENALTY[kind] if group == "protected" else 0)
                admitted = not full_for_all and rng.random() < max(0.02, p_admit)
                deviations: list[str] = []
                if role == deviating:
                    deviations = [
                        _weighted(
                            rng,
                            {
                                "argued": 3,
                                "intoxicated": 1,
                                "seen_with_other_group": 2,
                                "wrong_venue": 1,
                            },
                        )
                    ]
                if planted == "late" and role != test.first_role and rng.random() < 0.5:
                    deviations.append("late")
                raw = self.answers(
                    rng, kind, group, admitted, full_for_all, self.local(arrived[role]), deviations
                )
                self.report(rng, test, pair, role, raw, arrived[role])

    def answers(
        self,
        rng: random.Random,
        kind: str,
        group: str,
        admitted: bool,
        full_for_all: bool,
        arrival: datetime,
        deviations: list[str],
    ) -> dict[str, Any]:
        protected = group == "protected"
        wait_mean = {"club": 12, "bar": 3, "cafe": 1, "other": 5}[kind]
        wait = min(240, int(rng.expovariate(1 / wait_mean))) if rng.random() < 0.8 else 0
        queue = (
            "none" if wait == 0 else "q1_10" if wait < 10 else "q11_30" if wait < 25 else "over_30"
        )
        answers: dict[str, Any] = {
            "arrival_time": arrival.strftime("%H:%M"),
            "house_rules_visible": _weighted(rng, {"yes": 30, "no": 50, "unknown": 20}),
            "id_asked": rng.random()
            < (0.45 if protected else 0.25) + (0.15 if kind == "club" else 0),
            "wait_minutes": wait,
            "queue_length": queue,
            "physical_contact": rng.random() < (0.005 if admitted else 0.03),
            "deviations": deviations,
        }
        if admitted:
            answers["admitted"] = "yes"
            answers["staff_tone"] = _weighted(rng, {"friendly": 55, "neutral": 40, "unfriendly": 5})
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
                weights = dict(_REASONS_PROTECTED if protected else _REASONS_CONTROL)
                if conditional:
                    weights["entrance_fee"] = 40
                reasons = [_weighted(rng, weights)]
                if rng.random() < 0.25:
                    reasons.append(_weighted(rng, weights))
            answers["refusal_reasons"] = sorted(set(reasons))
            answers["refusal_stage"] = _weighted(rng, {"door": 70, "queue": 25, "inside": 5})
            answers["asked_reason"] = rng.random() < 0.4
            if rng.random() < 0.7:
                answers["reason_verbatim"] = rng.choice(_VERBATIM[reasons[0]])
            if conditional and "entrance_fee" in reasons:
                answers["fee_eur"] = rng.choice([20.0, 25.0])
            hostile = 20 if protected else 10
            answers["staff_tone"] = _weighted(
                rng, {"neutral": 40, "unfriendly": 45, "hostile": hostile, "friendly": 5}
            )
        if rng.random() < 0.1:
            answers["notes"] = rng.choice(_NOTES)
        return answers


# --- housing ------------------------------------------------------------------------------------

_DISTRICTS: list[tuple[str, tuple[str, ...], str]] = [
    ("Centrum", ("Prinsegracht", "Veenkade", "Elandstraat", "Stationsweg"), "2512"),
    ("Laak", ("Laakkade", "Hooftskade", "Merwedestraat"), "2521"),
    ("Escamp", ("Leyweg", "Loevesteinlaan", "Dedemsvaartweg", "Erasmusweg"), "2541"),
    ("Segbroek", ("Fahrenheitstraat", "Valkenboslaan", "Thomsonlaan", "Goudenregenstraat"), "2563"),
    ("Loosduinen", ("Loosduinse Hoofdstraat", "Kijkduinsestraat", "Pisuissestraat"), "2552"),
    ("Haagse Hout", ("Bezuidenhoutseweg", "Theresiastraat", "Van Hoytemastraat"), "2594"),
    (
        "Scheveningen",
        ("Badhuisstraat", "Stevinstraat", "Gentsestraat", "Frederik Hendriklaan"),
        "2582",
    ),
    ("Leidschenveen-Ypenburg", ("Laan van Hoornwijck", "Ypenburgse Boslaan"), "2497"),
]
_LISTINGS = {"private_landlord": 24, "letting_agent": 24, "housing_association": 15}
_AGENTS = (
    "Lindewaard Verhuur", "Zeewering Makelaardij", "Brinkhof Vastgoedbeheer",
    "Meerzicht Verhuurmakelaars", "Stadsduin Wonen", "Korenbloem Beheer", "Parkzoom Verhuur",
)  # fmt: skip
_ASSOCIATIONS = ("Woonstichting Zilverduin", "Wooncorporatie Laakzicht", "Stichting Veenhof Wonen")
_SURNAMES = (
    "Verbeek", "Bakker", "Kramer", "Van Dijk", "Smit", "Mulder", "De Graaf", "Hoekstra", "Vos",
    "Brouwer", "Van Leeuwen", "Dekker", "Kuipers", "Meijer", "Postma", "Schouten",
)  # fmt: skip
_UNITS = (
    "studio",
    "2-kamerappartement",
    "3-kamerappartement",
    "bovenwoning",
    "benedenwoning",
    "eengezinswoning",
)
_INVITED_CONTROL = {"private_landlord": 0.55, "letting_agent": 0.60, "housing_association": 0.50}
_INVITED_PENALTY = {"private_landlord": 0.22, "letting_agent": 0.10, "housing_association": 0.03}


class _Housing(_StudyBuilder):
    code = HOUSING_CODE

    def build(self) -> None:
        self.instrument = get_instrument("housing-access", 1)
        study = Study(
            code=self.code,
            title="Toegang huurwoningen Den Haag 2026 (demo)",
            domain="housing",
            instrument_id=self.instrument.id,
            instrument_version=self.instrument.version,
            purpose="monitoring",
            order_rule="randomised",
            planned_gap_minutes=60,
            max_interval_minutes=2880,
            seed=self.seed + 1,
            publication_min_cell=10,
            status="fieldwork",
            target_types=list(_LISTINGS),
            target_sample_size=dict(_LISTINGS),
            planned_p10=0.20,
            planned_p01=0.08,
            **DEMO_EMERGENCY_CONTACT,
        )
        self.session.add(study)
        self.session.flush()
        listings = self.listings(study)
        specs = []
        for index, (gender, age_band) in enumerate(
            [("m", "25-29"), ("f", "30-34"), ("m", "35+")], start=1
        ):
            specs.append(_TeamSpec(f"P{index}", "protected", gender, age_band, "nl"))
            specs.append(_TeamSpec(f"C{index}", "control", gender, age_band, "nl"))
        teams = self.teams(study, specs)
        pairs = [self.pair(study, f"PAIR-{i}", teams[f"P{i}"], teams[f"C{i}"]) for i in range(1, 4)]
        tests = create_schedule(
            session=self.session,
            study=study,
            pairs=pairs,
            targets=listings,
            nights=_past_days(self.today, 8, {0, 1, 2, 3, 4}),
            window_start=time(10, 0),
            window_end=time(17, 0),
            slot_minutes=60,
            user=self.coordinator,
        )
        self.simulate(
            tests, {pair.id: pair for pair in pairs}, {listing.id: listing for listing in listings}
        )

    def listings(self, study: Study) -> list[Target]:
        rng = self.rng("listings")
        kinds = [kind for kind, count in _LISTINGS.items() for _ in range(count)]
        rng.shuffle(kinds)
        listings: list[Target] = []
        for index, kind in enumerate(kinds):
            district, streets, postcode = _DISTRICTS[index % len(_DISTRICTS)]
            if kind == "private_landlord":
                provider = f"{rng.choice('ABCDEHJKMNPRSW')}. {rng.choice(_SURNAMES)} (particulier)"
            elif kind == "letting_agent":
                provider = rng.choice(_AGENTS)
            else:
                provider = rng.choice(_ASSOCIATIONS)
            listings.append(
                Target(
                    study_id=study.id,
                    code=f"L-{index + 1:03d}",
                    name=f"{provider}: {rng.choice(_UNITS)}",
                    address=_address(rng, rng.choice(streets), postcode),
                    target_type=kind,
                    area=district,
                )
            )
        self.session.add_all(listings)
        self.session.flush()
        return listings

    def simulate(
        self, tests: list[Test], pairs: dict[int, Pair], listings: dict[int, Target]
    ) -> None:
        rng = self.rng("reports")
        provider_effect = {listing_id: rng.gauss(0, 0.5) for listing_id in sorted(listings)}
        rent = {listing_id: rng.randrange(850, 1900, 25) for listing_id in sorted(listings)}
        for test in sorted(tests, key=lambda t: t.id or 0):
            pair, listing = pairs[test.pair_id], listings[test.target_id]
            kind = listing.target_type
            p_control = _expit(_logit(_INVITED_CONTROL[kind]) + provider_effect[listing.id])
            mode = _weighted(rng, {"email": 50, "phone": 40, "visit": 10})
            arrived, _ = self.arrivals(rng, test, lambda: rng.uniform(2900, 5000))
            missing = rng.choice(["protected", "control"]) if rng.random() < 0.05 else None
            for role in ("protected", "control"):
                if role == missing:
                    continue
                p_invite = p_control - (_INVITED_PENALTY[kind] if role == "protected" else 0)
                invited = rng.random() < max(0.02, p_invite)
                raw = self.answers(
                    rng,
                    kind,
                    role == "protected",
                    invited,
                    mode,
                    rent[listing.id],
                    self.local(arrived[role]),
                )
                self.report(rng, test, pair, role, raw, arrived[role])

    def answers(
        self,
        rng: random.Random,
        kind: str,
        protected: bool,
        invited: bool,
        mode: str,
        rent: int,
        contact: datetime,
    ) -> dict[str, Any]:
        responded = invited or rng.random() < 0.55
        answers: dict[str, Any] = {
            "contact_mode": mode,
            "contact_time": contact.strftime("%Y-%m-%dT%H:%M"),
            "any_response": responded,
            "invited_to_viewing": invited,
        }
        if rng.random() < 0.02:
            answers["deviations"] = [
                _weighted(rng, {"disclosed": 1, "wrong_listing": 1, "other": 1})
            ]
        if not responded:
            return answers
        answers["unit_available_said"] = (
            "yes" if invited else _weighted(rng, {"yes": 40, "no": 40, "unclear": 20})
        )
        answers["units_offered"] = (2 if rng.random() < 0.15 else 1) if invited else 0
        if rng.random() < 0.7:
            answers["rent_quoted_eur"] = float(
                rent + (50 if protected and rng.random() < 0.05 else 0)
            )
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
        answers["courtesy"] = _weighted(
            rng, {"good": 50 if invited else 30, "neutral": 40, "poor": 15 if protected else 8}
        )
        return answers
