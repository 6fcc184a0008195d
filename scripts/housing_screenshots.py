"""Take the README's pictures of a housing tester's phone: the list of tests and the report form,
in Dutch (docs/housing-tester-nl.png) and English (docs/housing-tester-en.png), on a Pixel 7.

    .venv/bin/python scripts/housing_screenshots.py [OUTPUT_FOLDER]   # default: docs/ (`make screenshots`)

The tests' housing study (tests/conftest.py, build_housing_world) with the clock at its
Wednesday, so the list shows one test overdue, one due today, one this week and one later.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root

from benchmarks.chromium import CHROMIUM  # noqa: E402
from benchmarks.chromium import CHROMIUM_ARGS  # noqa: E402
from benchmarks.live_app import ROOT  # noqa: E402
from benchmarks.live_app import live_app  # noqa: E402


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    home = Path(tempfile.mkdtemp(prefix="mysteryguest-chromium-"))
    os.environ.setdefault("XDG_CONFIG_HOME", str(home / "config"))
    os.environ.setdefault("XDG_CACHE_HOME", str(home / "cache"))
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from fieldwork import clock
    from tests.conftest import HOUSING_NOW

    folder.mkdir(parents=True, exist_ok=True)
    with (
        clock.frozen(datetime.fromisoformat(HOUSING_NOW)),
        sync_playwright() as driver,
        live_app(driver.devices["Pixel 7"]["user_agent"], housing=True) as live,
    ):
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language in ("nl", "en"):
            context = browser.new_context(**driver.devices["Pixel 7"], locale=f"{language}-NL")
            context.add_cookies(
                [
                    {"name": live.cookie_name, "value": live.cookie_value, "url": live.url},
                    {"name": "lang", "value": language, "url": live.url},
                ]
            )
            page = context.new_page()
            shots = []
            for path in ("/tester/", live.report_form_path):
                page.goto(live.url + path)
                page.wait_for_function("() => document.documentElement.dataset.offline === 'ready'")
                shot = home / f"{language}-{len(shots)}.png"
                page.screenshot(path=str(shot))
                shots.append(Image.open(shot))
            context.close()
            gap = 24
            width = sum(shot.width for shot in shots) + gap * (len(shots) - 1)
            sheet = Image.new("RGB", (width, max(shot.height for shot in shots)), "white")
            left = 0
            for shot in shots:
                sheet.paste(shot, (left, 0))
                left += shot.width + gap
            sheet = sheet.resize((sheet.width // 2, sheet.height // 2), Image.Resampling.LANCZOS)
            output = folder / f"housing-tester-{language}.png"
            sheet.save(output, optimize=True)
            print(output)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
