"""The words of comparison.html and its forest plot, in Dutch and English.

The analysis package has no Flask and so no Babel catalogue: this small table is the one place
for these words. Keys are the same in both languages (a test checks it).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Cities and waves compared: {outcome}",
        "intro": (
            "Net measure: the share of pairs in which only the control team was treated "
            "favourably minus the share in which only the team with a migration background was, "
            "in percentage points; above zero, the group with a migration background was worse "
            "off. Each interval allows for venues visited more than once (venue-robust, "
            "{level} confidence); the p-value is Obuchowski's clustered McNemar test. Cities share "
            "only counts per venue pseudonym, never pair-level data."
        ),
        "pooled": "All studies together",
        "by_city": "By city",
        "by_wave": "By city and wave",
        "change": "Change from one wave to the next",
        "heterogeneity": "Are the cities alike?",
        "heterogeneity_text": (
            "Cochran's Q = {q} (degrees of freedom: {df}), p = {p}; I² = {i2} % of the "
            "variation between cities is more than chance."
        ),
        "heterogeneity_none": "Not tested: {note}.",
        "line": "Line",
        "city": "City",
        "wave": "Study (wave)",
        "pairs": "Pairs",
        "targets": "Venues",
        "net": "Net measure (pp)",
        "interval": "Interval (pp)",
        "p": "p",
        "from_to": "From → to",
        "difference": "Change (pp)",
        "in_both": "Venues in both waves",
        "note": "Note",
        "all": "all venue types",
        "figure_title": "Net measure per city and wave ({outcome})",
        "figure_subtitle": "percentage points, venue-robust {level} interval",
        "figure_axis": "net measure, percentage points",
        "figure_description": (
            "Forest plot of the net measure, in percentage points, with its venue-robust interval:"
            " all studies together, per city, and per city and wave. Positive values: the group "
            "with a migration background was worse off."
        ),
        "other_language": "Nederlands",
        "column": "estimate (interval), pairs",
        "no_interval": "no interval (see the table), n = {n}",
        "not_estimable": "not estimable, n = {n}",
        "n": "n = {n}",
        "left": "← migration background {side} off",
        "right": "migration background {side} off →",
        "better": "better",
        "worse": "worse",
        "to": "to",
        "decimal": ".",
        "none": "–",
        "few": "fewer than 20 venues: the interval is approximate",
        "too_few": "fewer than 5 venues: no interval or test",
        "no_pairs": "no pairs",
        "not_tested": "fewer than two cities with at least 5 venues in this line",
        "left_out": "Left out (fewer than 5 venues): {cities}.",
    },
    "nl": {
        "title": "Steden en metingen vergeleken: {outcome}",
        "intro": (
            "Netto-maat: het aandeel paren waarin alleen het team zonder migratieachtergrond "
            "gunstig werd behandeld, min het aandeel waarin alleen het team met "
            "migratieachtergrond dat werd, in procentpunten; boven nul was de groep met een "
            "migratieachtergrond in het nadeel. Elke marge houdt er rekening mee dat locaties "
            "meer dan eens zijn bezocht ({level} betrouwbaarheid); de p-waarde is de geclusterde "
            "McNemar-toets van Obuchowski. Steden delen alleen aantallen per locatiepseudoniem, "
            "nooit gegevens per paar."
        ),
        "pooled": "Alle onderzoeken samen",
        "by_city": "Per stad",
        "by_wave": "Per stad en meting",
        "change": "Verandering van de ene meting naar de volgende",
        "heterogeneity": "Lijken de steden op elkaar?",
        "heterogeneity_text": (
            "Cochrans Q = {q} (vrijheidsgraden: {df}), p = {p}; I² = {i2} % van de verschillen "
            "tussen de steden is meer dan toeval."
        ),
        "heterogeneity_none": "Niet getoetst: {note}.",
        "line": "Regel",
        "city": "Stad",
        "wave": "Onderzoek (meting)",
        "pairs": "Paren",
        "targets": "Locaties",
        "net": "Netto-maat (pp)",
        "interval": "Marge (pp)",
        "p": "p",
        "from_to": "Van → naar",
        "difference": "Verandering (pp)",
        "in_both": "Locaties in beide metingen",
        "note": "Toelichting",
        "all": "alle soorten locaties",
        "figure_title": "Netto-maat per stad en meting ({outcome})",
        "figure_subtitle": "procentpunten, {level}-marge met locaties als clusters",
        "figure_axis": "netto-maat, procentpunten",
        "figure_description": (
            "Forest plot van de netto-maat in procentpunten met de marge die rekening houdt met "
            "herhaalde bezoeken aan locaties: alle onderzoeken samen, per stad en per stad en "
            "meting. Positieve waarden: de groep met een migratieachtergrond was in het nadeel."
        ),
        "other_language": "English",
        "column": "schatting (marge), paren",
        "no_interval": "geen marge (zie de tabel), n = {n}",
        "not_estimable": "niet te schatten, n = {n}",
        "n": "n = {n}",
        "left": "← migratieachtergrond {side} af",
        "right": "migratieachtergrond {side} af →",
        "better": "beter",
        "worse": "slechter",
        "to": "tot",
        "decimal": ",",
        "none": "–",
        "few": "minder dan 20 locaties: de marge is bij benadering",
        "too_few": "minder dan 5 locaties: geen marge of toets",
        "no_pairs": "geen paren",
        "not_tested": "minder dan twee steden met ten minste 5 locaties in deze regel",
        "left_out": "Niet meegenomen (minder dan 5 locaties): {cities}.",
    },
}
