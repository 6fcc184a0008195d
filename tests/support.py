"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

PASSWORD = "correct horse"

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


# A complete nightlife-door report: admitted, nothing else to say.
NIGHTLIFE_ANSWERS = {
    "arrival_time": "23:02",
    "admitted": "yes",
    "id_asked": "false",
    "staff_tone": "neutral",
    "physical_contact": "false",
}


def submit_as(username: str, test_id: int, **submission: object) -> object:
    """Store a report of ``username``'s team for ``test_id`` through the intake (in an app
    context); ``submission`` overrides ReportSubmission's fields (answers: NIGHTLIFE_ANSWERS)."""
    import uuid

    from sqlmodel import select

    from fieldwork.db import get_session
    from fieldwork.models import User
    from fieldwork.services.reports.intake import ReportSubmission
    from fieldwork.services.reports.intake import submit_report
    from fieldwork.services.schedule.assignments import assignment_for_user

    session = get_session()
    user = session.exec(select(User).where(User.username == username)).one()
    fields: dict[str, object] = {"uuid": str(uuid.uuid4()), "answers": NIGHTLIFE_ANSWERS}
    fields.update(submission)
    return submit_report(
        session=session,
        assignment=assignment_for_user(session, user.id, test_id),
        user=user,
        submission=ReportSubmission(**fields),  # type: ignore[arg-type]
    )


def exported_reports(download: object) -> list[dict[str, object]]:
    """The reports in a file the phone exported (a Playwright download)."""
    import json
    from pathlib import Path

    path = Path(download.path())  # type: ignore[attr-defined]
    return json.loads(path.read_text(encoding="utf-8"))["reports"]


def database_backend() -> str:
    """ "postgresql" when TEST_DATABASE_URL points at PostgreSQL (CI's second run), else "sqlite"."""
    url = os.environ.get("TEST_DATABASE_URL")
    return make_url(url).get_backend_name() if url else "sqlite"


def read_notebook(path: Path, as_version: int) -> Any:
    """The notebook at ``path`` (nbformat). nbformat is imported at first use: its import takes
    2.5 s (JSON-schema formats), which only the worker that runs the notebook tests should pay.
    A missing nbformat is an error, never a skip."""
    import nbformat

    return nbformat.read(path, as_version=as_version)
