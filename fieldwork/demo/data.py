"""What the demo is made of: places, people, planted effects and the words people write.

Only data here (the builder, :mod:`fieldwork.demo.builder`, turns it into studies through the
services; :mod:`fieldwork.demo.visits` draws what happens at each visit). Venue, provider and
person names are invented; streets and districts are real.
"""

from __future__ import annotations

from dataclasses import dataclass

TIMEZONE = "Europe/Amsterdam"
NIGHT_ENDS_HOUR = 6  # as the app's NIGHT_ENDS_HOUR: at 01:00 "tonight" is still yesterday's evening
CITY = "Den Haag"
# Whom a demo tester's "call" button rings: an invented number of The Hague's exchange (070).
EMERGENCY_CONTACT = {
    "emergency_contact_name": "Coördinator van dienst",
    "emergency_contact_phone": "+31 70 000 0000",
}
NIGHTLIFE_CODE = "DEMO-NL"
HOUSING_CODE = "DEMO-WON"
STAFF = (("admin", "admin"), ("coordinator", "coordinator"), ("researcher", "researcher"))


@dataclass(frozen=True)
class Wave:
    """A nightlife wave: ``years_back`` years before tonight's (52 weeks a year, so the nights
    fall on the same weekdays), with the planted effect times ``effect``."""

    code: str
    years_back: int
    effect: float


# The series of nightlife waves, first wave first; the last is DEMO-NL, in the field tonight.
# The earlier waves are closed and published, so the public trend has two waves and a change.
WAVES = (
    Wave("DEMO-NL-W1", 2, 1.0),
    Wave("DEMO-NL-W2", 1, 0.5),  # after the city's talks with the sector: a smaller effect
    Wave(NIGHTLIFE_CODE, 0, 1.3),  # new door staff at several places: larger than ever
)
STUDY_CODES = (*(wave.code for wave in WAVES), HOUSING_CODE)

# --- nightlife --------------------------------------------------------------------------------

