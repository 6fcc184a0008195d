"""Intake under load, and under a crash: simulated testers send reports to gunicorn on SQLite.

    python benchmarks/intake_load.py                 # 32 testers, 30 s, then the crash run
    python benchmarks/intake_load.py --no-crash --testers 8 --duration 5

The load run: gunicorn (``-w 2 --no-control-socket``) on a fresh SQLite database in WAL mode on
127.0.0.1; first every simulated tester asks ``GET /healthz`` as fast as it can (the trivial
endpoint's throughput), then each sends its reports to ``POST /api/reports`` for ``--duration``
seconds, re-sending some of them with the same UUID as a phone's outbox does after a lost
answer. It prints throughput, p50/p99 latency and intake/trivial throughput, then counts errors,
acknowledged reports missing from the database (lost) and duplicate rows.

The crash run does the same but kills the whole server with SIGKILL half-way, starts it again,
and lets the testers retry what was not acknowledged; then every report acknowledged with 2xx
must be in the database and ``PRAGMA integrity_check`` must say ok. Loopback only; the clients
run in their own processes so they are not the bottleneck.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# As a script, benchmarks/ comes first on the path and may shadow a project package; the client
# processes inherit this path and import ``benchmarks.intake_clients`` by that name.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "benchmarks"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.intake_clients import HOST  # noqa: E402
from benchmarks.intake_clients import PASSWORD  # noqa: E402
from benchmarks.intake_clients import TesterPlan  # noqa: E402
from benchmarks.intake_clients import chunks  # noqa: E402
from benchmarks.intake_clients import run_threads  # noqa: E402
from benchmarks.intake_clients import sign_in_all  # noqa: E402

# --- the database ------------------------------------------------------------------------------


def prepare_database(path: Path, testers: int, tests_per_team: int) -> list[TesterPlan]:
    """A migrated SQLite database with one study, ``testers`` one-person teams in pairs, and
    ``tests_per_team`` tests per pair."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from fieldwork.db import make_engine
    from fieldwork.migrate import upgrade
    from fieldwork.models import Pair
    from fieldwork.models import Study
    from fieldwork.models import Target
    from fieldwork.models import Team
    from fieldwork.models import TeamMember
    from fieldwork.models import Test
    from fieldwork.models import Tester
    from fieldwork.models import User
    from fieldwork.services.people.users import hash_password

    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    password_hash = hash_password(PASSWORD)
    plans: list[TesterPlan] = []
    with Session(engine) as session:
        study = Study(
            code="LOAD", title="Load test", domain="nightlife", instrument_id="nightlife-door",
            instrument_version=1, seed=1, status="fieldwork", target_types=["club"],
        )  # fmt: skip
        session.add(study)
        session.flush()
        target = Target(study_id=study.id, code="V-1", name="Venue", target_type="club", area="C")
        session.add(target)
        teams = []
        for number in range(1, testers + 1):
            role = "protected" if number % 2 else "control"
            user = User(username=f"lt{number:03d}", password_hash=password_hash, role="tester")
            team = Team(study_id=study.id, code=f"TM-{number:03d}", role=role)
            tester = Tester(study_id=study.id, code=f"T-{number:03d}", group=role)
            session.add_all([user, team, tester])
            session.flush()
            tester.user_id = user.id
            session.add(TeamMember(team_id=team.id, tester_id=tester.id))
            teams.append((user.username, team))
        session.flush()
        now = datetime.now(UTC)
        for index in range(0, testers - 1, 2):
            (name_p, team_p), (name_c, team_c) = teams[index], teams[index + 1]
            pair = Pair(study_id=study.id, code=f"P-{index:03d}", protected_team_id=team_p.id,
                        control_team_id=team_c.id)  # fmt: skip
            session.add(pair)
            session.flush()
            rows = [
                {
                    "study_id": study.id,
                    "pair_id": pair.id,
                    "target_id": target.id,
                    "night": now.date(),
                    "window_start": now,
                    "window_end": now + timedelta(hours=4),
                    "first_role": "protected",
                    "planned_protected": now,
                    "planned_control": now + timedelta(minutes=5),
                    "block": 0,
                    "retest": False,
                    "status": "planned",
                    "cancel_reason": "",
                    "created_at": now,
                }  # fmt: skip
                for _ in range(tests_per_team)
            ]
            first = session.execute(insert(Test).returning(Test.id), rows).scalars().all()
            plans.append(TesterPlan(name_p, team_p.id, list(first)))
            plans.append(TesterPlan(name_c, team_c.id, list(first)))
        session.commit()
    engine.dispose()
    return plans


def database_counts(path: Path) -> dict[str, Any]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT uuid, test_id, team_id FROM visitreport").fetchall()
        conflicts = connection.execute("SELECT count(*) FROM reportconflict").fetchone()[0]
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    return {"rows": rows, "conflicts": conflicts, "integrity": integrity}


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def gunicorn_path() -> Path:
    """gunicorn beside this Python (the venv's), else whatever is on PATH."""
    return Path(sys.executable).with_name("gunicorn")


