"""The words follow the numbers: one test per wording rule of issue 12, in Dutch and English,
for nightlife and housing."""

from __future__ import annotations

import copy
import re

import pytest
from flask_babel import force_locale

from analysis.estimate import analyze_frame
from analysis.publication import release_content
from fieldwork.public import texts
from fieldwork.public.view import release_view
from tests.publication.test_disclosure import INSTRUMENT
from tests.publication.test_disclosure import MIX
from tests.publication.test_disclosure import pairs_frame
from tests.publication.test_disclosure import targets

DOOR_WORDS = {
    "en": re.compile(r"admit|refus|door|\bteams?\b|venue|nightlife|bouncer", re.I),
    "nl": re.compile(r"toegelaten|geweigerd|weiger|\bdeur|\bteams?\b|\bzaak|\bzaken\b|uitgaan",
                     re.I),
}  # fmt: skip


def content_for(domain: str = "nightlife", order_rule: str = "randomised", frame=None, **design):
    frame = frame if frame is not None else pairs_frame({
        "club": (targets("C", 20, 10), MIX * 2), "bar": (targets("B", 30, 10), MIX * 3)})  # fmt: skip
    study = {"domain": domain, "order_rule": order_rule, "planned_gap_minutes": 5,
             "max_interval_minutes": 15, "title": "Test"}  # fmt: skip
    results = analyze_frame(frame, INSTRUMENT, study=study)
    built = release_content(results, pairs=frame, design={"team_size": [2, 3], **design},
                            texts={"next_steps": {"nl": "De gemeente praat.",
                                                  "en": "The city talks."}})  # fmt: skip
    return built.content


def view(app, content, lang):
    with app.test_request_context("/"), force_locale(lang):
        return release_view(content, lang)


def words(result) -> str:
    """Every sentence of a view, flattened."""
    parts = [*result["headline"], *result["caveats"], result["decisions_intro"]]
    parts += [f"{term} {text}" for term, text in result["design"]]
    for table in result["tables"]:
        parts += [table["caption"], table["note"], table["chart_caption"]]
        parts += [row.get("why", "") + " " + (row.get("independent") or "")
                  for row in table["rows"]]  # fmt: skip
    parts += [item["why"] for item in result["decisions"]]
    parts += list(result["columns"].values())
    return " ".join(parts)


def with_headline(content, **values):
    changed = copy.deepcopy(content)
    changed["headline"].update(values)
    return changed


@pytest.mark.parametrize(
    ("p", "en", "nl"),
    [
        ("< 0.001", "very unlikely to be chance (p <\u00a00.001)",
         "zeer waarschijnlijk geen toeval (p <\u00a00,001)"),
        ("0.049", "unlikely to be chance (p =\u00a00.049)",
         "waarschijnlijk geen toeval (p =\u00a00,049)"),
        ("0.050", "could be chance (p =\u00a00.050)", "kan ook op toeval berusten (p =\u00a00,050)"),
        ("0.062", "could be chance (p =\u00a00.062)", "kan ook op toeval berusten (p =\u00a00,062)"),
    ],
)  # fmt: skip
def test_significance_words_follow_the_p_value_shown(app, p, en, nl):
    # An interval that excludes 0 does not change the words: they follow the test.
    content = with_headline(content_for(), p_value=p, ci_low_pct=3, ci_high_pct=30)
    english, dutch = words(view(app, content, "en")), words(view(app, content, "nl"))
    assert en in english and nl in dutch
    if p not in ("< 0.001", "0.049"):
        assert "unlikely to be chance" not in english and "geen toeval" not in dutch


def test_no_p_no_significance_words(app):
    content = with_headline(
        content_for(),
        method="venue",
        p_value=None,
        n_targets=4,
        ci_is_independent=True,
        independent={"ci_low_pct": 3, "ci_high_pct": 30, "p_value": "0.01"},
    )
    english = words(view(app, content, "en"))
    assert "no test of chance is shown" in english
    assert "chance (p" not in english and "0.01" not in english


