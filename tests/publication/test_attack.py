"""The attack harness (tests/publication/attack.py) against the releases the tests build.

It must recover nothing from any release the rules produce — synthetic ones that make every rule
bite, the demo's nightlife and housing releases, a release and its correction — and it must
recover lines from deliberately unsafe variants of them, one per weakness the audit found, so it
is known to work.
"""

from __future__ import annotations

import copy
import itertools
import random
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from flask import render_template
from flask_babel import force_locale

from analysis.estimate import analyze_frame
from analysis.multiplicity import holm
from analysis.publication import release_content
from analysis.publication import tables_csv
from fieldwork.public.view import release_view
from forms import get_instrument
from tests.publication.attack import PublicRelease
from tests.publication.attack import attack
from tests.publication.attack import read_release
from tests.publication.test_disclosure import BIG
from tests.publication.test_disclosure import INSTRUMENT
from tests.publication.test_disclosure import MIX
from tests.publication.test_disclosure import pairs_frame
from tests.publication.test_disclosure import targets

REASONS = get_instrument("nightlife-door", 1).question("refusal_reasons")
LABELS = {choice.value: choice.label_in("en") for choice in REASONS.choices}

# Synthetic studies in which every rule bites (strata: target types unless the key says area).
SCENARIOS = {
    "one small type, complementary": {
        "club": (targets("C", 8, 5), MIX[:8]), "bar": (targets("B", 12, 6), MIX + "ab"),
        "cafe": (targets("K", 20, 8), MIX * 2), "other": (targets("O", 30, 10), MIX * 3)},
    "two small types": {
        "club": (targets("C", 7, 5), MIX[:7]), "bar": (targets("B", 6, 5), MIX[:6]),
        "cafe": (targets("K", 20, 8), MIX * 2), "lounge": (targets("L", 20, 8), MIX * 2),
        "other": (targets("O", 30, 10), MIX * 3)},
    "extreme shares": {
        "club": (targets("C", 10, 5), MIX), "bar": (targets("B", 10, 5), "aaaaabbbbb"),
        "cafe": (targets("K", 10, 5), "bbbbbddddd"), "other": (targets("O", 30, 10), MIX * 3)},
    "dominance": {
        "club": (["C0"] * 6 + ["C1", "C2", "C3", "C4", "C5"], MIX + "a"),
        "bar": (targets("B", 11, 6), MIX + "a"), "cafe": BIG,
        "other": (targets("O", 30, 10), MIX * 3)},
    "strong effect in a small type": {
        "club": (targets("C", 9, 5), "bbbbbbbba"), "bar": (targets("B", 14, 7), "bbbbbbbbbbaaad"),
        "cafe": (targets("K", 20, 8), MIX * 2), "lounge": (targets("L", 20, 8), "aabaacaaab" * 2),
        "other": (targets("O", 30, 10), MIX * 3)},
    # Found by a search for data where Holm over every type gives both hidden lines away. One
    # pair per venue: the lines lead with McNemar's mid-p, which anyone can recompute.
    "hidden p-values among the published": {
        "club": (targets("C", 9, 9), "aabbbbaaa"), "bar": (targets("B", 14, 14), "abbbbaaacaaaba"),
        "cafe": (targets("K", 20, 20), "aaabacaaaabbaaabbbaa"),
        "lounge": (targets("L", 20, 20), "aaabaababbdabbbdbaba"),
        "other": (targets("O", 30, 30), "ababbaaaaaaabaadcabbaaaaadacba")},
}  # fmt: skip


def frame_for(strata) -> pd.DataFrame:
    frame = pairs_frame(strata)
    # Areas and order cut across the types, so those tables bite too.
    frame["area"] = [("centrum", "laak", "escamp", "duinoord")[i % 4] if i % 17 else "loosduinen"
                     for i in range(len(frame))]  # fmt: skip
    frame["first_role"] = ["protected" if i % 3 else "control" for i in range(len(frame))]
    return frame


def visits_for(frame: pd.DataFrame) -> pd.DataFrame:
    """Reasons for every refused visit: a common one, and rare ones (merged)."""
    rows = []
    for index, row in enumerate(frame.itertuples()):
        for group in ("protected", "control"):
            if not getattr(row, f"admitted__{group}"):
                reasons = ("full",) if index % 3 else ("dress_code",)
                if index % 11 == 0:
                    reasons = ("explicit_origin",)
                rows.append({"test_id": row.test_id, "role": group, "refusal_reasons": reasons})
    return pd.DataFrame(rows)


def content_of(frame: pd.DataFrame) -> tuple[dict, dict]:
    results = analyze_frame(frame, INSTRUMENT, study={"domain": "nightlife",
                                                     "order_rule": "randomised"})  # fmt: skip
    built = release_content(results, pairs=frame, visits=visits_for(frame),
                            reasons="refusal_reasons", design={"team_size": [2, 3]},
                            texts={"next_steps": {"nl": "De gemeente praat."}})  # fmt: skip
    built.content["study"].update(instrument="nightlife-door", instrument_version=1)
    return built.content, results


