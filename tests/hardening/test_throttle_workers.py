"""The sign-in limit is global across gunicorn workers when ``RATELIMIT_STORAGE_URI`` names a
shared store, and per worker with the default ``memory://`` (the control: it shows that this
test can fail).

The shared store here is Redis, started by the test on a free port of 127.0.0.1 (``apt-get
install redis-server``; .ci/run installs it): it is what a multi-worker deployment would use, and
flask-limiter/limits support it directly. gunicorn logs each request with the pid of the worker
that served it, so the test knows when both workers have answered sign-ins. With ``n`` failed
sign-ins spread over two workers and a limit of ``L``, a global count answers exactly ``L``
times 401; per-worker counts answer more (each worker allows ``L`` of its own).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from benchmarks.intake_load import HOST
from benchmarks.intake_load import ROOT
from benchmarks.intake_load import free_port
from benchmarks.intake_load import gunicorn_path
from fieldwork.migrate import upgrade
from tests.browser.fixtures import require

# two gunicorn workers and a redis-server: make test runs it, make test-fast leaves it out
pytestmark = pytest.mark.slow


LIMIT = 6
ATTEMPTS_MAX = 120
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class Redis:
    """A throw-away redis-server on loopback: no disk, stopped by its pid."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                import redis

                if redis.Redis(host=HOST, port=self.port, socket_timeout=1).ping():
                    return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("redis-server did not answer in time")

    @property
    def uri(self) -> str:
        return f"redis://{HOST}:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class Gunicorn:
    """Two sync workers of the production app; the access log names the serving worker's pid."""

    def __init__(self, folder: Path, storage_uri: str) -> None:
        self.port = free_port()
        self.log = folder / f"access-{self.port}.log"
        database = folder / f"app-{self.port}.sqlite"
        upgrade(f"sqlite:///{database}")
        env = {
            **os.environ,
            "MYSTERYGUEST_ENV": "production",
            "MYSTERYGUEST_INSECURE_COOKIES": "1",  # plain HTTP on loopback
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": f"sqlite:///{database}",
            "RATELIMIT_STORAGE_URI": storage_uri,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        env.pop("FLASK_DEBUG", None)
        app = f'fieldwork:create_app({{"LOGIN_LIMIT_PER_ADDRESS": "{LIMIT} per 15 minutes"}})'
        gunicorn = gunicorn_path()
        command = [
            str(gunicorn) if gunicorn.exists() else "gunicorn", "-w", "2", "--no-control-socket",
            "-b", f"{HOST}:{self.port}", "--chdir", str(folder), "--log-level", "warning",
            "--access-logfile", str(self.log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
            app,
        ]  # fmt: skip
        self.errors = open(folder / f"gunicorn-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, env=env, stdout=self.errors, stderr=self.errors, start_new_session=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.errors.name}")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def request(self, method: str, path: str, body: str = "", headers=None):
        """One request on a new connection (so the two workers share the work)."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheader("Set-Cookie") or "", response.read()
        finally:
            connection.close()

    def failed_sign_in(self) -> int:
        _status, cookie, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        body = urllib.parse.urlencode(
            {"username": f"nobody{secrets.token_hex(3)}", "password": "wrong password",
             "csrf_token": token.group(1).decode()}
        )  # fmt: skip
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": cookie.split(";", 1)[0]}  # fmt: skip
        return self.request("POST", "/login", body, headers)[0]

    def sign_in_workers(self) -> set[str]:
        """The pids of the workers that answered a POST /login so far."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return {line.split()[0] for line in lines if " POST /login " in f"{line} "}

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 15)
        self.process.wait(timeout=15)
        self.errors.close()


def failures_answered(server: Gunicorn) -> list[int]:
    """Failed sign-ins until both workers have answered some and there were more than LIMIT."""
    statuses: list[int] = []
    while len(statuses) < ATTEMPTS_MAX:
        statuses.append(server.failed_sign_in())
        if len(statuses) > LIMIT + 2 and len(server.sign_in_workers()) == 2:
            break
    time.sleep(0.2)  # the access log is written after the response
    assert len(server.sign_in_workers()) == 2, "one worker answered every request"
    return statuses


@pytest.fixture
def gunicorn_ready():
    require(
        shutil.which("gunicorn") is not None or gunicorn_path().exists(),
        "gunicorn is not installed (pip install -e '.[dev]')",
    )


def test_with_a_shared_store_the_limit_is_global_across_two_workers(tmp_path, gunicorn_ready):
    require(
        Path(REDIS_SERVER).exists(), "redis-server is not installed (apt-get install redis-server)"
    )
    redis = Redis(tmp_path)
    try:
        server = Gunicorn(tmp_path, redis.uri)
        try:
            statuses = failures_answered(server)
        finally:
            server.stop()
    finally:
        redis.stop()
    assert statuses.count(401) == LIMIT, statuses
    assert set(statuses[LIMIT:]) == {429}


def test_with_the_default_memory_store_each_worker_counts_alone(tmp_path, gunicorn_ready):
    server = Gunicorn(tmp_path, "memory://")
    try:
        statuses = failures_answered(server)
    finally:
        server.stop()
    assert statuses.count(401) > LIMIT, statuses  # why RATELIMIT_STORAGE_URI matters