def test_the_venue_robust_lead_labels_the_usual_figures(app):
    content = with_headline(
        content_for(),
        method="venue",
        p_value="0.21",
        n_targets=12,
        few_targets=True,
        ci_low_pct=-4,
        ci_high_pct=40,
        independent={"ci_low_pct": 8, "ci_high_pct": 28, "p_value": "0.0021"},
    )
    english = words(view(app, content, "en"))
    assert "allows for venues that were tested more than once" in english
    assert "With 12 venues it is approximate." in english
    assert (
        "If the visits were independent, the margin would be 8 to 28 (p =\u00a00.0021)." in english
    )
    assert "could be chance (p =\u00a00.21)" in english  # the words follow the venue-robust test


@pytest.mark.parametrize(
    ("difference", "en", "nl"),
    [
        ({"difference_pct": -1, "ci_low_pct": -4, "ci_high_pct": 3},
         "The result differed little by order", "De uitkomst verschilde weinig per volgorde"),
        ({"difference_pct": -5, "ci_low_pct": -24, "ci_high_pct": 14},
         "These tests cannot tell whether the order mattered",
         "Of de volgorde uitmaakte, valt uit deze tests niet op te maken"),
        ({"difference_pct": 15, "ci_low_pct": 6, "ci_high_pct": 24},
         "The order made a difference", "De volgorde maakte verschil"),
    ],
)  # fmt: skip
def test_differed_little_only_when_the_margin_lies_within_five_points(app, difference, en, nl):
    content = copy.deepcopy(content_for())
    order = content["tables"]["by_first_role"]
    for row in order["rows"]:
        row["published"] = True
        row["values"] = {**content["headline"], "net_difference_pct": 10}
    if not any(row["key"] == "control" for row in order["rows"]):
        order["rows"].append(
            {
                "key": "control",
                "published": True,
                "rules": [],
                "values": {**content["headline"], "net_difference_pct": 10},
            }
        )
    order["extra"] = {"order_difference": difference}
    english, dutch = words(view(app, content, "en")), words(view(app, content, "nl"))
    assert en in english and nl in dutch
    if en != "The result differed little by order":
        assert "differed little" not in english and "verschilde weinig" not in dutch


@pytest.mark.parametrize("domain", ["nightlife", "housing"])
def test_randomisation_is_mentioned_only_when_the_order_was_drawn(app, domain):
    drawn = words(view(app, content_for(domain), "en"))
    assert "drawn at random" in drawn
    fixed = content_for(domain, order_rule="protected_first")
    english, dutch = words(view(app, fixed, "en")), words(view(app, fixed, "nl"))
    assert "random" not in english and "geloot" not in dutch
    assert "always" in english and "steeds als eerste" in dutch


@pytest.mark.parametrize(
    ("pairs", "en", "nl"),
    [
        (1, "One check pair of two similar teams without a migration background did 12 valid",
         "Eén controlepaar van twee vergelijkbare teams zonder migratieachtergrond deed 12 geldige"),
        (3, "3 check pairs of two similar teams without a migration background did 12 valid",
         "3 controleparen van twee vergelijkbare teams zonder migratieachtergrond deden 12 geldige"),
    ],
)  # fmt: skip
def test_check_pairs_are_counted_from_the_data(app, pairs, en, nl):
    frame = pairs_frame({"club": (targets("C", 20, 10), MIX * 2),
                         "bar": (targets("B", 42, 10), MIX * 4 + "ab")})  # fmt: skip
    frame.loc[frame.index[-12:], "sham"] = True  # 12 check tests
    content = content_for(frame=frame, sham_pairs=pairs)
    assert en in words(view(app, content, "en")) and nl in words(view(app, content, "nl"))


def test_a_share_that_rounds_to_zero_is_fewer_than_one(app):
    content = with_headline(content_for(), n_pairs=300, control_only_favourable=1,
                            protected_only_favourable=0)  # fmt: skip
    english, dutch = words(view(app, content, "en")), words(view(app, content, "nl"))
    assert "In fewer than 1 of every 100 tests only the group" in english
    assert "in 0 of every 100, only the comparison group" in english  # a true zero stays 0
    assert "In minder dan 1 van elke 100 tests werd alleen" in dutch


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_housing_release_has_no_door_words(app, lang):
    result = view(app, content_for("housing"), lang)
    text = words(result)
    assert not DOOR_WORDS[lang].findall(text), DOOR_WORDS[lang].findall(text)
    assert ("invited" in text) if lang == "en" else ("uitgenodigd" in text)