# (area, streets, postcode digits, venues per type)
AREAS: list[tuple[str, tuple[str, ...], str, dict[str, int]]] = [
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
VENUE_PREFIX = {
    "club": ("Club", "Nachtclub", "Danscafé"),
    "bar": ("Bar", "Cocktailbar", "Wijnbar", "Bierbar"),
    "cafe": ("Café", "Eetcafé", "Grand Café", "Proeflokaal"),
    "other": ("Strandpaviljoen", "Karaokebar", "Danssalon", "Muziekpodium"),
}
VENUE_WORDS = (
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
# The planted effect: admission of the control group per type, lowered for the protected group
# by the penalty (times the wave's effect), with a venue random effect a venue keeps every year.
ADMISSION_CONTROL = {"club": 0.85, "bar": 0.90, "cafe": 0.95, "other": 0.90}
PROTECTED_PENALTY = {"club": 0.25, "bar": 0.10, "cafe": 0.02, "other": 0.05}
VISITS_PER_VENUE = 3
PAST_NIGHTS = 5  # Fridays and Saturdays before tonight
REASONS_PROTECTED = {
    "full": 30, "regulars_only": 20, "dress_code": 15, "guest_list_or_reservation": 15,
    "group_composition": 6, "explicit_origin": 5, "no_reason": 5, "members_only": 2,
    "private_party": 2,
}  # fmt: skip
REASONS_CONTROL = {
    "full": 35, "dress_code": 20, "guest_list_or_reservation": 10, "age": 10, "id_check": 8,
    "behaviour_intoxication": 8, "private_party": 5, "no_reason": 4,
}  # fmt: skip
NIGHTLIFE_DEVIATIONS = {"argued": 3, "intoxicated": 1, "seen_with_other_group": 2, "wrong_venue": 1}
VERBATIM = {
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
NOTES = (
    "Portier vroeg waar we vandaan kwamen.", "Groep voor ons werd wel doorgelaten.",
    "Lange rij, veel controle.", "Nieuwe portier sinds vorige week, volgens de rij.",
    "Regen; weinig mensen buiten.",
)  # fmt: skip


@dataclass(frozen=True)
class TeamSpec:
    """A team and its members' profile: one gender letter per member, their age band and
    language (the matching check compares these)."""

    code: str
    role: str  # protected | control
    genders: str
    age_band: str
    language: str


def matched_teams(profiles: list[tuple[str, str, str]]) -> list[TeamSpec]:
    """A protected team P<n> and a control team C<n> of each profile (genders, age, language)."""
    teams = []
    for number, (genders, age_band, language) in enumerate(profiles, start=1):
        teams.append(TeamSpec(f"P{number}", "protected", genders, age_band, language))
        teams.append(TeamSpec(f"C{number}", "control", genders, age_band, language))
    return teams


# Four matched pairs; C5 (like C4) joins C4 in the sham pair SHAM-1.
NIGHTLIFE_TEAMS = [
    *matched_teams([("mmm", "21-24", "nl"), ("mm", "25-29", "nl"), ("mf", "18-20", "nl"),
                    ("ff", "21-24", "en")]),
    TeamSpec("C5", "control", "ff", "21-24", "en"),
]  # fmt: skip
SHAM_PAIR = ("SHAM-1", "C4", "C5")
# In DEMO-NL one member of P2 stops after the third night; a tester of the same profile takes
# their place from the fourth (membership history: the pair stays matched on every night).
SUBSTITUTE = {"team": "P2", "after_night": 3, "gender": "m", "age_band": "25-29", "language": "nl",
              "reason": "Vervangt een tester die met de studie stopt."}  # fmt: skip

# --- housing ----------------------------------------------------------------------------------

DISTRICTS: list[tuple[str, tuple[str, ...], str]] = [
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
LISTINGS = {"private_landlord": 24, "letting_agent": 24, "housing_association": 15}
AGENTS = (
    "Lindewaard Verhuur", "Zeewering Makelaardij", "Brinkhof Vastgoedbeheer",
    "Meerzicht Verhuurmakelaars", "Stadsduin Wonen", "Korenbloem Beheer", "Parkzoom Verhuur",
)  # fmt: skip
ASSOCIATIONS = ("Woonstichting Zilverduin", "Wooncorporatie Laakzicht", "Stichting Veenhof Wonen")
SURNAMES = (
    "Verbeek", "Bakker", "Kramer", "Van Dijk", "Smit", "Mulder", "De Graaf", "Hoekstra", "Vos",
    "Brouwer", "Van Leeuwen", "Dekker", "Kuipers", "Meijer", "Postma", "Schouten",
)  # fmt: skip
UNITS = (
    "studio",
    "2-kamerappartement",
    "3-kamerappartement",
    "bovenwoning",
    "benedenwoning",
    "eengezinswoning",
)
INVITED_CONTROL = {"private_landlord": 0.55, "letting_agent": 0.60, "housing_association": 0.50}
INVITED_PENALTY = {"private_landlord": 0.22, "letting_agent": 0.10, "housing_association": 0.03}
HOUSING_DAYS = 8  # weekdays before today
HOUSING_TEAMS = matched_teams([("m", "25-29", "nl"), ("f", "30-34", "nl"), ("m", "35-44", "nl")])
HOUSING_DEVIATIONS = {"disclosed": 1, "wrong_listing": 1, "other": 1}

# --- what the coordinator and the testers write -----------------------------------------------

RELEASE_TEXTS = {
    "nightlife": ("De gemeente bespreekt de uitkomsten met de horeca en test volgend jaar opnieuw.",
                  "The city discusses the results with the nightlife sector and tests again next "
                  "year."),
}  # fmt: skip
ASK_ABOUT_DEVIATION = (
    "Jullie meldden een afwijking van het script. Beschrijf bij opmerkingen kort wat er "
    "gebeurde, dan beoordeel ik de test."
)
ANSWER_ABOUT_DEVIATION = (
    "Toegevoegd wat er gebeurde.",
    "Bij de deur ging het anders dan gepland; staat nu bij opmerkingen.",
)
DEVIATION_NOTES = (
    "De portier herkende een van ons van een eerdere avond.",
    "We stonden even bij de andere groep in de rij voordat we het doorhadden.",
    "Er ontstond een discussie toen we naar de reden vroegen.",
)
OVERRIDE_REASON = (
    "Het tweede team zag het eerste team bij de deur staan (achteraf gemeld); de test telt niet."
)
CORRECTIONS = {  # reason the tester gives, per answer a corrected report changes
    "wait_minutes": "Wachttijd verkeerd ingevuld.",
    "id_asked": "Vergeten aan te vinken: de portier vroeg wel om ID.",
    "rent_quoted_eur": "Huurprijs verkeerd overgenomen uit de mail.",
}
SECOND_VERSION_NOTE = "Tweede teamlid vulde het verslag ook in."
INCIDENTS = (  # (night number, kind, what the tester writes, what the coordinator did or "")
    (2, "unwell", "Een van ons werd onwel in de rij; we zijn gestopt voor vanavond.",
     "Gebeld; tester is thuis en voelt zich beter. Teststop voor die avond genoteerd."),
    (5, "threat", "Portier werd dreigend toen we naar de reden vroegen. We zijn weggelopen.", ""),
)  # fmt: skip

# --- a second city --------------------------------------------------------------------------

# A fictional city whose summary bundle is shipped next to The Hague's (notebooks/data), so that
# `compare` has two cities: its venues have the demo's types, with a larger effect at clubs.
SECOND_CITY = "Zeestad"
SECOND_CITY_EFFECTS = {"club": (0.28, 0.04), "bar": (0.12, 0.05), "cafe": (0.05, 0.03),
                       "other": (0.08, 0.05)}  # fmt: skip
SECOND_CITY_PAIRS = 180
SECOND_CITY_VENUES = {"club": 14, "bar": 18, "cafe": 12, "other": 8}
SECOND_CITY_SECONDARY = (0.10, 0.05)  # every other yes/no outcome of the instrument
SECOND_CITY_ICC = 0.05  # venues differ in which team their door staff favour
