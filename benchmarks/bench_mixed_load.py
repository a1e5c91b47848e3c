"""A bounded mixed load: several users read and write at once against a real ``mlhive serve``.

Starts a real server on loopback (SQLite in a temp dir unless ``--database-url``), makes the
users (through the admin API), a dataset, a task and a flow, then runs, for ``--seconds``
(60 by default), ``--threads`` client threads, each acting as one of ``--users`` users, over a
weighted mix of reads (API listings and objects, the OpenML face, web pages) and writes
(dataset uploads, run submissions, tag edits). It prints, per kind of request: the count, the
error rate, p50 and p99; the throughput; and the server's resident memory before and after.

The anchor, measured in the same run with the same threads just before the mix, is
``GET /api/health`` (what a request costs the server at the least), and RSS at the start.

The server runs without request budgets (``MLHIVE_RATE_LIMIT_*=0``) unless ``--keep-limits``:
the point is what the server does under load, not how quickly it refuses it.

Usage: python benchmarks/bench_mixed_load.py [--seconds 60] [--threads 8] [--users 4]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _live import WORK, live_process, rss_mib, wait_job

RNG = np.random.default_rng(3)
ROWS = 60
X = RNG.normal(size=(ROWS, 2))
CSV = "x1,x2,label\n" + "".join(f"{a:.4f},{b:.4f},{'yes' if a + b > 0 else 'no'}\n" for a, b in X)


@dataclass
class Tally:
    """Latencies (ms) and failures of one kind of request, shared by the threads."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, failure: str | None) -> None:
        """One request of ``kind``; ``failure`` names what went wrong (None: it succeeded)."""
        with self.lock:
            self.samples[kind].append(ms)
            if failure is not None:
                self.errors[kind] += 1
                self.statuses[kind].add(failure)


@dataclass(frozen=True)
class Fixture:
    """What the mix works on: users' headers, a dataset, a task, a flow, predictions."""

    users: list[dict[str, str]]
    dataset: int
    task: int
    flow: int
    predictions: bytes


Action = Callable[[httpx.Client, Fixture, dict[str, str], random.Random], httpx.Response]


def _upload(
    client: httpx.Client, fx: Fixture, who: dict[str, str], rnd: random.Random
) -> httpx.Response:
    meta = {"name": f"load-{rnd.randrange(10**9)}", "default_target_attribute": "label"}
    return client.post(
        "/api/datasets",
        files={"file": ("d.csv", CSV.encode())},
        data={"metadata": json.dumps(meta)},
        headers=who,
    )


def _run(
    client: httpx.Client, fx: Fixture, who: dict[str, str], rnd: random.Random
) -> httpx.Response:
    description = {"task_id": fx.task, "flow_id": fx.flow, "tags": [f"load{rnd.randrange(99)}"]}
    return client.post(
        "/api/runs",
        data={"description": json.dumps(description)},
        files={"predictions": ("p.parquet", fx.predictions)},
        headers=who,
    )


def _tag(
    client: httpx.Client, fx: Fixture, who: dict[str, str], rnd: random.Random
) -> httpx.Response:
    # Each user edits its own tags: removing someone else's is refused (403) by design.
    tag = f"{who['X-Load-User']}-t{rnd.randrange(10)}"
    if rnd.random() < 0.5:
        return client.post(f"/api/tasks/{fx.task}/tags", json={"tag": tag}, headers=who)
    answer = client.delete(f"/api/tasks/{fx.task}/tags/{tag}", headers=who)
    # Removing a tag nobody set is a 404 by design, not a server failure.
    return answer if answer.status_code != 404 else httpx.Response(204, request=answer.request)


def _get(path: Callable[[Fixture], str]) -> Action:
    return lambda client, fx, who, _: client.get(path(fx), headers=who)


# kind -> (weight, action): about four reads to one write.
MIX: dict[str, tuple[int, Action]] = {
    "read: dataset list (API)": (10, _get(lambda _: "/api/datasets?limit=20")),
    "read: dataset (API)": (10, _get(lambda fx: f"/api/datasets/{fx.dataset}")),
    "read: task (API)": (8, _get(lambda fx: f"/api/tasks/{fx.task}")),
    "read: run list (API)": (8, _get(lambda fx: f"/api/runs?task={fx.task}&limit=20")),
    "read: dataset (OpenML face)": (6, _get(lambda fx: f"/api/v1/xml/data/{fx.dataset}")),
    "read: dataset list page": (6, _get(lambda _: "/datasets")),
    "read: dataset page": (6, _get(lambda fx: f"/datasets/{fx.dataset}")),
    "read: task page": (6, _get(lambda fx: f"/tasks/{fx.task}")),
    "write: dataset upload": (3, _upload),
    "write: run submission": (5, _run),
    "write: tag edit": (12, _tag),
}


def _predictions(client: httpx.Client, task: dict[str, object]) -> bytes:
    splits = client.get(f"/api/tasks/{task['id']}/splits")
    splits.raise_for_status()
    table = pq.read_table(io.BytesIO(splits.content))
    tests = table.filter(pa.compute.equal(table.column("type"), "TEST"))
    labels = list(task["class_labels"])  # type: ignore[call-overload]
    n = tests.num_rows
    columns = {
        "repeat": tests.column("repeat"),
        "fold": tests.column("fold"),
        "sample": tests.column("sample"),
        "row_id": tests.column("rowid").cast(pa.int64()),
        "prediction": pa.array([labels[0]] * n),
    }
    for i, label in enumerate(labels):
        columns[f"confidence.{label}"] = pa.array([1.0 if i == 0 else 0.0] * n)
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