def shown_values(content: dict, entry: dict) -> dict:
    """What an unsafe release would have printed for a line (its counts are what matter)."""
    keys = ("both_favourable", "control_only_favourable", "protected_only_favourable",
            "neither_favourable", "n_pairs")  # fmt: skip
    return {**content["headline"], **{key: entry[key] for key in keys}}


def public(app, content: dict, label: str = "") -> PublicRelease:
    """The CSV and the English HTML of a release's content, read as the attacker reads them."""
    with app.test_request_context("/"), force_locale("en"):
        html = render_template("public/_release_body.html", view=release_view(content, "en"),
                               release=SimpleNamespace(checksum="0" * 64), published_month="")  # fmt: skip
    return read_release(tables_csv(content), html, label)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_nothing_is_recovered_from_a_safe_release(app, name):
    content, _ = content_of(frame_for(SCENARIOS[name]))
    suppressed = [row for table in content["tables"].values() for row in table["rows"]
                  if not row["published"]]  # fmt: skip
    assert suppressed, "the scenario must make the rules bite"
    assert attack([public(app, content)], LABELS) == []


def test_nothing_is_recovered_from_the_demo_releases(app, client, demo_release):
    from tests.publication.conftest import release_study

    with app.app_context():
        housing = release_study("DEMO-WON")
    client.set_cookie("lang", "en")
    found = []
    for made in (demo_release, housing):
        base = f"/public/releases/{made.release_id}"
        release = read_release(client.get(base + ".csv").get_data(as_text=True),
                               client.get(base).get_data(as_text=True))  # fmt: skip
        assert any(not line.published for table in release.tables.values()
                   for line in table.values())  # fmt: skip
        found += attack([release], LABELS)
    assert found == []


def test_nothing_is_recovered_from_a_release_and_its_unchanged_correction(app):
    content, _ = content_of(frame_for(SCENARIOS["one small type, complementary"]))
    correction = copy.deepcopy(content)
    correction["texts"]["next_steps"]["nl"] = "De gemeente praat met de zaken."
    assert attack([public(app, content), public(app, correction)], LABELS) == []


# --- deliberately unsafe variants: the harness must find each ------------------------------------


def test_it_recovers_a_line_when_complementary_suppression_is_left_out(app):
    content, results = content_of(frame_for(SCENARIOS["one small type, complementary"]))
    table = content["tables"]["by_target_type"]
    complementary = next(row for row in table["rows"] if row["rules"] == ["complementary"])
    entry = next(e for e in results["estimates"] if e["sample"] == "test"
                 and e["stratum"] == {"target_type": complementary["key"]})  # fmt: skip
    complementary.update(published=True, rules=[], values=shown_values(content, entry))
    found = attack([public(app, content)], LABELS)
    club = next(e for e in results["estimates"] if e["stratum"] == {"target_type": "club"})
    expected = (club["both_favourable"], club["control_only_favourable"],
                club["protected_only_favourable"], club["neither_favourable"])  # fmt: skip
    recovered = [f for f in found if (f.attack, f.table) == ("differencing", "by_target_type")]
    assert ("club", f"counts {expected}") in [(f.line, f.detail) for f in recovered]
    assert {f.line for f in recovered} == {"club"}


def test_it_recovers_suppressed_lines_from_holm_over_all_types(app):
    """What the audit did: Holm computed over every type, suppressed ones included, shown to
    three decimals."""
    name = "hidden p-values among the published"
    content, results = content_of(frame_for(SCENARIOS[name]))
    table = content["tables"]["by_target_type"]
    assert sorted(row["key"] for row in table["rows"] if not row["published"]) == ["bar", "club"]
    entries = {e["stratum"]["target_type"]: e for e in results["estimates"] if e["sample"] == "test"
               and set(e["stratum"]) == {"target_type"}}  # fmt: skip
    keys = sorted(entries)
    all_types = dict(zip(keys, holm([entries[k]["p_value"] for k in keys]), strict=True))
    for row in table["rows"]:
        if row["published"]:
            row["values"]["p_adjusted"] = f"{all_types[row['key']]:.3f}"
    found = {(f.attack, f.line, f.detail) for f in attack([public(app, content)], LABELS)}
    truth = {key: (entries[key]["control_only_favourable"], entries[key]["protected_only_favourable"])
             for key in ("bar", "club")}  # fmt: skip
    assert found == {("family", key, f"(b, c) = {truth[key]}") for key in ("bar", "club")}


