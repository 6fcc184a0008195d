"""The words of the tester's pages, per study domain: the one place that holds them.

Nightlife testers visit a door in an evening slot; housing testers contact a landlord or agent in
the daytime, by e-mail, phone or visit, before a deadline. Templates take a test's words from
``words_for(study.domain)`` (the ``words`` global) and never hard-code "tonight" or "door".
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class Words:
    planned: LazyString  # the team's planned moment of the test
    day: LazyString  # the date a test belongs to
    window: LazyString | None  # the time window (nightlife), or None
    deadline: LazyString | None  # the deadline (housing), or None
    # The list's sections, in the order shown: key → heading and what to say when empty.
    sections: tuple[tuple[str, LazyString], ...]
    empty: dict[str, LazyString]
    all_done: dict[str, LazyString]  # a section whose tests are all reported


NIGHTLIFE = Words(
    planned=_l("Your time at the door"),
    day=_l("Night"),
    window=_l("Window"),
    deadline=None,
    sections=(
        ("tonight", _l("Tonight")),
        ("earlier", _l("Earlier, not yet reported")),
        ("upcoming", _l("Upcoming")),
    ),
    empty={"tonight": _l("No tests planned for tonight."), "upcoming": _l("Nothing planned yet.")},
    all_done={"tonight": _l("Done for tonight: all your reports are in.")},
)

HOUSING = Words(
    planned=_l("Your planned contact"),
    day=_l("Day"),
    window=None,
    deadline=_l("Deadline"),
    sections=(
        ("overdue", _l("Overdue")),
        ("today", _l("Today")),
        ("this_week", _l("This week")),
        ("later", _l("Later")),
    ),
    empty={"today": _l("Nothing due today."), "later": _l("Nothing planned yet.")},
    all_done={"today": _l("Done for today: all your reports are in.")},
)

WORDS = {"nightlife": NIGHTLIFE, "housing": HOUSING}


def words_for(domain: str) -> Words:
    """The words of a study domain (``models.STUDY_DOMAINS``); a new domain must be added here."""
    return WORDS[domain]
