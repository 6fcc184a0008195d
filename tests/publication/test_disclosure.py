"""The release rules of METHODS.md §5, one test per rule: a cell that passes and one that fails."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

import forms
from analysis.disclosure import Rules, cell_failures, check_release, round_base
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
# (control admitted, protected admitted) for the four cells of METHODS.md §0.
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


def test_rule5_counts_rounded_to_base_5_shares_from_exact_counts() -> None:
    assert [round_base(n) for n in (10, 12, 13, 15, 22, 23)] == [10, 10, 15, 15, 20, 25]
    frame = pairs_frame({"club": (targets("C", 13, 6), MIX + "bab"), "bar": BIG})
    release = check(frame)
    club = release.tables["by_target_type"].row("club").values
    assert club["n_pairs"] == 15 and club["targets"] == 5
    for key in ("n_pairs", "both_favourable", "control_only_favourable",
                "protected_only_favourable", "neither_favourable", "targets"):  # fmt: skip
        assert club[key] % 5 == 0
    b, c = MIX.count("b") + 2, MIX.count("c")
    assert club["net_difference_pct"] == round(100 * (b - c) / 13)


def test_refusal_reasons_merged_then_suppressed() -> None:
    frame = pairs_frame({"club": (targets("C", 40, 10), "b" * 30 + "a" * 10)})
    reasons = ["full"] * 20 + ["dress_code"] * 6 + ["age"] * 4
    visits = pd.DataFrame({
        "test_id": [str(i) for i in range(1, 31)], "role": ["protected"] * 30,
        "refusal_reasons": [(reason,) for reason in reasons],
    })  # fmt: skip
    release = check(frame, visits=visits)
    table = release.tables["reasons_protected"]
    assert table.row("full").published
    assert {d.cell for d in release.decisions if d.action == "merged"} == {"dress_code", "age"}
    assert table.row("other_reasons").published  # 10 reports from ≥ 5 venues together
    assert not release.tables["reasons_control"].total.published  # never refused


def test_log_never_states_a_suppressed_value() -> None:
    frame = pairs_frame({"club": (targets("C", 7, 3), MIX[:7]), "bar": BIG, "cafe": BIG})
    release = check(frame)
    for decision in release.decisions:
        if decision.cell == "club":
            assert "7" not in decision.detail and "3" not in decision.detail
