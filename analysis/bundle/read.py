"""Read an export bundle (docs/design.md "Export bundle") into a tidy frame, one row per test.

Outcome columns (:func:`~analysis.bundle.schema.outcome_column`) of binary outcomes become
nullable booleans (True = favourable per the instrument), continuous ones floats (NaN =
missing); ``valid`` and ``sham`` booleans; ``invalid_reasons`` tuples; ``interval_minutes``
float. For an outcome question with a condition (:func:`~analysis.bundle.schema.condition`:
a fee exists only for a team let in), a nullable boolean
:func:`~analysis.bundle.schema.condition_column` per side says whether that team met it. Every problem is a :class:`BundleError` naming the file and the column or value.
The raw text of pairs.csv (and visits.csv, when present) is kept, so that a read bundle can be
written back unchanged.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import forms
from analysis import csvsafe
from analysis.bundle.schema import FORMAT
from analysis.bundle.schema import PAIR_COLUMNS
from analysis.bundle.schema import ROLES
from analysis.bundle.schema import SIDES
from analysis.bundle.schema import VERSION
from analysis.bundle.schema import VISIT_COLUMNS
from analysis.bundle.schema import bundle_questions
from analysis.bundle.schema import condition
from analysis.bundle.schema import condition_column
from analysis.bundle.schema import outcome_column
from analysis.bundle.schema import parse_outcome_column
from analysis.bundle.write import write_bundle

# The tidy frame keeps the columns a reader requires (order_followed and retest are for people).
BASE_COLUMNS = tuple(column.name for column in PAIR_COLUMNS if column.required)


class BundleError(ValueError):
    """A bundle that cannot be analysed; the message names the file and the column/value."""


@dataclass(frozen=True)
class Bundle:
    """A read bundle: manifest, instrument, the tidy pairs frame and the raw CSV text."""

    path: Path
    manifest: dict[str, Any]
    instrument: Any  # forms.Instrument
    pairs: pd.DataFrame = field(repr=False)
    raw_pairs: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    raw_visits: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def study(self) -> dict[str, Any]:
        """The manifest's study block."""
        study = self.manifest.get("study", {})
        return dict(study) if isinstance(study, dict) else {}

    def outcomes(self) -> list[Any]:
        """The instrument's outcome questions, in instrument order."""
        return list(self.instrument.outcomes())

    def pair_records(self) -> list[dict[str, Any]]:
        """pairs.csv as writer records (CSV text values), for :func:`write_bundle`."""
        return _records(self.raw_pairs, [c.name for c in PAIR_COLUMNS], by_side=True)

    def visit_records(self) -> list[dict[str, Any]]:
        """visits.csv as writer records (empty when the bundle had no visits.csv)."""
        return _records(self.raw_visits, [c.name for c in VISIT_COLUMNS], by_side=False)

    def write(self, folder: str | Path) -> Path:
        """Write this bundle into a new or empty `folder` (the same files, the same text)."""
        return write_bundle(folder, manifest=self.manifest, instrument=self.instrument,
                            pairs=self.pair_records(), visits=self.visit_records())  # fmt: skip


def _records(raw: pd.DataFrame | None, base: list[str], *, by_side: bool) -> list[dict[str, Any]]:
    if raw is None:
        return []
    records = []
    for row in raw.to_dict("records"):
        record: dict[str, Any] = {name: row.get(name, "") for name in base}
        answers: dict[str, Any] = {side: {} for side in SIDES} if by_side else {}
        for column, value in row.items():
            if column in base:
                continue
            parsed = parse_outcome_column(column) if by_side else None
            if parsed is not None:
                answers[parsed[1]][parsed[0]] = value
            elif not by_side:
                answers[column] = value
        record["answers"] = answers
        records.append(record)
    return records


def _boolean(value: str, where: str, row: int) -> bool:
    if value == "true":
        return True
    if value == "false":
        return False
    raise BundleError(f"{where}, row {row}: expected true or false, got {value!r}")


