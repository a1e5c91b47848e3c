"""Leaderboards and one task's evaluations sorted by value: 500 runs against 1 M runs on the task.

Fills two databases with :mod:`_bulk` (the anchor: 500 runs on task 1; the big one:
``--task-runs`` on task 1 and ``--total-runs`` in all), starts a real ``mlhive serve`` on each
and measures, p50/p95 in ms over ``--requests`` requests:

- ``GET /api/tasks/1/leaderboard`` (best run per flow; and per setup),
- ``GET /api/evaluations?task=1&measure=predictive_accuracy&sort=desc`` (first page of 100),
- the same with a cursor deep in the list (a keyset page, ``--deep`` rows in).

Each figure is printed next to its 500-run anchor from the same run, with the ratio (aim:
p95 <= 50 ms and no more than 2x the anchor).

Usage: python benchmarks/bench_leaderboard_scale.py [--total-runs 10000000] [--task-runs
1000000] [--database-url URL --anchor-url URL] (default: SQLite files in a temp dir)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from _bulk import Shape, fill
from _live import WORK, live_server, percentiles
from sqlalchemy import select

from mlhive.server.db.engine import make_engine
from mlhive.server.db.tables.experiments import Evaluation
from mlhive.server.services.experiments.evaluations import _encode

MEASURE = "predictive_accuracy"
Samples = dict[str, list[float]]


def deep_cursor(url: str, rows_in: int) -> str | None:
    """The cursor a client walking the sorted list would hold ``rows_in`` rows in."""
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            select(Evaluation.value, Evaluation.run_id)
            .where(Evaluation.task_id == 1, Evaluation.measure == MEASURE)
            .where(Evaluation.value.is_not(None))
            .order_by(Evaluation.value.desc(), Evaluation.run_id.desc())
            .offset(rows_in)
            .limit(1)
        ).first()
    engine.dispose()
    return None if row is None else _encode(row.value, row.run_id)


def timed(clients: dict[str, httpx.Client], case: tuple[str, dict[str, Any]], n: int) -> Samples:
    """``n`` requests to each server, alternating, so both see the same machine load."""
    path, params = case
    samples: Samples = {label: [] for label in clients}
    for _ in range(n):
        for label, client in clients.items():
            start = time.perf_counter()
            client.get(path, params=params.get(label, params.get("*", {}))).raise_for_status()
            samples[label].append((time.perf_counter() - start) * 1000)
    return samples


def measure(
    servers: dict[str, tuple[str, Path, int]], n: int
) -> dict[str, dict[str, tuple[float, float]]]:
    """p50/p95 per case and server; ``servers``: label -> (database url, data dir, task runs)."""
    listing = {"task": 1, "measure": MEASURE, "sort": "desc", "limit": 100}
    cursors = {
        label: deep_cursor(url, min(50_000, task_runs // 2))
        for label, (url, _, task_runs) in servers.items()
    }
    with ExitStack() as stack:
        clients = {}
        for label, (url, data_dir, _) in servers.items():
            env = {"MLHIVE_DATABASE_URL": url, "MLHIVE_WORKER": "off"}
            base, _key = stack.enter_context(live_server(data_dir, env=env))
            clients[label] = stack.enter_context(httpx.Client(base_url=base))
        board = "/api/tasks/1/leaderboard"
        timed(clients, (board, {}), 5)  # one warm-up round
        cases: dict[str, tuple[str, dict[str, Any]]] = {
            "leaderboard, best per flow": (board, {}),
            "leaderboard, best per setup": (board, {"*": {"by": "setup"}}),
            "evaluations sorted, first page": ("/api/evaluations", {"*": listing}),
            "evaluations sorted, keyset page": (
                "/api/evaluations",
                {label: {**listing, "cursor": cursor} for label, cursor in cursors.items()},
            ),
            "anchor: GET /api/health": ("/api/health", {}),
        }
        results: dict[str, dict[str, tuple[float, float]]] = {}
        for name, case in cases.items():
            samples = timed(clients, case, n)
            results[name] = {label: percentiles(values) for label, values in samples.items()}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-runs", type=int, default=10_000_000)
    parser.add_argument("--task-runs", type=int, default=1_000_000)
    parser.add_argument("--anchor-runs", type=int, default=500)
    parser.add_argument("--measures", type=int, default=2, help="measures per run (1..10)")
    parser.add_argument("--database-url", default="", help="the big database (default SQLite)")
    parser.add_argument("--anchor-url", default="", help="the 500-run database")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-fill", action="store_true", help="reuse databases filled before")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        root = Path(tmp)
        servers = {}
        sizes = (
            ("anchor", args.anchor_url, args.anchor_runs, args.anchor_runs),
            ("big", args.database_url, args.total_runs, args.task_runs),
        )
        for label, given, total, on_task in sizes:
            data_dir = root / label
            data_dir.mkdir()
            url = given or f"sqlite:///{data_dir / 'mlhive.sqlite3'}"
            shape = Shape(total, on_task, measures=args.measures)
            if not args.no_fill:
                seconds = fill(url, shape, report=lambda line: print("  ", line, flush=True))
                print(
                    f"{label}: {total:,} runs ({on_task:,} on task 1), "
                    f"{total * shape.measures:,} evaluations filled in "
                    f"{seconds:.0f} s ({total / seconds:,.0f} runs/s)",
                    flush=True,
                )
            servers[label] = (url, data_dir, on_task)
        results = measure(servers, args.requests)
    kind = "PostgreSQL" if "postgres" in (args.database_url or "") else "SQLite"
    print(
        f"\n{kind}: {args.task_runs:,} runs on the task, {args.total_runs:,} in all, "
        f"vs {args.anchor_runs} runs (anchor, same run, requests alternating)"
    )
    for name, by_label in results.items():
        p50, p95 = by_label["big"]
        a50, a95 = by_label["anchor"]
        print(
            f"{name:34s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms   | {args.anchor_runs} runs: "
            f"p50 {a50:6.2f} p95 {a95:6.2f}  -> p95 x{p95 / a95:4.2f} (aim p95 <= 50 ms, <= x2)"
        )


if __name__ == "__main__":
    main()
