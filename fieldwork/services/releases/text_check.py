"""Is a free text safe to publish? The identifying-text check of docs/release-rules.md rule 6.

Every text that goes public with a release (what the city does next, the training text, the
reason for a lower minimum line size, the study's title, the reason of a withdrawal) is checked
against the database and against patterns, in Dutch and English forms:

- the distinctive words of any target's name (the name without generic words such as Bar, Café,
  De, Het, particulier), as a phrase; a one-word name and a private landlord's surname alone
  too — names a target had before an edit count as well;
- a target's street followed by a house number, or any street-like word followed by one;
- Dutch postcodes (``1234 AB``);
- usernames and tester codes; team and pair codes;
- exact dates (``17-05-2026``, ``17 mei``, ``May 17th``) and times (``23:45``, ``23.45 uur``,
  ``11 pm``).

A hit is shown to the coordinator (who may see these data) so the text can be rewritten; the
check itself never changes anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.i18n import N_
from fieldwork.i18n import _
from fieldwork.models import AuditEvent
from fieldwork.models import Pair
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import Tester
from fieldwork.models import User

# Words that say what kind of place or provider it is, not which one.
GENERIC_WORDS = frozenset(
    {
        "2", "3", "a", "an", "and", "appartement", "b", "bar", "bars", "beheer", "benedenwoning",
        "bierbar", "bistro", "bovenwoning", "brasserie", "bv", "cafe", "cafes", "club",
        "cocktailbar", "danscafe", "danssalon", "de", "den", "der", "des", "disco", "discotheek",
        "een", "eengezinswoning", "eetcafe", "en", "grand", "het", "huis", "in",
        "kamerappartement", "karaokebar", "lounge", "makelaar", "makelaardij", "makelaars",
        "muziekpodium", "nachtclub", "of", "op", "particulier", "particuliere", "proeflokaal",
        "pub", "restaurant", "stichting", "strandpaviljoen", "studio", "t", "the", "v", "van",
        "vastgoed", "vastgoedbeheer", "verhuur", "verhuurder", "verhuurmakelaars", "wijnbar",
        "wonen", "woning", "wooncorporatie", "woonstichting",
    }
)  # fmt: skip
# Usernames that are role words, not people (a text may say "the coordinator").
ROLE_WORDS = frozenset({"admin", "administrator", "coordinator", "researcher", "tester"})
MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    "january|february|march|may|june|july|august|october|"
    "jan|feb|mrt|mar|apr|jun|jul|aug|sep|sept|okt|oct|nov|dec"
)
_DATE_PATTERNS = (
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})\b"),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th|e|ste|de)?\s+(?:of\s+)?(?:{MONTHS})\b\.?", re.I),
    re.compile(rf"\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b", re.I),
)
_TIME_PATTERNS = (
    re.compile(r"\b(?:[01]?\d|2[0-3])[:h][0-5]\d\b", re.I),
    re.compile(r"\b(?:[01]?\d|2[0-3])\.[0-5]\d\s*(?:uur|u)\b", re.I),
    re.compile(r"\b(?:om|rond|omstreeks|vanaf|tegen)\s+(?:[01]?\d|2[0-3])\s*(?:uur|u)\b", re.I),
    re.compile(r"\b(?:1[0-2]|0?\d)(?:[:.][0-5]\d)?\s*(?:am|pm|a\.m\.|p\.m\.)", re.I),
)
POSTCODE = re.compile(r"\b\d{4}\s?[A-Z]{2}\b")
_STREET_SUFFIXES = (
    "straat|weg|laan|plein|kade|gracht|singel|dijk|markt|hof|park|dreef|pad|steeg|burgwal|"
    "poten|veld|plantsoen|boulevard|street|road|avenue|lane"
)
STREET_NUMBER = re.compile(rf"\b\w*(?:{_STREET_SUFFIXES})\s+\d{{1,4}}[a-z]?\b", re.I)


@dataclass(frozen=True)
class Hit:
    kind: str  # target | address | postcode | person | team | date | time
    text: str


def normal(text: str) -> str:
    """Lower case, accents and punctuation gone, single spaces, padded: for whole-word search.

    >>> normal("Grand Café 'Het Lange-Glas'")
    ' grand cafe het lange glas '
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " " + " ".join(re.sub(r"[^\w]+", " ", plain).split()) + " "