def read_manifest(path: Path) -> dict[str, Any]:
    """manifest.json, checked for format and version."""
    file = path / "manifest.json"
    if not file.is_file():
        raise BundleError(f"{file}: missing (is {path} an export bundle folder?)")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BundleError(f"{file}: not valid JSON ({error})") from None
    if not isinstance(manifest, dict):
        raise BundleError(f"{file}: expected a JSON object")
    if manifest.get("format") != FORMAT:
        raise BundleError(f"{file}: format is {manifest.get('format')!r}, expected {FORMAT!r}")
    if manifest.get("version") != VERSION:
        raise BundleError(
            f"{file}: version is {manifest.get('version')!r}; this analysis reads version {VERSION}"
        )
    return manifest


def read_instrument(path: Path) -> Any:
    """instrument.toml through :func:`forms.parse_instrument`."""
    file = path / "instrument.toml"
    if not file.is_file():
        raise BundleError(f"{file}: missing")
    try:
        return forms.parse_instrument(file.read_text(encoding="utf-8"), str(file))
    except forms.InstrumentError as error:
        raise BundleError(f"{file}: {error}") from None


def _outcome_column(raw: pd.Series, question: Any, where: str) -> pd.Series:
    """Raw answers → favourable booleans (binary) or floats (continuous).

    Checked column-wise; the first bad value (row = CSV line, header is line 1) is reported.
    """
    outcome = question.outcome
    empty = (raw == "").to_numpy()
    if outcome.kind == "binary":
        allowed = question.choice_values if question.type != "boolean" else ("true", "false")
        bad = ~empty & ~raw.isin(allowed).to_numpy()
        if bad.any():
            row = int(bad.argmax())
            raise BundleError(
                f"{where}, row {row + 2}: {raw.iloc[row]!r} is not a value of question "
                f"{question.id!r} (allowed: {', '.join(allowed)})"
            )
        values = pd.array(raw.isin(outcome.favourable).to_numpy(), dtype="boolean")
        values[empty] = pd.NA
        return pd.Series(values, index=raw.index, dtype="boolean")
    if outcome.kind == "continuous":
        numbers = pd.to_numeric(raw.where(~empty), errors="coerce").to_numpy(dtype=float)
        # to_numeric leaves NaN where float() might still succeed ("nan", " 12 "): check those
        for row in np.flatnonzero(~empty & np.isnan(numbers)).tolist():
            try:
                numbers[row] = float(raw.iloc[row])
            except ValueError:
                raise BundleError(
                    f"{where}, row {row + 2}: {raw.iloc[row]!r} is not a number"
                ) from None
        infinite = np.isinf(numbers)
        if infinite.any():
            row = int(infinite.argmax())
            raise BundleError(f"{where}, row {row + 2}: {raw.iloc[row]!r} is not a finite number")
        _check_range(numbers, raw, question, where)
        return pd.Series(numbers, index=raw.index, dtype=float)
    raise BundleError(
        f"{where}: question {question.id!r} has unknown outcome kind {outcome.kind!r}"
    )


def _check_range(numbers: np.ndarray, raw: pd.Series, question: Any, where: str) -> None:
    """Numbers outside the question's min/max, or not whole for an integer question."""
    present = ~np.isnan(numbers)
    low = question.min if question.min is not None else -np.inf
    high = question.max if question.max is not None else np.inf
    outside = present & ((numbers < low) | (numbers > high))
    if outside.any():
        row = int(outside.argmax())
        raise BundleError(
            f"{where}, row {row + 2}: {raw.iloc[row]!r} is outside the range of question "
            f"{question.id!r} ({question.min if question.min is not None else '−∞'} to "
            f"{question.max if question.max is not None else '∞'})"
        )
    if question.type == "integer":
        fractional = present & (numbers != np.floor(numbers))
        if fractional.any():
            row = int(fractional.argmax())
            raise BundleError(
                f"{where}, row {row + 2}: {raw.iloc[row]!r} is not a whole number "
                f"(question {question.id!r} is an integer)"
            )


