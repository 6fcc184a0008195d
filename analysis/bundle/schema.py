"""The export bundle's format, defined once (docs/design.md "Export bundle").

Everything that says what a bundle holds lives here: the files, the columns of ``pairs.csv`` and
``visits.csv`` with their types, how an outcome column is named (``<question>__<side>``), how a
value is written as CSV text, and the manifest. The app's export, the analysis reader and the
simulator all write and read through :mod:`analysis.bundle`, so the three cannot drift apart.

>>> outcome_column("admitted", "protected")
'admitted__protected'
>>> parse_outcome_column("fee_eur__control")
('fee_eur', 'control')
>>> csv_value([True, 2.5, None, "full"])
'true;2.5;;full'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version
from typing import Any

FORMAT, VERSION = "mysteryguest-bundle", 1
FILES = ("manifest.json", "instrument.toml", "pairs.csv", "visits.csv", "codebook.csv")
REQUIRED_FILES = ("manifest.json", "instrument.toml", "pairs.csv")
SIDES = ("protected", "control")
ROLES = SIDES  # first_role holds one of these (or is empty)
SEPARATOR = "__"
COLUMN_TYPES = ("string", "integer", "number", "boolean", "date", "role", "list", "datetime")


@dataclass(frozen=True)
class Column:
    """One column of a bundle CSV: name, value type, whether a reader requires it, meaning."""

    name: str
    type: str
    required: bool
    description: str


PAIR_COLUMNS: tuple[Column, ...] = (
    Column("test_id", "string", True, "the test (one pair at one target)"),
    Column("target_code", "string", True, "the target's code (e.g. V-031), never its name"),
    Column("target_type", "string", True, "the target's type from the study's list"),
    Column("area", "string", True, "district of the target (may be empty)"),
    Column("date", "date", True, "night of the test, ISO 8601"),
    Column("first_role", "role", True, "team that visited first: protected, control or empty"),
    Column("interval_minutes", "number", True, "minutes between the two visits (may be empty)"),
    Column("valid", "boolean", True, "the pair's validity (override, else the rule engine)"),
    Column("invalid_reasons", "list", True, "why not valid: reason codes, ;-separated"),
    Column("sham", "boolean", True, "a sham pair of two same-group teams"),
    Column("order_followed", "boolean", False, "whether the planned order was kept"),
    Column("retest", "boolean", False, "a repeated test of the same pair and target"),
)
VISIT_COLUMNS: tuple[Column, ...] = (
    Column("report_uuid", "string", True, "the report's UUID"),
    Column("test_id", "string", True, "the test the report belongs to"),
    Column("role", "role", True, "the team's role: protected or control"),
    Column("team_code", "string", False, "the team's code"),
    Column("tester_code", "string", False, "pseudonym of the tester who submitted it"),
    Column("received_at", "datetime", False, "server receipt time"),
    Column("device_time", "datetime", False, "the phone's clock at submission"),
    Column("elapsed_seconds", "number", False, "seconds spent on the form"),
    Column("clock_skew_flag", "boolean", False, "device and server clocks disagreed"),
    Column("status", "string", False, "review status of the report"),
    Column("amended", "boolean", False, "the answers include amendments"),
)
CODEBOOK_COLUMNS = (
    "question", "type", "label_nl", "label_en", "value", "value_label_nl", "value_label_en",
    "outcome", "favourable", "adverse", "primary", "relevant_when", "in_bundle",
)  # fmt: skip


def outcome_column(question_id: str, side: str) -> str:
    """The pairs.csv (and tidy frame) column of one team's answer to one question."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}; got {side!r}")
    return f"{question_id}{SEPARATOR}{side}"


def outcome_columns(question_id: str) -> tuple[str, str]:
    """(control column, protected column) of one question, in the paired table's order."""
    return outcome_column(question_id, "control"), outcome_column(question_id, "protected")


def parse_outcome_column(name: str) -> tuple[str, str] | None:
    """(question id, side) of an outcome column name, or None for any other column."""
    stem, separator, side = name.rpartition(SEPARATOR)
    if not separator or not stem or side not in SIDES:
        return None
    return stem, side


def condition(question: Any) -> Any:
    """The condition under which a team has a value for `question`, or None.

    An outcome's ``given`` (a fee only for a team let in), else the question's skip logic
    (``relevant``): a :class:`forms.model.Relevance` either way.
    """
    given = question.outcome.given if question.outcome is not None else None
    return given if given is not None else question.relevant


def condition_column(question_id: str, side: str) -> str:
    """Tidy-frame column (not in pairs.csv): whether that team met the question's condition.

    A nullable boolean the reader derives from the controlling answer (:func:`condition`); NA
    where that answer is missing. Present only for questions with a condition.
    """
    return f"{outcome_column(question_id, side)}{SEPARATOR}condition"


def bundle_questions(instrument: Any) -> list[Any]:
    """Questions with a column per side in pairs.csv, in instrument order.

    The outcome questions (text excluded: free text never leaves the app), plus every question
    an outcome's condition depends on (:func:`condition`), so that the reader can tell "not
    asked" from "missing".
    """
    wanted = {q.id for q in instrument.outcomes() if q.type != "text"}
    pending = list(wanted)
    while pending:
        question = instrument.question(pending.pop())
        for rule in (condition(question), question.relevant):
            if rule is not None and rule.question not in wanted:
                wanted.add(rule.question)
                pending.append(rule.question)
    return [q for q in instrument.questions if q.id in wanted and q.type != "text"]


def pair_header(instrument: Any) -> list[str]:
    """The header of pairs.csv for `instrument`."""
    base = [column.name for column in PAIR_COLUMNS]
    return base + [
        outcome_column(q.id, side) for q in bundle_questions(instrument) for side in SIDES
    ]


def visit_header(instrument: Any) -> list[str]:
    """The header of visits.csv for `instrument`: bookkeeping, then every non-text question."""
    questions = [q.id for q in instrument.questions if q.type != "text"]
    return [column.name for column in VISIT_COLUMNS] + questions


def csv_value(value: Any) -> str:
    """One value as the bundle's CSV convention writes it.

    Booleans ``true``/``false``, lists ``;``-separated, missing values empty, floats as ``repr``
    (shortest exact form), strings as they are.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(csv_value(item) for item in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def software() -> str:
    """``mysteryguest <version>``, or plain ``mysteryguest`` from an uninstalled source tree."""
    try:
        return f"mysteryguest {version('mysteryguest')}"
    except PackageNotFoundError:
        return "mysteryguest"


def manifest(
    *, study: Mapping[str, Any], counts: Mapping[str, int], exported_at: str,
    software_name: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """manifest.json: format, version, the study block, counts, export time and software."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "study": dict(study),
        "counts": dict(counts),
        "exported_at": exported_at,
        "software": software_name or software(),
    }