def test_it_reads_a_zero_share_from_an_order_table_without_rule_3(app):
    frame = frame_for(SCENARIOS["one small type, complementary"])
    control_first = frame["first_role"] == "control"
    frame.loc[control_first, "admitted__control"] = True  # never refused when going first
    content, results = content_of(frame)
    order = content["tables"]["by_first_role"]
    assert next(r for r in order["rows"] if r["key"] == "control")["rules"] == ["extreme_share"]
    for row in order["rows"]:  # the old rules: no rule 3 in the order table
        entry = next(e for e in results["estimates"] if e["sample"] == "test"
                     and e["stratum"] == {"first_role": row["key"]})  # fmt: skip
        row.update(published=True, rules=[], values=shown_values(content, entry))
    found = {(f.attack, f.table, f.line) for f in attack([public(app, content)], LABELS)}
    assert ("extreme_share", "by_first_role", "control") in found


def test_it_finds_a_merged_reason_named_in_the_log(app):
    content, _ = content_of(frame_for(SCENARIOS["one small type, complementary"]))
    release = public(app, content)
    merged = [code for code in ("explicit_origin", "dress_code")
              if code not in release.tables["reasons_protected"]]  # fmt: skip
    assert merged and attack([release], LABELS) == []
    # The old log: one item per merged reason, by name.
    release.log += [f"Table 3, group with migration background, {LABELS[code]}: merged with "
                    "other reasons" for code in merged]  # fmt: skip
    found = {(f.attack, f.line) for f in attack([release], LABELS)}
    assert {("log", code) for code in merged} <= found


def test_it_isolates_the_pairs_added_between_two_releases(app):
    strata = SCENARIOS["one small type, complementary"]
    frame = frame_for(strata)
    first, _ = content_of(frame)
    extra = frame.tail(3).copy()
    extra["test_id"] = ["901", "902", "903"]
    extra[["admitted__control", "admitted__protected"]] = [[True, False]] * 3
    second, _ = content_of(pd.concat([frame, extra], ignore_index=True))
    found = attack([public(app, first), public(app, second)], LABELS)
    earlier = [f for f in found if f.attack == "earlier"]
    assert any(f.line == "total" and "3 pairs" in f.detail for f in earlier), found
    assert all(re.search(r"\(0, 3, 0, 0\)", f.detail) for f in earlier if f.line == "total")


# --- the solvers, held against brute force -------------------------------------------------------


def brute_force(remainder, rules, minimum):
    """Every split of `remainder` into len(rules) lines, enumerated; the (b, c) each line takes."""
    from tests.publication.attack import Line
    from tests.publication.attack import _line_rule

    def cells(limit):
        return itertools.product(*(range(r + 1) for r in limit))

    checks = [_line_rule(Line("x", False, tuple(r)), minimum) for r in rules]
    found = [set() for _ in rules]

    def place(index, left, chosen):
        if index == len(rules) - 1:
            if bool(checks[index](*(np.array(v) for v in left))):
                for line, value in enumerate([*chosen, left]):
                    found[line].add((value[1], value[2]))
            return
        for value in cells(left):
            if bool(checks[index](*(np.array(v) for v in value))):
                place(index + 1, tuple(x - y for x, y in zip(left, value, strict=True)),
                      [*chosen, value])  # fmt: skip

    place(0, tuple(remainder), [])
    return found


@pytest.mark.parametrize("seed", range(12))
def test_both_solvers_agree_with_brute_force(seed):
    from analysis.recovery import possible_results
    from tests.publication.attack import Line
    from tests.publication.attack import feasible_splits
    from tests.publication.attack import results_of

    rng = random.Random(seed)
    remainder = tuple(rng.randint(0, 5) for _ in range(4))
    rules = [rng.choice([("min_pairs",), ("complementary",), ("extreme_share",),
                         ("min_pairs", "extreme_share")]) for _ in range(rng.choice([2, 2, 3]))]  # fmt: skip
    minimum = rng.choice([3, 5])
    expected = brute_force(remainder, rules, minimum)
    harness = [results_of(grid) for grid in feasible_splits(
        remainder, [Line("x", False, r) for r in rules], minimum)]  # fmt: skip
    assert harness == expected
    assert possible_results(remainder, rules, minimum) == expected


def test_both_solvers_pin_down_two_lines_that_the_log_fixes():
    from analysis.recovery import possible_results
    from tests.publication.attack import Line
    from tests.publication.attack import feasible_splits
    from tests.publication.attack import results_of

    remainder, rules = (5, 10, 0, 5), [("extreme_share",), ("extreme_share",)]
    expected = brute_force(remainder, rules, 10)
    assert expected == [{(5, 0)}, {(5, 0)}]
    grids = feasible_splits(remainder, [Line("x", False, r) for r in rules], 10)
    assert [results_of(grid) for grid in grids] == expected
    assert possible_results(remainder, rules, 10) == expected
