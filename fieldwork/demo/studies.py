"""The demo's studies, each from set-up to release through the services of real use.

A study is set up as a coordinator does it (:mod:`fieldwork.services.studies.setup`, the target
file import or the next wave's carried-over targets, testers, teams and their membership
history, pairs with the matching check, a previewed and saved schedule), its testers' phones
send every report through the intake (:func:`fieldwork.services.reports.intake.file_report`,
with the moment of submitting and the phone's clock), some testers correct a report, the
coordinator reviews each night the next morning (asking a team about a deviation, who answers
with an amendment), incidents come in and are handled, and the earlier waves are closed and
released (made, approved by a second person, published). Every one of these steps is audited by
the service that does it.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from sqlmodel import col
from sqlmodel import select

from analysis import csvsafe
from fieldwork import clock
from fieldwork.demo import data
from fieldwork.demo import visits
from fieldwork.demo.builder import Demo
from fieldwork.demo.builder import DemoError
from fieldwork.demo.builder import local_time
from fieldwork.models import Pair
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import Test
from fieldwork.models import User
from fieldwork.services.monitoring.incidents import record_incident
from fieldwork.services.monitoring.incidents import resolve_incident
from fieldwork.services.people.pairs import create_pair
from fieldwork.services.people.testers import add_member
from fieldwork.services.people.testers import create_team
from fieldwork.services.people.testers import list_testers
from fieldwork.services.people.testers import remove_member
from fieldwork.services.people.testers import save_tester
from fieldwork.services.releases import lifecycle as releases
from fieldwork.services.reports import review as reviews
from fieldwork.services.reports.intake import ReportSubmission
from fieldwork.services.reports.intake import amend_report
from fieldwork.services.reports.intake import file_report
from fieldwork.services.schedule.assignments import assignment_for_user
from fieldwork.services.schedule.edit import ScheduleRequest
from fieldwork.services.schedule.edit import preview_schedule
from fieldwork.services.schedule.edit import save_schedule
from fieldwork.services.studies.setup import StudyInput
from fieldwork.services.studies.setup import change_status
from fieldwork.services.studies.setup import create_study
from fieldwork.services.studies.target_import import import_targets
from forms import Instrument
from forms import get_instrument

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
YEAR = timedelta(weeks=52)  # the same weekdays a year earlier


@dataclass
class Member:
    username: str
    tester_code: str
    joined_on: date | None = None
    left_on: date | None = None

    def on(self, night: date) -> bool:
        return (self.joined_on is None or self.joined_on <= night) and (
            self.left_on is None or self.left_on > night
        )


@dataclass
class Night:
    """The tests of one night (or day) and what the coordinator still has to decide."""

    day: date
    tests: list[Test] = field(default_factory=list)


class Fieldwork:
    """One study: set-up, reports, corrections, reviews (what nightlife and housing share)."""

    domain: str
    window: tuple[time, time]
    slot_minutes: int
    override_reason: str | None = None  # one valid pair the coordinator declares invalid

    def __init__(self, demo: Demo, code: str, days: list[date], open_: bool) -> None:
        self.demo = demo
        self.code = code
        self.days = days
        self.open = open_  # still in the field: the last day is not reviewed yet
        self.session = demo.session
        self.study: Study
        self.instrument: Instrument
        self.targets: dict[str, Target] = {}
        self.teams: dict[str, Team] = {}
        self.members: dict[str, list[Member]] = defaultdict(list)
        self.pairs: list[Pair] = []
        self.nights = {day: Night(day) for day in days}
        self.asked: list[int] = []  # tests whose team was asked about a deviation, undecided
        self.waiting = False  # one team has not answered its question yet (the last review)
        self.reports_rng = demo.rng(code, "reports")
        self.conflict_due = False  # two members of a team will both send a report
        self.review_clock = datetime.min

    # --- set-up ---------------------------------------------------------------------------------

    def step(self, moment: datetime, action: Any, *args: Any) -> None:
        self.demo.timeline.at(moment, lambda: action(*args))

    @property
    def coordinator(self) -> User:
        return self.demo["coordinator"]

    def create(self, settings: StudyInput, previous: Study | None = None) -> None:
        self.study = create_study(session=self.session, data=settings, user=self.coordinator,
                                  previous_wave=previous)  # fmt: skip
        self.instrument = get_instrument(settings.instrument_id, settings.instrument_version)
        if previous is not None:  # the next wave's targets came over with their codes
            carried = select(Target).where(Target.study_id == self.study.id)
            self.targets = {target.code: target
                            for target in self.session.exec(carried.order_by(col(Target.id)))}  # fmt: skip

    def import_targets(self, rows: list[dict[str, str]]) -> None:
        """The coordinator's target file, as the import page or `import-targets` reads it."""
        text = io.StringIO()
        writer = csvsafe.writer(text)  # the file a coordinator would open and import
        writer.writerow(visits.TARGET_COLUMNS)
        writer.writerows([row[column] for column in visits.TARGET_COLUMNS] for row in rows)
        made = import_targets(session=self.session, study=self.study, text=text.getvalue(),
                              user=self.coordinator)  # fmt: skip
        self.targets = {target.code: target for target in made}

    def plan_people(self, specs: list[data.TeamSpec]) -> list[tuple[str, str]]:
        """Tester accounts for the teams (usernames in order); the accounts to make."""
        accounts = []
        for spec in specs:
            for _gender in spec.genders:
                username, tester_code = self.demo.next_tester()
                self.members[spec.code].append(Member(username, tester_code))
                accounts.append((username, "tester"))
        return accounts

    def people(self, specs: list[data.TeamSpec]) -> None:
        """The testers (pseudonymous, linked to their accounts), the teams and their members."""
        for spec in specs:
            team = create_team(session=self.session, study=self.study, code=spec.code,
                               role=spec.role, user=self.coordinator)  # fmt: skip
            self.teams[spec.code] = team
            first = [member for member in self.members[spec.code] if member.joined_on is None]
            for member, gender in zip(first, spec.genders, strict=True):
                self.join(spec, member, gender)

    def join(self, spec: data.TeamSpec, member: Member, gender: str) -> None:
        tester = save_tester(
            session=self.session, study=self.study, tester=None, code=member.tester_code,
            group=spec.role, gender=gender, age_band=spec.age_band, language=spec.language,
            active=True, username=member.username, user=self.coordinator,
        )  # fmt: skip
        add_member(session=self.session, study=self.study, team=self.teams[spec.code],
                   tester=tester, user=self.coordinator, on=member.joined_on)  # fmt: skip

    def pair(self, code: str, first: str, second: str, sham: bool = False) -> None:
        """A pair, made only when the matching check finds the two teams alike."""
        self.pairs.append(create_pair(
            session=self.session, study=self.study, code=code,
            protected_team_id=self.teams[first].id, control_team_id=self.teams[second].id,
            sham=sham, accept_differences=False, user=self.coordinator,
        ))  # fmt: skip

    def schedule(self, days: list[date], targets: list[Target], visits_per_target: int = 1,
                 retest: bool = False) -> list[Test]:  # fmt: skip
        """Preview the draw and save it, as the schedule page does."""
        request = ScheduleRequest(
            nights=days, window_start=self.window[0], window_end=self.window[1],
            slot_minutes=self.slot_minutes, visits_per_target=visits_per_target,
            pair_ids=[pair.id or 0 for pair in self.pairs],
            target_ids=[target.id or 0 for target in targets], retest=retest,
        )  # fmt: skip
        preview = preview_schedule(self.session, study=self.study, request=request,
                                   timezone=data.TIMEZONE)  # fmt: skip
        tests = save_schedule(session=self.session, study=self.study, request=request,
                              fingerprint=preview.fingerprint, timezone=data.TIMEZONE,
                              user=self.coordinator)  # fmt: skip
        for test in tests:
            if test.night in self.nights:
                self.nights[test.night].tests.append(test)
        return tests

    def start(self) -> None:
        change_status(session=self.session, study=self.study, status="fieldwork",
                      user=self.coordinator)  # fmt: skip

    # --- the phones -----------------------------------------------------------------------------

    def team_of(self, test: Test, role: str) -> Team:
        pair = next(pair for pair in self.pairs if pair.id == test.pair_id)
        team_id = pair.protected_team_id if role == "protected" else pair.control_team_id
        return next(team for team in self.teams.values() if team.id == team_id)

    def send(self, test: Test, role: str, answers: dict[str, Any], arrived: datetime) -> None:
        """A member of the team fills the report in after the visit; their phone sends it."""
        rng = self.reports_rng
        team = self.team_of(test, role)
        present = [m.username for m in self.members[team.code] if m.on(test.night)]
        author = rng.choice(present)
        times = visits.phone_times(rng, arrived)
        submission = ReportSubmission(
            uuid=visits.new_uuid(rng), answers=answers, instrument_id=self.instrument.id,
            instrument_version=self.instrument.version, device_time=times.device_time,
            elapsed_seconds=times.elapsed_seconds, submitted_at=times.submitted_at,
        )  # fmt: skip
        self.step(times.received_at, self.file, test, team, author, submission, "created")
        correction = visits.corrected(rng, answers) if rng.random() < 0.02 else None
        if correction is not None:
            changed, fixed = correction
            later = times.received_at + rng.uniform(10, 60) * MINUTE
            self.step(later, self.amend, test, team, author, fixed, data.CORRECTIONS[changed])
        if self.conflict_due and len(present) > 1 and test.night == self.days[-1]:
            # Two members of one team both send a report: the second is kept as a conflict.
            self.conflict_due = False
            second = ReportSubmission(
                uuid=visits.new_uuid(rng), answers={**answers, "notes": data.SECOND_VERSION_NOTE},
                instrument_id=self.instrument.id, instrument_version=self.instrument.version,
                device_time=times.device_time + 15 * MINUTE, submitted_at=times.submitted_at,
            )  # fmt: skip
            other = next(name for name in present if name != author)
            self.step(times.received_at + 15 * MINUTE, self.file, test, team, other, second,
                      "conflict")  # fmt: skip

    def file(self, test: Test, team: Team, author: str, submission: ReportSubmission,
             expected: str) -> None:  # fmt: skip
        user = self.demo[author]
        result = file_report(session=self.session, user=user, test_id=test.id or 0,
                             team_code=team.code, author_id=user.id, submission=submission,
                             via="api", **self.demo.intake)  # fmt: skip
        if result.status != expected:
            raise DemoError(f"{self.code}: a simulated report of {team.code} by {author} on {test.night} was {result.status}, not {expected} "
                            f"({result.errors}).")  # fmt: skip

    def amend(self, test: Test, team: Team, author: str, answers: dict[str, Any],
              reason: str) -> None:  # fmt: skip
        """The author corrects the team's report (an amendment; the report stays locked)."""
        user = self.demo[author]
        assignment = assignment_for_user(self.session, user.id or 0, test.id or 0,
                                         team_code=team.code)  # fmt: skip
        if assignment is None or assignment.report is None:
            raise DemoError(f"{self.code}: no report of {team.code} to amend.")
        result = amend_report(
            session=self.session,
            assignment=assignment,
            report=assignment.report,
            user=user,
            answers=answers,
            reason=reason,
        )
        if result.amendment is None:
            raise DemoError(f"{self.code}: a simulated amendment was refused ({result.errors}).")

    # --- the coordinator's review ---------------------------------------------------------------

    def plan_reviews(self) -> None:
        """Each day is reviewed the next morning, the last one only once the study is over."""
        reviewed = self.days[:-1] if self.open else self.days
        for day in reviewed:
            self.step(local_time(day + DAY, time(10, 0)), self.review, day)
        if not self.open:
            self.step(local_time(self.days[-1] + 3 * DAY, time(10, 0)), self.review_last)

    def review(self, day: date) -> None:
        """Decide the answered questions, then each test of the day whose two reports are in:
        valid by the rules → approved; a deviation → ask the team; otherwise → rejected."""
        self.review_clock = self.demo.timeline.now or self.review_clock
        for status in self.statuses(self.asked):
            self.decide(status, "rejected")  # the deviation stands, now explained
        self.asked = []
        override_due = self.override_reason is not None and day == self.days[1]
        last = self.open and day == self.days[-2]
        for status in self.statuses([test.id or 0 for test in self.nights[day].tests]):
            if not status.complete:
                continue  # a late report may still come in
            if status.computed_valid and override_due and not status.pair.sham:
                override_due = False
                self.reject_on_second_thought(status)
            elif status.computed_valid:
                self.decide(status, "approved")
            elif "deviation" in status.reasons:
                self.ask(status, answered=not (last and not self.waiting))
            else:
                self.decide(status, "rejected")

    def review_last(self) -> None:
        """Before closing: the questions are decided and tests with a report missing rejected."""
        self.review_clock = self.demo.timeline.now or self.review_clock
        for status in self.statuses(self.asked):
            self.decide(status, "rejected")
        self.asked = []
        for status in self.statuses([test.id or 0 for night in self.nights.values()
                                     for test in night.tests]):  # fmt: skip
            if status.state == "received":
                self.decide(status, "rejected")

    def statuses(self, test_ids: list[int]) -> list[reviews.TestStatus]:
        if not test_ids:
            return []
        return reviews.study_statuses(self.session, study=self.study, timezone=data.TIMEZONE,
                                      test_ids=test_ids)  # fmt: skip

    def decide(self, status: reviews.TestStatus, state: str,
               messages: dict[int, str] | None = None) -> None:  # fmt: skip
        self.review_clock += MINUTE  # the coordinator takes a minute a test
        with clock.frozen(self.review_clock):
            reviews.change_state(session=self.session, study=self.study, status=status,
                                 state=state, messages=messages or {}, user=self.coordinator)  # fmt: skip

    def reject_on_second_thought(self, status: reviews.TestStatus) -> None:
        """A valid pair by the rules that the coordinator declares invalid, with the reason."""
        with clock.frozen(self.review_clock):
            reviews.override(session=self.session, study=self.study, status=status,
                             valid=False, reason=str(self.override_reason),
                             user=self.coordinator)  # fmt: skip
        self.decide(self.statuses([status.test.id or 0])[0], "rejected")

    def ask(self, status: reviews.TestStatus, *, answered: bool) -> None:
        """'Has issues': the team that deviated is asked; it answers with an amendment."""
        slot = next(slot for slot in ("protected", "control")
                    if (status.answers(slot) or {}).get("deviations"))  # fmt: skip
        team = status.teams[slot]
        self.decide(status, "has_issues", {team.id or 0: data.ASK_ABOUT_DEVIATION})
        self.asked.append(status.test.id or 0)
        if not answered:
            self.waiting = True
            return
        answers = dict(status.answers(slot) or {})
        rng = self.demo.rng(self.code, "answer", status.test.id)
        notes = [note for note in data.DEVIATION_NOTES if note != answers.get("notes")]
        answers["notes"] = rng.choice(notes)
        author = rng.choice([m.username for m in self.members[team.code]
                             if m.on(status.test.night)])  # fmt: skip
        evening = local_time(status.test.night + DAY, time(18, 30)) + rng.uniform(0, 90) * MINUTE
        self.step(evening, self.amend, status.test, team, author, answers,
                  rng.choice(data.ANSWER_ABOUT_DEVIATION))  # fmt: skip


