"""Which runs the worker scores itself and which go to the bounded child: only inputs small on
disk *and* declaring few rows stay in the worker (a few kilobytes of Parquet can declare
millions of rows)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mlhive.server.services.experiments import scoring
from mlhive.server.storage import BlobStore
from mlhive.server.storage.local import LocalBlobStore


def _put(store: BlobStore, table: pa.Table) -> str:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    buffer.seek(0)
    return store.put(buffer).sha256


def _spec(predictions: str, splits: str, data: str) -> scoring.ScoringSpec:
    return scoring.ScoringSpec(
        predictions_sha256=predictions, splits_sha256=splits, data_sha256=data,
        task_type="supervised_classification", target="y", class_labels=["a", "b"],
        task_id=1, flow_id=1, setup_id=1, uploader_id=1,
    )  # fmt: skip


def test_small_runs_are_scored_in_the_worker_and_large_or_dense_ones_in_the_child(
    tmp_path: Path,
) -> None:
    store = LocalBlobStore(tmp_path / "store")
    rows = pa.table({"row_id": np.arange(1500), "fold": np.arange(1500) % 10})
    small = _put(store, rows)
    assert scoring.is_small(store, _spec(small, small, small))
    # A constant column of a million rows is a few kilobytes on disk: its footer gives it away.
    dense = _put(store, pa.table({"fold": np.zeros(scoring.SMALL_ROWS + 1, dtype=np.int64)}))
    assert store.size(dense) < scoring.SMALL_BYTES / 100
    assert not scoring.is_small(store, _spec(dense, small, small))
    assert not scoring.is_small(store, _spec(small, small, dense))
    # Files large on disk go to the child whatever their row counts.
    noise = np.random.default_rng(0).random(scoring.SMALL_BYTES // 8 + 1)
    large = _put(store, pa.table({"x": noise}))
    assert store.size(large) > scoring.SMALL_BYTES
    assert not scoring.is_small(store, _spec(small, large, small))
