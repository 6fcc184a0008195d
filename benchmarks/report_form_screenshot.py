"""Take the README's picture: the report form in Dutch on a Pixel 7 (docs/report-form-phone.png).

.venv/bin/python benchmarks/report_form_screenshot.py [OUTPUT.png]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where a module may shadow a package
# of the project (benchmarks/analysis*.py vs analysis/); import from the repository root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from benchmarks.live_app import ROOT, live_app  # noqa: E402
from benchmarks.page_weight import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "report-form-phone.png"
    home = Path(tempfile.mkdtemp(prefix="mysteryguest-chromium-"))
    os.environ.setdefault("XDG_CONFIG_HOME", str(home / "config"))
    os.environ.setdefault("XDG_CACHE_HOME", str(home / "cache"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver, live_app(driver.devices["Pixel 7"]["user_agent"]) as live:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(**driver.devices["Pixel 7"], locale="nl-NL")
        context.add_cookies(
            [{"name": live.cookie_name, "value": live.cookie_value, "url": live.url}]
        )
        page = context.new_page()
        page.goto(live.url + live.report_form_path)
        # The time stays empty: Debian's Chromium ships only the en-US UI locale, so a filled
        # time input would read "11:02 PM" where a Dutch phone shows 23:02.
        page.check("input[name=admitted][value=no]")
        page.evaluate("() => document.activeElement.blur()")
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output))
        browser.close()
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
