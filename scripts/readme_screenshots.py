"""The README's pictures, taken from a fresh demo (`make screenshots`).

    .venv/bin/python scripts/readme_screenshots.py [OUT_FOLDER]   # default: docs/

Builds the demo (`mysteryguest demo`'s builder, seed 2026) in a throw-away SQLite database,
serves it on 127.0.0.1, and photographs it with Debian's Chromium through Playwright:

- report-form-phone.png   the tester's report form, in Dutch, on a Pixel 7;
- coordinator-tonight.png the coordinator's "tonight" page at 22:50 of the demo's night, after
                          the testers reported their visits before 22:40 (one forgot);
- coordinator-dashboard.png the monitoring dashboard of the nightlife study (laptop, English);

The release pictures (public-release.png, release-housing.png) are made by
scripts/release_screenshots.py, the housing tester's (housing-tester-nl.png, housing-tester-en.png)
by scripts/housing_screenshots.py; `make screenshots` runs all three. Nothing outside the temporary
folder is touched but OUT_FOLDER.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LAPTOP = {"width": 1366, "height": 900}
PASSWORD = "readme-" + secrets.token_hex(6)
BACKGROUND = (226, 229, 234)


@contextmanager
def demo_server(folder: Path) -> Iterator[tuple[str, Any]]:
    """The demo in ``folder``, served from a thread; yields (url, app)."""
    from werkzeug.serving import make_server

    from fieldwork import create_app
    from fieldwork.db import get_session
    from fieldwork.demo import build_demo
    from fieldwork.migrate import upgrade

    database = f"sqlite:///{folder / 'demo.sqlite'}"
    upgrade(database)
    app = create_app(
        {
            "ENVIRONMENT": "development",
            "DATABASE_URL": database,
            "SECRET_KEY": secrets.token_hex(32),
        }
    )
    app.instance_path = str(folder)
    with app.app_context():
        build_demo(session=get_session(), seed=2026, password=PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def report_early_visits(app: Any, until: datetime) -> None:
    """Tonight's visits planned before ``until`` are reported by their testers six minutes after
    the visit, through the intake service; one team forgets (so the picture shows a late one)."""
    import uuid
    from datetime import timedelta

    from sqlmodel import col
    from sqlmodel import select

    from fieldwork import clock
    from fieldwork.db import get_session
    from fieldwork.models import Pair
    from fieldwork.models import Study
    from fieldwork.models import TeamMember
    from fieldwork.models import Test
    from fieldwork.models import Tester
    from fieldwork.models import User
    from fieldwork.services.reports.intake import ReportSubmission
    from fieldwork.services.reports.intake import submit_report
    from fieldwork.services.schedule.assignments import assignment_for_user
    from fieldwork.timeutil import local
    from fieldwork.timeutil import tonight

    with app.app_context():
        session = get_session()
        study = session.exec(select(Study).where(Study.code == "DEMO-NL")).one()
        visits = []
        for test, pair in session.exec(
            select(Test, Pair).join(Pair, col(Pair.id) == col(Test.pair_id))
            .where(Test.study_id == study.id, Test.night == tonight(), Test.status == "planned")
        ).all():  # fmt: skip
            visits.append((test.planned_protected, test, pair.protected_team_id))
            visits.append((test.planned_control, test, pair.control_team_id))
        visits.sort(key=lambda visit: (visit[0], visit[1].id))
        forgotten = next(v for v in visits if v[0] < until and v[2] == visits[0][2])
        for planned, test, team_id in visits:
            if planned >= until or (planned, test, team_id) == forgotten:
                continue
            user = session.exec(
                select(User).join(Tester, col(Tester.user_id) == col(User.id))
                .join(TeamMember, col(TeamMember.tester_id) == col(Tester.id))
                .where(TeamMember.team_id == team_id)
            ).first()  # fmt: skip
            assignment = assignment_for_user(session, user.id, test.id)
            moment = planned + timedelta(minutes=6)
            answers = {"arrival_time": f"{local(planned):%H:%M}", "admitted": "yes",
                       "wait_minutes": 2, "staff_tone": "neutral", "id_asked": False,
                       "physical_contact": False}  # fmt: skip
            with clock.frozen(moment):
                result = submit_report(
                    session=session,
                    assignment=assignment,
                    user=user,
                    submission=ReportSubmission(
                        uuid=str(uuid.uuid4()), answers=answers, device_time=moment,
                        elapsed_seconds=95,
                    ),
                )  # fmt: skip
            if result.status != "created":
                raise SystemExit(f"a demo report was not accepted: {result.errors}")


def study_id(app: Any, code: str) -> int:
    from sqlmodel import select

    from fieldwork.db import get_session
    from fieldwork.models import Study

    with app.app_context():
        return int(get_session().exec(select(Study.id).where(Study.code == code)).one())


def demo_night_at(app: Any, hour: int, minute: int) -> datetime:
    """A moment of the demo's night (the evening its tonight's tests are planned for)."""
    from fieldwork.timeutil import tonight

    with app.app_context():
        night = tonight()
    return datetime.combine(night, time(hour, minute), tzinfo=ZoneInfo("Europe/Amsterdam"))


def sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def main() -> int:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mysteryguest-screenshots-"))
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "MPLCONFIGDIR"):
        os.environ.setdefault(name, str(work / name.lower()))
    from playwright.sync_api import sync_playwright

    from benchmarks.chromium import CHROMIUM
    from benchmarks.chromium import CHROMIUM_ARGS
    from fieldwork import clock

    written = []
    with demo_server(work) as (url, app), sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phone = driver.devices["Pixel 7"]

        # The tester's report form, Dutch, on a phone (the first test of tonight).
        context = browser.new_context(**phone, base_url=url, locale="nl-NL")
        page = context.new_page()
        sign_in(page, "t01")
        page.click("a[href$='/report']")
        # The time stays empty: Debian's Chromium ships only the en-US UI locale, so a filled
        # time input would read "11:02 PM" where a Dutch phone shows 23:02.
        page.check("input[name=admitted][value=no]")
        page.evaluate("() => document.activeElement.blur()")
        written.append(out / "report-form-phone.png")
        page.screenshot(path=str(written[-1]))
        context.close()

        # The coordinator's laptop pages, English.
        nightlife = study_id(app, "DEMO-NL")
        context = browser.new_context(viewport=LAPTOP, base_url=url, locale="en-GB")
        context.add_cookies([{"name": "lang", "value": "en", "url": url}])
        page = context.new_page()
        sign_in(page, "coordinator")
        report_early_visits(app, until=demo_night_at(app, 22, 40))
        with clock.frozen(demo_night_at(app, 22, 50)):
            page.goto(f"/coordinator/studies/{nightlife}/tonight")
            written.append(out / "coordinator-tonight.png")
            page.screenshot(path=str(written[-1]))
        page.goto(f"/coordinator/studies/{nightlife}/monitoring")
        written.append(out / "coordinator-dashboard.png")
        page.screenshot(path=str(written[-1]))
        context.close()

        browser.close()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
