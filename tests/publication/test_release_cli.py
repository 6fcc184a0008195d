"""`mysteryguest release STUDY --out DIR`: the public files from the command line."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import AuditEvent
from fieldwork.models import Release
from tests.publication.conftest import build_demo_at_fixed_time
from tests.publication.conftest import close_study


def test_release_command_creates_publishes_and_writes_files(app, runner, tmp_path):
    with app.app_context():
        build_demo_at_fixed_time()
        study_id = close_study("DEMO-NL").id  # its earlier waves have releases of their own
    out = tmp_path / "out"
    result = runner.invoke(args=["release", "DEMO-NL", "--out", str(out)])
    assert result.exit_code != 0 and "no published release" in result.output
    create = ["release", "DEMO-NL", "--out", str(out), "--create",
              "--next-steps-nl", "De gemeente gaat in gesprek met de branche."]  # fmt: skip
    result = runner.invoke(args=create)
    assert result.exit_code != 0 and "--as USERNAME" in result.output
    result = runner.invoke(args=[*create, "--as", "researcher"])
    assert result.exit_code != 0 and "no active coordinator or admin" in result.output
    with app.app_context():
        assert get_session().exec(select(Release).where(Release.study_id == study_id)).first() \
            is None  # fmt: skip
    result = runner.invoke(args=[*create, "--as", "coordinator", "--publish"])
    assert result.exit_code != 0 and "not approved yet" in result.output
    result = runner.invoke(args=["release", "DEMO-NL", "--out", str(out), "--as", "coordinator",
                                 "--approved-by", "coordinator"])  # fmt: skip
    assert result.exit_code != 0 and "someone else must approve it" in result.output
    result = runner.invoke(args=["release", "DEMO-NL", "--out", str(out), "--as", "coordinator",
                                 "--approved-by", "admin", "--publish"])  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        release = get_session().exec(select(Release).where(Release.study_id == study_id)).one()
        assert release.status == "published"
        actions = (
            get_session()
            .exec(select(AuditEvent.action).where(AuditEvent.object_type == "release",
                                                  AuditEvent.object_id == release.id))
            .all()
        )  # fmt: skip
        assert sorted(actions) == ["release.approve", "release.create", "release.publish"]
    stem = f"release-{release.id}"
    names = sorted(path.name for path in out.iterdir())
    assert names == [f"{stem}.csv", f"{stem}.en.pdf", f"{stem}.json", f"{stem}.nl.pdf"]
    dutch = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO((out / f"{stem}.nl.pdf").read_bytes())).pages
    )
    assert "Tabel 1" in dutch and "Samenvatting" in dutch
    assert json.loads((out / f"{stem}.json").read_text())["format"] == ("mysteryguest-release")
    assert (out / f"{stem}.csv").read_text().startswith("table,line,published")
