"""Time to first byte of the web pages with 100 000 datasets and 1 M runs in the store.

Fills the metadata database directly (1 M evaluated runs over 100 tasks with 10 measures each,
then 100 000 public datasets with qualities and tags), starts a real ``mlhive serve`` on it,
uploads one real dataset (iris, processed by the server: features, qualities) with a task, and
a model repository with a few commits through the API, then measures p50/p95 of the time to the
first byte of: the home page, the dataset list (first page, a filtered page), the iris dataset
page, a task page with its leaderboard (10 000 runs on that task), the model repository page
and a commit page. The anchor is ``GET /api/health`` in the same run.

Usage: python benchmarks/bench_pages.py [--runs 1000000] [--datasets 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from collections import deque
from pathlib import Path

import httpx
import numpy as np
from _live import WORK, live_server, percentiles
from bench_dataset_listing import fill as fill_datasets
from bench_evaluation_listing import fill as fill_runs
from safetensors.numpy import save
from sklearn.datasets import load_iris
from sqlalchemy import text

from mlhive.server.db.engine import make_engine

AIM_P95_MS = 100.0


def ttfb(client: httpx.Client, path: str, n: int) -> list[float]:
    """Milliseconds until the first byte of the body of ``GET path``, ``n`` times."""
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        with client.stream("GET", path) as response:
            response.raise_for_status()
            chunks = response.iter_raw()
            next(chunks, b"")
            samples.append((time.perf_counter() - start) * 1000)
            deque(chunks, maxlen=0)  # drain the rest so the connection is reused
    return samples


def _iris(client: httpx.Client, headers: dict[str, str]) -> tuple[int, int]:
    frame = load_iris(as_frame=True).frame
    frame["target"] = frame["target"].map(dict(enumerate(load_iris().target_names)))
    body = {"name": "iris", "default_target_attribute": "target", "description": "**Iris**"}
    created = client.post(
        "/api/datasets",
        files={"file": ("iris.csv", frame.to_csv(index=False).encode())},
        data={"metadata": json.dumps(body)},
        headers=headers,
    )
    created.raise_for_status()
    dataset = created.json()
    deadline = time.monotonic() + 600
    while client.get(f"/api/datasets/{dataset['id']}").json()["processing"] != "done":
        if time.monotonic() > deadline:
            raise TimeoutError("iris was not processed")
        time.sleep(0.2)
    task = client.post(
        "/api/tasks",
        json={
            "task_type": "supervised_classification",
            "dataset_id": dataset["id"],
            "estimation_procedure_id": 1,
        },
        headers=headers,
    )
    task.raise_for_status()
    return int(dataset["id"]), int(task.json()["id"])


def _point_tasks_at(url: str, real_task: int) -> None:
    """Make the filler tasks tasks over the real dataset, with its real stored splits, so that
    their pages read real data while keeping their 10 000 runs each."""
    engine = make_engine(url)
    with engine.begin() as conn:
        row = conn.execute(
            text("SELECT dataset_id, splits_sha256, number_of_rows FROM tasks WHERE id = :t"),
            {"t": real_task},
        ).one()
        conn.execute(
            text(
                "UPDATE tasks SET dataset_id = :d, splits_sha256 = :s, number_of_rows = :n, "
                "target = 'target', target_key = 'target' WHERE id <> :t AND dataset_id = 1"
            ),
            {"d": row[0], "s": row[1], "n": row[2], "t": real_task},
        )
    engine.dispose()


def _model(client: httpx.Client, headers: dict[str, str], owner: str) -> tuple[str, str]:
    client.post("/api/models", json={"name": "bench-net"}, headers=headers).raise_for_status()
    rng = np.random.default_rng(0)
    sha = ""
    for step in range(4):
        tensors = {
            f"layer{i}.weight": rng.normal(size=(64, 64)).astype(np.float32) for i in range(8)
        }
        pushed = client.post(
            f"/api/models/{owner}/bench-net/commits",
            files={"file": ("model.safetensors", io.BytesIO(save(tensors)))},
            data={"metadata": json.dumps({"message": f"step {step}"})},
            headers=headers,
        )
        pushed.raise_for_status()
        sha = pushed.json()["id"]
    return f"{owner}/bench-net", sha


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        data_dir = Path(tmp)
        url = args.database_url or f"sqlite:///{data_dir / 'mlhive.sqlite3'}"
        start = time.perf_counter()
        fill_runs(url, args.runs)
        fill_datasets(url, args.datasets, uploader="shelf")
        kind = "PostgreSQL" if "postgres" in url else "SQLite"
        print(
            f"filled {args.runs:,} runs and {args.datasets:,} datasets "
            f"in {time.perf_counter() - start:.0f} s ({kind})"
        )
        env = {"MLHIVE_DATABASE_URL": url}
        with (
            live_server(data_dir, env=env) as (base, key),
            httpx.Client(base_url=base, timeout=60) as client,
        ):
            headers = {"Authorization": f"Bearer {key}"}
            owner = client.get("/api/users/me", headers=headers).json()["name"]
            dataset_id, task_id = _iris(client, headers)
            _point_tasks_at(url, task_id)
            repo, sha = _model(client, headers, owner)
            n = args.requests
            floor = percentiles(ttfb(client, "/api/health", n))
            pages = {
                "home": "/",
                "dataset list, first page": "/datasets",
                "dataset list, filtered + sorted": (
                    "/datasets?quality=NumberOfInstances:1000..50000&tag=tenth&sort=-upload_date"
                ),
                "dataset page (iris)": f"/datasets/{dataset_id}",
                "task page + leaderboard (10k runs)": "/tasks/7",
                "model repository page": f"/models/{repo}",
                "commit page (diff)": f"/models/{repo}/commits/{sha}",
            }
            pages = {name: path for name, path in pages.items() if args.only in name}
            for path in pages.values():  # warm caches once, as a running server would be
                ttfb(client, path, 1)
            results = {name: percentiles(ttfb(client, path, n)) for name, path in pages.items()}
    print(f"{'anchor: GET /api/health':36s} p50 {floor[0]:7.2f} ms  p95 {floor[1]:7.2f} ms")
    for name, (p50, p95) in results.items():
        verdict = "ok" if p95 <= AIM_P95_MS else "over"
        print(
            f"{name:36s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
            f"(p50 = {p50 / floor[0]:.1f}x health; aim p95 <= {AIM_P95_MS:.0f} ms: {verdict})"
        )


if __name__ == "__main__":
    main()
