"""CSV import of targets: a dry run lists every bad row; nothing is imported until the file is clean.

The file is UTF-8 (a byte-order mark from Excel is accepted), comma- or semicolon-separated,
with a header row naming the columns ``code, name, address, target_type, area`` (any order;
``address`` may be left out). A name, address or area that starts like a spreadsheet formula
(``=``, ``+``, ``-``, ``@``, a tab) is refused with its line and column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from dataclasses import field

from sqlmodel import Session
from sqlmodel import select

from analysis import csvsafe
from analysis.csvsafe import is_formula_like
from fieldwork.i18n import _
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import User
from fieldwork.services import audit
from fieldwork.services.errors import Refused
from fieldwork.services.studies.setup import ensure_open
from fieldwork.services.studies.targets import area_problem

COLUMNS = ("code", "name", "address", "target_type", "area")
REQUIRED_COLUMNS = ("code", "name", "target_type", "area")
MAX_ROWS = 5000
# Texts that reach CSV files people open: a leading =, +, -, @ (a formula) is refused here.
FORMULA_CHECKED = ("name", "address", "area")


@dataclass(frozen=True)
class RowProblem:
    row: int  # the line number in the file (the header is line 1)
    column: str
    reason: str


@dataclass
class ImportCheck:
    rows: list[dict[str, str]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems and bool(self.rows)


def template_csv(study: Study) -> str:
    example_type = study.target_types[0] if study.target_types else "other"
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(["V-001", "Example venue", "Example street 1", example_type, "centrum"])
    return out.getvalue()


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(
            _("The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload it again.")
        ) from None


def check_csv(session: Session, *, study: Study, text: str) -> ImportCheck:
    """Parse and check every row against the study; changes nothing."""
    check = ImportCheck()
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        check.problems.append(
            RowProblem(1, "", _("the file is empty; the first line must be the header"))
        )
        return check
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    parsed: list[tuple[int, list[str]]] = []
    try:  # parse first: a malformed file is one problem, not a server error
        parsed.extend((reader.line_num, values) for values in reader)
    except csv.Error as error:
        check.problems.append(
            RowProblem(reader.line_num, "", _("not readable as CSV: %(error)s", error=str(error)))
        )
        return check
    if not parsed:
        check.problems.append(
            RowProblem(1, "", _("the file is empty; the first line must be the header"))
        )
        return check
    header = [name.strip().lower() for name in parsed[0][1]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    for name in missing:
        check.problems.append(RowProblem(1, name, _("the header lacks this column")))
    for name in unknown:
        check.problems.append(
            RowProblem(1, name, _("unknown column (use: %(cols)s)", cols=", ".join(COLUMNS)))
        )
    if missing:
        return check
    existing = set(session.exec(select(Target.code).where(Target.study_id == study.id)).all())
    seen: dict[str, int] = {}
    for line, values in parsed[1:]:
        if not any(value.strip() for value in values):
            continue
        if len(check.rows) >= MAX_ROWS:
            check.problems.append(
                RowProblem(line, "", _("more than %(n)d rows; split the file", n=MAX_ROWS))
            )
            break
        if len(values) != len(header):
            check.problems.append(
                RowProblem(
                    line,
                    "",
                    _("%(got)d fields instead of %(want)d", got=len(values), want=len(header)),
                )
            )
            continue
        row = {name: value.strip() for name, value in zip(header, values, strict=True)}
        row.setdefault("address", "")
        code = row["code"]
        if not code:
            check.problems.append(RowProblem(line, "code", _("missing code")))
        elif len(code) > 32:
            check.problems.append(RowProblem(line, "code", _("code longer than 32 characters")))
        elif code in seen:
            check.problems.append(
                RowProblem(
                    line,
                    "code",
                    _(
                        "duplicate code %(code)s (also on line %(other)d)",
                        code=code,
                        other=seen[code],
                    ),
                )
            )
        elif code in existing:
            check.problems.append(
                RowProblem(
                    line, "code", _("duplicate code %(code)s (the study has it already)", code=code)
                )
            )
        if code:
            seen.setdefault(code, line)
        if not row["name"]:
            check.problems.append(RowProblem(line, "name", _("missing name")))
        elif len(row["name"]) > 200:
            check.problems.append(RowProblem(line, "name", _("name longer than 200 characters")))
        if len(row["address"]) > 300:
            check.problems.append(
                RowProblem(line, "address", _("address longer than 300 characters"))
            )
        if row["target_type"] not in study.target_types:
            check.problems.append(
                RowProblem(
                    line,
                    "target_type",
                    _(
                        "unknown type %(type)r (use: %(types)s)",
                        type=row["target_type"],
                        types=", ".join(study.target_types),
                    ),
                )
            )
        for column in FORMULA_CHECKED:
            if is_formula_like(row[column]):
                check.problems.append(
                    RowProblem(
                        line,
                        column,
                        _(
                            "starts with %(sign)s, which a spreadsheet runs as a formula; "
                            "remove the sign at the start",
                            sign=repr(row[column][0]),
                        ),
                    )
                )
        problem = area_problem(row["area"])
        if problem:
            check.problems.append(RowProblem(line, "area", _("bad area: %(why)s", why=problem)))
        check.rows.append(row)
    if not check.rows and not check.problems:
        check.problems.append(RowProblem(2, "", _("the file has a header but no rows")))
    return check


def import_targets(*, session: Session, study: Study, text: str, user: User | None) -> list[Target]:
    """Import every row, or none: raises :class:`Refused` unless the whole file is clean."""
    ensure_open(study)
    check = check_csv(session, study=study, text=text)
    if not check.clean:
        raise Refused(
            _("%(n)d problem(s) in the file; nothing was imported.", n=len(check.problems))
        )
    targets = [
        Target(
            study_id=study.id,
            code=row["code"],
            name=row["name"],
            address=row["address"],
            target_type=row["target_type"],
            area=row["area"],
        )
        for row in check.rows
    ]
    session.add_all(targets)
    session.flush()
    audit.record(session, action="targets.import", user=user, about=study,
                 after={"count": len(targets), "codes": [t.code for t in targets]})  # fmt: skip
    session.commit()
    return targets
