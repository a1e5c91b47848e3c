"""Similar-datasets latency with 100 000 datasets' qualities in the store.

Fills a SQLite metadata database directly (bulk insert: datasets, their blobs and all 71
qualities each, a third of them regression datasets without the class qualities, a few
exact copies), then measures, in one process:

- the one-off full build of the per-process meta-feature index (what the first request pays,
  and a refresh that refits the scaling), split into its reads and its maths;
- the incremental refresh after one new dataset (what the first request after a dataset was
  processed pays: the change log, one dataset's qualities, the patched matrix);
- ``similar(k=10)`` through the service, p50/p95 over random datasets (index warm): the
  generation check, the vectorised pass, the exact re-ranking and the neighbours' reads;
- anchors in the same run: scikit-learn ``NearestNeighbors`` brute force on the same scaled
  matrix (missing values imputed with the median, i.e. 0), and a plain SQL read of one
  dataset's qualities; ratios are printed next to them.

Usage: python benchmarks/bench_similar.py [--datasets 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.neighbors import NearestNeighbors

from mlhive.server.db.base import utcnow
from mlhive.server.db.engine import make_engine, make_session_factory
from mlhive.server.db.migrate import upgrade
from mlhive.server.db.queries import metafeatures as meta_queries
from mlhive.server.db.queries.metafeatures import bump_generation, quality_matrix
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.blobs import Blob
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.domain.automl.metafeatures import is_count
from mlhive.server.domain.datasets.qualities import QUALITY_NAMES
from mlhive.server.services.automl.index import MetaIndex
from mlhive.server.services.automl.similar import similar

CHUNK = 5_000
CLASS_QUALITIES = {
    n
    for n in QUALITY_NAMES
    if "Class" in n or "MutualInformation" in n or n.endswith(("AUC", "ErrRate", "Kappa"))
} | {"EquivalentNumberOfAtts", "MeanNoiseToSignalRatio"}


def synthetic_qualities(rng: np.random.Generator, count: int) -> np.ndarray:
    """Plausible qualities: log-uniform counts, bounded percentages and scores, NaN for the
    class qualities of regression datasets (a third)."""
    values = np.empty((count, len(QUALITY_NAMES)))
    for column, name in enumerate(QUALITY_NAMES):
        if is_count(name):
            values[:, column] = np.round(np.exp(rng.uniform(0, 12, count)))
        elif name.startswith("Percentage") or name.endswith("Percentage"):
            values[:, column] = rng.uniform(0, 100, count)
        elif name.endswith(("AUC", "ErrRate", "Kappa")):
            values[:, column] = rng.uniform(0, 1, count)
        else:
            values[:, column] = rng.normal(0, 5, count)
    regression = rng.random(count) < 1 / 3
    for column, name in enumerate(QUALITY_NAMES):
        if name in CLASS_QUALITIES:
            values[regression, column] = np.nan
    return values


def _dataset_row(dataset_id: int, user_id: int, sha: str, now: Any) -> dict[str, Any]:
    return {
        "id": dataset_id, "name": f"synthetic-{dataset_id}", "version": 1,
        "uploader_id": user_id, "visibility": "public" if dataset_id % 10 else "private",
        "status": "active", "processing": "done", "upload_format": "csv",
        "description": "", "licence": "", "creator": [], "contributor": [], "citation": "",
        "collection_date": "", "language": "", "original_url": "", "paper_url": "",
        "ignore_attributes": [], "data_sha256": sha, "number_of_rows": 100,
        "number_of_columns": 5, "upload_date": now,
    }  # fmt: skip


def fill(url: str, count: int, seed: int = 0) -> None:
    """Insert ``count`` processed datasets (every tenth private, every 1000th an exact copy
    of the one before) with all qualities, in chunks of ``CHUNK``."""
    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    upgrade(engine)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            User.__table__.insert(), [{"name": "filler", "is_admin": False, "created_at": now}]
        )
        user_id = conn.execute(User.__table__.select()).first().id  # type: ignore[union-attr]
        for start in range(0, count, CHUNK):
            ids = range(start + 1, min(count, start + CHUNK) + 1)
            values = synthetic_qualities(rng, len(ids))
            shas = {i: f"{(i - 1 if i % 1000 == 0 else i):064x}" for i in ids}
            blobs = [{"sha256": s, "size": 1, "created_at": now} for s in set(shas.values())]
            conn.execute(Blob.__table__.insert().prefix_with("OR IGNORE"), blobs)
            conn.execute(
                Dataset.__table__.insert(), [_dataset_row(i, user_id, shas[i], now) for i in ids]
            )
            for offset, i in enumerate(ids):
                if i % 1000 == 0:
                    values[offset] = values[offset - 1] if offset else values[offset]
            # The driver's executemany: 71 rows per dataset, 7 million in all.
            conn.exec_driver_sql(
                "INSERT INTO dataset_qualities (dataset_id, name, value) VALUES (?, ?, ?)",
                [
                    (i, name, None if np.isnan(v) else float(v))
                    for offset, i in enumerate(ids)
                    for name, v in zip(QUALITY_NAMES, values[offset], strict=True)
                ],
            )
    engine.dispose()


def add_one(session: Any, dataset_id: int, seed: int = 2) -> None:
    """One more processed dataset with its qualities, recorded in the change log."""
    conn = session.connection()
    user_id = conn.execute(User.__table__.select()).first().id
    row = _dataset_row(dataset_id, user_id, f"{1:064x}", utcnow())  # the data of dataset 1
    conn.execute(Dataset.__table__.insert(), [row])
    values = synthetic_qualities(np.random.default_rng(seed), 1)[0]
    conn.exec_driver_sql(
        "INSERT INTO dataset_qualities (dataset_id, name, value) VALUES (?, ?, ?)",
        [
            (dataset_id, n, None if np.isnan(v) else float(v))
            for n, v in zip(QUALITY_NAMES, values, strict=True)
        ],
    )
    bump_generation(session, dataset_id)


def build_phases(session: Any) -> dict[str, float]:
    """Milliseconds of the full build's parts: the dataset rows, the quality columns."""
    started = time.perf_counter()
    meta_queries.dataset_rows(session)
    rows_done = time.perf_counter()
    for _ in meta_queries.quality_columns(session, QUALITY_NAMES):
        pass
    qualities_done = time.perf_counter()
    return {
        "dataset rows": (rows_done - started) * 1000,
        "quality columns": (qualities_done - rows_done) * 1000,
    }


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p50_p95(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def main() -> None:
    """Fill, build, measure and print each figure with its ratio to the anchors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        fill(url, args.datasets)
        print(f"filled {args.datasets} datasets in {time.perf_counter() - started:.0f} s")
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        index = MetaIndex()
        rng = np.random.default_rng(1)
        drawn = rng.integers(1, args.datasets + 1, args.queries * 2)
        queries = [int(q) for q in drawn if q % 10][: args.queries]  # public ones
        with sessions() as session:
            build_ms = timed(lambda: index.current(session), 1)[0]
            built = index.current(session)
            service = timed(lambda: similar(session, index, None, queries.pop(), 10), args.queries)
            one_read = timed(lambda: quality_matrix(session, [7], QUALITY_NAMES), args.queries)
            phases = build_phases(session)
            add_one(session, args.datasets + 1)
            patch_ms = timed(lambda: index.current(session), 1)[0]
            assert index.current(session).row_of(args.datasets + 1) is not None
            assert index.current(session).scaling is built.scaling  # patched, not refitted
            refit_ms = timed(lambda: MetaIndex(refit_fraction=0.0).current(session), 1)[0]
            session.rollback()
        dense = np.nan_to_num(np.array([built.matrix.row(r) for r in range(len(built.ids))]))
        knn = NearestNeighbors(n_neighbors=11, algorithm="brute").fit(dense)
        picks = rng.integers(0, len(dense), args.queries)
        anchor = timed(lambda: knn.kneighbors(dense[[picks[0]]]), args.queries)
        engine.dispose()
    ours, sk, sql = p50_p95(service), p50_p95(anchor), p50_p95(one_read)
    print(f"index full build (first request): {build_ms:8.0f} ms; full rebuild (refit): "
          f"{refit_ms:.0f} ms")  # fmt: skip
    reads = ", ".join(f"{name} {ms:.0f} ms" for name, ms in phases.items())
    print(f"  of which reads: {reads}; the rest is numpy (scaling, layout, twins)")
    print(f"incremental refresh after one new dataset: {patch_ms:8.1f} ms")
    print(f"{'figure':44} {'p50 ms':>8} {'p95 ms':>8} {'p50 x':>7}")
    print(f"{'similar(k=10), service, warm index':44} {ours[0]:8.2f} {ours[1]:8.2f} {'':>7}")
    print(f"{'anchor: sklearn brute kneighbors (imputed)':44} {sk[0]:8.2f} {sk[1]:8.2f} "
          f"{ours[0] / sk[0]:7.2f}")  # fmt: skip
    print(f"{'anchor: SQL read of one dataset qualities':44} {sql[0]:8.2f} {sql[1]:8.2f} "
          f"{ours[0] / sql[0]:7.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