def test_every_text_has_a_housing_form_without_door_words(app):
    assert set(texts.TEXTS["nightlife"]) == set(texts.TEXTS["housing"])
    for lang in ("nl", "en"):
        with app.test_request_context("/"), force_locale(lang):
            for key, entry in texts.TEXTS["housing"].items():
                found = DOOR_WORDS[lang].findall(str(entry))
                assert not found, (key, lang, found)
                assert str(entry) != str(texts.TEXTS["nightlife"][key]) or key.startswith(
                    "pairs_single"), key  # fmt: skip


def test_dutch_reads_as_dutch(app):
    dutch = words(view(app, content_for(), "nl"))
    for wrong in ("netto-maat", "meer redenen", "hoe vaak", "vrijwel zeker"):
        assert wrong not in dutch
    assert "nettomaat" in dutch and "hoeveel vaker" in dutch
    english = words(view(app, content_for(), "en"))
    for sentence in re.split(r"(?<=[.!?])\s+", dutch):
        assert sentence not in english or not re.search(r"[a-z]{4}", sentence), sentence


P_IN_TEXT = re.compile(r"\bp\s*(=|<)?\s*(\d[.,]\d+)")


def test_p_is_below_one_thousandth_or_two_significant_figures_everywhere(app, client,
                                                                        demo_release):  # fmt: skip
    import io

    from pypdf import PdfReader

    from analysis.publication import csv_columns

    base = f"/public/releases/{demo_release.release_id}"
    outputs = {"csv": client.get(base + ".csv").get_data(as_text=True)}
    for lang in ("nl", "en"):
        client.set_cookie("lang", lang)
        outputs[f"html-{lang}"] = re.sub(r"<[^>]+>", " ", client.get(base).get_data(as_text=True))
        pdf = PdfReader(io.BytesIO(client.get(base + ".pdf").data))
        outputs[f"pdf-{lang}"] = " ".join(page.extract_text() for page in pdf.pages)
    header = outputs["csv"].splitlines()[0].split(",")
    p_columns = [header.index(name) for name in csv_columns("nightlife") if name.startswith("p_")]
    values = [line.split(",")[i] for line in outputs["csv"].splitlines()[1:] for i in p_columns]
    shown = [v for v in values if v]
    assert shown and "< 0.001" in shown
    for value in shown:
        assert value == "< 0.001" or re.fullmatch(r"0\.0*[1-9]\d|1\.0", value), value
    for name, text in outputs.items():
        assert "0.0 " not in text and "0,0 " not in text and not re.search(r"p\s*=?\s*0[.,]0\b",
                                                                          text), name  # fmt: skip
        for operator, number in P_IN_TEXT.findall(text):
            value = number.replace(",", ".")
            if operator == "<":
                assert value == "0.001", (name, number)
                continue
            assert len(value.lstrip("0.")) == 2 or value == "1.0", (name, number)


def test_a_release_of_format_version_1_still_renders(app):
    """Releases frozen before the rules were revised hold p-values as numbers and do not name
    their reasons question; their pages keep working (the numbers as shown now)."""
    from tests.publication.test_attack import SCENARIOS
    from tests.publication.test_attack import content_of
    from tests.publication.test_attack import frame_for

    content, _ = content_of(frame_for(SCENARIOS["one small type, complementary"]))
    old = copy.deepcopy(content)
    old["version"] = 1
    del old["study"]["reasons_question"]
    lines = [
        line["values"]
        for table in old["tables"].values()
        for line in [*table["rows"], *([table["total"]] if table.get("total") else [])]
    ]
    for values in [*lines, old["headline"]]:
        for key in ("p_value", "p_adjusted"):
            if isinstance(values.get(key), str):
                values[key] = 0.0623
    english = words(view(app, old, "en"))
    assert "could be chance (p =\u00a00.062)" in english
    assert view(app, old, "en")["reasons"]
