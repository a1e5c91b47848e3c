"""Bulk fill for benchmarks (not a public API, routed nowhere): N evaluated runs, fast.

Writes straight into a freshly migrated database: COPY (psycopg) on PostgreSQL, executemany
in big transactions on SQLite. The secondary indexes of ``runs`` and ``evaluations`` are
dropped for the load and built again from the table definitions afterwards (one sort each
instead of millions of inserts into a b-tree), and ``leaderboard_bests`` is rebuilt from the
evaluations by the server's own :func:`leaderboards.rebuild`, so every maintained row agrees
with what scoring would have kept.

Shape: ``task_runs`` runs on task 1 and the rest spread over the other tasks; runs cycle over
``flows`` flows with ``setups_per_flow`` setups each; each run gets ``measures`` measures with
values drawn uniformly and rounded to 1e-4 (so ties happen, as with real accuracies).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Engine, insert, text
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
RUN_COLUMNS = (
    "id",
    "task_id",
    "flow_id",
    "setup_id",
    "uploader_id",
    "upload_time",
    "state",
    "fold_timings",
    "client_measures",
    "setup_string",
)
EVALUATION_COLUMNS = (
    "run_id",
    "measure",
    "task_id",
    "flow_id",
    "setup_id",
    "uploader_id",
    "value",
    "stdev",
)


@dataclass(frozen=True)
class Shape:
    total_runs: int
    task_runs: int
    tasks: int = 100
    flows: int = 50
    setups_per_flow: int = 10
    measures: int = 2
    chunk: int = 200_000
    seed: int = 0


def _scaffold(engine: Engine, shape: Shape) -> None:
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
                for t in range(1, shape.tasks + 1)
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
                for f in range(1, shape.flows + 1)
            ],
        )
        conn.execute(
            insert(Setup),
            [
                {"id": s, "flow_id": (s - 1) % shape.flows + 1, "signature": str(s)}
                for s in range(1, shape.flows * shape.setups_per_flow + 1)
            ],
        )


@dataclass
class Chunk:
    ids: np.ndarray
    task: np.ndarray
    flow: np.ndarray
    setup: np.ndarray
    values: np.ndarray  # (runs, measures)
    uploader: np.ndarray | None = None  # None: every run is the filler user's (id 1)

    def uploaders(self) -> np.ndarray:
        return np.ones(len(self.ids), dtype=np.int64) if self.uploader is None else self.uploader


def _chunks(shape: Shape) -> Iterator[Chunk]:
    rng = np.random.default_rng(shape.seed)
    setups = shape.flows * shape.setups_per_flow
    for start in range(1, shape.total_runs + 1, shape.chunk):
        ids = np.arange(start, min(shape.total_runs + 1, start + shape.chunk), dtype=np.int64)
        # The first task_runs runs are on task 1, the others on tasks 2..tasks in turn.
        others = (ids - shape.task_runs - 1) % max(1, shape.tasks - 1) + 2
        task = np.where(ids <= shape.task_runs, 1, others)
        setup = (ids * 7919) % setups + 1
        flow = (setup - 1) % shape.flows + 1
        values = np.round(rng.random((len(ids), shape.measures)), 4)
        yield Chunk(ids, task, flow, setup, values)


def _evaluation_table(c: Chunk, shape: Shape) -> pa.Table:
    m = shape.measures
    return pa.table(
        {
            "run_id": np.repeat(c.ids, m),
            "measure": pa.array(np.tile(np.array(MEASURES[:m], dtype=object), len(c.ids))),
            "task_id": np.repeat(c.task, m),
            "flow_id": np.repeat(c.flow, m),
            "setup_id": np.repeat(c.setup, m),
            "uploader_id": np.repeat(c.uploaders(), m),
            "value": c.values.reshape(-1),
            "stdev": np.full(len(c.ids) * m, 0.01),
        }
    )


def _run_table(c: Chunk, stamp: str) -> pa.Table:
    n = len(c.ids)
    return pa.table(
        {
            "id": c.ids,
            "task_id": c.task,
            "flow_id": c.flow,
            "setup_id": c.setup,
            "uploader_id": c.uploaders(),
            "upload_time": pa.array([stamp] * n),
            "state": pa.array(["evaluated"] * n),
            "fold_timings": pa.array(["[]"] * n),
            "client_measures": pa.array(["{}"] * n),
            "setup_string": pa.array([""] * n),
        }
    )


def _csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


Chunks = Callable[[Shape], Iterator[Chunk]]


def _load_postgres(
    engine: Engine, shape: Shape, report: Callable[[str], None], chunks: Chunks = _chunks
) -> None:
    stamp = utcnow().strftime("%Y-%m-%d %H:%M:%S+00")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        done = 0
        for c in chunks(shape):
            with cursor.copy(f"COPY runs ({', '.join(RUN_COLUMNS)}) FROM STDIN (FORMAT csv)") as cp:
                cp.write(_csv(_run_table(c, stamp)))
            columns = ", ".join(EVALUATION_COLUMNS)
            with cursor.copy(f"COPY evaluations ({columns}) FROM STDIN (FORMAT csv)") as cp:
                cp.write(_csv(_evaluation_table(c, shape)))
            raw.commit()
            done += len(c.ids)
            report(f"{done:,} runs copied")
    finally:
        raw.close()


def _load_sqlite(
    engine: Engine, shape: Shape, report: Callable[[str], None], chunks: Chunks = _chunks
) -> None:
    stamp = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA foreign_keys=OFF")  # the filler writes consistent ids itself
        run_sql = (
            f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(RUN_COLUMNS))})"
        )
        eval_sql = (
            f"INSERT INTO evaluations ({', '.join(EVALUATION_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(EVALUATION_COLUMNS))})"
        )
        done = 0
        for c in chunks(shape):
            cursor.execute("BEGIN")
            cursor.executemany(
                run_sql,
                zip(
                    c.ids.tolist(),
                    c.task.tolist(),
                    c.flow.tolist(),
                    c.setup.tolist(),
                    c.uploaders().tolist(),
                    [stamp] * len(c.ids),
                    ["evaluated"] * len(c.ids),
                    ["[]"] * len(c.ids),
                    ["{}"] * len(c.ids),
                    [""] * len(c.ids),
                    strict=True,
                ),
            )
            evaluations = _evaluation_table(c, shape)
            cursor.executemany(
                eval_sql,
                zip(
                    *(evaluations.column(name).to_pylist() for name in EVALUATION_COLUMNS),
                    strict=True,
                ),
            )
            cursor.execute("COMMIT")
            done += len(c.ids)
            report(f"{done:,} runs inserted")
    finally:
        raw.close()


def fill(
    url: str,
    shape: Shape,
    report: Callable[[str], None] = print,
    scaffold: Callable[[Engine, Shape], None] = _scaffold,
    chunks: Chunks = _chunks,
) -> float:
    """Migrate a fresh database at ``url`` and fill it; returns the seconds it took.

    ``scaffold`` writes the users, datasets, tasks, flows and setups the runs refer to, and
    ``chunks`` gives the runs (default: the filler's, shaped by ``shape``)."""
    start = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    scaffold(engine, shape)
    indexes = [*Run.__table__.indexes, *Evaluation.__table__.indexes]
    with engine.begin() as conn:
        for index in indexes:
            index.drop(conn)
    if engine.dialect.name == "postgresql":
        _load_postgres(engine, shape, report, chunks)
    else:
        _load_sqlite(engine, shape, report, chunks)
    report(f"loaded in {time.perf_counter() - start:.0f} s; building indexes")
    with engine.begin() as conn:
        for index in indexes:
            index.create(conn)
    report(f"indexes built at {time.perf_counter() - start:.0f} s; rebuilding leaderboards")
    with Session(engine) as session:
        leaderboards.rebuild(session)
        session.commit()
    with engine.begin() as conn:  # planner statistics, as a long-running server would have
        conn.execute(text("ANALYZE"))
        if engine.dialect.name == "postgresql":  # explicit ids do not advance the sequences
            for table in ("users", "datasets", "tasks", "flows", "setups", "runs", "model_repos"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    engine.dispose()
    return time.perf_counter() - start
