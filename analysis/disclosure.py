"""Disclosure control for the city's published tables: the release rules of METHODS.md §5.

A *cell* is one published line of a table (a target type, an area, a refusal reason of one
group); its records are the valid, non-sham pairs (or, for refusal reasons, the team reports)
behind it. The rules, each named in the decision log by its code:

``min_pairs``      rule 1: at least ``min_pairs`` records (study setting, never below 5);
``min_targets``    rule 1: at least ``min_targets`` distinct targets;
``dominance``      rule 2: no target more than 50 % of the records, no two more than 75 %;
``extreme_share``  rule 3: below city level, no group refused in 0 % or 100 % of its visits;
``complementary``  rule 4: a second line is suppressed when a table's total and the other
                   lines would reveal a suppressed one; lines are added until at least two are
                   suppressed and their union passes rules 1–3;
``merge``          refusal reasons that fail rules 1–2 are merged into "other reasons" first;
``rounding``       rule 5: counts rounded to base 5; shares and net measures are computed from
                   unrounded data and kept in whole percentage points.

Details in the log never state a suppressed value ("fewer than 10 valid pairs", not "7").
The functions take the tidy pairs frame of :mod:`analysis.bundle` and ``results.json``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

RULES = (
    "min_pairs", "min_targets", "dominance", "extreme_share", "complementary", "merge",
    "rounding",
)  # fmt: skip
STRATA = {"by_target_type": "target_type", "by_area": "area", "by_first_role": "first_role"}
GROUPS = ("protected", "control")
OTHER_REASONS = "other_reasons"


def round_base(value: int, base: int = 5) -> int:
    """`value` rounded to the nearest multiple of `base`, halves up.

    >>> [round_base(value) for value in (0, 2, 3, 12, 13, 27)]
    [0, 0, 5, 10, 15, 25]
    """
    return int(math.floor(value / base + 0.5) * base)


def percent(share: float | None) -> int | None:
    """A share in whole percentage points (halves away from zero), or None.

    >>> percent(0.2105), percent(-0.125), percent(None)
    (21, -13, None)
    """
    if share is None or not math.isfinite(share):
        return None
    scaled = share * 100
    return int(math.floor(abs(scaled) + 0.5)) * (1 if scaled >= 0 else -1)


def p_display(p_value: float | None) -> float | None:
    """A p-value kept to three decimals (below 0.001 it is stored as 0.0), or None."""
    if p_value is None or not math.isfinite(p_value):
        return None
    return round(float(p_value), 3)


@dataclass(frozen=True)
class Rules:
    """The thresholds of METHODS.md §5; ``min_pairs`` is the study's setting, never below 5."""

    min_pairs: int = 10
    min_targets: int = 5
    dominance_one: float = 0.5
    dominance_two: float = 0.75
    rounding_base: int = 5

    def __post_init__(self) -> None:
        if self.min_pairs < 5:
            raise ValueError(
                f"min_pairs is {self.min_pairs}; METHODS.md §5 allows no threshold below 5 "
                "valid pairs (the default is 10)"
            )
        if self.min_targets < 1 or self.rounding_base < 1:
            raise ValueError("min_targets and rounding_base must be at least 1")


@dataclass(frozen=True)
class Decision:
    """One entry of the decision log published with the release."""

    table: str
    cell: str
    rule: str
    action: str  # suppressed | merged | rounded
    detail: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


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

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "total": self.total.to_dict() if self.total else None,
                "rows": [row.to_dict() for row in self.rows]}  # fmt: skip


