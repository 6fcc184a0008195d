"""Disclosure control for the city's published tables: the release rules of docs/release-rules.md.

A *line* is one row of a public table (a target type, an area, who went first, a reason given
for a refusal); its records are the valid, non-sham pairs behind it (for reasons: the refused
visits of one group, one per test). The rules, each named in the decision log by its code:

``min_pairs``      rule 1: at least ``min_pairs`` records (the study's setting: 10, lower only
                   with a logged reason, never below 5);
``min_targets``    rule 1: at least ``min_targets`` distinct targets;
``dominance``      rule 2: no target more than 50 % of the records, no two more than 75 %;
``extreme_share``  rule 3: below city level, no group refused in 0 % or 100 % of its visits —
                   in every table (order and reasons tables too);
``complementary``  rule 4: a second line is suppressed when a table's total and the other lines
                   would reveal a suppressed one; lines are added until at least two are
                   suppressed and together they pass rules 1–3;
``merge``          reasons that fail rules 1–3 are merged into "other reasons"; the log says how
                   many categories were merged, never which;
``family``         rule 4: Holm is computed over the published lines only, so an adjusted p-value
                   says nothing about a suppressed line.

Counts are exact (rule 5: rounding that the intervals undo protects nothing); shares and net
measures in whole percentage points; p-values as "< 0.001" or two significant figures
(:func:`p_public`). The log never states a suppressed or merged value. Where a target gave two
or more pairs of a line, the line leads with the venue-robust interval and test (docs/methods.md §6).
:func:`isolated_differences` checks a release against earlier ones (rule 4, across releases).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pandas as pd

from analysis.multiplicity import holm
from analysis.recovery import recovered

RULES = (
    "min_pairs", "min_targets", "dominance", "extreme_share", "complementary", "merge", "family",
)  # fmt: skip
STRATA = {"by_target_type": "target_type", "by_area": "area", "by_first_role": "first_role"}
GROUPS = ("protected", "control")
OTHER_REASONS = "other_reasons"
REMAINDER = "~remainder"  # the records of a table's suppressed lines together (total − published)
STANDARD_MIN_PAIRS, LOWEST_MIN_PAIRS = 10, 5
MIN_VENUE_TARGETS = (
    5  # below this, no venue-robust interval and no published p (docs/methods.md §6)
)
FEW_TARGETS = 20  # below this, the venue-robust interval is approximate


def percent(share: float | None) -> int | None:
    """A share in whole percentage points (halves away from zero), or None.

    >>> percent(0.2105), percent(-0.125), percent(None)
    (21, -13, None)
    """
    if share is None or not math.isfinite(share):
        return None
    scaled = share * 100
    return int(math.floor(abs(scaled) + 0.5)) * (1 if scaled >= 0 else -1)


def p_public(p_value: float | None) -> str | None:
    """A p-value as every public output shows it: "< 0.001" or two significant figures.

    >>> [p_public(p) for p in (0.0000312, 0.000999, 0.001, 0.0123, 0.0496, 0.062, 0.5, 0.999)]
    ['< 0.001', '< 0.001', '0.0010', '0.012', '0.050', '0.062', '0.50', '1.0']
    >>> p_public(None), p_public(float("nan"))
    (None, None)
    """
    if p_value is None or not math.isfinite(p_value):
        return None
    if p_value < 0.001:
        return "< 0.001"
    rounded = float(f"{p_value:.2g}")
    decimals = max(1, 1 - math.floor(math.log10(rounded)))
    return f"{rounded:.{decimals}f}"


def p_below(shown: str | None, alpha: float) -> bool | None:
    """Whether a p-value as shown (:func:`p_public`) is below ``alpha``; None without a p.

    Words of significance follow this, the number the reader sees.

    >>> p_below("< 0.001", 0.05), p_below("0.050", 0.05), p_below("0.049", 0.05), p_below(None, 0.05)
    (True, False, True, None)
    """
    if shown is None:
        return None
    if shown.startswith("<"):
        return float(shown.lstrip("< ")) <= alpha
    return float(shown) < alpha


@dataclass(frozen=True)
class Rules:
    """The thresholds of docs/release-rules.md. ``min_pairs`` is the study's setting: below 10 only with
    a reason (``min_pairs_reason``, published in the decision log), never below 5."""

    min_pairs: int = STANDARD_MIN_PAIRS
    min_targets: int = 5
    dominance_one: float = 0.5
    dominance_two: float = 0.75
    min_pairs_reason: str = ""

    def __post_init__(self) -> None:
        if self.min_pairs < LOWEST_MIN_PAIRS:
            raise ValueError(
                f"min_pairs is {self.min_pairs}; docs/release-rules.md allows no threshold below "
                f"{LOWEST_MIN_PAIRS} valid pairs (the standard is {STANDARD_MIN_PAIRS})"
            )
        if self.min_pairs < STANDARD_MIN_PAIRS and not self.min_pairs_reason.strip():
            raise ValueError(
                f"min_pairs is {self.min_pairs}, below the standard {STANDARD_MIN_PAIRS}: give "
                "the reason (min_pairs_reason); it is logged in the release"
            )
        if self.min_targets < 1:
            raise ValueError("min_targets must be at least 1")


@dataclass(frozen=True)
class Decision:
    """One entry of the decision log published with the release (never a suppressed value)."""

    table: str
    cell: str
    rule: str
    action: str  # suppressed | merged | adjusted | lowered
    detail: str
    categories: int | None = None  # merged: how many categories (not how many records)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.categories is None:
            del data["categories"]
        return data


@dataclass(frozen=True)
class Row:
    """One line of a public table; `values` is empty when the line is suppressed."""

    key: str
    published: bool
    values: Mapping[str, Any] = field(default_factory=dict)
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "published": self.published, "values": dict(self.values),
                "rules": list(self.rules)}  # fmt: skip


@dataclass(frozen=True)
class Table:
    name: str
    total: Row | None
    rows: tuple[Row, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)

    def to_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "total": self.total.to_dict() if self.total else None,
                "rows": [row.to_dict() for row in self.rows]}  # fmt: skip
        if self.extra:
            data["extra"] = dict(self.extra)
        return data


@dataclass(frozen=True)
class ReleaseTables:
    """What :func:`check_release` returns: the publishable tables, the decision log and, never
    published, the test ids behind every public line (``line_records``, for rule 4 across
    releases: :func:`isolated_differences`)."""

    tables: Mapping[str, Table]
    decisions: tuple[Decision, ...]
    rules: Rules
    outcome: str
    line_records: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def suppressed(self) -> list[tuple[str, str]]:
        """(table, line) of every suppressed line."""
        return [(name, row.key) for name, table in self.tables.items()
                for row in table.rows if not row.published]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The public part (``line_records`` stays out)."""
        return {
            "outcome": self.outcome,
            "rules": asdict(self.rules),
            "tables": {name: table.to_dict() for name, table in self.tables.items()},
            "decisions": [decision.to_dict() for decision in self.decisions],
        }


