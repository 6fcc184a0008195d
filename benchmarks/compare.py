"""Time `mysteryguest compare` on 4 cities × 5 waves × 2,000 pairs of summary bundles.

Prints the wall time of the command next to the import floor: a fresh interpreter that merely
imports what the console script imports before it knows the command (numpy, scipy, pandas and
flask.cli). Goal (issue 16): compare ≤ floor + 2 s. The runs are interleaved (floor, compare,
floor, …) so that a busy machine slows both alike. A second size (10 × the pairs, so about
10 × the venues) shows that the work grows linearly with the number of targets.

    .venv/bin/python benchmarks/compare.py [--pairs 2000] [--repeat 5]

A script, not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = "import numpy, scipy.stats, scipy.optimize, scipy.special, pandas, flask.cli"
SCRIPT = Path(sys.executable).with_name("mysteryguest")
HERE = Path(__file__).resolve().parent


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
    from analysis.compare import compare
    from analysis.compare_report import write_comparison
    from analysis.simulate_summary import simulate_summaries

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000, help="valid pairs per city and wave")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs; median of {args.repeat} interleaved runs")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for pairs in (args.pairs, 10 * args.pairs):
            bundles, out = Path(folder) / f"sums-{pairs}", Path(folder) / f"out-{pairs}"
            files = [str(path) for path in simulate_summaries(bundles, pairs=pairs, seed=2026)]
            command = [str(SCRIPT), "compare", *sorted(glob.glob(str(bundles / "*.json"))),
                       "--out", str(out)]  # fmt: skip
            wall([sys.executable, "-c", FLOOR])  # warm the file cache
            wall(command)
            floor, command_times, in_process = [], [], []
            for _ in range(args.repeat):
                shutil.rmtree(out, ignore_errors=True)
                floor.append(wall([sys.executable, "-c", FLOOR]))
                command_times.append(wall(command))
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()
                start = time.perf_counter()
                write_comparison(compare(files), out)
                in_process.append(time.perf_counter() - start)
            size = sum(os.path.getsize(file) for file in files)
            low, mid = statistics.median(floor), statistics.median(command_times)
            work = statistics.median(in_process)
            print(f"4 cities × 5 waves × {pairs} pairs ({size / 1e6:.1f} MB of summaries): "
                  f"floor {low:.3f} s, compare {mid:.3f} s, compare − floor = {mid - low:.3f} s"
                  + (" (goal ≤ 2 s)" if pairs == args.pairs else "")
                  + f"; read, compare and write in process {work:.3f} s")  # fmt: skip
    print(f"floor: python -c '{FLOOR}'")


if __name__ == "__main__":
    main()