# --- nightlife ----------------------------------------------------------------------------------


class NightlifeWave(Fieldwork):
    """A wave of the nightlife study: 52 venues, three visits each over five Friday and Saturday
    nights; the waves before DEMO-NL are closed and published, DEMO-NL has tests tonight."""

    domain = "nightlife"
    window = (time(22, 0), time(3, 0))
    slot_minutes = 30
    override_reason = data.OVERRIDE_REASON

    def __init__(self, demo: Demo, wave: data.Wave, previous: NightlifeWave | None) -> None:
        tonight = demo.today
        nights = [night - wave.years_back * YEAR
                  for night in visits.past_days(tonight, data.PAST_NIGHTS, {4, 5})]  # fmt: skip
        super().__init__(demo, wave.code, nights, open_=wave.years_back == 0)
        self.wave = wave
        self.previous = previous
        self.conflict_due = self.open

    def plan(self) -> None:
        start = local_time(self.days[0] - 21 * DAY, time(10, 0))
        if self.previous is None:
            accounts = [*data.STAFF, *self.plan_people(data.NIGHTLIFE_TEAMS)]
            self.step(start - 30 * MINUTE, self.demo.accounts, accounts)
        else:  # the same testers (their accounts) come back every year
            for code, members in self.previous.members.items():
                self.members[code] = [Member(m.username, m.tester_code) for m in members]
        self.step(start, self.set_up)
        self.step(start + 60 * MINUTE, self.first_schedule)
        if self.open:
            self.plan_substitute()
            self.step(local_time(self.demo.today - 2 * DAY, time(14, 0)), self.tonight)
        self.plan_reviews()
        self.plan_incidents()
        if not self.open:
            self.plan_release()

    def set_up(self) -> None:
        kinds = list(data.ADMISSION_CONTROL)
        venues_per_type = {kind: sum(area[3][kind] for area in data.AREAS) for kind in kinds}
        self.create(StudyInput(
            code=self.code, title=f"Deurbeleid Den Haag {self.days[-1].year} (demo)",
            domain="nightlife", instrument_id="nightlife-door", instrument_version=1,
            purpose="monitoring", order_rule="randomised", planned_gap_minutes=5,
            max_interval_minutes=15, seed=self.demo.seed - self.wave.years_back,
            publication_min_cell=10, target_types=kinds,
            target_sample_size={kind: count * data.VISITS_PER_VENUE
                                for kind, count in venues_per_type.items()},
            # The effect the study is planned to detect: the dashboard's power is for this.
            planned_p10=0.15, planned_p01=0.05, **data.EMERGENCY_CONTACT,
        ), self.previous.study if self.previous is not None else None)  # fmt: skip
        if self.previous is None:
            self.import_targets(visits.venues(self.demo.rng("venues")))
        self.people(data.NIGHTLIFE_TEAMS)
        for number in range(1, 5):
            self.pair(f"PAIR-{number}", f"P{number}", f"C{number}")
        code, first, second = data.SHAM_PAIR
        self.pair(code, first, second, sham=True)

    def first_schedule(self) -> None:
        tests = self.schedule(self.days, list(self.targets.values()), data.VISITS_PER_VENUE)
        self.start()
        self.simulate(tests)

    def tonight(self) -> None:
        """Tonight's tests: two venues for each pair, visited again (retests)."""
        chosen = self.demo.rng(self.code, "tonight").sample(sorted(self.targets),
                                                            2 * len(self.pairs))  # fmt: skip
        self.schedule([self.demo.today], [self.targets[code] for code in chosen], retest=True)

    def plan_substitute(self) -> None:
        """A member of a team stops after a night; a tester of the same profile takes over."""
        spec = data.SUBSTITUTE
        team = next(t for t in data.NIGHTLIFE_TEAMS if t.code == spec["team"])
        from_night = self.days[int(spec["after_night"])]
        leaver = self.members[team.code][-1]
        leaver.left_on = from_night  # known now: the reports are drawn before the night comes
        username, tester_code = self.demo.next_tester()
        newcomer = Member(username, tester_code, joined_on=from_night)
        self.members[team.code].append(newcomer)
        moment = local_time(from_night - DAY, time(11, 0))
        self.step(moment, self.substitute, team, leaver, newcomer, str(spec["gender"]), from_night)

    def substitute(self, spec: data.TeamSpec, leaver: Member, newcomer: Member, gender: str,
                   from_night: date) -> None:  # fmt: skip
        tester = next(t for t in list_testers(self.session, study=self.study)
                      if t.code == leaver.tester_code)  # fmt: skip
        remove_member(session=self.session, study=self.study, team=self.teams[spec.code],
                      tester=tester, user=self.coordinator, on=from_night)  # fmt: skip
        self.demo.accounts([(newcomer.username, "tester")])
        self.join(spec, newcomer, gender)

    def simulate(self, tests: list[Test]) -> None:
        """Draw every visit of the past nights (in test order) and send its reports."""
        rng = self.reports_rng
        effects = self.demo.rng("venue-effects")
        venue_effect = {code: effects.gauss(0, 0.6) for code in sorted(self.targets)}
        by_id = {target.id: target for target in self.targets.values()}
        for test in sorted(tests, key=lambda t: t.id or 0):
            pair = next(p for p in self.pairs if p.id == test.pair_id)
            venue = by_id[test.target_id]
            kind = venue.target_type
            p_control = visits.expit(visits.logit(data.ADMISSION_CONTROL[kind])
                                     + venue_effect[venue.code])  # fmt: skip
            penalty = data.PROTECTED_PENALTY[kind] * self.wave.effect
            groups = {"protected": "control" if pair.sham else "protected", "control": "control"}
            full_for_all = rng.random() < 0.03
            planned = {"protected": test.planned_protected, "control": test.planned_control}
            arrived, planted = visits.arrivals(rng, planned, test.first_role,
                                               lambda: rng.uniform(16, 35), test.window_start)  # fmt: skip
            missing = rng.choice(["protected", "control"]) if rng.random() < 0.05 else None
            deviating = rng.choice(["protected", "control"]) if rng.random() < 0.03 else None
            for role in ("protected", "control"):
                if role == missing:
                    continue
                protected = groups[role] == "protected"
                admitted = not full_for_all and rng.random() < max(
                    0.02, p_control - (penalty if protected else 0)
                )
                deviations = [visits.weighted(rng, data.NIGHTLIFE_DEVIATIONS)] \
                    if role == deviating else []  # fmt: skip
                if planted == "late" and role != test.first_role and rng.random() < 0.5:
                    deviations.append("late")
                answers = visits.door_answers(rng, kind, protected, admitted, full_for_all,
                                              visits.local(arrived[role]), deviations)  # fmt: skip
                self.send(test, role, answers, arrived[role])

    def plan_incidents(self) -> None:
        """Tonight's study had a tester unwell (handled) and a threat last night (still open)."""
        if not self.open:
            return
        for number, kind, description, note in data.INCIDENTS:
            day = self.days[number - 1]
            moment = local_time(day, time(23, 40))
            self.step(moment, self.incident, day, kind, description, note)

    def incident(self, day: date, kind: str, description: str, note: str) -> None:
        test = min(self.nights[day].tests, key=lambda t: (t.planned_protected, t.id or 0))
        team = self.team_of(test, test.first_role)
        author = next(m.username for m in self.members[team.code] if m.on(day))
        rng = self.demo.rng(self.code, "incident", day)
        result = record_incident(
            session=self.session, user=self.demo[author], uuid=visits.new_uuid(rng), kind=kind,
            description=description, study_id=self.study.id, test_id=test.id,
            device_time=local_time(day, time(23, 40)) + rng.gauss(0, 20) * timedelta(seconds=1),
            via="api",
        )  # fmt: skip
        if result.incident is None:
            raise DemoError(f"{self.code}: a simulated incident was refused ({result.errors}).")
        if note:
            self.step(local_time(day + DAY, time(9, 15)), self.handled, result.incident, note)

    def handled(self, incident: Any, note: str) -> None:
        resolve_incident(session=self.session, incident=incident, user=self.coordinator,
                         note=note)  # fmt: skip

    def plan_release(self) -> None:
        """Closed ten days after the last night; released six weeks later: made by the
        coordinator, approved by the administrator (a second person), then published."""
        last = self.days[-1]
        self.step(local_time(last + 10 * DAY, time(10, 0)), self.close)
        self.step(local_time(last + 42 * DAY, time(10, 0)), self.make_release)

    def close(self) -> None:
        change_status(session=self.session, study=self.study, status="closed",
                      user=self.coordinator)  # fmt: skip

    def make_release(self) -> None:
        nl, en = data.RELEASE_TEXTS["nightlife"]
        self.release = releases.create_release(
            session=self.session, study=self.study, user=self.coordinator,
            texts=releases.ReleaseTexts(next_steps_nl=nl, next_steps_en=en),
        )  # fmt: skip
        moment = self.demo.timeline.now or local_time(self.days[-1], time(12, 0))
        self.step(moment + DAY, self.approve_and_publish)

    def approve_and_publish(self) -> None:
        releases.approve_release(session=self.session, release=self.release,
                                 user=self.demo["admin"])  # fmt: skip
        releases.publish_release(session=self.session, release=self.release,
                                 user=self.coordinator)  # fmt: skip


