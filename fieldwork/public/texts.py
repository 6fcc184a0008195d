"""The prose of the public release page and PDF, in Dutch and English.

Written here rather than in the app's message catalogue so that the public texts can be read,
reviewed and tested as a whole, per language. Placeholders are ``%(name)s``; numbers are
formatted for the language before they are put in. ``text(key, lang, **values)`` fills them.
"""

from __future__ import annotations

from typing import Any

NL: dict[str, Any] = {
    "site": "Onderzoek naar discriminatie – gemeente Den Haag",
    "index_title": "Gepubliceerde onderzoeken",
    "index_intro": "Resultaten van praktijktests (mystery guests) naar discriminatie bij de deur "
    "van uitgaansgelegenheden en bij toegang tot huurwoningen. Per onderzoek: de cijfers, hoe ze "
    "tot stand kwamen en wat de gemeente ermee doet. Er worden geen namen van zaken of "
    "verhuurders gepubliceerd.",
    "no_releases": "Er zijn nog geen onderzoeken gepubliceerd.",
    "release_label": "Publicatie %(id)s",
    "published": "Gepubliceerd in %(month)s",
    "downloads": "Downloads",
    "pdf": "PDF (A4, om te printen)",
    "csv": "Tabellen als CSV (open data)",
    "withdrawn": "Deze publicatie is ingetrokken.",
    "withdrawn_reason": "Reden: %(reason)s",
    "replaces": "Deze publicatie vervangt publicatie %(id)s.",
    "replaced_by": "Er is een gecorrigeerde versie: publicatie %(id)s.",
    "draft": "Concept – niet openbaar. Zo ziet de pagina eruit na publicatie.",
    "period": "Van %(start)s tot en met %(end)s",
    "period_one": "In %(start)s",
    "headline_title": "Samenvatting",
    "headline": {
        "nightlife": "%(period)s probeerden teams van testers binnen te komen bij ongeveer "
        "%(targets)s uitgaansgelegenheden in Den Haag, in ongeveer %(n)s geldige paartests. In "
        "%(gross_p)s van elke 100 tests werd alleen de groep met een migratieachtergrond "
        "geweigerd, in %(gross_c)s van elke 100 alleen de vergelijkingsgroep.",
        "housing": "%(period)s reageerden testers op ongeveer %(targets)s huurwoningen in "
        "Den Haag, in ongeveer %(n)s geldige paartests. In %(gross_p)s van elke 100 tests kreeg "
        "alleen de vergelijkingsgroep een uitnodiging, in %(gross_c)s van elke 100 alleen de "
        "groep met een migratieachtergrond.",
    },
    "net_sentence": "Het verschil, %(net)s op de 100 tests (de netto-maat), is de beste schatting "
    "van hoe vaak de groep met een migratieachtergrond vaker wordt benadeeld. Met 95 %% "
    "zekerheid ligt het tussen %(low)s en %(high)s op de 100.",
    "chance_no": "Dat verschil is vrijwel zeker geen toeval (p %(p)s).",
    "chance_maybe": "Dat verschil kan ook toeval zijn: nul ligt binnen de marge (p %(p)s).",
    "no_headline": "Er zijn te weinig geldige tests om een uitkomst voor de hele stad te tonen.",
    "design_title": "Zo is het onderzoek gedaan",
    "design": {
        "grounds": ("Getest op", "Zichtbare migratieachtergrond (etnische afkomst)."),
        "pairs": (
            "Samenstelling",
            "Bij elke test gaan twee teams van %(size)s personen naar "
            "dezelfde plek: één team met en één zonder migratieachtergrond.",
        ),
        "matching": (
            "Vergelijkbaar gemaakt",
            "Beide teams lijken op elkaar in geslacht, "
            "leeftijd, taal, kleding en gedrag, en volgen hetzelfde script.",
        ),
        "order": (
            "Volgorde",
            {
                "randomised": "Per test werd door loting bepaald welk team eerst ging.",
                "protected_first": "Het team met migratieachtergrond ging steeds eerst.",
                "control_first": "De vergelijkingsgroep ging steeds eerst.",
            },
        ),
        "interval": (
            "Tijd ertussen",
            "Gepland %(gap)s na elkaar; tests met meer dan %(max)s tussen de twee teams "
            "tellen niet mee.",
        ),
        "pairs_single": (
            "Samenstelling",
            "Bij elke test benaderen twee testers dezelfde aanbieder: één met en één zonder "
            "migratieachtergrond.",
        ),
        "matching_housing": (
            "Vergelijkbaar gemaakt",
            "Beide testers hebben een vergelijkbaar profiel (inkomen, werk, huishouden, toon van "
            "het bericht); alleen de migratieachtergrond verschilt.",
        ),
        "numbers": (
            "Aantallen",
            "Ongeveer %(planned)s tests gepland, %(complete)s compleet, "
            "%(valid)s geldig. Alle aantallen zijn afgerond op 5.",
        ),
        "sham": (
            "Controle op toeval",
            "In %(sham)s controleparen gingen twee vergelijkbare "
            "teams zonder migratieachtergrond naar dezelfde plek. Ze werden in %(disc)s van "
            "de 100 keer verschillend behandeld: zo vaak gebeurt een verschil bij toeval.",
        ),
        "training": (
            "Training",
            "Alle testers zijn getraind: deurbeleid en huisregels, het "
            "script, de-escaleren en het invullen van het rapport.",
        ),
        "privacy": (
            "Privacy",
            "Geen namen van zaken, adressen of testers en geen exacte "
            "datums. Regels met te weinig tests of zaken worden niet getoond.",
        ),
    },
    "team_size_range": "%(low)s tot %(high)s",
    "duration": {
        "minutes": ("%(n)s minuut", "%(n)s minuten"),
        "hours": ("%(n)s uur", "%(n)s uur"),
        "days": ("%(n)s dag", "%(n)s dagen"),
    },
    "table_type": "Tabel 1. Uitkomst per soort %(noun)s",
    "table_area": "Tabel 2. Uitkomst per gebied",
    "table_reasons": "Tabel 3. Gegeven redenen bij weigering, per groep",
    "noun": {"nightlife": "zaak", "housing": "aanbieder"},
    "col": {
        "stratum_type": "Soort",
        "stratum_area": "Gebied",
        "targets": "Plekken",
        "n_pairs": "Geldige tests",
        "both": "Beide toegelaten",
        "b": "Alleen vergelijkings­groep toegelaten",
        "c": "Alleen groep met migratie­achtergrond toegelaten",
        "d": "Beide geweigerd",
        "net": "Netto-maat (95 %-marge)",
        "p": "p",
        "p_holm": "p (Holm)",
        "reason": "Reden",
        "count": "Aantal",
        "share": "Deel van de weigeringen",
    },
    "total": "Hele stad",
    "suppressed": "Niet getoond: %(why)s",
    "points": "%(value)s procentpunt",
    "interval": "%(net)s (%(low)s tot %(high)s)",
    "table_note": "Aantallen afgerond op 5 (ze tellen daardoor niet altijd precies op); "
    "percentages en marges zijn berekend met de echte aantallen. Toegelaten onder voorwaarden "
    "telt als niet toegelaten. p: McNemar mid-p; Holm: gecorrigeerd voor het aantal soorten.",
    "reasons_group": {
        "protected": "Groep met migratieachtergrond",
        "control": "Vergelijkingsgroep",
    },
    "reasons_total": "Weigeringen (en toelating onder voorwaarden)",
    "reasons_note": "Een team kan meer redenen horen; de delen tellen dus niet op tot 100 %%.",
    "other_reasons": "Andere redenen (samengevoegd)",
    "chart_title": "Netto-maat met 95 %%-marge, %(what)s",
    "chart_what": {"by_target_type": "per soort %(noun)s", "by_area": "per gebied"},
    "chart_axis": "procentpunt",
    "chart_caption": "Punt: netto-maat; lijn: 95 %-marge. Rechts van de stippellijn (0) is de "
    "groep met een migratieachtergrond in het nadeel.",
    "chart_not_shown": "niet getoond",
    "caveats_title": "Waar u rekening mee moet houden",
    "caveats": [
        "Elke plek is één of een paar keer getest. Eén weigering zegt weinig over één zaak; de "
        "cijfers gaan over groepen van zaken.",
        "Soms worden teams bij toeval verschillend behandeld. Controleparen meten hoe vaak dat "
        "gebeurt (zie hierboven); de netto-maat trekt weigeringen in beide richtingen van elkaar af.",
        "Volgorde en tijdstip kunnen uitmaken. Daarom is geloot wie eerst ging; de uitkomst "
        "verschilde weinig: %(order)s.",
        "Alleen geadverteerde huurwoningen en alleen de eerste stap (uitnodiging) worden bij "
        "woningtests gemeten; bij uitgaan alleen de deur, niet wat binnen gebeurt.",
        "Alleen zichtbare migratieachtergrond is getest, niet andere gronden.",
    ],
    "order_values": "%(first_p)s procentpunt als het team met migratieachtergrond eerst ging, "
    "%(first_c)s als de vergelijkingsgroep eerst ging",
    "order_unknown": "die vergelijking kan hier niet getoond worden",
    "next_title": "Wat de gemeente nu doet",
    "decisions_title": "Wat niet getoond wordt en waarom",
    "decisions_intro": "Om zaken en testers te beschermen gelden vaste regels. Dit zijn de "
    "beslissingen voor deze publicatie.",
    "decisions_none": "Alle regels konden getoond worden.",
    "rules": {
        "min_pairs": "minder dan %(min_pairs)s geldige tests",
        "min_pairs_reasons": "minder dan %(min_pairs)s weigeringen",
        "min_targets": "minder dan %(min_targets)s verschillende plekken",
        "dominance": "één of twee plekken leveren het grootste deel van de tests",
        "extreme_share": "een groep werd overal of nergens geweigerd",
        "complementary": "weggelaten zodat het totaal een andere verborgen regel niet verraadt",
        "merge": "samengevoegd met andere redenen",
        "rounding": "aantallen afgerond op 5",
    },
    "tables": {
        "by_target_type": "Tabel 1",
        "by_area": "Tabel 2",
        "by_first_role": "Volgorde",
        "sham": "Controleparen",
        "reasons_protected": "Tabel 3, groep met migratieachtergrond",
        "reasons_control": "Tabel 3, vergelijkingsgroep",
    },
    "checksum": "Controlegetal (SHA-256) van deze publicatie: %(checksum)s",
    "page": "pagina",
    "types": {
        "club": "Club / discotheek",
        "bar": "Bar",
        "cafe": "Café",
        "other": "Overig",
        "private_landlord": "Particuliere verhuurder",
        "letting_agent": "Makelaar",
        "housing_association": "Woningcorporatie",
    },
}