def name_phrases(name: str, *, person: bool) -> set[str]:
    """The distinctive phrases of a target's name (normalised), see the module doc.

    >>> sorted(name_phrases("Grand Café Het Lange Glas", person=False))
    ['lange glas']
    >>> sorted(name_phrases("E. Bakker (particulier): studio", person=True))
    ['bakker', 'e bakker']
    >>> sorted(name_phrases("Club Kobalt", person=False))
    ['kobalt']
    """
    words = normal(name).split()
    phrases: set[str] = set()
    run: list[str] = []
    for word in [*words, ""]:
        if word and word not in GENERIC_WORDS:
            run.append(word)
            continue
        if run and any(len(item) >= 3 for item in run):
            phrases.add(" ".join(run))
        run = []
    distinctive = [word for word in words if word not in GENERIC_WORDS]
    if person and distinctive and len(distinctive[-1]) >= 3:
        phrases.add(distinctive[-1])  # the surname alone names a private person
    return phrases


def street_of(address: str) -> str | None:
    """The street of an address ("Korte Poten 142, 2511 CV Den Haag" -> "korte poten")."""
    match = re.match(r"\s*([^\d,]+?)\s+\d", address)
    return normal(match.group(1)).strip() if match else None


class Vocabulary:
    """What must not appear in a public text, gathered once from the database."""

    def __init__(self, session: Session) -> None:
        self.phrases: dict[str, set[str]] = {"target": set(), "person": set(), "team": set()}
        self.streets: set[str] = set()
        targets = session.exec(select(Target)).all()
        private = {target.id for target in targets if target.target_type == "private_landlord"}
        names = [(target.id, target.name, target.address) for target in targets]
        names += list(_earlier_names(session))
        for target_id, name, address in names:
            if name:
                self.phrases["target"] |= name_phrases(name, person=target_id in private)
            if address:
                street = street_of(address)
                if street:
                    self.streets.add(street)
        self.phrases["target"] |= {normal(t.code).strip() for t in targets if len(t.code) >= 2}
        people = {normal(code).strip() for code in session.exec(select(Tester.code)).all()}
        people |= {normal(name).strip() for name in session.exec(select(User.username)).all()
                   if name.casefold() not in ROLE_WORDS}  # fmt: skip
        self.phrases["person"] = {item for item in people if len(item) >= 2}
        codes = [*session.exec(select(Team.code)).all(), *session.exec(select(Pair.code)).all()]
        self.phrases["team"] = {normal(code).strip() for code in codes if len(code.strip()) >= 2}

    def hits(self, text: str) -> list[Hit]:
        found: list[Hit] = []
        plain = normal(text)
        for kind, phrases in self.phrases.items():
            found += [Hit(kind, phrase) for phrase in sorted(phrases) if f" {phrase} " in plain]
        for street in sorted(self.streets):
            if re.search(rf" {re.escape(street)} \d", plain):
                found.append(Hit("address", street))
        found += [Hit("address", m.group(0)) for m in STREET_NUMBER.finditer(text)]
        found += [Hit("postcode", m.group(0)) for m in POSTCODE.finditer(text)]
        for pattern in _DATE_PATTERNS:
            found += [Hit("date", m.group(0)) for m in pattern.finditer(text)]
        for pattern in _TIME_PATTERNS:
            found += [Hit("time", m.group(0)) for m in pattern.finditer(text)]
        return list(dict.fromkeys(found))


def _earlier_names(session: Session) -> Iterable[tuple[int | None, str, str]]:
    """Names and addresses that targets had before an edit, from the audit log."""
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.object_type == "target", col(AuditEvent.action).like("target.%")
        )  # fmt: skip
    ).all()
    for event in events:
        for values in (event.before or {}, event.after or {}):
            name, address = values.get("name"), values.get("address")
            if isinstance(name, str) or isinstance(address, str):
                yield (
                    event.object_id,
                    name if isinstance(name, str) else "",
                    (address if isinstance(address, str) else ""),
                )


KIND_WORDS = {
    "target": N_("a venue, landlord or agent"),
    "address": N_("an address"),
    "postcode": N_("a postcode"),
    "person": N_("a tester or an account"),
    "team": N_("a team or pair code"),
    "date": N_("an exact date"),
    "time": N_("a time"),
}


def check_public_text(vocabulary: Vocabulary, what: str, text: str) -> str | None:
    """Why `text` (described by `what`) may not be published, or None when it may."""
    hits = vocabulary.hits(text)
    if not hits:
        return None
    named = "; ".join(f"{_(KIND_WORDS[hit.kind])} ('{hit.text}')" for hit in hits[:6])
    return _(
        "%(what)s names %(named)s. Public texts never name venues, landlords, addresses, "
        "postcodes, testers, accounts, teams, exact dates or times; rewrite it.",
        what=what,
        named=named,
    )
