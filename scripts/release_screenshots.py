"""Take the README's pictures of the demo's public releases, the same way every time.

    .venv/bin/python scripts/release_screenshots.py [OUTPUT_FOLDER]   # default: docs/

Builds the demo in a fresh SQLite database with the clock frozen at 20 November 2026, closes both
demo studies, makes their releases through the services (a coordinator makes each, an admin
approves it, the coordinator publishes it), serves the app on 127.0.0.1 and photographs each
release in Debian's Chromium: on a laptop in one language, and the first two screens on a phone
in the other, side by side in one picture:

- ``public-release.png``: the nightlife release (DEMO-NL), laptop English, phone Dutch;
- ``release-housing.png``: the housing release (DEMO-WON), laptop Dutch, phone English.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import threading
from datetime import UTC
from datetime import datetime
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from benchmarks.chromium import CHROMIUM  # noqa: E402
from benchmarks.chromium import CHROMIUM_ARGS  # noqa: E402

ROOT = _HERE.parent
MOMENT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LAPTOP = {"width": 1280, "height": 1690}
PHONE = {"width": 390, "height": 844}
NEXT_STEPS = {
    "DEMO-NL": ("De gemeente bespreekt de uitkomsten met de horecabranche, spreekt de portiers "
                "aan via hun werkgevers en test volgend jaar opnieuw.",
                "The city discusses the results with the hospitality sector, addresses the door "
                "staff through their employers and tests again next year."),
    "DEMO-WON": ("De gemeente bespreekt de uitkomsten met verhuurders en makelaars, wijst op de "
                 "Wet goed verhuurderschap en test volgend jaar opnieuw.",
                 "The city discusses the results with landlords and letting agents, points to "
                 "the Good Landlordship Act and tests again next year."),
}  # fmt: skip


def build(url: str) -> tuple[object, dict[str, int]]:
    """The app on a fresh demo database, with both demo releases published."""
    from sqlmodel import select

    from fieldwork import clock
    from fieldwork import create_app
    from fieldwork.db import get_session
    from fieldwork.demo import build_demo
    from fieldwork.migrate import upgrade
    from fieldwork.models import Study
    from fieldwork.models import User
    from fieldwork.services.releases import lifecycle as releases

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16),
                      "ENVIRONMENT": "development"})  # fmt: skip
    made = {}
    with app.app_context(), clock.frozen(MOMENT):
        session = get_session()
        build_demo(session=session, seed=2026, password=secrets.token_urlsafe(9))
        people = {name: session.exec(select(User).where(User.username == name)).one()
                  for name in ("coordinator", "admin")}  # fmt: skip
        for code, (dutch, english) in NEXT_STEPS.items():
            study = session.exec(select(Study).where(Study.code == code)).one()
            study.status = "closed"
            session.commit()
            release = releases.create_release(
                session=session, study=study, user=people["coordinator"],
                texts=releases.ReleaseTexts(next_steps_nl=dutch, next_steps_en=english),
            )  # fmt: skip
            releases.approve_release(session=session, release=release, user=people["admin"])
            releases.publish_release(session=session, release=release, user=people["coordinator"])
            made[code] = release.id
    return app, made


def photograph(browser, url: str, lang: str, viewport: dict[str, int], scale: int,
               screens: int) -> bytes:  # fmt: skip
    context = browser.new_context(viewport=viewport, device_scale_factor=scale, locale=lang)
    context.add_cookies([{"name": "lang", "value": lang, "url": url}])
    page = context.new_page()
    page.goto(url)
    height = min(page.evaluate("document.documentElement.scrollHeight"),
                 viewport["height"] * screens)  # fmt: skip
    data = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": viewport["width"],
                                                  "height": height})  # fmt: skip
    context.close()
    return data


def compose(laptop: bytes, phone: bytes, output: Path) -> None:
    """Laptop on the left; the phone's first two screens beside it."""
    import io

    from PIL import Image

    wide = Image.open(io.BytesIO(laptop)).convert("RGB")
    tall = Image.open(io.BytesIO(phone)).convert("RGB")
    screen = tall.height // 2
    screens = [
        tall.crop((0, 0, tall.width, screen)),
        tall.crop((0, screen, tall.width, 2 * screen)),
    ]
    height = max(wide.height, screen)
    screens = [s.resize((s.width * height // s.height, height)) for s in screens]
    margin = 24
    canvas = Image.new("RGB", (wide.width + sum(s.width for s in screens) + 4 * margin,
                               height + 2 * margin), (227, 230, 234))  # fmt: skip
    x = margin
    for image in (wide, *screens):
        canvas.paste(image, (x, margin))
        x += image.width + margin
    canvas.thumbnail((1800, 1800))
    canvas.save(output, optimize=True)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    temp = Path(tempfile.mkdtemp(prefix="mysteryguest-shots-"))
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "MPLCONFIGDIR"):
        os.environ.setdefault(name, str(temp / name.lower()))
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    app, made = build(f"sqlite:///{temp / 'demo.sqlite'}")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    shots = {"public-release.png": ("DEMO-NL", "en", "nl"),
             "release-housing.png": ("DEMO-WON", "nl", "en")}  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, (code, laptop_lang, phone_lang) in shots.items():
                url = f"{base}/public/releases/{made[code]}"
                laptop = photograph(browser, url, laptop_lang, LAPTOP, 1, 1)
                phone = photograph(browser, url, phone_lang, PHONE, 2, 2)
                compose(laptop, phone, folder / name)
                print(folder / name)
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
