"""The release rules of docs/release-rules.md, one test per rule: a cell that passes and one that fails."""

from __future__ import annotations

import copy
import itertools
import re

import pandas as pd
import pytest

import forms
from analysis.disclosure import Rules
from analysis.disclosure import cell_failures
from analysis.disclosure import check_release
from analysis.disclosure import isolated_differences
from analysis.disclosure import p_public
from analysis.disclosure import percent
from analysis.estimate import analyze_frame

INSTRUMENT = forms.parse_instrument(
    """
id = "door-only"
version = 1
domain = "nightlife"
title = { nl = "Deur", en = "Door" }

[[question]]
id = "admitted"
type = "choice"
required = true
label = { nl = "Binnen?", en = "In?" }
choices = [
  { value = "yes", label = { nl = "Ja", en = "Yes" } },
  { value = "no", label = { nl = "Nee", en = "No" } },
]
outcome = { kind = "binary", favourable = ["yes"], primary = true }
"""
)
# (control admitted, protected admitted) for the four cells of docs/methods.md §0.
CELL = {"a": (True, True), "b": (True, False), "c": (False, True), "d": (False, False)}
MIX = "aaabbacadb"  # 10 pairs in which each group is refused at least once and admitted once


def pairs_frame(strata: dict[str, tuple[list[str], str]], column: str = "target_type"):
    """One row per pair; `strata` maps a level to (target code per pair, cell letter per pair)."""
    rows = []
    counter = itertools.count(1)
    for level, (targets, cells) in strata.items():
        assert len(targets) == len(cells)
        for target, cell in zip(targets, cells, strict=True):
            control, protected = CELL[cell]
            rows.append({
                "test_id": str(next(counter)), "target_code": target,
                "target_type": level if column == "target_type" else "bar",
                "area": level if column == "area" else "centrum",
                "date": "2026-05-01", "first_role": "protected", "interval_minutes": 4.0,
                "valid": True, "invalid_reasons": (), "sham": False,
                "admitted__control": control, "admitted__protected": protected,
            })  # fmt: skip
    frame = pd.DataFrame(rows)
    for side in ("control", "protected"):
        frame[f"admitted__{side}"] = frame[f"admitted__{side}"].astype("boolean")
    return frame


def targets(prefix: str, n: int, distinct: int) -> list[str]:
    return [f"{prefix}{index % distinct}" for index in range(n)]


def check(frame, **kwargs):
    results = analyze_frame(frame, INSTRUMENT)
    return check_release(results, pairs=frame, **kwargs)


def published(release, table: str, key: str) -> bool:
    return release.tables[table].row(key).published


def passes(release, key: str, rule: str) -> bool:
    """The line breaks no rule itself (it may still be a complementary suppression)."""
    rules = release.tables["by_target_type"].row(key).rules
    return rule not in rules and rules in ((), ("complementary",))


BIG = (targets("Z", 30, 10), MIX * 3)  # a large, unremarkable stratum


def test_rule1_min_pairs_ten_passes_nine_fails() -> None:
    frame = pairs_frame({
        "club": (targets("C", 10, 5), MIX), "bar": (targets("B", 9, 5), MIX[:9]), "cafe": BIG,
        "other": (targets("O", 30, 10), MIX * 3),
    })  # fmt: skip
    release = check(frame)
    assert passes(release, "club", "min_pairs")
    assert not published(release, "by_target_type", "bar")
    assert "min_pairs" in release.tables["by_target_type"].row("bar").rules


def test_min_pairs_is_never_below_five() -> None:
    with pytest.raises(ValueError, match="below 5"):
        Rules(min_pairs=4)


def test_rule1_min_targets_five_pass_four_fail() -> None:
    frame = pairs_frame({
        "club": (targets("C", 12, 5), MIX + "ab"), "bar": (targets("B", 12, 4), MIX + "ab"),
        "cafe": BIG, "other": (targets("O", 30, 10), MIX * 3),
    })  # fmt: skip
    release = check(frame)
    assert passes(release, "club", "min_targets")
    assert release.tables["by_target_type"].row("bar").rules == ("min_targets",)


def test_rule2_dominance_of_one_target() -> None:
    assert cell_failures(["V0"] * 5 + ["V1", "V2", "V3", "V4", "V5"], Rules()) == []
    failed = cell_failures(["V0"] * 6 + ["V1", "V2", "V3", "V4"], Rules())
    assert [rule for rule, _ in failed] == ["dominance"]