def cell_failures(
    targets: Sequence[str],
    rules: Rules,
    *,
    refused: Sequence[tuple[int, int]] = (),
    unit: str = "valid pairs",
) -> list[tuple[str, str]]:
    """(rule, detail) for every rule 1–3 that the records of one line break.

    `targets` holds one target code per record; `refused` one (refused, visits) count per group
    for rule 3 (left empty at city level, where the rule does not apply).

    >>> cell_failures(["V1", "V2", "V3", "V4", "V5"] * 2, Rules())
    []
    >>> [rule for rule, _ in cell_failures(["V1"] * 6 + ["V2", "V3", "V4", "V5"], Rules())]
    ['dominance']
    >>> [rule for rule, _ in cell_failures(["V1", "V2", "V3", "V4", "V5"] * 2, Rules(),
    ...                                    refused=[(0, 10), (4, 10)])]
    ['extreme_share']
    """
    failures = []
    n = len(targets)
    counts = sorted(Counter(targets).values(), reverse=True)
    if n < rules.min_pairs:
        failures.append(("min_pairs", f"fewer than {rules.min_pairs} {unit}"))
    if len(counts) < rules.min_targets:
        failures.append(("min_targets", f"fewer than {rules.min_targets} distinct targets"))
    if n and counts[0] > rules.dominance_one * n:
        failures.append(("dominance", f"one target gave more than "
                         f"{percent(rules.dominance_one)} % of the records"))  # fmt: skip
    elif n and sum(counts[:2]) > rules.dominance_two * n:
        failures.append(("dominance", f"two targets gave more than "
                         f"{percent(rules.dominance_two)} % of the records"))  # fmt: skip
    if any(visits and count in (0, visits) for count, visits in refused):
        failures.append(("extreme_share", "a group was refused in 0 % or 100 % of its visits"))
    return failures


