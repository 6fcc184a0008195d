"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re

PASSWORD = "correct horse"

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)
