"""How fast the ``mlhive`` command starts: ``--help``, ``--version`` and a sub-command's help.

A person types these often; each one must answer in well under half a second. The anchors,
measured in the same run: the bare interpreter (``python -c pass``, the floor no Python command
goes below) and ``python -c "import mlhive.client"`` (what every command paid before the client
was imported lazily, on the first command that talks to a server).

Each figure is the median of ``--repeat`` fresh processes (their first-run cache warm-up
discarded), so the other core's noise shows as spread, not as the figure.

Usage: python benchmarks/bench_cli_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES: dict[str, list[str]] = {
    "python -c pass (floor)": ["-c", "pass"],
    "import mlhive.client._client (old start)": ["-c", "import mlhive.client._client"],
    "mlhive --help": ["-m", "mlhive.cli.main", "--help"],
    "mlhive --version": ["-m", "mlhive.cli.main", "--version"],
    "mlhive dataset ls --help": ["-m", "mlhive.cli.main", "dataset", "ls", "--help"],
}


def wall_seconds(arguments: list[str]) -> float:
    """One fresh interpreter running ``arguments``, wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, *arguments], check=True, capture_output=True)
    return time.perf_counter() - started


def median_seconds(arguments: list[str], repeat: int) -> float:
    """The median of ``repeat`` runs, after one warm-up run (file cache, bytecode)."""
    wall_seconds(arguments)
    return statistics.median(wall_seconds(arguments) for _ in range(repeat))


def main() -> None:
    """Print each case's median start time and its ratio to the bare interpreter."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    figures = {name: median_seconds(argv, args.repeat) for name, argv in CASES.items()}
    floor = figures["python -c pass (floor)"]
    print(f"{'case':36} {'median ms':>10} {'x floor':>8}")
    for name, seconds in figures.items():
        print(f"{name:36} {seconds * 1000:10.0f} {seconds / floor:8.1f}")
    slowest = max(v for k, v in figures.items() if k.startswith("mlhive"))
    verdict = "within" if slowest < 0.5 else "OVER"
    print(f"slowest mlhive command: {slowest * 1000:.0f} ms ({verdict} the 500 ms aim)")


if __name__ == "__main__":
    main()