EN: dict[str, Any] = {
    "site": "Discrimination research – City of The Hague",
    "index_title": "Published studies",
    "index_intro": "Results of paired (mystery-guest) tests of discrimination at the doors of "
    "nightlife venues and in access to rental housing. For each study: the figures, how they "
    "were made and what the city does about them. No venue or landlord is named.",
    "no_releases": "No studies have been published yet.",
    "release_label": "Release %(id)s",
    "published": "Published in %(month)s",
    "downloads": "Downloads",
    "pdf": "PDF (A4, for printing)",
    "csv": "Tables as CSV (open data)",
    "withdrawn": "This release has been withdrawn.",
    "withdrawn_reason": "Reason: %(reason)s",
    "replaces": "This release replaces release %(id)s.",
    "replaced_by": "A corrected version exists: release %(id)s.",
    "draft": "Draft – not public. This is how the page will look once published.",
    "period": "From %(start)s to %(end)s",
    "period_one": "In %(start)s",
    "headline_title": "Summary",
    "headline": {
        "nightlife": "%(period)s, teams of testers tried to get into about %(targets)s "
        "nightlife venues in The Hague, in about %(n)s valid paired tests. In %(gross_p)s of "
        "every 100 tests only the group with a migration background was refused; in %(gross_c)s "
        "of every 100 only the comparison group.",
        "housing": "%(period)s, testers answered adverts for about %(targets)s rental homes "
        "in The Hague, in about %(n)s valid paired tests. In %(gross_p)s of every 100 tests only "
        "the comparison group was invited; in %(gross_c)s of every 100 only the group with a "
        "migration background.",
    },
    "net_sentence": "The difference, %(net)s in 100 tests (the net measure), is the best "
    "estimate of how much more often the group with a migration background is disadvantaged. "
    "With 95 %% confidence it lies between %(low)s and %(high)s in 100.",
    "chance_no": "This difference is very unlikely to be chance (p %(p)s).",
    "chance_maybe": "This difference could be chance: zero lies within the margin (p %(p)s).",
    "no_headline": "There are too few valid tests to show a city-wide result.",
    "design_title": "How the study was done",
    "design": {
        "grounds": ("Ground tested", "Perceived migration background (ethnic origin)."),
        "pairs": (
            "Pairs",
            "In every test two teams of %(size)s people go to the same place: "
            "one with and one without a migration background.",
        ),
        "matching": (
            "Matching",
            "Both teams are alike in gender, age, language, clothing and "
            "behaviour, and follow the same script.",
        ),
        "order": (
            "Order",
            {
                "randomised": "For every test, which team went first was drawn at random.",
                "protected_first": "The team with a migration background always went first.",
                "control_first": "The comparison team always went first.",
            },
        ),
        "interval": (
            "Time between",
            "Planned %(gap)s apart; tests with more than %(max)s between the two teams do "
            "not count.",
        ),
        "pairs_single": (
            "Pairs",
            "In every test two testers approach the same provider: one with and one without a "
            "migration background.",
        ),
        "matching_housing": (
            "Matching",
            "Both testers present a similar profile (income, job, household, tone of the "
            "message); only the migration background differs.",
        ),
        "numbers": (
            "Numbers",
            "About %(planned)s tests planned, %(complete)s complete, "
            "%(valid)s valid. All counts are rounded to 5.",
        ),
        "sham": (
            "Check for chance",
            "In %(sham)s check pairs, two similar teams without a "
            "migration background went to the same place. They were treated differently "
            "%(disc)s times in 100: that is how often a difference happens by chance.",
        ),
        "training": (
            "Training",
            "All testers were trained: door policy and house rules, the "
            "script, de-escalation and filling in the report.",
        ),
        "privacy": (
            "Privacy",
            "No names of venues, addresses or testers and no exact dates. "
            "Lines with too few tests or places are not shown.",
        ),
    },
    "team_size_range": "%(low)s to %(high)s",
    "duration": {
        "minutes": ("%(n)s minute", "%(n)s minutes"),
        "hours": ("%(n)s hour", "%(n)s hours"),
        "days": ("%(n)s day", "%(n)s days"),
    },
    "table_type": "Table 1. Results per type of %(noun)s",
    "table_area": "Table 2. Results per area",
    "table_reasons": "Table 3. Reasons given for refusals, by group",
    "noun": {"nightlife": "venue", "housing": "provider"},
    "col": {
        "stratum_type": "Type",
        "stratum_area": "Area",
        "targets": "Places",
        "n_pairs": "Valid tests",
        "both": "Both admitted",
        "b": "Only comparison group admitted",
        "c": "Only group with migration background admitted",
        "d": "Both refused",
        "net": "Net measure (95 % margin)",
        "p": "p",
        "p_holm": "p (Holm)",
        "reason": "Reason",
        "count": "Count",
        "share": "Share of refusals",
    },
    "total": "Whole city",
    "suppressed": "Not shown: %(why)s",
    "points": "%(value)s percentage points",
    "interval": "%(net)s (%(low)s to %(high)s)",
    "table_note": "Counts rounded to 5 (so they do not always add up); percentages and margins "
    "are computed from the exact counts. Admitted on conditions counts as not admitted. p: "
    "McNemar mid-p; Holm: adjusted for the number of types.",
    "reasons_group": {
        "protected": "Group with migration background",
        "control": "Comparison group",
    },
    "reasons_total": "Refusals (and admissions on conditions)",
    "reasons_note": "A team may hear several reasons, so the shares do not add up to 100 %%.",
    "other_reasons": "Other reasons (merged)",
    "chart_title": "Net measure with 95 %% margin, %(what)s",
    "chart_what": {"by_target_type": "per type of %(noun)s", "by_area": "per area"},
    "chart_axis": "percentage points",
    "chart_caption": "Dot: net measure; line: 95 % margin. Right of the dashed line (0), the "
    "group with a migration background is worse off.",
    "chart_not_shown": "not shown",
    "caveats_title": "What to keep in mind",
    "caveats": [
        "Each place was tested once or a few times. One refusal says little about one venue; "
        "the figures are about groups of venues.",
        "Teams are sometimes treated differently by chance. Check pairs measure how often (see "
        "above); the net measure subtracts refusals in one direction from the other.",
        "Order and time of the visit can matter. That is why who went first was drawn at "
        "random; the result differed little: %(order)s.",
        "Housing tests measure only advertised rentals and only the first step (an invitation); "
        "nightlife tests only the door, not what happens inside.",
        "Only perceived migration background was tested, not other grounds.",
    ],
    "order_values": "%(first_p)s percentage points when the team with a migration background "
    "went first, %(first_c)s when the comparison team went first",
    "order_unknown": "that comparison cannot be shown here",
    "next_title": "What the city does next",
    "decisions_title": "What is not shown, and why",
    "decisions_intro": "Fixed rules protect venues and testers. These are the decisions for "
    "this release.",
    "decisions_none": "Every line could be shown.",
    "rules": {
        "min_pairs": "fewer than %(min_pairs)s valid tests",
        "min_pairs_reasons": "fewer than %(min_pairs)s refusals",
        "min_targets": "fewer than %(min_targets)s different places",
        "dominance": "one or two places gave most of the tests",
        "extreme_share": "a group was refused everywhere or nowhere",
        "complementary": "left out so that the total does not reveal another hidden line",
        "merge": "merged with other reasons",
        "rounding": "counts rounded to 5",
    },
    "tables": {
        "by_target_type": "Table 1",
        "by_area": "Table 2",
        "by_first_role": "Order",
        "sham": "Check pairs",
        "reasons_protected": "Table 3, group with migration background",
        "reasons_control": "Table 3, comparison group",
    },
    "checksum": "Checksum (SHA-256) of this release: %(checksum)s",
    "page": "page",
    "types": {
        "club": "Club / disco",
        "bar": "Bar",
        "cafe": "Café",
        "other": "Other",
        "private_landlord": "Private landlord",
        "letting_agent": "Letting agent",
        "housing_association": "Housing association",
    },
}

TEXTS = {"nl": NL, "en": EN}


def texts_for(lang: str) -> dict[str, Any]:
    """The texts of ``lang`` (Dutch for any language without its own texts)."""
    return TEXTS.get(lang, NL)


def text(key: str, lang: str, **values: Any) -> str:
    """One text of ``lang`` (a dotted key reaches into nested dicts), filled with ``values``."""
    node: Any = texts_for(lang)
    for part in key.split("."):
        node = node[part]
    return node % values if values else node.replace("%%", "%")
