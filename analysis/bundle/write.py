"""Write an export bundle: the one writer behind ``mysteryguest export`` and the simulator.

Records are plain mappings. A *pair record* holds the :data:`~analysis.bundle.schema.PAIR_COLUMNS`
values by name and ``answers``: ``{"protected": {question: value}, "control": {...}}``; a *visit
record* the :data:`~analysis.bundle.schema.VISIT_COLUMNS` values and ``answers`` of that team.
Values are Python values (bool, float, list, None) or the CSV text a reader gave back; the
writer names the outcome columns and formats every value (:func:`~analysis.bundle.schema.csv_value`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from typing import TextIO

from analysis import csvsafe
from analysis.bundle.schema import CODEBOOK_COLUMNS
from analysis.bundle.schema import FILES
from analysis.bundle.schema import PAIR_COLUMNS
from analysis.bundle.schema import SIDES
from analysis.bundle.schema import VISIT_COLUMNS
from analysis.bundle.schema import bundle_questions
from analysis.bundle.schema import csv_value
from analysis.bundle.schema import pair_header
from analysis.bundle.schema import visit_header

Record = Mapping[str, Any]


def manifest_text(manifest: Mapping[str, Any]) -> str:
    """manifest.json as written: indented, UTF-8 characters kept, newline at the end."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def _writer(handle: TextIO, header: list[str]) -> Any:
    # bundle CSVs are opened by people too (audits): no cell may run as a formula
    writer = csvsafe.writer(handle)
    writer.writerow(header)
    return writer


def write_pairs(handle: TextIO, instrument: Any, pairs: Iterable[Record]) -> int:
    """pairs.csv rows, one per record; returns the number written."""
    questions = [question.id for question in bundle_questions(instrument)]
    writer = _writer(handle, pair_header(instrument))
    count = 0
    for record in pairs:
        answers = record.get("answers") or {}
        values = [csv_value(record.get(column.name)) for column in PAIR_COLUMNS]
        for question in questions:
            for side in SIDES:
                values.append(csv_value((answers.get(side) or {}).get(question)))
        writer.writerow(values)
        count += 1
    return count


def write_visits(handle: TextIO, instrument: Any, visits: Iterable[Record]) -> int:
    """visits.csv rows, one per team report; returns the number written."""
    questions = [question.id for question in instrument.questions if question.type != "text"]
    writer = _writer(handle, visit_header(instrument))
    count = 0
    for record in visits:
        answers = record.get("answers") or {}
        writer.writerow(
            [csv_value(record.get(column.name)) for column in VISIT_COLUMNS]
            + [csv_value(answers.get(question)) for question in questions]
        )
        count += 1
    return count


def write_codebook(handle: TextIO, instrument: Any) -> None:
    """codebook.csv: one row per question and choice value, generated from the instrument."""
    in_bundle = {question.id for question in bundle_questions(instrument)}
    writer = _writer(handle, list(CODEBOOK_COLUMNS))
    for question in instrument.questions:
        outcome = question.outcome
        relevant = question.relevant
        common = [
            outcome.kind if outcome else "",
            ";".join(outcome.favourable) if outcome else "",
            (outcome.adverse or "") if outcome else "",
            csv_value(outcome.primary) if outcome else "",
            f"{relevant.question} in {';'.join(relevant.values)}" if relevant else "",
            csv_value(question.id in in_bundle),
        ]
        labels = [question.label_in("nl"), question.label_in("en")]
        choices = question.type in ("choice", "multichoice", "boolean")
        values = question.choice_values if choices else ()
        if not values:
            writer.writerow([question.id, question.type, *labels, "", "", "", *common])
        for value in values:
            writer.writerow([question.id, question.type, *labels, value,
                             question.choice_label(value, "nl"),
                             question.choice_label(value, "en"), *common])  # fmt: skip


def write_bundle(
    folder: str | Path, *, manifest: Mapping[str, Any], instrument: Any,
    pairs: Iterable[Record], visits: Iterable[Record] = (),
    extra: Mapping[str, str] | None = None,
) -> Path:  # fmt: skip
    """Write a whole bundle into `folder` (new, or an empty folder) and return its path.

    The files are written into a temporary sibling that is renamed into place at the end, so a
    failure leaves no half bundle. `extra` adds files by name (the simulator's ``truth.json``).

    Raises
    ------
    FileExistsError
        `folder` exists and is a file or a non-empty folder.
    """
    target = Path(folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} exists and is not an empty folder; choose a new folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial",
                                    dir=target.parent))  # fmt: skip
    try:
        for name in FILES:
            with (staging / name).open("w", encoding="utf-8", newline="") as handle:
                if name == "manifest.json":
                    handle.write(manifest_text(manifest))
                elif name == "instrument.toml":
                    handle.write(instrument.text)
                elif name == "pairs.csv":
                    write_pairs(handle, instrument, pairs)
                elif name == "visits.csv":
                    write_visits(handle, instrument, visits)
                elif name == "codebook.csv":
                    write_codebook(handle, instrument)
                else:  # pragma: no cover - FILES and this dispatch are edited together
                    raise AssertionError(f"no writer for {name}")
        for name, text in (extra or {}).items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