def _prepare(client: httpx.Client, url: str, admin: dict[str, str], users: int) -> Fixture:
    keys = []
    for i in range(users):
        made = client.post("/api/users", json={"name": f"load{i}"}, headers=admin)
        made.raise_for_status()
        # X-Load-User: the benchmark's own note of who this is (the server ignores it).
        keys.append({"Authorization": f"Bearer {made.json()['api_key']}", "X-Load-User": f"u{i}"})
    meta = {"name": "mixed", "default_target_attribute": "label"}
    created = client.post(
        "/api/datasets",
        files={"file": ("d.csv", CSV.encode())},
        data={"metadata": json.dumps(meta)},
        headers=keys[0],
    )
    created.raise_for_status()
    wait_job(url, created.json()["job_id"], timeout=300)
    dataset = int(created.json()["id"])
    body = {
        "task_type": "supervised_classification",
        "dataset_id": dataset,
        "estimation_procedure_id": 1,
    }
    task = client.post("/api/tasks", json=body, headers=keys[0])
    task.raise_for_status()
    flow = client.post(
        "/api/flows", json={"name": "load.Majority", "external_version": "1"}, headers=keys[0]
    )
    flow.raise_for_status()
    predictions = _predictions(client, task.json())
    return Fixture(keys, dataset, int(task.json()["id"]), int(flow.json()["id"]), predictions)


def _drive(
    url: str, fx: Fixture, mix: dict[str, tuple[int, Action]], seconds: float, threads: int
) -> tuple[Tally, float]:
    """Run ``mix`` from ``threads`` threads for ``seconds``; the tally and the elapsed time."""
    tally = Tally()
    kinds = list(mix)
    weights = [mix[k][0] for k in kinds]
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        rnd = random.Random(index)
        who = fx.users[index % len(fx.users)]
        with httpx.Client(base_url=url, timeout=60) as client:
            while time.monotonic() < stop:
                kind = rnd.choices(kinds, weights)[0]
                start = time.perf_counter()
                try:
                    status = mix[kind][1](client, fx, who, rnd).status_code
                    failure = str(status) if status >= 400 else None
                except httpx.HTTPError as exc:
                    failure = type(exc).__name__
                tally.add(kind, (time.perf_counter() - start) * 1000, failure)

    began = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return tally, time.monotonic() - began


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _report(title: str, tally: Tally, elapsed: float) -> None:
    total = sum(len(s) for s in tally.samples.values())
    errors = sum(tally.errors.values())
    print(
        f"\n{title}: {total} requests in {elapsed:.1f} s = {total / elapsed:.1f} req/s, "
        f"errors {errors} ({100 * errors / max(total, 1):.2f} %)"
    )
    for kind in sorted(tally.samples):
        s = tally.samples[kind]
        print(
            f"  {kind:30s} n {len(s):6d}  err {100 * tally.errors[kind] / len(s):6.2f} %  "
            f"p50 {_p(s, 0.5):8.1f} ms  p99 {_p(s, 0.99):8.1f} ms"
            + (f"  ({', '.join(sorted(tally.statuses[kind]))})" if tally.errors[kind] else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the mix")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--keep-limits", action="store_true", help="keep the request budgets")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        data_dir = Path(tmp)
        env = {
            "MLHIVE_DATABASE_URL": args.database_url or f"sqlite:///{data_dir / 'mlhive.sqlite3'}"
        }
        if not args.keep_limits:
            env |= {"MLHIVE_RATE_LIMIT_PER_MINUTE": "0", "MLHIVE_RATE_LIMIT_WRITES_PER_MINUTE": "0"}
        with (
            live_process(data_dir, env=env) as served,
            httpx.Client(base_url=served.url, timeout=60) as client,
        ):
            admin = {"Authorization": f"Bearer {served.key}"}
            fx = _prepare(client, served.url, admin, args.users)
            anchor_seconds = max(5.0, args.seconds / 6)
            health: dict[str, tuple[int, Action]] = {
                "anchor: GET /api/health": (1, _get(lambda _: "/api/health"))
            }
            anchor, anchor_elapsed = _drive(served.url, fx, health, anchor_seconds, args.threads)
            rss_start = rss_mib(served.pid)
            tally, elapsed = _drive(served.url, fx, MIX, args.seconds, args.threads)
            rss_end = rss_mib(served.pid)
            datasets = client.get("/api/datasets?limit=1", headers=admin)
    kind = "PostgreSQL" if "postgres" in env["MLHIVE_DATABASE_URL"] else "SQLite"
    print(
        f"mixed load: {args.threads} threads as {args.users} users, {kind}"
        f"{'' if not args.keep_limits else ', with request budgets'}"
    )
    _report("anchor (same threads, GET /api/health only)", anchor, anchor_elapsed)
    _report("mix", tally, elapsed)
    print(
        f"\nserver RSS: {rss_start:.1f} MiB after setup and anchor, {rss_end:.1f} MiB after the "
        f"mix ({rss_end - rss_start:+.1f} MiB, {100 * (rss_end / rss_start - 1):+.1f} %)"
    )
    print(f"(server still answered afterwards: {datasets.status_code})")


if __name__ == "__main__":
    main()