@dataclass(frozen=True)
class ReleaseTables:
    """What :func:`check_release` returns: the publishable tables and the decision log."""

    tables: Mapping[str, Table]
    decisions: tuple[Decision, ...]
    rules: Rules
    outcome: str

    def suppressed(self) -> list[tuple[str, str]]:
        """(table, cell) of every suppressed line."""
        return [(name, row.key) for name, table in self.tables.items()
                for row in table.rows if not row.published]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
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
    """(rule, detail) for every rule 1–3 that the records of one cell break.

    `targets` holds one target code per record; `refused` one (refused, visits) count per group
    for rule 3 (left empty at city level, where the rule does not apply).

    >>> cell_failures(["V1", "V2", "V3", "V4", "V5"] * 2, Rules())
    []
    >>> [rule for rule, _ in cell_failures(["V1"] * 6 + ["V2", "V3", "V4", "V5"], Rules())]
    ['dominance']
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


@dataclass
class _Cell:
    key: str
    records: pd.DataFrame
    failures: list[tuple[str, str]]
    complementary: bool = False


class _Checker:
    def __init__(self, frame: pd.DataFrame, outcome: str, rules: Rules) -> None:
        self.frame, self.outcome, self.rules = frame, outcome, rules
        self.decisions: list[Decision] = []

    def refused(self, records: pd.DataFrame) -> list[tuple[int, int]]:
        return [(int((~records[f"{self.outcome}__{group}"].astype(bool)).sum()), len(records))
                for group in GROUPS]  # fmt: skip

    def failures(self, records: pd.DataFrame, extreme: bool,
                 unit: str = "valid pairs") -> list[tuple[str, str]]:  # fmt: skip
        refused = self.refused(records) if extreme else []
        return cell_failures(records["target_code"].astype(str).tolist(), self.rules,
                             refused=refused, unit=unit)  # fmt: skip

    def log(self, table: str, cell: str, rule: str, action: str, detail: str) -> None:
        self.decisions.append(Decision(table, cell, rule, action, detail))

    def complement(self, table: str, cells: list[_Cell], extreme: bool,
                   unit: str = "valid pairs") -> None:  # fmt: skip
        """Rule 4: suppress further lines until the suppressed ones cannot be told apart."""
        while True:
            suppressed = [cell for cell in cells if cell.failures or cell.complementary]
            published = [cell for cell in cells if not (cell.failures or cell.complementary)]
            if not suppressed or not published:
                return
            union = pd.concat([cell.records for cell in suppressed])
            if len(suppressed) >= 2 and not self.failures(union, extreme, unit):
                return
            pick = min(published, key=lambda cell: (len(cell.records), cell.key))
            pick.complementary = True
            hidden = ", ".join(cell.key for cell in suppressed)
            self.log(table, pick.key, "complementary", "suppressed",
                     f"so that the total and the other lines do not reveal {hidden}")  # fmt: skip

    def rounded(self, value: int) -> int:
        return round_base(value, self.rules.rounding_base)


def _estimates(results: Mapping[str, Any], outcome: str) -> dict[tuple[str, ...], dict[str, Any]]:
    found = {}
    for entry in results.get("estimates", []):
        if entry.get("outcome") == outcome and entry.get("sample") == "test":
            found[tuple(f"{k}={v}" for k, v in sorted(entry["stratum"].items()))] = entry
    return found


def _pair_values(entry: Mapping[str, Any], records: pd.DataFrame, checker: _Checker) -> dict:
    if entry.get("n_pairs") != len(records):
        raise ValueError(
            f"results and pairs disagree: {entry.get('stratum')} has {entry.get('n_pairs')} pairs "
            f"in results.json but {len(records)} complete valid pairs in the frame; analyse the "
            "same bundle that the frame was read from"
        )
    r = checker.rounded
    return {
        "targets": r(records["target_code"].nunique()),
        "n_pairs": r(len(records)),
        "both_favourable": r(entry["both_favourable"]),
        "control_only_favourable": r(entry["control_only_favourable"]),
        "protected_only_favourable": r(entry["protected_only_favourable"]),
        "neither_favourable": r(entry["neither_favourable"]),
        "net_difference_pct": percent(entry.get("net_difference")),
        "ci_low_pct": percent(entry.get("ci_low")),
        "ci_high_pct": percent(entry.get("ci_high")),
        "gross_protected_pct": percent(entry.get("gross_adverse_protected")),
        "gross_control_pct": percent(entry.get("gross_adverse_control")),
        "p_value": p_display(entry.get("p_value")),
        "p_adjusted": p_display(entry.get("p_adjusted")),
    }


def _stratum_table(checker: _Checker, name: str, column: str, estimates: dict, total: Row,
                   *, extreme: bool = True) -> Table:  # fmt: skip
    frame = checker.frame
    present = frame[column].dropna().astype(str)
    cells = [
        _Cell(level, frame[frame[column].astype(str) == level], [])
        for level in sorted(set(present) - {""})
    ]
    for cell in cells:
        cell.failures = checker.failures(cell.records, extreme)
        if not total.published:
            cell.failures.append(("min_pairs", "the city-level total is itself suppressed"))
        for rule, detail in cell.failures:
            checker.log(name, cell.key, rule, "suppressed", detail)
    checker.complement(name, cells, extreme)
    rows = []
    for cell in cells:
        if cell.failures or cell.complementary:
            rules = tuple(rule for rule, _ in cell.failures) or ("complementary",)
            rows.append(Row(cell.key, False, {}, rules))
        else:
            entry = estimates[(f"{column}={cell.key}",)]
            rows.append(Row(cell.key, True, _pair_values(entry, cell.records, checker)))
    checker.log(
        name,
        "*",
        "rounding",
        "rounded",
        f"counts rounded to the nearest multiple of {checker.rules.rounding_base}",
    )
    return Table(name, total, tuple(rows))


def _total_row(checker: _Checker, name: str, records: pd.DataFrame, entry: dict | None) -> Row:
    failures = checker.failures(records, extreme=False)
    if entry is None and not failures:
        failures = [("min_pairs", "no estimate for this group")]
    for rule, detail in failures:
        checker.log(name, "total", rule, "suppressed", detail)
    if failures:
        return Row("total", False, {}, tuple(rule for rule, _ in failures))
    assert entry is not None
    return Row("total", True, _pair_values(entry, records, checker))


def _reason_tables(checker: _Checker, visits: pd.DataFrame) -> dict[str, Table]:
    """Refusal reasons per group: share of that group's refusals in which a reason was given."""
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
        total = Row("total", True, {"refusals": checker.rounded(denominator)})
        codes = sorted({code for reasons in reports["refusal_reasons"] for code in reasons})
        cells, merged = [], []
        for code in codes:
            records = reports[reports["refusal_reasons"].map(lambda rs, c=code: c in rs)]
            failures = checker.failures(records, extreme=False, unit=unit)
            if failures:
                merged.append(records)
                checker.log(name, code, failures[0][0], "merged",
                            f"{failures[0][1]}; merged into other reasons")  # fmt: skip
            else:
                cells.append(_Cell(code, records, []))
        if merged:
            union = pd.concat(merged)
            union = union[~union.index.duplicated()]
            failures = checker.failures(union, extreme=False, unit=unit)
            for rule, detail in failures:
                checker.log(name, OTHER_REASONS, rule, "suppressed", detail)
            cells.append(_Cell(OTHER_REASONS, union, failures))
        checker.complement(name, cells, extreme=False, unit=unit)
        rows = []
        for cell in cells:
            if cell.failures or cell.complementary:
                rules = tuple(rule for rule, _ in cell.failures) or ("complementary",)
                rows.append(Row(cell.key, False, {}, rules))
            else:
                rows.append(Row(cell.key, True, {"count": checker.rounded(len(cell.records)),
                                                 "share_pct": percent(len(cell.records)
                                                                      / denominator)}))  # fmt: skip
        checker.log(
            name,
            "*",
            "rounding",
            "rounded",
            f"counts rounded to the nearest multiple of {checker.rules.rounding_base}",
        )
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
    outcome: str | None = None, min_pairs: int = 10, min_targets: int = 5,
    dominance_one: float = 0.5, dominance_two: float = 0.75, rounding_base: int = 5,
) -> ReleaseTables:  # fmt: skip
    """Apply METHODS.md §5 to the tables of a release.

    Parameters
    ----------
    results
        ``results.json`` of the bundle (:func:`analysis.estimate.analyze_bundle`).
    pairs
        The bundle's tidy pairs frame (:func:`analysis.bundle.read_bundle`); its ``target_code``
        column gives the distinct-target and dominance checks.
    visits
        Team reports with ``test_id``, ``role`` and ``refusal_reasons`` (tuples), for the tables
        of refusal reasons (see :func:`analysis.publication.read_visits`); None leaves them out.
    outcome
        The binary outcome of the tables (default: the primary one).

    Returns
    -------
    ReleaseTables
        Tables ``by_target_type``, ``by_area``, ``by_first_role``, ``sham`` and (with
        `visits`) ``reasons_protected``/``reasons_control``; the decision log.
    """
    rules = Rules(min_pairs, min_targets, dominance_one, dominance_two, rounding_base)
    outcome = outcome or primary_outcome(results)
    frame = analysed_pairs(pairs, outcome)
    checker = _Checker(frame, outcome, rules)
    estimates = _estimates(results, outcome)
    tables: dict[str, Table] = {}
    for name, column in STRATA.items():
        total = _total_row(checker, name, frame, estimates.get(()))
        tables[name] = _stratum_table(checker, name, column, estimates, total,
                                      extreme=column != "first_role")  # fmt: skip
    sham_records = pairs[pairs["valid"].astype(bool) & pairs["sham"].astype(bool)]
    sham_records = sham_records[sham_records[f"{outcome}__protected"].notna()
                                & sham_records[f"{outcome}__control"].notna()]  # fmt: skip
    sham_entry = next((e for e in results.get("estimates", []) if e.get("outcome") == outcome
                       and e.get("sample") == "sham" and e.get("stratum") == {}), None)  # fmt: skip
    sham_total = _total_row(checker, "sham", sham_records, sham_entry)
    if sham_total.published and sham_entry is not None:
        values = dict(sham_total.values)
        values["discordance_pct"] = percent(sham_entry.get("discordance"))
        sham_total = Row("total", True, values)
    tables["sham"] = Table("sham", sham_total, ())
    if visits is not None and "refusal_reasons" in visits.columns:
        tables.update(_reason_tables(checker, visits))
    return ReleaseTables(tables, tuple(checker.decisions), rules, outcome)
