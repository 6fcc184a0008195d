"""The content of a public release: what the city publishes, built from a bundle, Flask-free.

:func:`build_release` reads a bundle, analyses it, applies the disclosure rules
(:mod:`analysis.disclosure`) and returns one JSON-safe dict: the period (months only), the
rounded counts, the headline, the design facts, the checked tables, the decision log and the
texts the coordinator wrote. Everything in it may be shown to anyone: no target codes, names,
addresses, tester codes or exact dates, and no value of a suppressed line. The prose around
the numbers is written by the app in the reader's language; the content holds facts and codes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import csvsafe
from analysis.bundle import BundleError, read_bundle
from analysis.disclosure import ReleaseTables, check_release, round_base
from analysis.estimate import analyze_bundle

FORMAT, VERSION = "mysteryguest-release", 1
CSV_COLUMNS = [
    "table", "line", "published", "rules", "targets", "valid_pairs", "both_admitted",
    "only_control_admitted", "only_protected_admitted", "neither_admitted", "net_measure_pct",
    "ci_low_pct", "ci_high_pct", "p_value", "p_holm", "count", "share_pct",
]  # fmt: skip
_CSV_FIELDS = {
    "targets": "targets", "valid_pairs": "n_pairs", "both_admitted": "both_favourable",
    "only_control_admitted": "control_only_favourable",
    "only_protected_admitted": "protected_only_favourable",
    "neither_admitted": "neither_favourable", "net_measure_pct": "net_difference_pct",
    "ci_low_pct": "ci_low_pct", "ci_high_pct": "ci_high_pct", "p_value": "p_value",
    "p_holm": "p_adjusted", "count": "count", "share_pct": "share_pct",
}  # fmt: skip


def read_visits(path: str | Path) -> pd.DataFrame:
    """visits.csv of a bundle: ``test_id``, ``role`` and ``refusal_reasons`` as tuples.

    A bundle without the file or the column gives an empty ``refusal_reasons`` for every row.
    """
    file = Path(path) / "visits.csv"
    if not file.is_file():
        return pd.DataFrame({"test_id": [], "role": [], "refusal_reasons": []})
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise BundleError(f"{file}: cannot be read as UTF-8 CSV ({error})") from None
    raw = raw.map(csvsafe.restore_cell)  # undo the spreadsheet-safe apostrophes of the export
    for column in ("test_id", "role"):
        if column not in raw.columns:
            raise BundleError(f"{file}: missing column {column!r}")
    reasons = raw["refusal_reasons"] if "refusal_reasons" in raw.columns else [""] * len(raw)
    return pd.DataFrame({
        "test_id": raw["test_id"],
        "role": raw["role"],
        "refusal_reasons": [tuple(part for part in value.split(";") if part) for value in reasons],
    })  # fmt: skip


def period(pairs: pd.DataFrame) -> dict[str, str | None]:
    """First and last month of fieldwork as ``YYYY-MM`` (never a day)."""
    dates = pd.to_datetime(pairs["date"].replace("", pd.NA).dropna(), errors="coerce").dropna()
    if dates.empty:
        return {"from": None, "to": None}
    return {"from": dates.min().strftime("%Y-%m"), "to": dates.max().strftime("%Y-%m")}


def _counts(pairs: pd.DataFrame, planned: int | None, base: int) -> dict[str, int]:
    complete = ~pairs["invalid_reasons"].map(lambda reasons: "incomplete" in reasons)
    valid = pairs["valid"].astype(bool)
    sham = pairs["sham"].astype(bool)
    counts = {
        "planned": planned if planned is not None else len(pairs),
        "complete": int((complete & ~sham).sum()),
        "valid": int((valid & ~sham).sum()),
        "sham_valid": int((valid & sham).sum()),
    }
    return {key: round_base(value, base) for key, value in counts.items()}


def _headline(tables: ReleaseTables) -> dict[str, Any] | None:
    total = tables.tables["by_target_type"].total
    if total is None or not total.published:
        return None
    keys = ("n_pairs", "net_difference_pct", "ci_low_pct", "ci_high_pct", "gross_protected_pct",
            "gross_control_pct", "p_value", "targets")  # fmt: skip
    return {key: total.values[key] for key in keys}


def release_content(
    results: Mapping[str, Any], *, pairs: pd.DataFrame, visits: pd.DataFrame | None = None,
    design: Mapping[str, Any] | None = None, texts: Mapping[str, Mapping[str, str]] | None = None,
    min_pairs: int = 10, min_targets: int = 5,
) -> dict[str, Any]:  # fmt: skip
    """The release content dict from results, the pairs frame and the study facts.

    `design` holds facts only the app knows (``planned`` tests, ``team_size`` [min, max],
    ``title``); `texts` the coordinator's texts per language (``next_steps``, ``training``).
    """
    tables = check_release(results, pairs=pairs, visits=visits, min_pairs=min_pairs,
                           min_targets=min_targets)  # fmt: skip
    design = dict(design or {})
    study = dict(results.get("study") or {})
    base = tables.rules.rounding_base
    checked = tables.to_dict()
    return {
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
        },
        "period": period(pairs),
        "confidence": results.get("confidence", 0.95),
        "outcome": tables.outcome,
        "counts": _counts(pairs, design.get("planned"), base),
        "design": {"team_size": design.get("team_size")},
        "headline": _headline(tables),
        "rules": checked["rules"],
        "tables": checked["tables"],
        "decisions": checked["decisions"],
        "texts": {key: dict(value) for key, value in (texts or {}).items()},
    }


def build_release(
    bundle: str | Path, *, design: Mapping[str, Any] | None = None,
    texts: Mapping[str, Mapping[str, str]] | None = None, min_pairs: int | None = None,
    min_targets: int = 5, confidence: float = 0.95,
) -> dict[str, Any]:  # fmt: skip
    """Analyse a bundle folder and return its release content (see :func:`release_content`).

    `min_pairs` defaults to the study's ``publication_min_cell`` in the manifest (else 10).
    """
    read = read_bundle(bundle)
    results = analyze_bundle(read, confidence=confidence)
    if min_pairs is None:
        min_pairs = int(read.study.get("publication_min_cell") or 10)
    return release_content(results, pairs=read.pairs, visits=read_visits(bundle), design=design,
                           texts=texts, min_pairs=max(min_pairs, 5),
                           min_targets=min_targets)  # fmt: skip


def canonical_json(content: Mapping[str, Any]) -> str:
    """The JSON text the checksum is taken of: sorted keys, no spaces, UTF-8 characters."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def tables_csv(content: Mapping[str, Any]) -> str:
    """Every public table as one CSV (one line per table row; suppressed lines empty)."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)  # the city opens it in a spreadsheet: no formulas
    writer.writerow(CSV_COLUMNS)
    for name, table in content["tables"].items():
        lines = ([table["total"]] if table.get("total") else []) + list(table["rows"])
        for line in lines:
            values = line["values"]
            if name.startswith("reasons_") and line["key"] == "total":
                values = {"count": values.get("refusals")} if values else {}
            row = [name, line["key"], "true" if line["published"] else "false",
                   ";".join(line["rules"])]  # fmt: skip
            for column in CSV_COLUMNS[4:]:
                value = values.get(_CSV_FIELDS[column])
                row.append("" if value is None else str(value))
            writer.writerow(row)
    return buffer.getvalue()
