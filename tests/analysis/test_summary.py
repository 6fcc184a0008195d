"""Summary bundles (issue 16): pseudonyms, the JSON Schema on read and write, clear errors."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest

import forms
from analysis.simulate import simulate_bundle
from analysis.summary import SummaryError
from analysis.summary import TargetCounts
from analysis.summary import build_summary
from analysis.summary import pseudonym
from analysis.summary import read_summary
from analysis.summary import summary_from_bundle
from analysis.summary import write_summary
from analysis.summary_schema import SCHEMA
from analysis.summary_schema import schema_text

DOCS = Path(__file__).resolve().parents[2] / "docs" / "summary-bundle.schema.json"
SECRET, OTHER = "the secret of one city, kept there", "another city's secret, kept there"


def small_summary(**study: object) -> dict:
    instrument = forms.get_instrument("nightlife-door")
    targets = [TargetCounts(pseudonym(f"V-{i:03d}", SECRET), "club" if i % 2 else "bar",
                            "centrum", {"admitted": [3, i % 3, 1, 0], "id_asked": [2, 1, 1, 0]})
               for i in range(1, 8)]  # fmt: skip
    return build_summary(city="Den Haag", instrument=instrument, targets=targets,
                         study={"code": "NL-2026", "title": "Deurbeleid 2026",
                                "domain": "nightlife", **study},
                         period={"from": "2026-03", "to": "2026-05"})  # fmt: skip


def test_pseudonyms_are_stable_per_secret_and_differ_between_secrets() -> None:
    first = pseudonym("V-031", SECRET)
    assert first == pseudonym("V-031", SECRET) and re.fullmatch(r"[0-9a-f]{20}", first)
    assert first != pseudonym("V-031", OTHER) and first != pseudonym("V-032", SECRET)
    with pytest.raises(ValueError, match="at least 16 characters"):
        pseudonym("V-031", "short")


def test_write_then_read(tmp_path) -> None:
    data = small_summary(wave=2)
    path = write_summary(tmp_path / "s.json", data)
    read = read_summary(path)
    assert read.data == data and read.city == "Den Haag" and read.study["wave"] == 2
    assert read.instrument_key == "nightlife-door@1" and read.primary_outcome() == "admitted"
    assert len(read.targets()) == 7
    with pytest.raises(SummaryError, match="exists; choose a new file name"):
        write_summary(path, data)


def test_the_docs_schema_is_the_one_in_the_code_and_other_validators_accept_files(tmp_path):
    assert DOCS.read_text(encoding="utf-8") == schema_text()
    schema = json.loads(DOCS.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    data = json.loads(write_summary(tmp_path / "s.json", small_summary()).read_text())
    jsonschema.Draft7Validator(schema).validate(data)  # an independent validator agrees
    assert schema == SCHEMA


def _broken(change) -> dict:
    data = copy.deepcopy(small_summary())
    change(data)
    return data


BROKEN = {
    "counts too short": (lambda d: d["targets"][0]["counts"].update(admitted=[1, 2, 3]),
                         r"\$\.targets\[0\]\.counts\.admitted: must contain at least 4 items"),
    "negative count": (lambda d: d["targets"][1]["counts"].update(admitted=[1, 2, 3, -1]),
                       r"\$\.targets\[1\]\.counts\.admitted\[3\]: must be bigger than or equal"),
    "a target code instead of a pseudonym": (lambda d: d["targets"][2].update(target="V-031"),
                                             r"\$\.targets\[2\]\.target: must match pattern"),
    "a name field": (lambda d: d["targets"][0].update(name="Club Nachtuil"),
                     r"\$\.targets\[0\]: must not contain \{'name'\} properties"),
    "a day in the period": (lambda d: d["period"].update({"from": "2026-03-14"}),
                            r"\$\.period\.from: must match pattern"),
    "free text in the study": (lambda d: d["study"].update(notes="De portier zei…"),
                               r"\$\.study: must not contain"),
    "period reversed": (lambda d: d["period"].update({"from": "2026-07"}),
                        r"'from' \(2026-07\) is after 'to' \(2026-05\)"),
    "pseudonym twice": (lambda d: d["targets"][1].update(target=d["targets"][0]["target"]),
                        r"\$\.targets\[1\]\.target: pseudonym '[0-9a-f]+' appears twice"),
    "undeclared outcome": (lambda d: d["targets"][0]["counts"].update(smile=[1, 0, 0, 0]),
                           r"\['smile'\] not among the declared outcomes"),
    "newer version": (lambda d: d.update(version=2), r"version 2; this mysteryguest reads version 1"),
}  # fmt: skip


@pytest.mark.parametrize(("change", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_damaged_files_are_refused_on_read_and_on_write(tmp_path, change, message) -> None:
    data = _broken(change)
    with pytest.raises(SummaryError, match=message):
        write_summary(tmp_path / "out.json", data)
    assert not list(tmp_path.iterdir())  # nothing written
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SummaryError, match=f"{re.escape(str(path))}: .*{message}"):
        read_summary(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"format": "mysteryguest-results", "version": 1}',
            "not a mysteryguest summary bundle \\(format is 'mysteryguest-results'",
        ),
        (
            '{"format": "mysteryguest-bundle", "version": 1, "study": {}}',
            "an export bundle is a folder",
        ),
        ("[1, 2, 3]", "a JSON object expected, got list"),
        (
            '{"format": "mysteryguest-summary", "version": 1, "city": "Den',
            "not valid JSON \\(line 1, column",
        ),
        ("id,target\n1,V-031\n", "not valid JSON"),
    ],
)
def test_foreign_or_damaged_files_get_a_clear_message(tmp_path, text, message) -> None:
    path = tmp_path / "file.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SummaryError, match=message):
        read_summary(path)
    with pytest.raises(SummaryError, match="no such file"):
        read_summary(tmp_path / "missing.json")


def test_summary_of_an_export_bundle_holds_no_codes_or_days(tmp_path) -> None:
    simulate_bundle(tmp_path / "b", pairs=300, seed=9, targets=30)
    data = summary_from_bundle(tmp_path / "b", city="Den Haag", secret=SECRET, wave=1)
    text = json.dumps(data)
    assert not re.search(r"V\d{4}", text)  # no target code
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no day
    codes = {pseudonym(f"V{i:04d}", SECRET) for i in range(1, 31)}
    assert {t["target"] for t in data["targets"]} <= codes  # the city's own pseudonyms
    assert [o["id"] for o in data["outcomes"]] == ["admitted", "id_asked", "staff_tone"]
    with pytest.raises(SummaryError, match="not binary outcomes"):
        build_summary(city="X", study={"code": "X", "title": "", "domain": "nightlife"},
                      instrument=forms.get_instrument("nightlife-door"), targets=[],
                      period={"from": "2026-01", "to": "2026-01"}, outcomes=["fee_eur"])  # fmt: skip
