"""Reading export bundles: the tidy frame and every BundleError."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.bundle import BundleError
from analysis.bundle import read_bundle


def test_reads_a_bundle_into_a_tidy_frame(tmp_path, bundle_writer, make_row) -> None:
    rows = [
        make_row(1),
        make_row(2, admitted__protected="no", staff_tone__control="hostile", fee_eur__control=""),
        make_row(3, valid="false", invalid_reasons="interval_exceeded;deviation", sham="true"),
    ]
    bundle = read_bundle(bundle_writer(tmp_path / "b", rows))
    frame = bundle.pairs
    assert bundle.study["code"] == "NL-TEST"
    assert [q.id for q in bundle.outcomes()] == [
        "admitted", "id_asked", "fee_eur", "wait_minutes", "staff_tone"
    ]  # fmt: skip
    assert frame["admitted__protected"].tolist() == [True, False, True]
    assert frame["id_asked__control"].tolist() == [True, True, True]  # "false" is favourable
    assert frame["staff_tone__control"].tolist() == [True, False, True]
    assert pd.isna(frame["fee_eur__control"].iloc[1])
    assert frame["valid"].tolist() == [True, True, False]
    assert frame["sham"].tolist() == [False, False, True]
    assert frame["invalid_reasons"].iloc[2] == ("interval_exceeded", "deviation")
    assert frame["interval_minutes"].dtype == float


def test_missing_binary_answer_is_na(tmp_path, bundle_writer, make_row) -> None:
    bundle = read_bundle(bundle_writer(tmp_path, [make_row(1, admitted__control="")]))
    assert pd.isna(bundle.pairs["admitted__control"].iloc[0])


@pytest.mark.parametrize("missing", ["manifest.json", "instrument.toml", "pairs.csv"])
def test_missing_file(tmp_path, bundle_writer, make_row, missing: str) -> None:
    folder = bundle_writer(tmp_path, [make_row(1)])
    (folder / missing).unlink()
    with pytest.raises(BundleError, match=f"{missing}: missing"):
        read_bundle(folder)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ({"format": "odk", "version": 1}, "format is 'odk'"),
        ({"format": "mysteryguest-bundle", "version": 2}, "version is 2"),
    ],
)
def test_wrong_format_or_version(tmp_path, bundle_writer, make_row, manifest, message) -> None:
    folder = bundle_writer(tmp_path, [make_row(1)], manifest=manifest)
    with pytest.raises(BundleError, match=f"manifest.json: {message}"):
        read_bundle(folder)


def test_manifest_not_json(tmp_path, bundle_writer, make_row) -> None:
    folder = bundle_writer(tmp_path, [make_row(1)])
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BundleError, match="manifest.json: not valid JSON"):
        read_bundle(folder)


def test_missing_columns(tmp_path, bundle_writer, make_row) -> None:
    row = make_row(1)
    del row["sham"], row["wait_minutes__control"]
    with pytest.raises(BundleError, match="pairs.csv: missing column.*sham.*wait_minutes__control"):
        read_bundle(bundle_writer(tmp_path, [row]))


def test_unknown_outcome_question(tmp_path, bundle_writer, make_row) -> None:
    row = make_row(1, smile__protected="yes", smile__control="no")
    with pytest.raises(BundleError, match="'smile__protected' names 'smile'.*nightlife-door"):
        read_bundle(bundle_writer(tmp_path, [row]))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("admitted__protected", "maybe", "row 2: 'maybe' is not a value of question 'admitted'"),
        ("id_asked__control", "yes", "'yes' is not a value of question 'id_asked'"),
        ("wait_minutes__control", "ten", "'ten' is not a number"),
        ("wait_minutes__control", "-3", "'-3' is outside the range of question 'wait_minutes'"),
        ("fee_eur__protected", "250", "'250' is outside the range of question 'fee_eur'"),
        ("wait_minutes__protected", "2.5", "'2.5' is not a whole number"),
        ("valid", "True", "column 'valid', row 2: expected true or false"),
        ("first_role", "both", "column 'first_role', row 2: 'both'"),
        ("interval_minutes", "x", "column 'interval_minutes', row 2"),
    ],
)
def test_bad_values_name_file_column_and_value(
    tmp_path, bundle_writer, make_row, column, value, message
) -> None:
    with pytest.raises(BundleError, match=message) as info:
        read_bundle(bundle_writer(tmp_path, [make_row(1, **{column: value})]))
    assert "pairs.csv" in str(info.value)


def test_not_a_folder(tmp_path) -> None:
    with pytest.raises(BundleError, match="not a folder"):
        read_bundle(tmp_path / "nowhere")


def test_bad_instrument(tmp_path, bundle_writer, make_row) -> None:
    folder = bundle_writer(tmp_path, [make_row(1)])
    (folder / "instrument.toml").write_text('id = "x"\nbogus = 1\n', encoding="utf-8")
    with pytest.raises(BundleError, match="instrument.toml"):
        read_bundle(folder)


def test_manifest_is_plain_json(tmp_path, bundle_writer, make_row) -> None:
    folder = bundle_writer(tmp_path, [make_row(1)])
    assert json.loads((folder / "manifest.json").read_text())["version"] == 1


def test_simulated_bundle_round_trip(tmp_path) -> None:
    """simulate → read → write: the same files (truth.json is the simulator's own)."""
    from analysis.simulate import simulate_bundle

    simulate_bundle(tmp_path / "sim", pairs=120, seed=3)
    bundle = read_bundle(tmp_path / "sim")
    copy = bundle.write(tmp_path / "copy")
    for name in ("manifest.json", "instrument.toml", "pairs.csv", "visits.csv", "codebook.csv"):
        assert (copy / name).read_bytes() == (tmp_path / "sim" / name).read_bytes(), name
    assert read_bundle(copy).pairs.equals(bundle.pairs)


def test_writer_names_outcome_columns_and_refuses_a_full_folder(tmp_path) -> None:
    import forms
    from analysis.bundle import write_bundle
    from analysis.bundle.schema import manifest
    from analysis.bundle.schema import outcome_column

    instrument = forms.get_instrument("nightlife-door")
    record = {"test_id": 1, "target_code": "V-1", "target_type": "club", "area": "",
              "date": "2026-05-01", "first_role": "control", "interval_minutes": 4.5,
              "valid": True, "invalid_reasons": [], "sham": False,
              "answers": {"protected": {"admitted": "no", "fee_eur": None},
                          "control": {"admitted": "yes", "fee_eur": 12.5}}}  # fmt: skip
    head = manifest(study={"code": "X"}, counts={"tests": 1}, exported_at="2026-06-01T00:00:00Z")
    folder = write_bundle(tmp_path / "b", manifest=head, instrument=instrument, pairs=[record])
    frame = read_bundle(folder).pairs
    assert frame[outcome_column("admitted", "protected")].tolist() == [False]
    assert frame[outcome_column("fee_eur", "control")].tolist() == [12.5]
    assert frame["interval_minutes"].tolist() == [4.5]
    with pytest.raises(FileExistsError, match="not an empty folder"):
        write_bundle(folder, manifest=head, instrument=instrument, pairs=[record])
    assert not list(tmp_path.glob(".*partial"))  # nothing left behind
