"""The simulated testers of ``intake_load.py``: standard library only, so the client processes
start fast and never compete with the server for imports. Each tester has its own signed-in
session and sends its reports to ``POST /api/reports`` like the phone's outbox: a lost answer or a
broken connection means the same bytes (same UUID) are sent again."""

from __future__ import annotations

import http.client
import json
import random
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any

HOST = "127.0.0.1"  # only the loopback address is ever load-tested
PASSWORD = "load-test-password"
ANSWERS = {
    "arrival_time": "23:02",
    "admitted": "no",
    "refusal_reasons": ["full"],
    "id_asked": True,
    "wait_minutes": 12,
    "staff_tone": "unfriendly",
    "physical_contact": False,
}
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


@dataclass(frozen=True)
class TesterPlan:
    username: str
    team_id: int
    test_ids: list[int]


@dataclass
class ClientResult:
    trivial_requests: int = 0
    intake_requests: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, intake requests answered
    acknowledged: dict[str, tuple[int, int]] = field(default_factory=dict)  # uuid -> (test, team)
    sent: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    retries_after_failure: int = 0
    duplicates_sent: int = 0


class Tester:
    def __init__(self, base: tuple[str, int], plan: TesterPlan) -> None:
        self.base, self.plan = base, plan
        self.connection: http.client.HTTPConnection | None = None
        self.cookie = ""
        self.token = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(*self.base, timeout=30)
        all_headers = {"Cookie": self.cookie} if self.cookie else {}
        all_headers.update(headers or {})
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def sign_in(self) -> None:
        _status, page = self.request("GET", "/login")
        match = CSRF_RE.search(page.decode())
        assert match, "no CSRF token on the sign-in page"
        self.token = match.group(1) or match.group(2)
        form = f"username={self.plan.username}&password={PASSWORD}&csrf_token={self.token}"
        status, _ = self.request(
            "POST", "/login", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"sign-in of {self.plan.username} answered {status}")


def _send_until_answered(tester: Tester, body: bytes, result: ClientResult, stop_at: float):
    """POST one report; on a broken connection retry the same bytes (the outbox does)."""
    headers = {"Content-Type": "application/json", "X-CSRFToken": tester.token}
    while True:
        started = time.monotonic()
        try:
            status, data = tester.request("POST", "/api/reports", body, headers)
        except (OSError, http.client.HTTPException):
            if time.time() > stop_at:
                return None, b""
            result.retries_after_failure += 1
            time.sleep(0.05)
            continue
        result.latencies.append(time.monotonic() - started)
        result.intake_requests += 1
        return status, data


def run_tester(job: dict[str, Any]) -> ClientResult:
    plan: TesterPlan = job["plan"]
    result = ClientResult()
    tester = Tester(tuple(job["base"]), plan)
    rng = random.Random(job["seed"])
    tester.cookie, tester.token = job["cookie"], job["token"]
    start_trivial = job["start_at"]
    while time.time() < start_trivial:
        time.sleep(0.005)
    end_trivial = start_trivial + job["trivial_duration"]
    while time.time() < end_trivial:
        status, _ = tester.request("GET", "/healthz")
        result.trivial_requests += 1
        if status != 200:
            result.errors.append(f"healthz {status}")
    end_intake = end_trivial + job["duration"]
    # Connection failures are retried until the end, plus a grace period during the crash run.
    give_up = end_intake + job["grace"]
    for test_id in plan.test_ids:
        if time.time() >= end_intake:
            break
        key = str(uuid.uuid4())
        body = json.dumps(
            {"uuid": key, "test_id": test_id, "instrument": "nightlife-door",
             "instrument_version": 1, "answers": ANSWERS,
             "device_time": datetime.now(UTC).isoformat(), "elapsed_seconds": 60}
        ).encode()  # fmt: skip
        result.sent.add(key)
        attempts = 2 if rng.random() < job["duplicate_rate"] else 1
        for attempt in range(attempts):
            status, data = _send_until_answered(tester, body, result, give_up)
            if status is None:
                break
            expected = (201, 200) if attempt == 0 else (200,)
            if status in (200, 201):
                result.acknowledged[key] = (test_id, plan.team_id)
            if status not in expected:
                result.errors.append(f"report {status}: {data[:200]!r}")
            if attempt:
                result.duplicates_sent += 1
    tester.close()
    return result


def sign_in_all(base: tuple[str, int], plans: list[TesterPlan]) -> list[tuple[str, str]]:
    """Every tester's session cookie and CSRF token (argon2 makes sign-in slow on purpose, so
    this happens before the clock starts)."""

    def sign_in(plan: TesterPlan) -> tuple[str, str]:
        tester = Tester(base, plan)
        try:
            tester.sign_in()
        finally:
            tester.close()
        return tester.cookie, tester.token

    with ThreadPoolExecutor(max_workers=4) as threads:
        return list(threads.map(sign_in, plans))


def chunks(jobs: list[dict[str, Any]], parts: int) -> list[list[dict[str, Any]]]:
    return [chunk for chunk in (jobs[index::parts] for index in range(parts)) if chunk]


def run_threads(jobs: list[dict[str, Any]]) -> list[ClientResult]:
    with ThreadPoolExecutor(max_workers=len(jobs)) as threads:
        return list(threads.map(run_tester, jobs))