class Server:
    """gunicorn in its own process group, so a crash can take the master and workers at once."""

    def __init__(self, database: Path, folder: Path, workers: int) -> None:
        self.port = free_port()
        self.database, self.folder, self.workers = database, folder, workers
        self.secret = secrets.token_hex(32)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> tuple[str, int]:
        return HOST, self.port

    def start(self, timeout: float = 30) -> None:
        env = {
            **os.environ,
            "MYSTERYGUEST_ENV": "production",
            "MYSTERYGUEST_INSECURE_COOKIES": "1",  # plain HTTP on loopback
            "SECRET_KEY": self.secret,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        gunicorn = gunicorn_path()
        command = [
            str(gunicorn) if gunicorn.exists() else "gunicorn",
            "-w", str(self.workers), "--no-control-socket", "-b", f"{HOST}:{self.port}",
            "--chdir", str(self.folder), "--log-level", "warning", os.environ.get("INTAKE_LOAD_APP", "fieldwork:create_app()"),
        ]  # fmt: skip
        log = open(self.folder / "gunicorn.log", "ab")  # noqa: SIM115 - the child keeps it open
        self.process = subprocess.Popen(
            command, env=env, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.folder / 'gunicorn.log'}")
            connection = http.client.HTTPConnection(*self.base, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
            finally:
                connection.close()
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def crash(self) -> None:
        """SIGKILL to the server's own process group (master and workers), no clean-up at all."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# --- one run -----------------------------------------------------------------------------------


@dataclass
class RunReport:
    name: str
    trivial_per_second: float
    intake_per_second: float
    p50_ms: float
    p99_ms: float
    errors: list[str]
    acknowledged: int
    lost: int
    duplicates: int
    integrity: str
    retries_after_failure: int
    duplicates_sent: int

    @property
    def ratio(self) -> float:
        return self.intake_per_second / self.trivial_per_second if self.trivial_per_second else 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.lost and not self.duplicates and self.integrity == "ok"

    def lines(self) -> list[str]:
        return [
            f"[{self.name}] trivial GET /healthz: {self.trivial_per_second:.0f} req/s",
            f"[{self.name}] intake POST /api/reports: {self.intake_per_second:.0f} req/s "
            f"(p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms); "
            f"intake/trivial = {self.ratio:.0%}",
            f"[{self.name}] acknowledged {self.acknowledged} reports, re-sent {self.duplicates_sent}"
            f" with the same UUID, {self.retries_after_failure} retries after a broken connection",
            f"[{self.name}] errors {len(self.errors)}, lost {self.lost}, duplicates "
            f"{self.duplicates}, integrity_check {self.integrity}",
        ]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(
    name: str, *, testers: int = 32, duration: float = 30, trivial_duration: float = 10,
    workers: int = 2, duplicate_rate: float = 0.05, crash_after: float | None = None,
    client_processes: int = 4, folder: Path | None = None,
) -> RunReport:  # fmt: skip
    """One run in a fresh temporary folder; ``crash_after`` seconds into the intake phase the
    server is killed with SIGKILL and started again."""
    with tempfile.TemporaryDirectory(prefix="mysteryguest-load-", dir=folder) as tmp:
        base = Path(tmp)
        database = base / "load.sqlite"
        plans = prepare_database(database, testers, tests_per_team=int(duration * 200) + 50)
        server = Server(database, base, workers)
        server.start()
        try:
            sessions = sign_in_all(server.base, plans)
            start_at = time.time() + 1.5  # time for the client processes to start
            grace = 30.0 if crash_after is not None else 0.0
            jobs = [
                {"plan": plan, "base": server.base, "seed": index, "start_at": start_at,
                 "cookie": sessions[index][0], "token": sessions[index][1],
                 "trivial_duration": trivial_duration, "duration": duration,
                 "duplicate_rate": duplicate_rate, "grace": grace}
                for index, plan in enumerate(plans)
            ]  # fmt: skip
            spawn = multiprocessing.get_context("spawn")
            processes = min(client_processes, len(jobs))
            with ProcessPoolExecutor(max_workers=processes, mp_context=spawn) as pool:
                futures = [
                    pool.submit(run_threads, chunk) for chunk in chunks(jobs, client_processes)
                ]
                if crash_after is not None:
                    time.sleep(max(0.0, start_at + trivial_duration + crash_after - time.time()))
                    server.crash()
                    server.start()
                results = [result for future in futures for result in future.result()]
        finally:
            server.stop()
        counts = database_counts(database)
    acknowledged: dict[str, tuple[int, int]] = {}
    for result in results:
        acknowledged.update(result.acknowledged)
    stored = {key for key, _test, _team in counts["rows"]}
    slots = [(test, team) for _key, test, team in counts["rows"]]
    sent = set().union(*(result.sent for result in results))
    latencies = [value for result in results for value in result.latencies]
    intake_requests = sum(result.intake_requests for result in results)
    return RunReport(
        name=name,
        trivial_per_second=sum(r.trivial_requests for r in results) / trivial_duration,
        intake_per_second=intake_requests / duration,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        errors=[error for result in results for error in result.errors],
        acknowledged=len(acknowledged),
        lost=len(set(acknowledged) - stored),
        duplicates=(len(slots) - len(set(slots))) + counts["conflicts"] + len(stored - sent),
        integrity=counts["integrity"],
        retries_after_failure=sum(r.retries_after_failure for r in results),
        duplicates_sent=sum(r.duplicates_sent for r in results),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testers", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30, help="seconds of intake")
    parser.add_argument("--trivial-duration", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--duplicate-rate", type=float, default=0.05)
    parser.add_argument("--no-crash", action="store_true", help="skip the crash run")
    args = parser.parse_args(argv)
    common = {
        "testers": args.testers, "duration": args.duration, "workers": args.workers,
        "trivial_duration": args.trivial_duration, "duplicate_rate": args.duplicate_rate,
    }  # fmt: skip
    reports = [run("load", **common)]
    if not args.no_crash:
        reports.append(run("crash", crash_after=args.duration / 2, **common))
    for report in reports:
        print("\n".join(report.lines()), flush=True)
        for error in report.errors[:5]:
            print(f"  error: {error}")
    return 0 if all(report.ok for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