def lead_figures(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The interval and test a line leads with (docs/methods.md §6 "When to lead with it").

    When some target gave two or more of the line's pairs (``n_targets`` < ``n_pairs``), the
    venue-robust interval and Obuchowski's test lead and Tango/mid-p follow as "if the visits were
    independent"; with fewer than 5 targets there is no published p. Results without the
    venue-robust keys (an older analysis) lead with the independent figures.
    """
    independent = {
        "ci_low_pct": percent(entry.get("ci_low")), "ci_high_pct": percent(entry.get("ci_high")),
        "p_value": p_public(entry.get("p_value")),
    }  # fmt: skip
    n_pairs, targets = entry.get("n_pairs"), entry.get("n_targets")
    if targets is None or n_pairs is None or targets >= n_pairs:
        return {"method": "independent", **independent,
                "n_targets": targets, "design_effect": None}  # fmt: skip
    effect = entry.get("design_effect")
    figures: dict[str, Any] = {
        "method": "venue",
        "n_targets": int(targets),
        "design_effect": None if effect is None else round(float(effect), 2),
        "few_targets": targets < FEW_TARGETS,
        "independent": independent,
    }
    if targets < MIN_VENUE_TARGETS or entry.get("ci_low_cluster") is None:
        # No venue-robust interval: the independent one is shown, labelled as such, and no p.
        figures.update(ci_low_pct=independent["ci_low_pct"],
                       ci_high_pct=independent["ci_high_pct"], p_value=None,
                       ci_is_independent=True)  # fmt: skip
    else:
        figures.update(ci_low_pct=percent(entry.get("ci_low_cluster")),
                       ci_high_pct=percent(entry.get("ci_high_cluster")),
                       p_value=p_public(entry.get("p_cluster")))  # fmt: skip
    return figures


def _lead_p(entry: Mapping[str, Any]) -> float | None:
    """The unrounded p-value of the test a line leads with (for the family adjustment)."""
    figures = lead_figures(entry)
    if figures["p_value"] is None:
        return None
    return entry.get("p_cluster") if figures["method"] == "venue" else entry.get("p_value")


@dataclass
class _Line:
    key: str
    records: pd.DataFrame
    failures: list[tuple[str, str]]
    complementary: bool = False

    @property
    def hidden(self) -> bool:
        return bool(self.failures) or self.complementary


class _Checker:
    def __init__(self, frame: pd.DataFrame, outcome: str, rules: Rules) -> None:
        self.frame, self.outcome, self.rules = frame, outcome, rules
        self.decisions: list[Decision] = []
        self.records: dict[str, dict[str, tuple[str, ...]]] = {}

    def refused(self, records: pd.DataFrame) -> list[tuple[int, int]]:
        return [(int((~records[f"{self.outcome}__{group}"].astype(bool)).sum()), len(records))
                for group in GROUPS]  # fmt: skip

    def failures(self, records: pd.DataFrame, extreme: bool,
                 unit: str = "valid pairs") -> list[tuple[str, str]]:  # fmt: skip
        refused = self.refused(records) if extreme else []
        return cell_failures(records["target_code"].astype(str).tolist(), self.rules,
                             refused=refused, unit=unit)  # fmt: skip

    def log(self, table: str, cell: str, rule: str, action: str, detail: str,
            categories: int | None = None) -> None:  # fmt: skip
        self.decisions.append(Decision(table, cell, rule, action, detail, categories))

    def keep(self, table: str, key: str, records: pd.DataFrame) -> None:
        """Remember the test ids behind a public line (or a public difference of lines)."""
        ids = tuple(sorted(set(records["test_id"].astype(str))))
        self.records.setdefault(table, {})[key] = ids

    def counts(self, records: pd.DataFrame) -> tuple[int, int, int, int]:
        """(a, b, c, d): both favourable, only control, only protected, neither."""
        control = records[f"{self.outcome}__control"].astype(bool)
        protected = records[f"{self.outcome}__protected"].astype(bool)
        return (int((control & protected).sum()), int((control & ~protected).sum()),
                int((~control & protected).sum()), int((~control & ~protected).sum()))  # fmt: skip

    def complement(self, table: str, lines: list[_Line], total: pd.DataFrame) -> bool:
        """Rule 4: suppress further lines until the suppressed ones cannot be told apart.

        What the public can compute is the total minus the published lines: the suppressed lines
        together, with any records that belong to no line (a pair without an area). That
        remainder must be made of at least two such pieces, pass rules 1–3 itself, and leave
        every suppressed line more than one possible result given what the log says of each
        (:mod:`analysis.recovery`). Returns False when even with every line suppressed a line
        could be solved for: the table's lines are then withheld altogether.
        """
        while True:
            hidden = [line for line in lines if line.hidden]
            shown = [line for line in lines if not line.hidden]
            shown_ids = {i for line in shown for i in line.records["test_id"].astype(str)}
            remainder = total[~total["test_id"].astype(str).isin(shown_ids)]
            if remainder.empty:
                return True
            in_lines = sum(len(line.records) for line in hidden)
            pieces = len(hidden) + (1 if len(remainder) > in_lines else 0)
            safe = pieces >= 2 and not self.failures(remainder, extreme=True)
            public_rules = [tuple(rule for rule, _ in line.failures) or ("complementary",)
                            for line in hidden]  # fmt: skip
            if not shown:
                return pieces >= 2 and not recovered(self.counts(remainder), public_rules,
                                                     self.rules.min_pairs)  # fmt: skip
            if safe and not recovered(self.counts(remainder), public_rules, self.rules.min_pairs):
                return True
            pick = min(shown, key=lambda line: (len(line.records), line.key))
            pick.complementary = True
            names = ", ".join(line.key for line in hidden) or "the records without a line"
            self.log(table, pick.key, "complementary", "suppressed",
                     f"so that the total and the other lines do not reveal {names}")  # fmt: skip


def _estimates(results: Mapping[str, Any], outcome: str) -> dict[tuple[str, ...], dict[str, Any]]:
    found = {}
    for entry in results.get("estimates", []):
        if entry.get("outcome") == outcome and entry.get("sample") == "test":
            found[tuple(f"{k}={v}" for k, v in sorted(entry["stratum"].items()))] = entry
    return found


def _pair_values(entry: Mapping[str, Any], records: pd.DataFrame) -> dict[str, Any]:
    if entry.get("n_pairs") != len(records):
        raise ValueError(
            f"results and pairs disagree: {entry.get('stratum')} has {entry.get('n_pairs')} pairs "
            f"in results.json but {len(records)} complete valid pairs in the frame; analyse the "
            "same bundle that the frame was read from"
        )
    return {
        "targets": int(records["target_code"].nunique()),
        "n_pairs": int(len(records)),
        "both_favourable": int(entry["both_favourable"]),
        "control_only_favourable": int(entry["control_only_favourable"]),
        "protected_only_favourable": int(entry["protected_only_favourable"]),
        "neither_favourable": int(entry["neither_favourable"]),
        "net_difference_pct": percent(entry.get("net_difference")),
        "gross_protected_pct": percent(entry.get("gross_adverse_protected")),
        "gross_control_pct": percent(entry.get("gross_adverse_control")),
        **lead_figures(entry),
    }


def _order_difference(rows: Sequence[Row]) -> dict[str, Any] | None:
    """Net measure when the protected team went first minus when the control team did, with an
    approximate 95 % Wald interval (the two lines' pairs are independent); None unless both lines
    are published."""
    lines = {row.key: row.values for row in rows if row.published}
    if not {"protected", "control"} <= set(lines):
        return None
    parts = []
    for key in ("protected", "control"):
        v = lines[key]
        n, b, c = v["n_pairs"], v["control_only_favourable"], v["protected_only_favourable"]
        net = (b - c) / n
        parts.append((net, ((b + c) / n - net**2) / n))
    difference = parts[0][0] - parts[1][0]
    half = 1.959964 * math.sqrt(parts[0][1] + parts[1][1])
    return {"difference_pct": percent(difference), "ci_low_pct": percent(difference - half),
            "ci_high_pct": percent(difference + half)}  # fmt: skip


def _adjust_published(checker: _Checker, name: str, rows: list[Row],
                      entries: Mapping[str, Mapping[str, Any]]) -> list[Row]:  # fmt: skip
    """Rule 4: Holm over the published lines only (a suppressed line is no member)."""
    family = [row for row in rows if row.published and _lead_p(entries[row.key]) is not None]
    adjusted = holm([_lead_p(entries[row.key]) for row in family])
    shown = {row.key: p_public(p) for row, p in zip(family, adjusted, strict=True)}
    if family:
        checker.log(name, "*", "family", "adjusted",
                    f"Holm over the {len(family)} published lines; suppressed lines are not "
                    "part of the family")  # fmt: skip
    return [
        Row(row.key, True, {**row.values, "p_adjusted": shown.get(row.key)}, row.rules)
        if row.published else row
        for row in rows
    ]  # fmt: skip


def _stratum_table(checker: _Checker, name: str, column: str, estimates: dict,
                   total: Row) -> Table:  # fmt: skip
    frame = checker.frame
    levels = frame[column].astype(str).where(frame[column].notna(), "")
    lines = [_Line(level, frame[levels == level], []) for level in sorted(set(levels) - {""})]
    for line in lines:
        line.failures = checker.failures(line.records, extreme=True)
        if not total.published:
            line.failures.append(("min_pairs", "the city-level total is itself suppressed"))
        for rule, detail in line.failures:
            checker.log(name, line.key, rule, "suppressed", detail)
    if total.published:
        if not checker.complement(name, lines, frame):
            checker.log(
                name,
                "*",
                "complementary",
                "suppressed",
                "the lines are left out: with the total they would reveal each other",
            )
            lines = []
        checker.keep(name, "total", frame)
    rows: list[Row] = []
    entries: dict[str, Mapping[str, Any]] = {}
    for line in lines:
        if line.hidden:
            rules = tuple(rule for rule, _ in line.failures) or ("complementary",)
            rows.append(Row(line.key, False, {}, rules))
            continue
        entries[line.key] = estimates[(f"{column}={line.key}",)]
        rows.append(Row(line.key, True, _pair_values(entries[line.key], line.records)))
        checker.keep(name, line.key, line.records)
    if total.published:
        shown = {
            i for line in lines if not line.hidden for i in line.records["test_id"].astype(str)
        }
        remainder = frame[~frame["test_id"].astype(str).isin(shown)]
        if not remainder.empty:
            checker.keep(name, REMAINDER, remainder)
    extra: dict[str, Any] = {}
    if name == "by_target_type":
        rows = _adjust_published(checker, name, rows, entries)
    if name == "by_first_role":
        difference = _order_difference(rows)
        if difference is not None:
            extra["order_difference"] = difference
    return Table(name, total, tuple(rows), extra)


def _total_row(checker: _Checker, name: str, records: pd.DataFrame, entry: dict | None) -> Row:
    failures = checker.failures(records, extreme=False)
    if entry is None and not failures:
        failures = [("min_pairs", "no estimate for this group")]
    for rule, detail in failures:
        checker.log(name, "total", rule, "suppressed", detail)
    if failures:
        return Row("total", False, {}, tuple(rule for rule, _ in failures))
    assert entry is not None
    return Row("total", True, _pair_values(entry, records))


def _reason_tables(checker: _Checker, visits: pd.DataFrame, column: str) -> dict[str, Table]:
    """Reasons per group: the share of that group's refusals in which a reason was given.

    A refusal may come with several reasons, so the lines are no partition: there is no total
    that the lines add up to, and nothing to complement. A reason that fails rules 1–3 (a share
    of 100 % is rule 3 here) is merged into "other reasons", which is shown when it passes them.
    """
    tables = {}
    frame, outcome = checker.frame, checker.outcome
    by_test = frame.set_index(frame["test_id"].astype(str))["target_code"]
    unit = "refusals"
    for group in GROUPS:
        name = f"reasons_{group}"
        refused = frame[~frame[f"{outcome}__{group}"].astype(bool)]
        refused_ids = set(refused["test_id"].astype(str))
        reports = visits[(visits["role"] == group)
                         & visits["test_id"].astype(str).isin(refused_ids)].copy()  # fmt: skip
        reports = reports.drop_duplicates("test_id")
        reports["target_code"] = reports["test_id"].astype(str).map(by_test)
        total_failures = checker.failures(refused, extreme=False, unit=unit)
        if total_failures:
            for rule, detail in total_failures:
                checker.log(name, "total", rule, "suppressed",
                            f"{detail}; no reasons are shown for this group")  # fmt: skip
            rules = tuple(rule for rule, _ in total_failures)
            tables[name] = Table(name, Row("total", False, {}, rules), ())
            continue
        denominator = len(refused)
        total = Row("total", True, {"refusals": denominator})
        checker.keep(name, "total", refused)
        codes = sorted({code for reasons in reports[column] for code in reasons})
        lines, merged = [], []
        for code in codes:
            records = reports[reports[column].map(lambda rs, c=code: c in rs)]
            failures = checker.failures(records, extreme=False, unit=unit)
            if len(records) == denominator:
                failures.append(("extreme_share", "given in every refusal of the group"))
            if failures:
                merged.append(records)
            else:
                lines.append(_Line(code, records, []))
        if merged:
            union = pd.concat(merged).drop_duplicates("test_id")
            checker.log(name, OTHER_REASONS, "merge", "merged",
                        f"{len(merged)} categories with fewer than {checker.rules.min_pairs} "
                        "refusals (or from too few places) were merged into other reasons",
                        categories=len(merged))  # fmt: skip
            failures = checker.failures(union, extreme=False, unit=unit)
            if len(union) == denominator:
                failures.append(("extreme_share", "given in every refusal of the group"))
            for rule, detail in failures:
                checker.log(name, OTHER_REASONS, rule, "suppressed", detail)
            lines.append(_Line(OTHER_REASONS, union, failures))
        rows = []
        for line in lines:
            if line.hidden:
                rows.append(Row(line.key, False, {}, tuple(rule for rule, _ in line.failures)))
                continue
            rows.append(Row(line.key, True, {"count": len(line.records),
                                             "share_pct": percent(len(line.records)
                                                                  / denominator)}))  # fmt: skip
            checker.keep(name, line.key, line.records)
        tables[name] = Table(name, total, tuple(rows))
    return tables


def primary_outcome(results: Mapping[str, Any]) -> str:
    """The primary binary outcome of ``results.json``."""
    for entry in results.get("estimates", []):
        if entry.get("primary") and entry.get("kind") == "binary":
            return str(entry["outcome"])
    raise ValueError("results.json has no primary binary outcome; pass outcome= explicitly")


def analysed_pairs(pairs: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The records behind the estimates: valid, not sham, both sides answered."""
    keep = pairs["valid"].astype(bool) & ~pairs["sham"].astype(bool)
    keep &= pairs[f"{outcome}__protected"].notna() & pairs[f"{outcome}__control"].notna()
    return pairs[keep]


def check_release(
    results: Mapping[str, Any], *, pairs: pd.DataFrame, visits: pd.DataFrame | None = None,
    reasons: str | None = None, outcome: str | None = None, min_pairs: int = STANDARD_MIN_PAIRS,
    min_pairs_reason: str = "", min_targets: int = 5, dominance_one: float = 0.5,
    dominance_two: float = 0.75,
) -> ReleaseTables:  # fmt: skip
    """Apply docs/release-rules.md to the tables of a release.

    Parameters
    ----------
    results
        ``results.json`` of the bundle (:func:`analysis.estimate.analyze_bundle`).
    pairs
        The bundle's tidy pairs frame (:func:`analysis.bundle.read_bundle`); its ``target_code``
        column gives the distinct-target and dominance checks, ``test_id`` the records of each
        line for the check against earlier releases.
    visits, reasons
        Team reports with ``test_id``, ``role`` and the column `reasons` (tuples of codes: the
        instrument's question with role "reasons") for the tables of reasons; None leaves
        them out.
    outcome
        The binary outcome of the tables (default: the primary one).
    min_pairs, min_pairs_reason
        The study's minimum line size; below 10 the reason is required and logged.

    Returns
    -------
    ReleaseTables
        Tables ``by_target_type``, ``by_area``, ``by_first_role``, ``sham`` and (with `visits`)
        ``reasons_protected``/``reasons_control``; the decision log; the records of each line.
    """
    rules = Rules(min_pairs, min_targets, dominance_one, dominance_two, min_pairs_reason.strip())
    outcome = outcome or primary_outcome(results)
    frame = analysed_pairs(pairs, outcome)
    checker = _Checker(frame, outcome, rules)
    if rules.min_pairs < STANDARD_MIN_PAIRS:
        checker.log("*", "*", "min_pairs", "lowered",
                    f"lines need at least {rules.min_pairs} valid pairs instead of "
                    f"{STANDARD_MIN_PAIRS}: {rules.min_pairs_reason}")  # fmt: skip
    estimates = _estimates(results, outcome)
    tables: dict[str, Table] = {}
    for name, column in STRATA.items():
        total = _total_row(checker, name, frame, estimates.get(()))
        tables[name] = _stratum_table(checker, name, column, estimates, total)
    sham_records = pairs[pairs["valid"].astype(bool) & pairs["sham"].astype(bool)]
    sham_records = sham_records[sham_records[f"{outcome}__protected"].notna()
                                & sham_records[f"{outcome}__control"].notna()]  # fmt: skip
    sham_entry = next((e for e in results.get("estimates", []) if e.get("outcome") == outcome
                       and e.get("sample") == "sham" and e.get("stratum") == {}), None)  # fmt: skip
    if sham_records.empty:  # a study without check pairs has no such table, nothing to log
        tables["sham"] = Table("sham", None, ())
    else:
        sham_total = _total_row(checker, "sham", sham_records, sham_entry)
        if sham_total.published and sham_entry is not None:
            values = dict(sham_total.values)
            values["discordance_pct"] = percent(sham_entry.get("discordance"))
            sham_total = Row("total", True, values)
            checker.keep("sham", "total", sham_records)
        tables["sham"] = Table("sham", sham_total, ())
    if visits is not None and reasons is not None:
        if reasons not in visits.columns:
            raise ValueError(
                f"the visits have no column {reasons!r}, the instrument's question with role "
                "'reasons'; export the study again so that visits.csv holds it"
            )
        tables.update(_reason_tables(checker, visits, reasons))
    return ReleaseTables(tables, tuple(checker.decisions), rules, outcome, checker.records)


@dataclass(frozen=True)
class Isolation:
    """A line of a new release whose difference with a line of an earlier release isolates
    fewer than ``min_pairs`` tests (docs/release-rules.md rule 4, across releases)."""

    table: str
    line: str
    earlier_line: str
    earlier: Any  # the earlier release's id (or any label the caller gave)
    size: int  # tests in the difference, for the coordinator (never published)


def isolated_differences(
    new: Mapping[str, Mapping[str, Iterable[str]]],
    earlier: Mapping[Any, Mapping[str, Mapping[str, Iterable[str]]]],
    *, min_pairs: int,
) -> list[Isolation]:  # fmt: skip
    """Differences between a new release and earlier ones that isolate 1 to ``min_pairs`` − 1
    tests.

    `new` and each value of `earlier` map table → line → test ids (``line_records``, with the
    ``~remainder`` of suppressed lines). Within a table, a reader can subtract any public line
    of one release from any of the other; where the two overlap, the tests in one but not the
    other must be none or at least ``min_pairs``.

    >>> old = {"by_target_type": {"total": [str(i) for i in range(40)]}}
    >>> new = {"by_target_type": {"total": [str(i) for i in range(43)]}}
    >>> [(i.line, i.size) for i in isolated_differences(new, {7: old}, min_pairs=10)]
    [('total', 3)]
    >>> isolated_differences(old, {7: old}, min_pairs=10)
    []
    """
    found = []
    for label, tables in earlier.items():
        for table, lines in new.items():
            before = tables.get(table, {})
            for key, ids in lines.items():
                mine = set(ids)
                for old_key, old_ids in before.items():
                    theirs = set(old_ids)
                    if not mine & theirs:
                        continue
                    size = len(mine ^ theirs)
                    if 0 < size < min_pairs:
                        found.append(Isolation(table, key, old_key, label, size))
    return found
