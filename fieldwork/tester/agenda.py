"""The tester's list of tests, in sections by the words of the study's domain.

Nightlife: tonight, earlier (not yet reported), upcoming. Housing (daytime contacts with a
deadline): overdue, today, this week, later. Both: first the reports a coordinator asked about,
last the done ones (newest first, with the moment each was received). A section whose tests are
all reported says so instead of "nothing planned".
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel.speaklater import LazyString

from fieldwork.services.schedule.assignments import Assignment
from fieldwork.tester.words import words_for
from fieldwork.timeutil import night_of


@dataclass
class Section:
    key: str
    heading: LazyString
    domain: str
    assignments: list[Assignment] = field(default_factory=list)
    note: LazyString | None = None  # said when the section has no open tests
    day: date | None = None  # the night or day the section is about, where it is one


@dataclass
class Agenda:
    attention: list[Assignment]
    sections: list[Section]
    done: list[Assignment]


def build_agenda(
    assignments: list[Assignment],
    *,
    domains: set[str],
    now: datetime,
    zone: ZoneInfo,
    night_ends_hour: int,
    attention: set[int] | frozenset[int] = frozenset(),
) -> Agenda:
    """Sort ``assignments`` (ordered by planned time) into the sections of ``domains``."""
    local_now = now.astimezone(zone)
    tonight = night_of(local_now, night_ends_hour)
    today = local_now.date()
    domains = domains | {a.study.domain for a in assignments}
    sections: dict[tuple[str, str], Section] = {}
    for domain in sorted(domains, key=lambda d: (d != "nightlife", d)):
        for key, heading in words_for(domain).sections:
            sections[(domain, key)] = Section(key, heading, domain)
    for domain, key in (("nightlife", "tonight"), ("housing", "today")):
        if (domain, key) in sections:
            sections[(domain, key)].day = tonight if domain == "nightlife" else today
    attention_list: list[Assignment] = []
    done: list[Assignment] = []
    done_in: set[tuple[str, str]] = set()
    for assignment in assignments:
        domain = assignment.study.domain
        key = (
            _nightlife_key(assignment, tonight)
            if domain == "nightlife"
            else _housing_key(assignment, now, today, zone)
        )
        if assignment.test.id in attention:
            attention_list.append(assignment)
        elif assignment.done:
            done.append(assignment)
            done_in.add((domain, key))
        else:
            sections[(domain, key)].assignments.append(assignment)
    shown = []
    for (domain, key), section in sections.items():
        words = words_for(domain)
        if not section.assignments:
            if (domain, key) in done_in and key in words.all_done:
                section.note = words.all_done[key]
            elif key in words.empty:
                section.note = words.empty[key]
            else:
                continue  # an empty "overdue" or "earlier" section is not shown
        shown.append(section)
    done.sort(key=lambda a: a.report.received_at if a.report else now, reverse=True)
    return Agenda(attention_list, shown, done)


def _nightlife_key(assignment: Assignment, tonight: date) -> str:
    night = assignment.test.night
    return "tonight" if night == tonight else "upcoming" if night > tonight else "earlier"


def _housing_key(assignment: Assignment, now: datetime, today: date, zone: ZoneInfo) -> str:
    deadline = assignment.test.window_end
    if deadline < now:
        return "overdue"
    day = deadline.astimezone(zone).date()
    if day == today:
        return "today"
    if day.isocalendar()[:2] == today.isocalendar()[:2]:
        return "this_week"
    return "later"
