"""The content of a public release: what the city publishes, built from a bundle, Flask-free.

:func:`build_release` reads a bundle, analyses it, applies the disclosure rules
(:mod:`analysis.disclosure`) and returns the content — one JSON-safe dict: the period (months
only), the exact counts, the headline, the design facts, the checked tables, the decision log
and the texts the coordinator wrote — and, never published, the test ids behind every public
line. Everything in the content may be shown to anyone: no target codes, names, addresses,
tester codes or exact dates, and no value of a suppressed line. The prose around the numbers is
written by the app in the reader's language; the content holds facts, numbers and codes.

The tables come from the instrument: the primary binary outcome gives the pair tables, the
question with role "reasons" the tables of reasons (:data:`REQUIRED_ROLES` says which domains
must have one). A missing role is an error that says how to fix the instrument, never a table
silently left out.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import csvsafe
from analysis.bundle import BundleError
from analysis.bundle import read_bundle
from analysis.disclosure import REMAINDER
from analysis.disclosure import ReleaseTables
from analysis.disclosure import analysed_pairs
from analysis.disclosure import check_release
from analysis.estimate import analyze_bundle
from analysis.summary import counts_by_target

FORMAT, VERSION = "mysteryguest-release", 2
# Roles an instrument of a domain must give for its release (forms.model.ROLES says what they are).
REQUIRED_ROLES: dict[str, tuple[str, ...]] = {"nightlife": ("reasons",), "housing": ()}
# The favourable outcome in the words of each domain, for the CSV's column names.
FAVOURABLE_WORD = {"nightlife": "admitted", "housing": "invited"}
_PAIR_COLUMNS = (
    ("targets", "targets"), ("valid_pairs", "n_pairs"), ("both_{w}", "both_favourable"),
    ("only_control_{w}", "control_only_favourable"),
    ("only_protected_{w}", "protected_only_favourable"), ("neither_{w}", "neither_favourable"),
    ("net_measure_pct", "net_difference_pct"), ("ci_low_pct", "ci_low_pct"),
    ("ci_high_pct", "ci_high_pct"), ("ci_method", "method"), ("p_value", "p_value"),
    ("p_holm", "p_adjusted"), ("design_effect", "design_effect"),
)  # fmt: skip
_INDEPENDENT_COLUMNS = (
    ("ci_low_if_independent_pct", "ci_low_pct"), ("ci_high_if_independent_pct", "ci_high_pct"),
    ("p_if_independent", "p_value"),
)  # fmt: skip
_REASON_COLUMNS = (("count", "count"), ("share_pct", "share_pct"))


class PublicationError(ValueError):
    """The bundle or its instrument cannot give a release; the message says what to fix."""


@dataclass(frozen=True)
class BuiltRelease:
    """The public content and, kept private by the app, the test ids of every public line and
    the per-target counts of the published lines by target type (:func:`line_targets`)."""

    content: dict[str, Any]
    line_records: dict[str, dict[str, list[str]]]
    line_targets: dict[str, dict[str, list[int]]]


def line_targets(pairs: pd.DataFrame, tables: ReleaseTables) -> dict[str, dict[str, list[int]]]:
    """Per published line of the table by target type (``total`` included), the paired table
    (a, b, c, d) of the release's outcome per target code, among exactly the pairs behind the
    line. Never public: the change between two waves (docs/methods.md §7) is computed from it,
    and only for lines both releases published (docs/release-rules.md rule 4)."""
    frame = analysed_pairs(pairs, tables.outcome)
    ids = frame["test_id"].astype(str)
    found = {}
    for key, tests in tables.line_records.get("by_target_type", {}).items():
        if key == REMAINDER:
            continue
        rows = frame[ids.isin(set(tests))]
        found[key] = {code: item["counts"][tables.outcome]
                      for code, item in counts_by_target(rows, [tables.outcome]).items()}  # fmt: skip
    return found


def required_question(instrument: Any, role: str) -> Any:
    """The instrument's question with `role`, or a :class:`PublicationError` saying how to add
    one."""
    question = instrument.with_role(role)
    if question is None:
        raise PublicationError(
            f"instrument {instrument.id!r} v{instrument.version} has no question with role "
            f"{role!r}; a {instrument.domain} release needs one. Fix: add role = {role!r} to the "
            "question of the reasons given for a refusal (a multichoice asked only after an "
            "unfavourable answer), in a new version of the instrument"
        )
    return question


def reasons_question(instrument: Any) -> Any | None:
    """The question of the release's tables of reasons: required where the domain asks for it,
    else the one the instrument marks, if any."""
    if "reasons" in REQUIRED_ROLES.get(instrument.domain, ()):
        return required_question(instrument, "reasons")
    return instrument.with_role("reasons")


def read_visits(path: str | Path, column: str) -> pd.DataFrame:
    """visits.csv of a bundle: ``test_id``, ``role`` and `column` (a multichoice) as tuples."""
    file = Path(path) / "visits.csv"
    if not file.is_file():
        raise BundleError(f"{file}: missing; the release's table of reasons needs it")
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise BundleError(f"{file}: cannot be read as UTF-8 CSV ({error})") from None
    raw = raw.map(csvsafe.restore_cell)  # undo the spreadsheet-safe apostrophes of the export
    for name in ("test_id", "role", column):
        if name not in raw.columns:
            raise BundleError(f"{file}: missing column {name!r}; export the study again")
    return pd.DataFrame({
        "test_id": raw["test_id"],
        "role": raw["role"],
        column: [tuple(part for part in value.split(";") if part) for value in raw[column]],
    })  # fmt: skip


def period(pairs: pd.DataFrame) -> dict[str, str | None]:
    """First and last month of fieldwork as ``YYYY-MM`` (never a day)."""
    dates = pd.to_datetime(pairs["date"].replace("", pd.NA).dropna(), errors="coerce").dropna()
    if dates.empty:
        return {"from": None, "to": None}
    return {"from": dates.min().strftime("%Y-%m"), "to": dates.max().strftime("%Y-%m")}


def _counts(pairs: pd.DataFrame, design: Mapping[str, Any]) -> dict[str, int | None]:
    complete = ~pairs["invalid_reasons"].map(lambda reasons: "incomplete" in reasons)
    valid = pairs["valid"].astype(bool)
    sham = pairs["sham"].astype(bool)
    planned = design.get("planned")
    return {
        "planned": int(planned) if planned is not None else len(pairs),
        "complete": int((complete & ~sham).sum()),
        "valid": int((valid & ~sham).sum()),
        "sham_valid": int((valid & sham).sum()),
        "sham_pairs": design.get("sham_pairs"),
    }


def _headline(tables: ReleaseTables) -> dict[str, Any] | None:
    total = tables.tables["by_target_type"].total
    if total is None or not total.published:
        return None
    return dict(total.values)


def release_content(
    results: Mapping[str, Any], *, pairs: pd.DataFrame, visits: pd.DataFrame | None = None,
    reasons: str | None = None, design: Mapping[str, Any] | None = None,
    texts: Mapping[str, Mapping[str, str]] | None = None, min_pairs: int = 10,
    min_pairs_reason: str = "", min_targets: int = 5,
) -> BuiltRelease:  # fmt: skip
    """The release content from results, the pairs frame and the study facts.

    `design` holds facts only the app knows (``planned`` tests, ``team_size`` [min, max],
    ``sham_pairs``, ``title``); `texts` the coordinator's texts per language (``next_steps``,
    ``training``); `reasons` the visits' column of the question with role "reasons".
    """
    tables = check_release(results, pairs=pairs, visits=visits, reasons=reasons,
                           min_pairs=min_pairs, min_pairs_reason=min_pairs_reason,
                           min_targets=min_targets)  # fmt: skip
    design = dict(design or {})
    study = dict(results.get("study") or {})
    checked = tables.to_dict()
    content = {
        "format": FORMAT,
        "version": VERSION,
        "study": {
            "title": design.get("title", study.get("title", "")),
            "domain": study.get("domain"),
            "target_types": list(study.get("target_types") or []),
            "order_rule": study.get("order_rule"),
            "planned_gap_minutes": study.get("planned_gap_minutes"),
            "max_interval_minutes": study.get("max_interval_minutes"),
            "instrument": study.get("instrument"),
            "instrument_version": study.get("instrument_version"),
            "reasons_question": reasons,
        },
        "period": period(pairs),
        "confidence": results.get("confidence", 0.95),
        "outcome": tables.outcome,
        "counts": _counts(pairs, design),
        "design": {"team_size": design.get("team_size")},
        "headline": _headline(tables),
        "rules": checked["rules"],
        "tables": checked["tables"],
        "decisions": checked["decisions"],
        "texts": {key: dict(value) for key, value in (texts or {}).items()},
    }
    records = {table: {key: list(ids) for key, ids in lines.items()}
               for table, lines in tables.line_records.items()}  # fmt: skip
    return BuiltRelease(content, records, line_targets(pairs, tables))


def build_release(
    bundle: str | Path, *, design: Mapping[str, Any] | None = None,
    texts: Mapping[str, Mapping[str, str]] | None = None, min_pairs: int | None = None,
    min_pairs_reason: str = "", min_targets: int = 5, confidence: float = 0.95,
) -> BuiltRelease:  # fmt: skip
    """Analyse a bundle folder and return its release (see :func:`release_content`).

    `min_pairs` defaults to the study's ``publication_min_cell`` in the manifest (else 10).
    """
    read = read_bundle(bundle)
    question = reasons_question(read.instrument)
    visits = read_visits(bundle, question.id) if question is not None else None
    results = analyze_bundle(read, confidence=confidence)
    if min_pairs is None:
        min_pairs = int(read.study.get("publication_min_cell") or 10)
    return release_content(
        results, pairs=read.pairs, visits=visits, reasons=question.id if question else None,
        design=design, texts=texts, min_pairs=min_pairs, min_pairs_reason=min_pairs_reason,
        min_targets=min_targets,
    )  # fmt: skip


def canonical_json(content: Mapping[str, Any]) -> str:
    """The JSON text the checksum is taken of: sorted keys, no spaces, UTF-8 characters."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def csv_columns(domain: str | None) -> list[str]:
    """The public CSV's header, with the favourable outcome in the domain's words."""
    word = FAVOURABLE_WORD.get(domain or "", "favourable")
    return [
        "table",
        "line",
        "published",
        "rules",
        *(name.format(w=word) for name, _ in _PAIR_COLUMNS),
        *(name for name, _ in _INDEPENDENT_COLUMNS),
        *(name for name, _ in _REASON_COLUMNS),
    ]


def _csv_row(name: str, line: Mapping[str, Any]) -> list[str]:
    values = dict(line["values"])
    if name.startswith("reasons_") and line["key"] == "total":
        values = {"count": values.get("refusals")} if values else {}
    independent = values.get("independent") or {}
    cells = [values.get(key) for _, key in _PAIR_COLUMNS]
    cells += [independent.get(key) for _, key in _INDEPENDENT_COLUMNS]
    cells += [values.get(key) for _, key in _REASON_COLUMNS]
    flags = [name, line["key"], "true" if line["published"] else "false", ";".join(line["rules"])]
    return flags + ["" if value is None else str(value) for value in cells]


def tables_csv(content: Mapping[str, Any]) -> str:
    """Every public table as one CSV (one line per table row; suppressed lines empty)."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)  # the city opens it in a spreadsheet: no formulas
    writer.writerow(csv_columns(content["study"].get("domain")))
    for name, table in content["tables"].items():
        lines = ([table["total"]] if table.get("total") else []) + list(table["rows"])
        for line in lines:
            writer.writerow(_csv_row(name, line))
    return buffer.getvalue()