def test_rule2_dominance_of_two_targets() -> None:
    passes = ["V0"] * 8 + ["V1"] * 7 + ["V2", "V3", "V4", "V5", "V6"]  # 15 of 20 = 75 %
    fails = ["V0"] * 8 + ["V1"] * 8 + ["V2", "V3", "V4", "V5"]  # 16 of 20 = 80 %
    assert cell_failures(passes, Rules()) == []
    assert [rule for rule, _ in cell_failures(fails, Rules())] == ["dominance"]


def test_rule2_in_a_release() -> None:
    dominated = ["C0"] * 6 + ["C1", "C2", "C3", "C4", "C5"]
    frame = pairs_frame({
        "club": (dominated, MIX + "a"), "bar": (targets("B", 11, 6), MIX + "a"), "cafe": BIG,
        "other": (targets("O", 30, 10), MIX * 3),
    })  # fmt: skip
    release = check(frame)
    assert passes(release, "bar", "dominance")
    assert release.tables["by_target_type"].row("club").rules == ("dominance",)


def test_rule3_no_zero_or_full_refusal_share_below_city_level() -> None:
    never_refused_control = "aaaaabbbbb"  # the control group is admitted in every pair
    always_refused_protected = "bbbbbddddd"
    frame = pairs_frame({
        "club": (targets("C", 10, 5), MIX), "bar": (targets("B", 10, 5), never_refused_control),
        "cafe": (targets("K", 10, 5), always_refused_protected),
        "other": (targets("O", 30, 10), MIX * 3),
    })  # fmt: skip
    release = check(frame)
    assert passes(release, "club", "extreme_share")
    assert release.tables["by_target_type"].row("bar").rules == ("extreme_share",)
    assert release.tables["by_target_type"].row("cafe").rules == ("extreme_share",)
    # At city level the rule does not apply.
    assert release.tables["by_target_type"].total.published


def test_rule4_complementary_suppression() -> None:
    frame = pairs_frame({
        "club": (targets("C", 8, 5), MIX[:8]), "bar": (targets("B", 12, 6), MIX + "ab"),
        "cafe": (targets("K", 20, 8), MIX * 2), "other": (targets("O", 30, 10), MIX * 3),
    })  # fmt: skip
    release = check(frame)
    rows = release.tables["by_target_type"]
    assert rows.row("club").rules == ("min_pairs",)
    assert rows.row("bar").rules == ("complementary",)  # the smallest other line
    assert rows.row("cafe").published and rows.row("other").published
    decision = next(d for d in release.decisions if d.rule == "complementary")
    assert decision.cell == "bar" and "club" in decision.detail


def test_rule4_no_complement_needed_without_suppression() -> None:
    frame = pairs_frame({"club": (targets("C", 10, 5), MIX), "bar": BIG})
    release = check(frame)
    assert not [d for d in release.decisions if d.rule == "complementary"]


def test_no_suppressed_value_can_be_recovered_from_totals() -> None:
    """Total minus the published lines gives the suppressed lines only as a group that itself
    passes the rules, in every count column."""
    frame = pairs_frame({
        "club": (targets("C", 8, 5), MIX[:8]), "bar": (targets("B", 12, 6), MIX + "ab"),
        "cafe": (targets("K", 10, 5), "aaaaabbbbb"), "lounge": (targets("L", 20, 8), MIX * 2),
        "other": (targets("O", 30, 10), MIX * 3),
    })  # fmt: skip
    release = check(frame)
    table = release.tables["by_target_type"]
    hidden = [row.key for row in table.rows if not row.published]
    assert len(hidden) >= 2
    rest = frame[frame["target_type"].isin(hidden)]
    assert cell_failures(rest["target_code"].tolist(), release.rules, refused=[
        (int((~rest[f"admitted__{g}"]).sum()), len(rest)) for g in ("control", "protected")
    ]) == []  # fmt: skip
    # Every value the public sees for a hidden line is absent, not just blanked in the view.
    for row in table.rows:
        if not row.published:
            assert row.values == {}