def _read_csv(file: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise BundleError(f"{file}: cannot be read as UTF-8 CSV ({error})") from None
    return raw.map(csvsafe.restore_cell)  # undo the spreadsheet-safe apostrophes of the export


def read_raw_pairs(path: Path) -> pd.DataFrame:
    """pairs.csv as text, every value a string (missing = empty)."""
    file = path / "pairs.csv"
    if not file.is_file():
        raise BundleError(f"{file}: missing")
    return _read_csv(file)


def read_raw_visits(path: Path) -> pd.DataFrame | None:
    """visits.csv as text, or None when the bundle has none (the analysis does not need it)."""
    file = path / "visits.csv"
    return _read_csv(file) if file.is_file() else None


def _condition_met(
    raw: pd.DataFrame, instrument: Any, question: Any, side: str, relevance: Any
) -> pd.Series:
    """Whether `side`'s team met `relevance` (a condition on an earlier answer); NA: unknown.

    A controlling question that was itself skipped counts as not met.
    """
    if relevance is None:
        return pd.Series(True, index=raw.index, dtype="boolean")
    controller = instrument.question(relevance.question)
    answers = raw[outcome_column(controller.id, side)]
    wanted = set(relevance.values)
    values = pd.array(
        [bool(wanted.intersection(answer.split(";"))) for answer in answers.tolist()],
        dtype="boolean",
    )
    values[(answers == "").to_numpy()] = pd.NA
    result = pd.Series(values, index=raw.index, dtype="boolean")
    upstream = _condition_met(raw, instrument, controller, side, controller.relevant)
    return result & upstream  # not asked upstream means not asked here


def read_pairs(path: Path, instrument: Any, raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """pairs.csv as the tidy frame (see the module docstring)."""
    file = path / "pairs.csv"
    raw = read_raw_pairs(path) if raw is None else raw
    missing = [column for column in BASE_COLUMNS if column not in raw.columns]
    questions = {question.id: question for question in bundle_questions(instrument)}
    outcomes = {qid: question for qid, question in questions.items() if question.outcome}
    missing += [outcome_column(q, side) for q in questions for side in SIDES
                if outcome_column(q, side) not in raw]  # fmt: skip
    if missing:
        raise BundleError(f"{file}: missing column(s) {', '.join(missing)}")
    for column in raw.columns:
        parsed = parse_outcome_column(column)
        if parsed is not None and parsed[0] not in questions:
            raise BundleError(
                f"{file}: column {column!r} names {parsed[0]!r}, which is not an outcome question "
                f"of instrument {instrument.id!r} v{instrument.version}"
            )
    frame = raw[list(BASE_COLUMNS)].copy()
    for column in ("valid", "sham"):
        frame[column] = [_boolean(v, f"{file}: column {column!r}", row)
                         for row, v in enumerate(raw[column].tolist(), start=2)]  # fmt: skip
    for row, value in enumerate(raw["first_role"].tolist(), start=2):
        if value not in (*ROLES, ""):
            raise BundleError(
                f"{file}: column 'first_role', row {row}: {value!r} (expected protected/control)"
            )
    frame["first_role"] = raw["first_role"].replace("", pd.NA)
    frame["invalid_reasons"] = [
        tuple(part for part in value.split(";") if part) for value in raw["invalid_reasons"]
    ]
    intervals = []
    for row, value in enumerate(raw["interval_minutes"].tolist(), start=2):
        try:
            intervals.append(float(value) if value != "" else math.nan)
        except ValueError:
            raise BundleError(
                f"{file}: column 'interval_minutes', row {row}: {value!r} is not a number"
            ) from None
    frame["interval_minutes"] = pd.Series(intervals, index=raw.index, dtype=float)
    for qid, question in outcomes.items():
        for side in SIDES:
            column = outcome_column(qid, side)
            frame[column] = _outcome_column(raw[column], question, f"{file}: column {column!r}")
    for qid, question in outcomes.items():
        rule = condition(question)
        if rule is not None:
            for side in SIDES:
                frame[condition_column(qid, side)] = _condition_met(raw, instrument, question,
                                                                    side, rule)  # fmt: skip
    return frame


def read_bundle(path: str | Path) -> Bundle:
    """Read and check a bundle folder (manifest.json, instrument.toml, pairs.csv).

    Raises
    ------
    BundleError
        Missing file; wrong format/version; missing columns; unknown outcome questions; values
        outside the instrument's choices or ranges, or not numbers.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise BundleError(f"{folder}: not a folder")
    manifest = read_manifest(folder)
    instrument = read_instrument(folder)
    raw = read_raw_pairs(folder)
    return Bundle(folder, manifest, instrument, read_pairs(folder, instrument, raw), raw,
                  read_raw_visits(folder))  # fmt: skip
