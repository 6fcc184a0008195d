"""Time `mysteryguest analyze` on a simulated 10,000-pair, 6-type bundle with all outcomes.

Prints the wall time of the command next to the floor: a fresh interpreter that merely imports
the analysis's dependencies (numpy, scipy.stats, pandas). Goal: analyze ≤ 2 × floor.

    .venv/bin/python benchmarks/analysis.py [--pairs 10000] [--repeat 5]

A script, not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EFFECTS = {
    "club": (0.20, 0.04), "bar": (0.10, 0.05), "lounge": (0.06, 0.06),
    "cafe": (0.10, 0.02), "disco": (0.15, 0.05), "terrace": (0.08, 0.08),
}  # fmt: skip
FLOOR = "import numpy, scipy.stats, scipy.optimize, scipy.special, pandas"
SCRIPT = Path(sys.executable).with_name("mysteryguest")


def wall(command: list[str], repeat: int, before: object = None) -> list[float]:
    times = []
    for _ in range(repeat):
        if callable(before):
            before()
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


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
    with tempfile.TemporaryDirectory() as folder:
        bundle, out = Path(folder) / "bundle", Path(folder) / "out"
        simulate_bundle(bundle, pairs=args.pairs, seed=2026, effects=EFFECTS)
        subprocess.run([sys.executable, "-c", FLOOR], check=True)  # warm the file cache
        floor = wall([sys.executable, "-c", FLOOR], args.repeat)
        command = [str(SCRIPT), "analyze", str(bundle), "--out", str(out)]
        total = wall(command, args.repeat, before=lambda: shutil.rmtree(out, ignore_errors=True))
        in_process = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = analyze(bundle)
            in_process.append(time.perf_counter() - start)
    floor_s, total_s = statistics.median(floor), statistics.median(total)
    print(f"machine: {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}; median of {args.repeat} runs")  # fmt: skip
    print(
        f"bundle: {args.pairs} pairs, {len(EFFECTS)} target types, "
        f"{len(result.outcomes)} outcomes, {len(result.estimates)} estimates"
    )
    print(f"floor   (python -c '{FLOOR}'): {floor_s:.3f} s")
    print(
        f"analyze (mysteryguest analyze BUNDLE --out DIR, all outputs): {total_s:.3f} s "
        f"= {total_s / floor_s:.2f} × floor (goal ≤ 2)"
    )
    print(f"        of which read + estimate, in process: {statistics.median(in_process):.3f} s")


if __name__ == "__main__":
    main()
