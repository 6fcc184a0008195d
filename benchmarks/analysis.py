"""Time `mysteryguest analyze` on a simulated 10,000-pair, 6-type bundle with all outcomes.

Prints the wall time of the command next to the floor: a fresh interpreter that merely imports
the analysis's dependencies (numpy, scipy, pandas). Goal: analyze ≤ 2 × floor. The runs are
interleaved (floor, floor + flask, analyze, floor, …) so that a busy machine slows all alike.

    .venv/bin/python benchmarks/analysis.py [--pairs 10000] [--repeat 5]

A script, not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EFFECTS = {
    "club": (0.20, 0.04), "bar": (0.10, 0.05), "lounge": (0.06, 0.06),
    "cafe": (0.10, 0.02), "disco": (0.15, 0.05), "terrace": (0.08, 0.08),
}  # fmt: skip
FLOOR = "import numpy, scipy.stats, scipy.optimize, scipy.special, pandas"
# the console script also imports its Flask CLI group: shown, not counted in the floor
FLOOR_WITH_FLASK = FLOOR + ", flask.cli"
SCRIPT = Path(sys.executable).with_name("mysteryguest")
HERE = Path(__file__).resolve().parent


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    # This file is itself called analysis.py: keep its folder off the path so that `analysis`
    # is the package.
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
    from analysis.result import analyze
    from analysis.simulate import simulate_bundle

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"floor": [], "flask": [], "analyze": [], "in_process": []}
    with tempfile.TemporaryDirectory() as folder:
        bundle, out = Path(folder) / "bundle", Path(folder) / "out"
        simulate_bundle(bundle, pairs=args.pairs, seed=2026, effects=EFFECTS)
        command = [str(SCRIPT), "analyze", str(bundle), "--out", str(out)]
        wall([sys.executable, "-c", FLOOR])  # warm the file cache
        wall(command)
        for _ in range(args.repeat):
            shutil.rmtree(out, ignore_errors=True)
            times["floor"].append(wall([sys.executable, "-c", FLOOR]))
            times["flask"].append(wall([sys.executable, "-c", FLOOR_WITH_FLASK]))
            times["analyze"].append(wall(command))
            start = time.perf_counter()
            result = analyze(bundle)
            times["in_process"].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs; median of {args.repeat} interleaved runs"
    )
    print(
        f"bundle: {args.pairs} pairs, {len(EFFECTS)} target types, "
        f"{len(result.outcomes)} outcomes, {len(result.estimates)} estimates"
    )
    print(f"floor   python -c '{FLOOR}': {median['floor']:.3f} s")
    print(f"        the same + flask.cli (the console script's group): {median['flask']:.3f} s")
    print(
        f"analyze mysteryguest analyze BUNDLE --out DIR (all outputs): {median['analyze']:.3f} s"
        f" = {median['analyze'] / median['floor']:.2f} × floor (goal ≤ 2)"
    )
    print(f"        of which read + estimate, in process: {median['in_process']:.3f} s")


if __name__ == "__main__":
    main()
