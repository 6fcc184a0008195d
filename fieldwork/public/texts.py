"""The words of the public release, from the app's Babel catalogue, per domain.

Every text has a nightlife and a housing form (housing has no door words: contact, response,
viewing, landlord or agent); the English here is the msgid, the Dutch lives in the catalogue.
Placeholders are ``%(name)s``, filled with numbers already formatted for the language;
:func:`say` fills an entry of these tables, the functions below build the texts whose words
depend on a number (plurals, and the wording rules of docs/release-rules.md).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

DOMAINS = ("nightlife", "housing")

TEXTS: dict[str, dict[str, Any]] = {
    "nightlife": {
        "headline": _l(
            "%(period)s, teams of testers tried to get into %(targets)s nightlife venues in "
            "The Hague, in %(n)s valid paired tests. In %(gross_p)s of every 100 tests only the "
            "group with a migration background was refused; in %(gross_c)s of every 100, only "
            "the comparison group."
        ),
        "net_worse": _l(
            "The difference, %(net)s in 100 tests (the net measure), is the best estimate of how "
            "much more often the group with a migration background is refused."
        ),
        "net_better": _l(
            "The difference, %(net)s in 100 tests (the net measure), is the best estimate: here "
            "the comparison group was refused more often than the group with a migration "
            "background."
        ),
        "net_none": _l("Both groups were refused equally often (a net measure of 0 in 100 tests)."),
        "grounds": _l("Perceived migration background (ethnic origin)."),
        "pairs": _l(
            "In every test two teams of %(size)s people go to the same venue: one with and one "
            "without a migration background."
        ),
        "pairs_single": _l(
            "In every test two testers go to the same venue: one with and one without a "
            "migration background."
        ),
        "matching": _l(
            "Both teams are alike in gender, age, language, clothing and behaviour, and follow "
            "the same script."
        ),
        "order_randomised": _l("For every test, which team went first was drawn at random."),
        "order_protected_first": _l("The team with a migration background always went first."),
        "order_control_first": _l("The comparison team always went first."),
        "interval": _l(
            "Planned %(gap)s apart; tests with more than %(max)s between the two teams do not "
            "count."
        ),
        "training": _l(
            "All testers were trained: door policy and house rules, the script, de-escalation "
            "and filling in the report."
        ),
        "privacy": _l(
            "No names of venues, no addresses, no testers and no exact dates. Lines with too "
            "few tests or venues are not shown."
        ),
        "table_type": _l("Table 1. Results per type of venue"),
        "chart_type": _l("Net measure with 95 %% margin, per type of venue"),
        "chart_caption": _l(
            "Dot: net measure; line: 95 %% margin. Right of the dashed line (0), the group with "
            "a migration background is worse off."
        ),
        "col_targets": _l("Venues"),
        "col_both": _l("Both admitted"),
        "col_b": _l("Only comparison group admitted"),
        "col_c": _l("Only group with migration background admitted"),
        "col_d": _l("Both refused"),
        "table_note": _l(
            "Exact numbers of tests; percentages and margins in whole percentage points. "
            "Admitted on conditions counts as not admitted."
        ),
        "scope": _l("The tests measure only the door, not what happens inside."),
        "one_visit": _l(
            "Each venue was tested once. One refusal says little about one venue; the figures "
            "are about groups of venues."
        ),
        "repeat_visits": _l(
            "Some venues were tested more than once; the margins and tests allow for that. One "
            "refusal says little about one venue; the figures are about groups of venues."
        ),
        "chance": _l(
            "Teams are sometimes treated differently by chance. The net measure subtracts the "
            "tests in which only the comparison group was refused from those in which only the "
            "group with a migration background was."
        ),
        "order_intro": _l("The order of the visits and the time between them can matter."),
        "order_fixed_protected": _l(
            "In this study the team with a migration background always went first, so the "
            "figures may include an effect of going first."
        ),
        "order_fixed_control": _l(
            "In this study the comparison team always went first, so the figures may include "
            "an effect of going second."
        ),
        "order_values": _l(
            "%(first_p)s in 100 tests when the team with a migration background went first, "
            "%(first_c)s when the comparison team went first"
        ),
        "decisions_intro": _l(
            "Fixed rules protect venues and testers. These are the decisions for this release."
        ),
        "rule_min_targets": _l("fewer than %(min_targets)s different venues"),
        "rule_dominance": _l("one or two venues gave most of the tests"),
        "rule_extreme_share": _l("a group was refused in every test or in none"),
        "no_test": _l(
            "With only %(targets)s venues, no test of chance is shown for this difference."
        ),
        "margin_repeat": _l("This margin allows for venues that were tested more than once."),
        "margin_few": _l("With %(targets)s venues it is approximate."),
        "independent": _l(
            "If the visits were independent, the margin would be %(low)s to %(high)s."
        ),
        "independent_p": _l(
            "If the visits were independent, the margin would be %(low)s to %(high)s (p %(p)s)."
        ),
        "note_repeat": _l(
            "Where a venue was tested more than once, the margin and p allow for it (venue-robust: "
            'Obuchowski\'s test); the figures "if the visits were independent" leave that out. '
            "Elsewhere p is McNemar's mid-p."
        ),
        "index_line": _l("Nightlife"),
        "change_overlap": _l(
            "%(both)s of the %(targets)s venues in this comparison were tested in both waves."
        ),
        "trend_caption": _l(
            "Dot: net measure of the whole city; line: 95 %% margin. Above the dashed line (0), "
            "the group with a migration background is worse off. Each dot opens its release."
        ),
    },
    "housing": {
        "headline": _l(
            "%(period)s, testers responded to %(targets)s adverts for rental homes in The Hague, "
            "in %(n)s valid paired tests. In %(gross_p)s of every 100 tests only the comparison "
            "tester was invited to a viewing; in %(gross_c)s of every 100, only the tester with "
            "a migration background."
        ),
        "net_worse": _l(
            "The difference, %(net)s in 100 tests (the net measure), is the best estimate of how "
            "much more often a tester with a migration background is not invited."
        ),
        "net_better": _l(
            "The difference, %(net)s in 100 tests (the net measure), is the best estimate: here "
            "the comparison tester was left without an invitation more often than the tester "
            "with a migration background."
        ),
        "net_none": _l(
            "Both testers were invited equally often (a net measure of 0 in 100 tests)."
        ),
        "grounds": _l("Migration background, as shown by name and profile."),
        "pairs": _l(
            "In every test two testers respond to the same advert: one with and one without a "
            "migration background."
        ),
        "pairs_single": _l(
            "In every test two testers respond to the same advert: one with and one without a "
            "migration background."
        ),
        "matching": _l(
            "Both testers present a similar profile (income, job, household, tone of the "
            "message); only the migration background differs."
        ),
        "order_randomised": _l(
            "For every test, which tester made contact first was drawn at random."
        ),
        "order_protected_first": _l(
            "The tester with a migration background always made contact first."
        ),
        "order_control_first": _l("The comparison tester always made contact first."),
        "interval": _l(
            "Planned %(gap)s apart; tests with more than %(max)s between the two contacts do not "
            "count."
        ),
        "training": _l(
            "All testers were trained: their profile, the script for calls, e-mails and visits, "
            "and filling in the report."
        ),
        "privacy": _l(
            "No names of landlords or agents, no addresses, no testers and no exact dates. Lines "
            "with too few tests or adverts are not shown."
        ),
        "table_type": _l("Table 1. Results per type of landlord"),
        "chart_type": _l("Net measure with 95 %% margin, per type of landlord"),
        "chart_caption": _l(
            "Dot: net measure; line: 95 %% margin. Right of the dashed line (0), the tester "
            "with a migration background is worse off."
        ),
        "col_targets": _l("Adverts"),
        "col_both": _l("Both invited"),
        "col_b": _l("Only comparison tester invited"),
        "col_c": _l("Only tester with migration background invited"),
        "col_d": _l("Neither invited"),
        "table_note": _l(
            "Exact numbers of tests; percentages and margins in whole percentage points. Only "
            "an invitation to a viewing counts; a response without one does not."
        ),
        "scope": _l(
            "The tests measure only advertised rentals and only the first step: an invitation "
            "to a viewing."
        ),
        "one_visit": _l(
            "Each advert was answered once by each tester. One response says little about one "
            "landlord; the figures are about groups of landlords and agents."
        ),
        "repeat_visits": _l(
            "Some landlords were tested more than once; the margins and tests allow for that. "
            "One response says little about one landlord; the figures are about groups of "
            "landlords and agents."
        ),
        "chance": _l(
            "Testers are sometimes treated differently by chance. The net measure subtracts the "
            "tests in which only the tester with a migration background was invited from those "
            "in which only the comparison tester was."
        ),
        "order_intro": _l("Who makes contact first, and the time in between, can matter."),
        "order_fixed_protected": _l(
            "In this study the tester with a migration background always made contact first, so "
            "the figures may include an effect of coming first."
        ),
        "order_fixed_control": _l(
            "In this study the comparison tester always made contact first, so the figures may "
            "include an effect of coming second."
        ),
        "order_values": _l(
            "%(first_p)s in 100 tests when the tester with a migration background made contact "
            "first, %(first_c)s when the comparison tester did"
        ),
        "decisions_intro": _l(
            "Fixed rules protect landlords, agents and testers. These are the decisions for "
            "this release."
        ),
        "rule_min_targets": _l("fewer than %(min_targets)s different adverts"),
        "rule_dominance": _l("one or two adverts gave most of the tests"),
        "rule_extreme_share": _l("a group was invited in every test or in none"),
        "no_test": _l(
            "With only %(targets)s adverts, no test of chance is shown for this difference."
        ),
        "margin_repeat": _l("This margin allows for adverts that were tested more than once."),
        "margin_few": _l("With %(targets)s adverts it is approximate."),
        "independent": _l(
            "If the tests were independent, the margin would be %(low)s to %(high)s."
        ),
        "independent_p": _l(
            "If the tests were independent, the margin would be %(low)s to %(high)s (p %(p)s)."
        ),
        "note_repeat": _l(
            "Where an advert was tested more than once, the margin and p allow for it "
            '(Obuchowski\'s test); the figures "if the tests were independent" leave that out. '
            "Elsewhere p is McNemar's mid-p."
        ),
        "index_line": _l("Housing"),
        "change_overlap": _l(
            "%(both)s of the %(targets)s adverts in this comparison were tested in both waves."
        ),
        "trend_caption": _l(
            "Dot: net measure of the whole city; line: 95 %% margin. Above the dashed line (0), "
            "the tester with a migration background is worse off. Each dot opens its release."
        ),
    },
}


def say(domain: str, key: str, **values: Any) -> str:
    """The text `key` of `domain` (nightlife for an unknown one), filled with `values`."""
    table = TEXTS.get(domain, TEXTS["nightlife"])
    return str(table[key]) % values


def duration(minutes: int | None, number: Any) -> str:
    """Minutes as minutes, whole hours or whole days; `number` formats the count."""
    if minutes is None:
        return "–"
    if minutes >= 1440 and minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("%(count)s day", "%(count)s days", days, count=number(days))
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)s hour", "%(count)s hours", hours, count=number(hours))
    return ngettext("%(count)s minute", "%(count)s minutes", minutes, count=number(minutes))


def sham_text(domain: str, *, pairs: int | None, tests: str, disc: str, number: Any) -> str:
    """The check for chance: how many check pairs did how many tests, from the data."""
    if domain == "housing":
        if pairs is None:
            return gettext(
                "In %(tests)s valid check tests, two similar testers without a migration "
                "background responded to the same advert. They were treated differently in "
                "%(disc)s of every 100 tests: this is how often a difference arises by chance.",
                tests=tests, disc=disc,
            )  # fmt: skip
        return ngettext(
            "One check pair of two similar testers without a migration background did %(tests)s "
            "valid tests. They were treated differently in %(disc)s of every 100 tests: this is "
            "how often a difference arises by chance.",
            "%(count)s check pairs of two similar testers without a migration background did "
            "%(tests)s valid tests. They were treated differently in %(disc)s of every 100 "
            "tests: this is how often a difference arises by chance.",
            pairs, count=number(pairs), tests=tests, disc=disc,
        )  # fmt: skip
    if pairs is None:
        return gettext(
            "In %(tests)s valid check tests, two similar teams without a migration background "
            "went to the same venue. They were treated differently in %(disc)s of every 100 "
            "tests: this is how often a difference arises by chance.",
            tests=tests, disc=disc,
        )  # fmt: skip
    return ngettext(
        "One check pair of two similar teams without a migration background did %(tests)s valid "
        "tests. They were treated differently in %(disc)s of every 100 tests: this is how often "
        "a difference arises by chance.",
        "%(count)s check pairs of two similar teams without a migration background did "
        "%(tests)s valid tests. They were treated differently in %(disc)s of every 100 tests: "
        "this is how often a difference arises by chance.",
        pairs, count=number(pairs), tests=tests, disc=disc,
    )  # fmt: skip


def chance_text(domain: str, *, below: bool | None, p: str, very: bool,
                targets: str | None) -> str:  # fmt: skip
    """Significance words that follow the p-value shown (None: no p is published)."""
    if below is None:
        return say(domain, "no_test", targets=targets or "–")
    if below and very:
        return gettext("A difference this large is very unlikely to be chance (p %(p)s).", p=p)
    if below:
        return gettext("A difference this large is unlikely to be chance (p %(p)s).", p=p)
    return gettext("This difference could be chance (p %(p)s).", p=p)


def margin_text(domain: str, *, low: str, high: str, method: str, targets: str | None,
                few: bool) -> str:  # fmt: skip
    """The interval sentence, saying when it allows for repeat visits and when it is rough."""
    sentence = gettext(
        "With 95 %% confidence it lies between %(low)s and %(high)s in 100.", low=low, high=high
    )
    if method == "venue":
        sentence += " " + say(domain, "margin_repeat")
        if few:
            sentence += " " + say(domain, "margin_few", targets=targets)
    return sentence


def independent_text(domain: str, *, low: str, high: str, p: str | None) -> str:
    """The usual figures, labelled as what they assume."""
    if p is None:
        return say(domain, "independent", low=low, high=high)
    return say(domain, "independent_p", low=low, high=high, p=p)


def order_text(domain: str, *, order_rule: str | None, values: str | None,
               difference: dict[str, Any] | None, signed: Any) -> str:  # fmt: skip
    """The caveat about order: randomisation only when the order was randomised; "differed
    little" only when the margin of the difference lies within ±5 points."""
    intro = say(domain, "order_intro")
    if order_rule == "protected_first":
        return f"{intro} {say(domain, 'order_fixed_protected')}"
    if order_rule == "control_first":
        return f"{intro} {say(domain, 'order_fixed_control')}"
    drawn = gettext("That is why the order was drawn at random.")
    if values is None or difference is None:
        return " ".join(
            (intro, drawn, gettext("The results by order cannot be shown here."))
        )  # fmt: skip
    low, high = difference["ci_low_pct"], difference["ci_high_pct"]
    numbers = {"values": values, "diff": signed(difference["difference_pct"]), "low": signed(low),
               "high": signed(high)}  # fmt: skip
    if low >= -5 and high <= 5:
        found = gettext(
            "The result differed little by order: %(values)s (a difference of %(diff)s, margin "
            "%(low)s to %(high)s).",
            **numbers,
        )
    elif low > 0 or high < 0:
        found = gettext(
            "The order made a difference: %(values)s (a difference of %(diff)s, margin %(low)s "
            "to %(high)s).",
            **numbers,
        )
    else:
        found = gettext(
            "These tests cannot tell whether the order mattered: %(values)s (a difference of "
            "%(diff)s, margin %(low)s to %(high)s).",
            **numbers,
        )
    return " ".join((intro, drawn, found))


def merged_text(categories: int, min_pairs: int) -> str:
    return ngettext(
        "%(count)s category with fewer than %(min)s refusals, or from too few venues, was merged "
        "into other reasons.",
        "%(count)s categories with fewer than %(min)s refusals, or from too few venues, were "
        "merged into other reasons.",
        categories, count=categories, min=min_pairs,
    )  # fmt: skip


def family_text(lines: int) -> str:
    return ngettext(
        "p (Holm) is adjusted over the one type shown; lines not shown are not part of it.",
        "p (Holm) is adjusted over the %(count)s types shown; lines not shown are not part of it.",
        lines, count=lines,
    )  # fmt: skip
