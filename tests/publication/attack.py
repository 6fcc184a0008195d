"""An attacker who has only the public CSV and HTML of one or more releases (docs/release-rules.md rule 4).

:func:`attack` tries every way the audit of issue 12 found, and reports each line it recovers:

``differencing``  a table's total minus its published lines, solved for the suppressed lines with
                  everything the log says about them (fewer than the minimum, a 0 %/100 % share,
                  a complementary line that passes the rules): a line is *recovered* when its
                  discordant counts (b, c) — its result — can take only one value;
``family``        un-adjusting Holm or Benjamini–Hochberg: when the published adjusted p-values
                  are not those of the published lines alone, the family held suppressed lines;
                  every split of the remainder whose p-values reproduce them is kept;
``extreme_share`` a published line below city level (the order table included) where a group was
                  refused in 0 % or 100 % of its visits, or a reason given in every refusal;
``log``           a merged or suppressed category of reasons named in the CSV or the decision log;
``earlier``       the difference of a line (or a total, or the suppressed remainder) between two
                  releases isolating fewer than the minimum number of pairs.

The attacker knows the method (the code is open): McNemar mid-p from (b, c) for lines that lead
with the independent figures, Holm and BH, and the instrument's labels of the reasons. A line
that leads with the venue-robust test needs target-level data to recompute its p, which the
public does not have; the family attack skips such tables.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.signal import fftconvolve

from analysis.multiplicity import benjamini_hochberg
from analysis.multiplicity import holm
from analysis.paired_tests import mcnemar_tests
from analysis.table import PairedTable

PARTITIONS = ("by_target_type", "by_area", "by_first_role")
MAX_JOINT = 400_000  # joint splits the family attack enumerates before it gives up


@dataclass(frozen=True)
class Line:
    key: str
    published: bool
    rules: tuple[str, ...]
    counts: tuple[int, int, int, int] | None = None  # a, b, c, d
    method: str = ""
    p_value: str = ""
    p_holm: str = ""
    count: int | None = None  # reasons: refusals with this reason (total: all refusals)

    @property
    def n(self) -> int:
        return sum(self.counts) if self.counts else 0


@dataclass
class PublicRelease:
    tables: dict[str, dict[str, Line]]
    log: list[str]
    min_pairs: int
    label: str = ""


@dataclass(frozen=True)
class Finding:
    attack: str
    table: str
    line: str
    detail: str


def _number(value: str) -> int | None:
    return int(value) if value not in ("", None) else None


def read_release(csv_text: str, html_text: str, label: str = "") -> PublicRelease:
    """What the attacker reads: every row of the CSV; the decision log and the minimum line size
    from the (English) HTML."""
    tables: dict[str, dict[str, Line]] = {}
    for row in csv.DictReader(io.StringIO(csv_text)):
        cells = [next(value for name, value in row.items() if name.startswith(prefix))
                 for prefix in ("both_", "only_control_", "only_protected_", "neither_")]  # fmt: skip
        counts = tuple(int(cell) for cell in cells) if all(cells) else None
        tables.setdefault(row["table"], {})[row["line"]] = Line(
            key=row["line"], published=row["published"] == "true",
            rules=tuple(rule for rule in row["rules"].split(";") if rule), counts=counts,
            method=row.get("ci_method", ""), p_value=row.get("p_value", ""),
            p_holm=row.get("p_holm", ""), count=_number(row.get("count", "")),
        )  # fmt: skip
    decisions = re.search(r'<ul class="pub-decisions">(.*?)</ul>', html_text, re.S)
    log = [html.unescape(re.sub(r"<[^>]+>", "", item)).strip()
           for item in re.findall(r"<li>(.*?)</li>", decisions.group(1), re.S)] if decisions else []  # fmt: skip
    minimum = re.search(r"fewer than (\d+) valid tests", html_text)
    return PublicRelease(tables, log, int(minimum.group(1)) if minimum else 10, label)


# --- what the attacker computes ------------------------------------------------------------------


@cache
def mid_p(b: int, c: int) -> float | None:
    tests = mcnemar_tests(PairedTable(0, b, c, 0))
    return None if tests is None else tests.p_midp


def shows(value: float, shown: str) -> bool:
    """Whether `value` is displayed as `shown` ("< 0.001", "0.062", or three decimals)."""
    if shown.startswith("<"):
        return value < float(shown.lstrip("< "))
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    return abs(value - float(shown)) <= 0.5 * 10**-decimals + 1e-12


def refused(counts: Sequence[int]) -> tuple[int, int]:
    """(protected refused, control refused) of (a, b, c, d)."""
    a, b, c, d = counts
    return b + d, c + d


def _line_rule(line: Line, minimum: int) -> Callable[[np.ndarray, ...], np.ndarray]:
    """The counts a suppressed line can have, given the rules the public sees for it."""

    def allowed(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
        n = a + b + c + d
        keep = n >= 1
        keep &= (n < minimum) if "min_pairs" in line.rules else (n >= minimum)
        extreme = (b + d == 0) | (b + d == n) | (c + d == 0) | (c + d == n)
        keep &= extreme if "extreme_share" in line.rules else ~extreme
        return keep

    return allowed


def _grid(rule: Callable[..., np.ndarray], remainder: Sequence[int]) -> np.ndarray:
    axes = np.meshgrid(*(np.arange(r + 1) for r in remainder), indexing="ij")
    return rule(*axes).astype(float)


def _convolve(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    full = fftconvolve(left, right)
    crop = full[tuple(slice(0, size) for size in left.shape)]
    return (crop > 0.5).astype(float)


def feasible_splits(remainder: Sequence[int], lines: Sequence[Line],
                    minimum: int) -> list[np.ndarray]:  # fmt: skip
    """For each suppressed line, a boolean grid over (a, b, c, d) ≤ remainder: the counts it can
    have in some split of the remainder that respects every line's rules."""
    grids = [_grid(_line_rule(line, minimum), remainder) for line in lines]
    unit = np.zeros(grids[0].shape)
    unit[(0, 0, 0, 0)] = 1.0
    prefix = [unit]
    for grid in grids:
        prefix.append(_convolve(prefix[-1], grid))
    suffix = [unit]
    for grid in reversed(grids):
        suffix.append(_convolve(suffix[-1], grid))
    suffix.reverse()
    found = []
    for index, grid in enumerate(grids):
        others = _convolve(prefix[index], suffix[index + 1])
        flipped = others[::-1, ::-1, ::-1, ::-1]  # others[remainder − x]
        found.append((grid > 0.5) & (flipped > 0.5))
    return found


