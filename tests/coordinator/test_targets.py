"""Targets: the list with filters, edits, and the CSV import (web and CLI) that is all or nothing."""

from __future__ import annotations

import io

import pytest
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Target
from tests.coordinator.conftest import post

HEADER = "code,name,address,target_type,area\n"
CLEAN = HEADER + "V-101,Club Een,Straat 1,club,centrum\nV-102,Bar Twee,Straat 2,bar,scheveningen\n"


def targets_count(app) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(Target)).one()


def upload(client, study_id, text, name="targets.csv"):
    return post(
        client,
        f"/coordinator/studies/{study_id}/targets/import",
        {"file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def confirm(client, study_id, text):
    return post(client, f"/coordinator/studies/{study_id}/targets/import", {"content": text})


@pytest.mark.parametrize(
    ("row", "line", "column", "reason"),
    [
        ("V-101,Club Een,Straat 1,disco,centrum", 2, "target_type", "unknown type 'disco'"),
        (",Club Een,Straat 1,club,centrum", 2, "code", "missing code"),
        ("V-001,Club Een,Straat 1,club,centrum", 2, "code", "duplicate code V-001 (the study"),
        ("V-101,Club Een,Straat 1,club,", 2, "area", "bad area: the area is missing"),
        ("V-101,Club Een,Straat 1,club," + "x" * 65, 2, "area", "bad area: the area is longer"),
        ("V-101,Club Een,Straat 1,club,cen;trum", 2, "area", "bad area: the area contains"),
        ("V-101,,Straat 1,club,centrum", 2, "name", "missing name"),
    ],
)
def test_each_rejection_reason_is_listed_and_nothing_imported(
    app, client, auth, world, row, line, column, reason
):
    auth.login("coord")
    response = upload(client, world.study_id, HEADER + row + "\n")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<td class="num">{line}</td><td>{column}</td><td>{reason}' in html.replace("&#39;", "'")
    assert "nothing was imported" in html and "Import 1 target" not in html
    assert targets_count(app) == 2


def test_duplicate_code_within_the_file_names_the_other_line(app, client, auth, world):
    auth.login("coord")
    text = CLEAN + "V-101,Club Drie,Straat 3,cafe,centrum\n"
    html = upload(client, world.study_id, text).get_data(as_text=True)
    assert "duplicate code V-101 (also on line 2)" in html
    assert targets_count(app) == 2


def test_every_bad_row_is_listed(app, client, auth, world):
    auth.login("coord")
    text = HEADER + "V-101,A,,disco,x\n,B,,club,x\nV-103,C,,club,\n"
    html = upload(client, world.study_id, text).get_data(as_text=True)
    assert "3 problems: nothing was imported" in html
    for line in (2, 3, 4):
        assert f'<td class="num">{line}</td>' in html


def test_a_clean_file_imports_every_row_after_the_dry_run(app, client, auth, world):
    auth.login("coord")
    preview = upload(client, world.study_id, CLEAN)
    assert preview.status_code == 200 and "Import 2 targets" in preview.get_data(as_text=True)
    assert targets_count(app) == 2  # the dry run changes nothing
    response = confirm(client, world.study_id, CLEAN)
    assert response.status_code == 303
    with app.app_context():
        session = get_session()
        codes = set(session.exec(select(Target.code)).all())
        assert {"V-101", "V-102"} <= codes
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "targets.import")).one()
        assert event.after["count"] == 2


def test_one_bad_row_imports_none_even_when_posted_directly(app, client, auth, world):
    auth.login("coord")
    text = CLEAN + "V-103,Club Drie,Straat 3,disco,centrum\n"
    response = confirm(client, world.study_id, text)  # a tampered confirm skips the preview
    assert response.status_code == 422
    assert "1 problem: nothing was imported" in response.get_data(as_text=True)
    assert targets_count(app) == 2


def test_semicolons_and_a_byte_order_mark_are_accepted(app, client, auth, world):
    auth.login("coord")
    text = "\ufeffcode;name;target_type;area\nV-201;Café Zuid;cafe;zuid\n"
    assert upload(client, world.study_id, text).status_code == 200


def test_a_file_that_is_not_utf8_is_refused(app, client, auth, world):
    auth.login("coord")
    response = post(
        client,
        f"/coordinator/studies/{world.study_id}/targets/import",
        {"file": (io.BytesIO("code,name\nV-1,Caf\xe9".encode("latin-1")), "t.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "not UTF-8" in response.get_data(as_text=True)


def test_template_csv_has_the_columns(client, auth, world):
    auth.login("coord")
    response = client.get(f"/coordinator/studies/{world.study_id}/targets/template.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).startswith(HEADER)


def test_cli_imports_a_clean_file(app, runner, world, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(CLEAN, encoding="utf-8")
    dry = runner.invoke(args=["import-targets", "S1", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "nothing imported" in dry.output
    assert targets_count(app) == 2
    result = runner.invoke(args=["import-targets", "S1", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 targets" in result.output
    assert targets_count(app) == 4


def test_cli_lists_bad_rows_and_imports_none(app, runner, world, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(CLEAN + ",No code,,club,centrum\n", encoding="utf-8")
    result = runner.invoke(args=["import-targets", "S1", str(path)])
    assert result.exit_code != 0
    assert "line 4, column code: missing code" in result.output
    assert targets_count(app) == 2
    assert runner.invoke(args=["import-targets", "NOPE", str(path)]).exit_code != 0


def test_list_filters_by_type_area_and_text(client, auth, world):
    auth.login("coord")
    base = f"/coordinator/studies/{world.study_id}/targets"
    html = client.get(base + "?type=club").get_data(as_text=True)
    assert "V-001" in html and "V-002" not in html
    html = client.get(base + "?area=Plein").get_data(as_text=True)
    assert "V-002" in html and "V-001" not in html
    html = client.get(base + "?q=Nachtuil").get_data(as_text=True)
    assert "V-001" in html and "V-002" not in html


def test_edit_a_target_is_audited_and_bad_input_changes_nothing(app, client, auth, ids):
    auth.login("coord")
    url = f"/coordinator/studies/{ids.study}/targets/{ids.target}/edit"
    data = {"name": "Club Nieuw", "address": "Markt 2", "target_type": "bar", "area": "Markt"}
    assert post(client, url, {**data, "target_type": "disco"}).status_code == 422
    assert post(client, url, {**data, "area": ""}).status_code == 422
    with app.app_context():
        assert get_session().get(Target, ids.target).name == "Club Nachtuil"
    assert post(client, url, {**data, "active": "y"}).status_code == 303
    with app.app_context():
        session = get_session()
        target = session.get(Target, ids.target)
        assert (target.name, target.target_type, target.area) == ("Club Nieuw", "bar", "Markt")
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "target.update")).one()
        assert event.before["name"] == "Club Nachtuil" and event.after["name"] == "Club Nieuw"