def test_rule5_counts_are_exact_shares_in_whole_points() -> None:
    frame = pairs_frame({"club": (targets("C", 13, 6), MIX + "bab"), "bar": BIG})
    release = check(frame)
    club = release.tables["by_target_type"].row("club").values
    b, c = MIX.count("b") + 2, MIX.count("c")
    assert club["n_pairs"] == 13 and club["targets"] == 6
    assert club["control_only_favourable"] == b and club["protected_only_favourable"] == c
    assert club["both_favourable"] + club["neither_favourable"] == 13 - b - c
    assert club["net_difference_pct"] == round(100 * (b - c) / 13)
    assert not [d for d in release.decisions if d.rule == "rounding"]


def test_refusal_reasons_merged_then_suppressed() -> None:
    frame = pairs_frame({"club": (targets("C", 40, 10), "b" * 30 + "a" * 10)})
    reasons = ["full"] * 20 + ["dress_code"] * 6 + ["age"] * 4
    visits = pd.DataFrame({
        "test_id": [str(i) for i in range(1, 31)], "role": ["protected"] * 30,
        "refusal_reasons": [(reason,) for reason in reasons],
    })  # fmt: skip
    release = check(frame, visits=visits, reasons="refusal_reasons")
    table = release.tables["reasons_protected"]
    assert table.row("full").published
    assert table.row("other_reasons").published  # 10 reports from ≥ 5 venues together
    assert not release.tables["reasons_control"].total.published  # never refused
    # The log says how many categories were merged, never which.
    merged = [d for d in release.decisions if d.action == "merged"]
    assert [(d.cell, d.categories) for d in merged] == [("other_reasons", 2)]
    assert "2 categories with fewer than 10" in merged[0].detail
    for decision in release.decisions:
        assert "dress_code" not in decision.detail and "age" not in decision.detail
        assert decision.cell not in ("dress_code", "age")


def test_log_never_states_a_suppressed_value() -> None:
    frame = pairs_frame({"club": (targets("C", 7, 3), MIX[:7]), "bar": BIG, "cafe": BIG})
    release = check(frame)
    for decision in release.decisions:
        if decision.cell == "club":
            assert "7" not in decision.detail and "3" not in decision.detail


# --- rule 3 in every table, the family, the minimum line size ------------------------------------


def test_rule3_applies_to_the_order_table() -> None:
    frame = pairs_frame({"club": (targets("C", 20, 10), MIX * 2), "bar": BIG})
    # Every pair in which the control team went first: the control group was never refused.
    frame.loc[frame.index[:10], "first_role"] = "control"
    frame.loc[frame.index[:10], ["admitted__control"]] = True
    release = check(frame)
    order = release.tables["by_first_role"]
    assert order.row("control").rules == ("extreme_share",)
    assert order.row("protected").rules == ("complementary",)  # else total − line gives it away
    assert order.total.published


def test_records_without_a_line_are_protected_like_a_suppressed_line() -> None:
    frame = pairs_frame({"club": (targets("C", 20, 10), MIX * 2), "bar": BIG})
    frame.loc[frame.index[:3], "area"] = ""  # three pairs without an area: total − lines = them
    release = check(frame)
    area = release.tables["by_area"]
    # The only area line would be the total minus three pairs: it cannot be shown, and with it
    # hidden the total would give it away, so the table shows its total only.
    assert area.rows == () and area.total.published
    assert [(d.cell, d.rule) for d in release.decisions if d.table == "by_area"] == [
        ("centrum", "complementary"),
        ("*", "complementary"),
    ]


def test_a_suppressed_line_that_the_log_would_pin_down_gets_a_complement() -> None:
    """Two 10-pair lines, each with a 0 % share: their sum and the log fix both results."""
    frame = pairs_frame({
        "club": (targets("C", 10, 5), MIX), "bar": (targets("B", 10, 5), "aaaaabbbbb"),
        "cafe": (targets("K", 10, 5), "bbbbbddddd"), "other": (targets("O", 30, 10), MIX * 3),
    })  # fmt: skip
    table = check(frame).tables["by_target_type"]
    assert table.row("bar").rules == ("extreme_share",)
    assert table.row("cafe").rules == ("extreme_share",)
    assert table.row("club").rules == ("complementary",)
    assert table.row("other").published


