"""A throw-away app for the benchmarks: a fresh SQLite database with the tests' small study world,
served on 127.0.0.1 from a thread, and a signed-in tester's session cookie.

    python benchmarks/live_app.py      # prints "URL REPORT_FORM_PATH COOKIE_NAME=VALUE", serves until killed
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# As a script, benchmarks/ comes first on the path and may shadow a project package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

TESTER = "t01"


@dataclass
class Sent:
    """One response as the server wrote it: bytes of status line + headers, and of the body."""

    method: str
    path: str
    status: str = ""
    header_bytes: int = 0
    body_bytes: int = 0


class ByteCounter:
    """WSGI middleware that records every response's size on the wire (bodies as sent, so
    compressed when the app compressed them)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sent: list[Sent] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        query = environ.get("QUERY_STRING")
        entry = Sent(
            environ["REQUEST_METHOD"], environ["PATH_INFO"] + (f"?{query}" if query else "")
        )

        def counting_start(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            entry.status = status
            # "HTTP/1.1 200 OK\r\n", "Name: value\r\n" per header, the blank line; the
            # Server and Date lines werkzeug adds are about 70 bytes more.
            entry.header_bytes = (
                len(f"HTTP/1.1 {status}\r\n")
                + 2
                + sum(len(name) + len(value) + 4 for name, value in headers)
            )
            return start_response(status, headers, exc_info)

        body = self.app(environ, counting_start)

        def iterate() -> Iterator[bytes]:
            try:
                for chunk in body:
                    entry.body_bytes += len(chunk)
                    yield chunk
            finally:
                if hasattr(body, "close"):
                    body.close()
                self.sent.append(entry)

        return iterate()


@dataclass(frozen=True)
class LiveApp:
    url: str
    report_form_path: str
    cookie_name: str
    cookie_value: str
    counter: ByteCounter


@contextmanager
def live_app(user_agent: str = "", *, housing: bool = False) -> Iterator[LiveApp]:
    """Serve the app; sign in as the browser will be (same user agent and address), so the
    session is not treated as moved to another device. ``housing``: also the tests' housing
    study, signed in as its tester h01, the form of the test due "today" (freeze the clock at
    tests.conftest.HOUSING_NOW)."""
    from werkzeug.serving import make_server

    from fieldwork import create_app
    from fieldwork.migrate import upgrade
    from fieldwork.services.people.users import hash_password
    from tests.conftest import build_housing_world
    from tests.conftest import build_world
    from tests.support import PASSWORD
    from tests.support import csrf_from

    with tempfile.TemporaryDirectory(prefix="mysteryguest-bench-") as folder:
        database = f"sqlite:///{folder}/bench.sqlite"
        upgrade(database)
        app = create_app(
            {
                "ENVIRONMENT": "testing",
                "DATABASE_URL": database,
                "SECRET_KEY": secrets.token_hex(32),
            }
        )
        app.instance_path = folder
        with app.app_context():
            world = build_world(hash_password(PASSWORD))
            form_test = world.test_p1
            if housing:
                form_test = build_housing_world(hash_password(PASSWORD)).today
        client = app.test_client()
        client.environ_base.update({"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": user_agent})
        token = csrf_from(client.get("/login").get_data(as_text=True))
        tester = "h01" if housing else TESTER
        client.post("/login", data={"username": tester, "password": PASSWORD, "csrf_token": token})
        cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
        assert cookie is not None, "sign-in failed"
        counter = ByteCounter(app.wsgi_app)
        app.wsgi_app = counter  # type: ignore[method-assign]
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LiveApp(
                url=f"http://127.0.0.1:{server.server_port}",
                report_form_path=f"/tester/tests/{form_test}/report",
                cookie_name=cookie.key,
                cookie_value=cookie.value,
                counter=counter,
            )
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


if __name__ == "__main__":
    import logging
    import signal

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.setdefault("MYSTERYGUEST_ENV", "testing")
    with live_app(os.environ.get("BENCH_USER_AGENT", "")) as live:
        print(
            live.url, live.report_form_path, f"{live.cookie_name}={live.cookie_value}", flush=True
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