# --- housing ------------------------------------------------------------------------------------


class Housing(Fieldwork):
    """Adverts of the three kinds of provider, each contacted once by each team of a pair on one
    of the eight weekdays before today."""

    domain = "housing"
    window = (time(10, 0), time(17, 0))
    slot_minutes = 60

    def __init__(self, demo: Demo) -> None:
        days = visits.past_days(demo.today, data.HOUSING_DAYS, {0, 1, 2, 3, 4})
        super().__init__(demo, data.HOUSING_CODE, days, open_=True)

    def plan(self) -> None:
        start = local_time(self.days[0] - 14 * DAY, time(14, 0))
        self.step(start - 30 * MINUTE, self.demo.accounts, self.plan_people(data.HOUSING_TEAMS))
        self.step(start, self.set_up)
        self.plan_reviews()

    def set_up(self) -> None:
        self.create(StudyInput(
            code=self.code, title=f"Toegang huurwoningen Den Haag {self.days[-1].year} (demo)",
            domain="housing", instrument_id="housing-access", instrument_version=1,
            purpose="monitoring", order_rule="randomised", planned_gap_minutes=60,
            max_interval_minutes=2880, seed=self.demo.seed + 1, publication_min_cell=10,
            target_types=list(data.LISTINGS), target_sample_size=dict(data.LISTINGS),
            planned_p10=0.20, planned_p01=0.08, **data.EMERGENCY_CONTACT,
        ))  # fmt: skip
        self.import_targets(visits.listings(self.demo.rng(self.code, "listings")))
        self.people(data.HOUSING_TEAMS)
        for number in range(1, 4):
            self.pair(f"PAIR-{number}", f"P{number}", f"C{number}")
        tests = self.schedule(self.days, list(self.targets.values()))
        self.start()
        self.simulate(tests)

    def simulate(self, tests: list[Test]) -> None:
        rng = self.reports_rng
        codes = sorted(self.targets)
        provider_effect = {code: rng.gauss(0, 0.5) for code in codes}
        rent = {code: rng.randrange(850, 1900, 25) for code in codes}
        by_id = {target.id: target for target in self.targets.values()}
        for test in sorted(tests, key=lambda t: t.id or 0):
            listing = by_id[test.target_id]
            kind = listing.target_type
            p_control = visits.expit(visits.logit(data.INVITED_CONTROL[kind])
                                     + provider_effect[listing.code])  # fmt: skip
            mode = visits.weighted(rng, {"email": 50, "phone": 40, "visit": 10})
            planned = {"protected": test.planned_protected, "control": test.planned_control}
            arrived, _ = visits.arrivals(rng, planned, test.first_role,
                                         lambda: rng.uniform(2900, 5000), test.window_start)  # fmt: skip
            missing = rng.choice(["protected", "control"]) if rng.random() < 0.05 else None
            for role in ("protected", "control"):
                if role == missing:
                    continue
                p_invite = p_control - (data.INVITED_PENALTY[kind] if role == "protected" else 0)
                invited = rng.random() < max(0.02, p_invite)
                answers = visits.housing_answers(
                    rng,
                    kind,
                    role == "protected",
                    invited,
                    mode,
                    rent[listing.code],
                    visits.local(arrived[role]),
                )
                self.send(test, role, answers, arrived[role])


def plan_studies(demo: Demo) -> list[str]:
    """Plan every demo study on the timeline; the codes of the studies, in the order made."""
    previous: NightlifeWave | None = None
    for wave in data.WAVES:
        previous = NightlifeWave(demo, wave, previous)
        previous.plan()
    Housing(demo).plan()
    return list(data.STUDY_CODES)