def test_holm_is_computed_over_the_published_lines_only() -> None:
    from statsmodels.stats.multitest import multipletests

    frame = pairs_frame({
        "club": (targets("C", 7, 5), MIX[:7]), "bar": (targets("B", 12, 6), "bbbbbbbbac" + "ab"),
        "cafe": (targets("K", 20, 8), MIX * 2), "lounge": (targets("L", 20, 8), "bbbbbacaab" * 2),
        "other": (targets("O", 30, 10), MIX * 3),
    })  # fmt: skip
    results = analyze_frame(frame, INSTRUMENT)
    release = check_release(results, pairs=frame)
    table = release.tables["by_target_type"]
    shown = [row for row in table.rows if row.published]
    hidden = [row.key for row in table.rows if not row.published]
    assert hidden == ["bar", "club"]
    # The p-value each line leads with: venue-robust where a target gave two or more pairs
    # (once the analysis gives it, docs/methods.md §6), else McNemar's mid-p.
    raw = {e["stratum"]["target_type"]: e["p_cluster"]
           if (e.get("n_targets") or e["n_pairs"]) < e["n_pairs"] else e["p_value"]
           for e in results["estimates"]
           if e["outcome"] == "admitted" and set(e["stratum"]) == {"target_type"}}  # fmt: skip
    expected = multipletests([raw[row.key] for row in shown], method="holm")[1]
    for row, p in zip(shown, expected, strict=True):
        assert row.values["p_adjusted"] == p_public(p)
    # The adjusted values do not move when a suppressed line's data change.
    changed = frame.copy()
    changed.loc[changed["target_type"] == "club", "admitted__protected"] = False
    again = check(changed).tables["by_target_type"]
    for row in shown:
        assert again.row(row.key).values["p_adjusted"] == row.values["p_adjusted"]
    family = [d for d in release.decisions if d.rule == "family"]
    assert family and "Holm over the 3 published lines" in family[0].detail


def test_min_pairs_below_ten_needs_a_logged_reason_and_never_goes_below_five() -> None:
    frame = pairs_frame({"club": (targets("C", 8, 5), MIX[:8]), "bar": BIG, "cafe": BIG})
    with pytest.raises(ValueError, match="below the standard 10: give the reason"):
        check(frame, min_pairs=8)
    with pytest.raises(ValueError, match="no threshold below 5"):
        check(frame, min_pairs=4, min_pairs_reason="Kleine stad, afgesproken met de DPO.")
    release = check(frame, min_pairs=8, min_pairs_reason="Small town, agreed with the DPO.")
    assert release.tables["by_target_type"].row("club").published
    lowered = [d for d in release.decisions if d.action == "lowered"]
    assert len(lowered) == 1 and "Small town, agreed with the DPO." in lowered[0].detail
    assert release.rules.min_pairs_reason == "Small town, agreed with the DPO."


# --- p-values as shown, the venue-robust lead ----------------------------------------------------


def test_every_p_value_is_below_one_thousandth_or_two_significant_figures() -> None:
    frame = pairs_frame({"club": (targets("C", 40, 10), "b" * 30 + "a" * 10), "bar": BIG})
    release = check(frame)
    shown = [row.values[key] for table in release.tables.values()
             for row in [*table.rows, *([table.total] if table.total else [])] if row.published
             for key in ("p_value", "p_adjusted") if row.values.get(key) is not None]  # fmt: skip
    assert shown
    for value in shown:
        assert value == "< 0.001" or re.fullmatch(r"0\.0*[1-9]\d|0\.[1-9]\d|1\.0", value), value


CLUSTER_KEYS = ("n_targets", "design_effect", "ci_low_cluster", "ci_high_cluster", "p_cluster")


def without_cluster_keys(results):
    """`results` as an analysis without venue-robust figures writes it."""
    results = copy.deepcopy(results)
    for entry in results["estimates"]:
        for key in CLUSTER_KEYS:
            entry.pop(key, None)
    return results


