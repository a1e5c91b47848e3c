"""Listing one task's evaluations sorted by a measure, with 1 M runs / 10 M evaluation rows.

Fills the metadata database directly (bulk inserts: runs spread over 100 tasks, 10 measures
each), starts a real ``mlhive serve`` on it and measures ``GET /api/evaluations?task=T&
measure=predictive_accuracy&sort=desc`` (first page and deep keyset pages) and the
leaderboard of that task: p50/p95 in ms. Anchors in the same run: ``GET /api/health`` (the
HTTP floor) and the bare SQL of the first page (the database floor).

Usage: python benchmarks/bench_evaluation_listing.py [--runs 1000000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from _live import WORK, live_server, percentiles
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from mlhive.server.db.base import utcnow
from mlhive.server.db.engine import make_engine
from mlhive.server.db.migrate import upgrade
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Evaluation, Flow, Run, Setup, Task
from mlhive.server.services.experiments import leaderboards

MEASURES = (
    "predictive_accuracy",
    "area_under_roc_curve",
    "f_measure",
    "precision",
    "recall",
    "kappa",
    "balanced_accuracy",
    "log_loss",
    "brier_score",
    "mean_absolute_error",
)
TASKS = 100
FLOWS = 50
CHUNK = 50_000


def _scaffold(engine: Engine) -> None:
    now = utcnow()
    sha = "0" * 64
    with engine.begin() as conn:
        conn.execute(
            insert(User), [{"id": 1, "name": "filler", "is_admin": False, "created_at": now}]
        )
        conn.execute(insert(Blob), [{"sha256": sha, "size": 1, "created_at": now}])
        conn.execute(
            insert(Dataset),
            [
                {
                    "id": 1,
                    "name": "filler",
                    "version": 1,
                    "uploader_id": 1,
                    "visibility": "public",
                    "status": "active",
                    "processing": "done",
                    "upload_format": "csv",
                    "description": "",
                    "licence": "",
                    "creator": [],
                    "contributor": [],
                    "citation": "",
                    "collection_date": "",
                    "language": "",
                    "original_url": "",
                    "paper_url": "",
                    "ignore_attributes": [],
                    "data_sha256": sha,
                    "number_of_rows": 100,
                    "number_of_columns": 3,
                    "upload_date": now,
                }
            ],
        )
        conn.execute(
            insert(Task),
            [
                {
                    "id": t,
                    "task_type": "supervised_classification",
                    "dataset_id": 1,
                    "target": "y",
                    "target_key": "y",
                    "custom_key": str(t),
                    "procedure_id": 1,
                    "evaluation_measures": [],
                    "class_labels": ["a", "b"],
                    "number_of_rows": 100,
                    "splits_sha256": sha,
                    "splits_arff_sha256": sha,
                    "seed": t,
                    "status": "active",
                    "uploader_id": 1,
                    "created_at": now,
                }
                for t in range(1, TASKS + 1)
            ],
        )
        conn.execute(
            insert(Flow),
            [
                {
                    "id": f,
                    "name": f"bench.flow{f}",
                    "external_version": "1",
                    "class_name": "",
                    "custom_name": "",
                    "description": "",
                    "language": "English",
                    "dependencies": "",
                    "installation_notes": "",
                    "parameters": [],
                    "uploader_id": 1,
                    "upload_date": now,
                }
                for f in range(1, FLOWS + 1)
            ],
        )
        conn.execute(
            insert(Setup),
            [{"id": f, "flow_id": f, "signature": str(f)} for f in range(1, FLOWS + 1)],
        )


def fill(url: str, n_runs: int, seed: int = 0) -> None:
    """Insert ``n_runs`` evaluated runs with 10 measures each."""
    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    upgrade(engine)
    _scaffold(engine)
    now = utcnow()
    for start in range(1, n_runs + 1, CHUNK):
        ids = np.arange(start, min(n_runs + 1, start + CHUNK))
        task = (ids % TASKS) + 1
        flow = (ids * 7 % FLOWS) + 1
        with engine.begin() as conn:
            conn.execute(
                insert(Run),
                [
                    {
                        "id": int(i),
                        "task_id": int(t),
                        "flow_id": int(f),
                        "setup_id": int(f),
                        "uploader_id": 1,
                        "upload_time": now,
                        "state": "evaluated",
                        "fold_timings": [],
                        "client_measures": {},
                        "setup_string": "",
                        "predictions_sha256": None,
                    }
                    for i, t, f in zip(ids, task, flow, strict=True)
                ],
            )
            values = rng.random((len(ids), len(MEASURES)))
            conn.execute(
                insert(Evaluation),
                [
                    {
                        "run_id": int(i),
                        "measure": m,
                        "task_id": int(t),
                        "flow_id": int(f),
                        "setup_id": int(f),
                        "uploader_id": 1,
                        "value": float(values[k, j]),
                        "stdev": 0.01,
                    }
                    for k, (i, t, f) in enumerate(zip(ids, task, flow, strict=True))
                    for j, m in enumerate(MEASURES)
                ],
            )
    with Session(engine) as session:  # the leaderboards' best rows, as scoring keeps them
        leaderboards.rebuild(session)
        session.commit()
    with engine.begin() as conn:  # planner statistics, as a long-running server would have
        conn.execute(text("ANALYZE"))
        if engine.dialect.name == "postgresql":  # explicit ids do not advance the sequences
            for table in ("users", "datasets", "tasks", "flows", "setups", "runs"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    engine.dispose()


def timed(client: httpx.Client, path: str, params: dict[str, object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(path, params=params).raise_for_status()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def sql_floor(url: str, n: int) -> list[float]:
    engine = make_engine(url)
    stmt = (
        select(Evaluation.run_id, Evaluation.value)
        .where(Evaluation.task_id == 7, Evaluation.measure == "predictive_accuracy")
        .order_by(Evaluation.value.desc(), Evaluation.run_id.desc())
        .limit(100)
    )
    samples = []
    with engine.connect() as conn:
        for _ in range(n):
            start = time.perf_counter()
            conn.execute(stmt).all()
            samples.append((time.perf_counter() - start) * 1000)
    engine.dispose()
    return samples


def deep_pages(client: httpx.Client, pages: int) -> list[float]:
    samples, cursor = [], None
    for _ in range(pages):
        params: dict[str, object] = {
            "task": 7,
            "measure": "predictive_accuracy",
            "sort": "desc",
            "limit": 100,
        }
        if cursor:
            params["cursor"] = cursor
        start = time.perf_counter()
        page = client.get("/api/evaluations", params=params).json()
        samples.append((time.perf_counter() - start) * 1000)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-fill", action="store_true", help="reuse a database filled before")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        data_dir = Path(tmp)
        url = args.database_url or f"sqlite:///{data_dir / 'mlhive.sqlite3'}"
        start = time.perf_counter()
        if not args.no_fill:
            fill(url, args.runs)
        kind = "PostgreSQL" if "postgres" in url else "SQLite"
        print(
            f"filled {args.runs:,} runs / {args.runs * len(MEASURES):,} evaluations "
            f"in {time.perf_counter() - start:.0f} s ({kind})"
        )
        n = args.requests
        floor_sql = percentiles(sql_floor(url, n))
        env = {"MLHIVE_DATABASE_URL": url, "MLHIVE_WORKER": "off"}
        with live_server(data_dir, env=env) as (base, _), httpx.Client(base_url=base) as client:
            floor_http = percentiles(timed(client, "/api/health", {}, n))
            query = {"task": 7, "measure": "predictive_accuracy", "sort": "desc", "limit": 100}
            cases = {
                "first page, sorted by value": timed(client, "/api/evaluations", query, n),
                "keyset pages 1..N": deep_pages(client, n),
                "per_fold=true first page": timed(
                    client, "/api/evaluations", {**query, "per_fold": "true"}, n
                ),
                "leaderboard (best run per flow)": timed(
                    client,
                    "/api/tasks/7/leaderboard",
                    {"measure": "predictive_accuracy"},
                    max(20, n // 4),
                ),
            }
    print(
        f"{'anchor: bare SQL of the first page':36s} p50 {floor_sql[0]:7.2f} ms  "
        f"p95 {floor_sql[1]:7.2f} ms"
    )
    print(
        f"{'anchor: GET /api/health':36s} p50 {floor_http[0]:7.2f} ms  p95 {floor_http[1]:7.2f} ms"
    )
    for name, samples in cases.items():
        p50, p95 = percentiles(samples)
        print(
            f"{name:36s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (aim p95 <= 50 ms; "
            f"p50 = {p50 / floor_http[0]:.1f}x health)"
        )


if __name__ == "__main__":
    main()
