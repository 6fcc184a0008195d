"""Bytes on the wire for the first load of the report form, as a Pixel 7 with an empty cache,
and for a repeat visit.

    .venv/bin/python benchmarks/page_weight.py [--budget-kb 20]

Loads the report form of a signed-in tester in Debian's Chromium (driven by Playwright) and
waits until the network has been quiet for a second, so the service worker's pre-caching and
its copies of the test list and help page are counted too. The bytes are those the server wrote
(status line, headers and body, compressed as sent); the resource type is the browser's. Then
opens the form again (a repeat visit) and counts again: static assets must cost 0 bytes.
Prints totals per type and the number of third-party requests the browser made; exits 1 over
budget, with static bytes on the repeat visit, or with any third-party request.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

# Run as a script, Python puts benchmarks/ first on the path, where a module may shadow a package
# of the project (benchmarks/analysis*.py vs analysis/); import from the repository root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from benchmarks.chromium import CHROMIUM  # noqa: E402
from benchmarks.chromium import CHROMIUM_ARGS  # noqa: E402
from benchmarks.live_app import live_app  # noqa: E402


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def measure(budget_kb: float) -> int:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver, live_app(driver.devices["Pixel 7"]["user_agent"]) as live:
        origin = urlsplit(live.url).netloc
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(**driver.devices["Pixel 7"], locale="nl-NL")
        context.add_cookies(
            [{"name": live.cookie_name, "value": live.cookie_value, "url": live.url}]
        )
        types: dict[tuple[str, str], str] = {}
        third_party: list[str] = []
        last_activity = [time.monotonic()]

        def seen(request):  # type: ignore[no-untyped-def]
            last_activity[0] = time.monotonic()
            if urlsplit(request.url).netloc != origin:
                third_party.append(request.url)
            kind = request.resource_type
            if request.service_worker is not None:
                kind += " (sw)"
            types.setdefault((request.method, _path(request.url)), kind)

        context.on("request", seen)
        context.on(
            "requestfinished", lambda _request: last_activity.__setitem__(0, time.monotonic())
        )
        page = context.new_page()
        page.goto(live.url + live.report_form_path, wait_until="load")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
        while time.monotonic() - last_activity[0] < 1.0:
            page.wait_for_timeout(200)
        sent = list(live.counter.sent)
        # A repeat visit: the form again, as the tester comes back to it.
        again = context.new_page()
        again.goto(live.url + live.report_form_path, wait_until="load")
        while time.monotonic() - last_activity[0] < 1.0:
            again.wait_for_timeout(200)
        browser.close()
        repeat = live.counter.sent[len(sent) :]

    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    print(
        f"First load of {live.report_form_path} (Pixel 7, empty cache), bytes sent by the server:\n"
    )
    print(f"  {'status':<8}{'headers':>8}{'body':>8}  request  [browser's type]")
    for entry in sent:
        kind = types.get((entry.method, entry.path), "other")
        by_type[kind][0] += 1
        by_type[kind][1] += entry.body_bytes
        by_type[kind][2] += entry.header_bytes
        print(
            f"  {entry.status.split()[0]:<8}{entry.header_bytes:>8}{entry.body_bytes:>8}"
            f"  {entry.method} {entry.path}  [{kind}]"
        )
    body_total = sum(entry.body_bytes for entry in sent)
    header_total = sum(entry.header_bytes for entry in sent)
    print(f"\n  {'type':<22}{'requests':>9}{'body':>9}{'headers':>9}")
    for kind, (count, body, headers) in sorted(by_type.items(), key=lambda item: -item[1][1]):
        print(f"  {kind:<22}{count:>9}{body:>9}{headers:>9}")
    print(f"  {'total':<22}{len(sent):>9}{body_total:>9}{header_total:>9}")
    transferred = body_total + header_total
    print(
        f"\ntotal transferred (compressed): {transferred} B = {transferred / 1024:.1f} KB "
        f"(bodies {body_total / 1024:.1f} KB, headers {header_total / 1024:.1f} KB); "
        f"budget {budget_kb:g} KB"
    )
    print(f"third-party requests: {len(third_party)}")
    for url in third_party:
        print(f"  {url}")
    print(f"\nRepeat visit of {live.report_form_path}:")
    for entry in repeat:
        print(
            f"  {entry.status.split()[0]:<8}{entry.header_bytes:>8}{entry.body_bytes:>8}"
            f"  {entry.method} {entry.path}"
        )
    static = sum(e.header_bytes + e.body_bytes for e in repeat if e.path.startswith("/static/"))
    total = sum(e.header_bytes + e.body_bytes for e in repeat)
    print(f"repeat visit: {total} B in all, {static} B of static assets (goal 0)")
    failed = bool(third_party) or static > 0
    if transferred > budget_kb * 1024:
        print("OVER BUDGET")
        failed = True
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--budget-kb", type=float, default=20.0)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="mysteryguest-chromium-"))
    os.environ.setdefault("XDG_CONFIG_HOME", str(home / "config"))
    os.environ.setdefault("XDG_CACHE_HOME", str(home / "cache"))
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    return measure(args.budget_kb)


if __name__ == "__main__":
    sys.exit(main())