def results_of(grid: np.ndarray) -> set[tuple[int, int]]:
    """The (b, c) values a feasible grid allows."""
    return {(int(b), int(c)) for b, c in zip(*np.nonzero(grid.any(axis=(0, 3))), strict=True)}


# --- the attacks ---------------------------------------------------------------------------------


def _remainder(table: Mapping[str, Line]) -> tuple[int, ...] | None:
    total = table.get("total")
    if total is None or not total.published or total.counts is None:
        return None
    rest = list(total.counts)
    for line in table.values():
        if line.key != "total" and line.published and line.counts:
            rest = [x - y for x, y in zip(rest, line.counts, strict=True)]
    return tuple(rest)


def _differencing(release: PublicRelease, name: str, table: Mapping[str, Line],
                  findings: list[Finding]) -> list[np.ndarray] | None:  # fmt: skip
    remainder = _remainder(table)
    hidden = [line for line in table.values() if line.key != "total" and not line.published]
    if remainder is None or sum(remainder) == 0:
        return None
    if 0 < sum(remainder) < release.min_pairs:
        findings.append(Finding("differencing", name, "+".join(line.key for line in hidden) or "-",
                                f"the total minus the lines leaves {sum(remainder)} pairs"))  # fmt: skip
    if len(hidden) <= 1:
        key = hidden[0].key if hidden else "(pairs in no line)"
        findings.append(Finding("differencing", name, key, f"counts {remainder}"))
        return None
    grids = feasible_splits(remainder, hidden, release.min_pairs)
    for line, grid in zip(hidden, grids, strict=True):
        values = results_of(grid)
        if len(values) == 1:
            findings.append(Finding("differencing", name, line.key, f"(b, c) = {values.pop()}"))
    return grids


def _exact_p(line: Line) -> float | None:
    assert line.counts is not None
    return mid_p(line.counts[1], line.counts[2])