def with_cluster_keys(results, *, targets_in_line=None):
    """`results` as the venue-robust analysis (issue 11) writes it, with made-up numbers that
    are easy to recognise: interval ±0.30 around the net measure, p 0.2 (0.04 for the total)."""
    results = copy.deepcopy(results)
    for entry in results["estimates"]:
        if entry.get("kind") != "binary" or entry.get("net_difference") is None:
            continue
        n = entry["n_pairs"]
        g = targets_in_line if targets_in_line is not None else max(1, n // 2)
        entry.update(n_targets=g, design_effect=1.734,
                     ci_low_cluster=entry["net_difference"] - 0.30 if g >= 5 else None,
                     ci_high_cluster=entry["net_difference"] + 0.30 if g >= 5 else None,
                     p_cluster=(0.04 if entry["stratum"] == {} else 0.2) if g >= 5 else None)  # fmt: skip
    return results


def test_a_line_with_repeat_visits_leads_with_the_venue_robust_figures() -> None:
    frame = pairs_frame({"club": (targets("C", 20, 10), MIX * 2), "bar": BIG})
    plain = without_cluster_keys(analyze_frame(frame, INSTRUMENT))
    release = check_release(with_cluster_keys(plain), pairs=frame)
    total = release.tables["by_target_type"].total.values
    entry = next(e for e in plain["estimates"] if e["stratum"] == {} and e["sample"] == "test")
    assert total["method"] == "venue" and total["p_value"] == "0.040"
    assert total["ci_low_pct"] == percent(entry["net_difference"] - 0.30)
    assert total["independent"] == {"ci_low_pct": percent(entry["ci_low"]),
                                    "ci_high_pct": percent(entry["ci_high"]),
                                    "p_value": p_public(entry["p_value"])}  # fmt: skip
    assert total["design_effect"] == 1.73 and total["n_targets"] == 25
    # Holm runs over the p-values the lines lead with (two lines of p 0.2: 0.4 each).
    club = release.tables["by_target_type"].row("club").values
    assert club["p_value"] == "0.20" and club["p_adjusted"] == "0.40"


def test_fewer_than_five_targets_means_no_published_p() -> None:
    frame = pairs_frame({"club": (targets("C", 20, 10), MIX * 2), "bar": BIG})
    release = check_release(with_cluster_keys(analyze_frame(frame, INSTRUMENT),
                                              targets_in_line=4), pairs=frame)  # fmt: skip
    total = release.tables["by_target_type"].total.values
    assert total["method"] == "venue" and total["p_value"] is None
    assert total["ci_is_independent"] and total["ci_low_pct"] == total["independent"]["ci_low_pct"]
    assert all(row.values["p_adjusted"] is None
               for row in release.tables["by_target_type"].rows if row.published)  # fmt: skip


def test_without_the_venue_robust_keys_or_with_one_pair_per_target_the_independent_lead() -> None:
    frame = pairs_frame({"club": (targets("C", 20, 20), MIX * 2), "bar": BIG})
    plain = without_cluster_keys(analyze_frame(frame, INSTRUMENT))
    old = check_release(plain, pairs=frame).tables["by_target_type"]
    assert old.total.values["method"] == "independent" and "independent" not in old.total.values
    club = check_release(with_cluster_keys(plain, targets_in_line=20), pairs=frame)
    values = club.tables["by_target_type"].row("club").values  # 20 pairs at 20 targets
    assert values["method"] == "independent"
    assert values["p_value"] == p_public(
        next(e["p_value"] for e in plain["estimates"] if e["stratum"] == {"target_type": "club"})
    )


# --- earlier releases ----------------------------------------------------------------------------


def test_a_difference_with_an_earlier_release_of_fewer_than_ten_pairs_is_found() -> None:
    base = {"club": (targets("C", 20, 10), MIX * 2), "bar": BIG}
    earlier = check(pairs_frame(base))
    added = pairs_frame({**base, "club": (targets("C", 23, 10), MIX * 2 + "bab")})
    # The three new club pairs get new test ids; the others keep theirs (bar comes after club).
    added["test_id"] = [str(i) for i in range(1, 21)] + ["901", "902", "903"] + [
        str(i) for i in range(21, 51)]  # fmt: skip
    later = check(added)
    found = isolated_differences(later.line_records, {1: earlier.line_records}, min_pairs=10)
    assert {(i.table, i.line, i.earlier_line, i.size) for i in found} >= {
        ("by_target_type", "total", "total", 3),
        ("by_target_type", "club", "club", 3),
    }
    assert all(i.earlier == 1 for i in found)
    many = pairs_frame({**base, "club": (targets("C", 35, 10), MIX * 3 + "bbaab")})
    many["test_id"] = [str(i) for i in range(1, 21)] + [f"9{i:02d}" for i in range(15)] + [
        str(i) for i in range(21, 51)]  # fmt: skip
    assert isolated_differences(check(many).line_records, {1: earlier.line_records},
                                min_pairs=10) == []  # fmt: skip
