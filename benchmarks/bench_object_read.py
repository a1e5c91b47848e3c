"""One object read, ``GET /api/datasets/{id}``, next to a bare FastAPI endpoint doing the same
database reads.

Starts a real ``mlhive serve`` on loopback (SQLite in a temp dir), publishes a dataset and waits
until it is processed. The anchor, measured in the same run on the same machine, is a bare
FastAPI app (one file, no middleware) served by the same uvicorn on the same database file:
its endpoint reads the same rows with :mod:`sqlite3` (the dataset joined with its uploader's
name, its tags, its topics and its latest job, the reads mlhive's description is made of) and
returns them as JSON. The anchor logs each request as uvicorn does by default, as ``mlhive
serve`` does; the same app without access lines is printed for scale.

For each server: requests per second with ``--connections`` keep-alive callers kept waiting
(a small asyncio load generator), and the p50/p95 of one caller's sequential requests.
The two servers take turns ``--rounds`` times; the medians are printed with the ratio.
Aim: mlhive >= 0.8x the bare endpoint.

Usage: python benchmarks/bench_object_read.py [--seconds 5] [--connections 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _live import free_port, live_process, percentiles, saturated
from sklearn.datasets import load_iris

import mlhive

BARE = r"""
import json, sqlite3, sys, threading
import uvicorn
from fastapi import FastAPI, HTTPException

database, port, log_level = sys.argv[1], int(sys.argv[2]), sys.argv[3]
app = FastAPI()
local = threading.local()


def connection() -> sqlite3.Connection:
    if not hasattr(local, "db"):
        local.db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        local.db.row_factory = sqlite3.Row
    return local.db


@app.get("/api/datasets/{dataset_id}")
def get_dataset(dataset_id: int) -> dict:
    db = connection()
    row = db.execute(
        "SELECT d.*, u.name AS uploader FROM datasets d JOIN users u ON u.id = d.uploader_id"
        " WHERE d.id = ?", (dataset_id,)
    ).fetchone()
    if row is None:
        raise HTTPException(404)
    found = dict(row)
    found["tags"] = [r[0] for r in db.execute(
        "SELECT tag FROM dataset_tags WHERE dataset_id = ? ORDER BY tag", (dataset_id,))]
    found["topics"] = [r[0] for r in db.execute(
        "SELECT topic FROM dataset_topics WHERE dataset_id = ? ORDER BY topic", (dataset_id,))]
    job = db.execute(
        "SELECT id FROM jobs WHERE subject = ? ORDER BY id DESC LIMIT 1", (f"dataset:{dataset_id}",)
    ).fetchone()
    found["job_id"] = job[0] if job else None
    return found


uvicorn.run(app, host="127.0.0.1", port=port, log_level=log_level)
"""


def sequential(url: str, path: str, n: int) -> list[float]:
    seconds = []
    with httpx.Client(base_url=url) as http:
        for _ in range(20):
            http.get(path).raise_for_status()
        for _ in range(n):
            started = time.perf_counter()
            http.get(path).raise_for_status()
            seconds.append(time.perf_counter() - started)
    return seconds


def bare_server(database: Path, log_level: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", BARE, str(database), str(port), log_level],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/docs", timeout=1)
            return url, process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the bare server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=500, help="sequential requests a round")
    args = parser.parse_args()
    env = {"MLHIVE_RATE_LIMIT_PER_MINUTE": "0", "MLHIVE_RATE_LIMIT_WRITES_PER_MINUTE": "0"}
    with tempfile.TemporaryDirectory() as tmp, live_process(Path(tmp) / "hive", env=env) as hive:
        client = mlhive.Client(hive.url, hive.key)
        frame = load_iris(as_frame=True).frame
        frame["target"] = frame["target"].astype(str)
        dataset = client.datasets.publish(frame, name="iris-read", target="target")
        client.datasets.wait_processed(dataset.id)
        client.datasets.tag(dataset.id, "benchmark")
        client.close()
        path = f"/api/datasets/{dataset.id}"
        database = Path(tmp) / "hive" / "mlhive.sqlite3"
        servers = {"mlhive": hive.url}
        bares: list[subprocess.Popen[bytes]] = []
        try:
            for name, log_level in (("bare", "info"), ("silent", "warning")):
                servers[name], process = bare_server(database, log_level)
                bares.append(process)
            ours = httpx.get(hive.url + path).json()
            theirs = httpx.get(servers["bare"] + path).json()
            if (ours["name"], ours["tags"]) != (theirs["name"], theirs["tags"]):
                raise RuntimeError(f"the two servers read different rows: {ours} / {theirs}")
            rates: dict[str, list[float]] = {name: [] for name in servers}
            latency: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(args.rounds):
                for name, url in servers.items():
                    load = saturated(url, path, None, {}, args.connections, args.seconds)
                    assert load.errors == 0, f"{name}: {load.errors} answers were not 200"
                    rates[name].append(load.per_second)
                    latency[name] += sequential(url, path, args.requests)
        finally:
            for process in bares:
                process.kill()
                process.wait()
    print(
        f"GET /api/datasets/{{id}}, {args.rounds} rounds, {args.connections} keep-alive callers "
        f"for {args.seconds:g} s, then {args.requests} sequential requests "
        f"(load {os.getloadavg()[0]:.1f})"
    )
    print(f"{'server':38} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'vs bare req/s':>14}")
    anchor = statistics.median(rates["bare"])
    for name, label in (
        ("mlhive", "mlhive serve"),
        ("bare", "bare FastAPI + sqlite3 (anchor)"),
        ("silent", "the same, no access log"),
    ):
        rate = statistics.median(rates[name])
        p50, p95 = percentiles(latency[name])
        print(f"{label:38} {rate:8.0f} {p50 * 1000:8.2f} {p95 * 1000:8.2f} {rate / anchor:13.2f}x")


if __name__ == "__main__":
    main()