def _family(release: PublicRelease, name: str, table: Mapping[str, Line],
            grids: list[np.ndarray] | None, findings: list[Finding]) -> None:  # fmt: skip
    shown = [line for line in table.values() if line.key != "total" and line.published]
    adjusted = [line for line in shown if line.p_holm]
    if not adjusted or any(line.method != "independent" for line in shown):
        return
    published_p = [_exact_p(line) for line in shown]
    for method in (holm, benjamini_hochberg):
        values = method(published_p)
        if all(value is not None and shows(value, line.p_holm)
               for line, value in zip(shown, values, strict=True) if line.p_holm):  # fmt: skip
            return  # the family is the published lines: nothing about the others
    hidden = [line for line in table.values() if line.key != "total" and not line.published]
    remainder = _remainder(table)
    if grids is None or remainder is None or len(hidden) != 2:
        findings.append(Finding("family", name, "*", "adjusted over more than the published "
                                "lines; too many suppressed lines to solve here"))  # fmt: skip
        return
    first = np.argwhere(grids[0])
    if len(first) > MAX_JOINT:
        findings.append(Finding("family", name, "*", "too many splits to solve here"))
        return
    kept: list[set[tuple[int, int]]] = [set(), set()]
    for x in first:
        y = tuple(int(r - v) for r, v in zip(remainder, x, strict=True))
        if not grids[1][y]:
            continue
        hidden_p = [mid_p(int(x[1]), int(x[2])), mid_p(y[1], y[2])]
        for method in (holm, benjamini_hochberg):
            values = method(published_p + hidden_p)[: len(shown)]
            if all(value is not None and shows(value, line.p_holm)
                   for line, value in zip(shown, values, strict=True) if line.p_holm):  # fmt: skip
                kept[0].add((int(x[1]), int(x[2])))
                kept[1].add((y[1], y[2]))
    for line, values in zip(hidden, kept, strict=True):
        if len(values) == 1:
            findings.append(Finding("family", name, line.key, f"(b, c) = {values.pop()}"))


def _extreme_shares(name: str, table: Mapping[str, Line], findings: list[Finding]) -> None:
    for line in table.values():
        if line.key == "total" or not line.published or line.counts is None:
            continue
        if any(count in (0, line.n) for count in refused(line.counts)):
            findings.append(Finding("extreme_share", name, line.key,
                                    "a group refused in 0 % or 100 % of its visits"))  # fmt: skip


def _reasons(release: PublicRelease, name: str, table: Mapping[str, Line],
             labels: Mapping[str, str], findings: list[Finding]) -> None:  # fmt: skip
    total = table.get("total")
    shown = {line.key for line in table.values() if line.published}
    for line in table.values():
        if line.key in ("total", "other_reasons"):
            continue
        if not line.published:
            findings.append(Finding("log", name, line.key, "a suppressed reason named in the CSV"))
        elif total is not None and total.count is not None and line.count == total.count:
            findings.append(Finding("extreme_share", name, line.key, "given in every refusal"))
    for code, label in labels.items():
        if code not in shown and any(label in item for item in release.log):
            findings.append(Finding("log", name, code, "a merged reason named in the log"))


def attack_one(release: PublicRelease, labels: Mapping[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for name, table in release.tables.items():
        if name in PARTITIONS:
            _extreme_shares(name, table, findings)
            grids = _differencing(release, name, table, findings)
            if name == "by_target_type":
                _family(release, name, table, grids, findings)
        elif name.startswith("reasons_"):
            _reasons(release, name, table, labels, findings)
    return findings


def _derived(release: PublicRelease, name: str) -> dict[str, tuple[int, ...]]:
    """Count vectors the public can form in one table: each line, the total, the remainder."""
    table = release.tables.get(name, {})
    found = {key: line.counts for key, line in table.items() if line.published and line.counts}
    remainder = _remainder(table)
    hidden = tuple(sorted(line.key for line in table.values() if not line.published))
    if remainder is not None and hidden:
        found["~" + "+".join(hidden)] = remainder
    return found  # type: ignore[return-value]


def attack_earlier(old: PublicRelease, new: PublicRelease) -> list[Finding]:
    """Differences between two releases that isolate fewer than the minimum number of pairs."""
    findings = []
    minimum = max(old.min_pairs, new.min_pairs)
    for name in PARTITIONS:
        before, after = _derived(old, name), _derived(new, name)
        for key, vector in after.items():
            candidates = [before[key]] if key in before else []
            if not key.startswith("~"):  # a line shown now that was in a hidden remainder then
                candidates += [v for k, v in before.items() if k.startswith("~")
                               and key in k[1:].split("+")]  # fmt: skip
            for earlier in candidates:
                for difference in (
                    tuple(x - y for x, y in zip(vector, earlier, strict=True)),
                    tuple(y - x for x, y in zip(vector, earlier, strict=True)),
                ):
                    size = sum(difference)
                    if min(difference) >= 0 and 0 < size < minimum:
                        findings.append(Finding("earlier", name, key,
                                                f"{size} pairs: counts {difference}"))  # fmt: skip
    return findings


def attack(releases: Sequence[PublicRelease],
           labels: Mapping[str, str] | None = None) -> list[Finding]:  # fmt: skip
    """Every finding against `releases` (each alone, and each pair in the order given)."""
    labels = labels or {}
    findings = [finding for release in releases for finding in attack_one(release, labels)]
    for old, new in itertools.combinations(releases, 2):
        findings += attack_earlier(old, new)
    return findings
