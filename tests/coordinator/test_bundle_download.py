"""A researcher (and a coordinator) downloads a study's export bundle as a zip from the study
page: codes only, the same files `mysteryguest export` writes, readable by the analysis, and
audited; a tester is refused."""

from __future__ import annotations

import io
import zipfile

from sqlmodel import select

from analysis.bundle import read_bundle
from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from tests.coordinator.conftest import add_report
from tests.coordinator.conftest import move_to_past
from tests.coordinator.conftest import shown


def test_a_researcher_downloads_the_bundle(app, client, auth, world, tmp_path):
    add_report(app, world.test_p1, "protected")
    add_report(app, world.test_p1, "control", arrival_time="23:05")
    move_to_past(app, world.test_p1)
    auth.login("res")
    page = shown(client.get(f"/coordinator/studies/{world.study_id}"))
    url = f"/coordinator/studies/{world.study_id}/export.zip"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=S1-bundle-") and disposition.endswith(
        ".zip"
    )
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    folder = names[0].split("/")[0]
    assert {name.split("/")[0] for name in names} == {folder}  # one folder, as `export` writes
    assert {"manifest.json", "instrument.toml", "pairs.csv", "visits.csv", "codebook.csv"} <= {
        name.split("/")[1] for name in names
    }
    text = "".join(archive.read(name).decode("utf-8") for name in names)
    for secret in ("Club Nachtuil", "Cafe De Kroeg", "Grote Markt 1", "t01", "t02"):
        assert secret not in text, secret  # codes only: no names, addresses or accounts
    assert "V-001" in text
    archive.extractall(tmp_path)
    bundle = read_bundle(tmp_path / folder)
    assert len(bundle.pairs) >= 1
    with app.app_context():
        [event] = (
            get_session().exec(select(AuditEvent).where(AuditEvent.action == "study.export")).all()
        )
        assert event.actor == "res" and event.study_id == world.study_id


def test_a_coordinator_downloads_it_too_and_a_tester_is_refused(app, client, auth, world):
    url = f"/coordinator/studies/{world.study_id}/export.zip"
    auth.login("t01")
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login("coord")
    assert client.get(url).status_code == 200
    assert client.get("/coordinator/studies/9999/export.zip").status_code == 404
    with app.app_context():
        events = get_session().exec(select(AuditEvent).where(AuditEvent.action == "study.export"))
        assert [event.actor for event in events] == ["coord"]  # the refused call left no trace
