"""The README's first hour, as written, on a fresh clone: `make demo` says each step, installs,
builds the demo, prints logins that work and serves; `make serve` and a second `make demo` keep
the demo (same password); `mysteryguest --help` lists the commands.

Slow (it installs into a new virtual environment: a few minutes the first time, about a minute
with pip's cache, kept in .cache/pip of this checkout), so `make test-fast` leaves it out
(marker ``first_hour``). It serves on a free port (`make demo PORT=…`, as the README says for a
taken port 5000) and stops the servers it started by their process group.
"""

from __future__ import annotations

import http.cookiejar
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.browser.fixtures import require
from tests.support import csrf_from

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SECONDS = 1200
START_SECONDS = 120

pytestmark = pytest.mark.first_hour


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Make:
    """`make TARGET` in the clone, its output read line by line while it runs."""

    def __init__(self, clone: Path, env: dict[str, str], *args: str) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            ["make", *args], cwd=clone, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, seconds: float) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in self.lines:
                match = re.search(pattern, line)
                if match:
                    return match
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"make ended before {pattern!r}:\n" + self.output[-4000:])
            self.lines.append(line)
        raise AssertionError(f"no {pattern!r} in {seconds} s:\n" + self.output[-4000:])

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this test started
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self._reader.join(timeout=20)
        while not self._queue.empty():  # what came after the last wait_for
            line = self._queue.get()
            if line is not None:
                self.lines.append(line)
        assert self.process.stdout is not None
        self.process.stdout.close()


def wait_until_up(url: str, seconds: float = START_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def sign_in(url: str, username: str, password: str) -> tuple[str, str]:
    """Sign in like a browser; return the page it lands on and that page's HTML."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(url + "/login", timeout=10) as response:
        token = csrf_from(response.read().decode())
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrf_token": token}
    ).encode()
    with opener.open(url + "/login", data=data, timeout=30) as response:
        return response.url, response.read().decode()


def password_of(output: str) -> str:
    match = re.search(r"^\s+coordinator\s+coordinator\s+password: (\S+)$", output, re.MULTILINE)
    assert match, "no coordinator login printed:\n" + output[-3000:]
    return match[1]


def test_the_first_hour_on_a_fresh_clone(tmp_path: Path):
    require(shutil.which("git") is not None and shutil.which("make") is not None,
            "git and make are needed to try the README's first hour")  # fmt: skip
    clone = tmp_path / "mysteryguest"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    env = {key: value for key, value in os.environ.items()
           if key not in ("MYSTERYGUEST_ENV", "SECRET_KEY", "DATABASE_URL", "VIRTUAL_ENV")
           and not key.startswith(("FLASK_", "PYTEST_"))}  # fmt: skip
    env["PIP_CACHE_DIR"] = str(ROOT / ".cache" / "pip")
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    demo = Make(clone, env, "demo", f"PORT={port}")
    try:
        demo.wait_for(rf"==> Serving the app on {re.escape(url)}/", INSTALL_SECONDS)
        wait_until_up(url)
    finally:
        demo.stop()
    output = demo.output
    steps = [
        "==> Creating the virtual environment",
        "==> Installing mysteryguest and its dependencies",
        "==> Building the demo",
        "Logins (every demo user has the same password):",
        f"==> Serving the app on {url}/",
    ]
    positions = [output.index(step) for step in steps]
    assert positions == sorted(positions), output[-3000:]
    assert re.search(r"Successfully installed .*mysteryguest", output)  # pip's own report
    for noise in ("BuildBackendWarning", "Please be careful", "Traceback"):
        assert noise not in output, noise
    password = password_of(output)

    serve = Make(clone, env, "serve", f"PORT={port}")
    try:
        serve.wait_for(r"==> Serving the app", START_SECONDS)
        wait_until_up(url)
        landed, _html = sign_in(url, "coordinator", password)
        assert landed.endswith("/coordinator/"), landed
        landed, html = sign_in(url, "t01", password)
        assert landed.endswith("/tester/") and "/report" in html  # tonight's tests to log
    finally:
        serve.stop()
    assert "==> Installing" not in serve.output  # installed once

    again = Make(clone, env, "demo", f"PORT={port}")
    try:
        again.wait_for(r"==> Serving the app", START_SECONDS)
    finally:
        again.stop()
    assert "Keeping the demo" in again.output and password_of(again.output) == password

    listing = subprocess.run([str(clone / ".venv" / "bin" / "mysteryguest"), "--help"],
                             capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert listing.returncode == 0 and "demo" in listing.stdout and "analyze" in listing.stdout
