"""Server-side evaluation of a 1 M-row classification predictions file, next to scikit-learn.

Builds a binary classification dataset of N rows (default 1 000 000) and a 10-fold task in
an in-process mlhive (SQLite + local blobs), submits one run's predictions, and times:

- ``evaluate()``: the server's measures on validated predictions (all classification
  measures of the catalogue), next to calling the same ``sklearn.metrics`` functions
  directly on the same arrays, fold by fold (the anchor; aim <= 1.2x);
- the whole ``evaluate_run`` job (read Parquet predictions, splits and data, validate
  against the splits, compute, store the evaluation rows).

Usage: python benchmarks/bench_run_evaluation.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn import metrics

from mlhive.formats.splits import iter_splits
from mlhive.formats.tables import from_pandas, write_parquet
from mlhive.server.app import build_hive
from mlhive.server.config import Settings
from mlhive.server.db.engine import transaction
from mlhive.server.db.migrate import upgrade
from mlhive.server.domain.access import Actor
from mlhive.server.domain.experiments.metrics import evaluate
from mlhive.server.domain.experiments.predictions import validate_predictions
from mlhive.server.services import accounts
from mlhive.server.services.datasets import catalog
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import flows, runs, tasks
from mlhive.server.wiring import Hive
from mlhive.wire.datasets import DatasetCreate
from mlhive.wire.flows import FlowCreate
from mlhive.wire.runs import RunCreate
from mlhive.wire.tasks import TaskCreate


def sklearn_anchor(truth: np.ndarray, proba: np.ndarray, folds: np.ndarray) -> float:
    """The same measures computed by calling sklearn.metrics directly, per fold."""
    start = time.perf_counter()
    for fold in np.unique(folds):
        mask = folds == fold
        y, p = truth[mask], proba[mask]
        predicted = (p[:, 1] >= 0.5).astype(np.int64)
        onehot = np.eye(2)[y]
        metrics.accuracy_score(y, predicted)
        metrics.balanced_accuracy_score(y, predicted)
        metrics.roc_auc_score(y, p[:, 1])
        metrics.cohen_kappa_score(y, predicted)
        metrics.precision_recall_fscore_support(y, predicted, average="weighted", zero_division=0)
        metrics.precision_recall_fscore_support(y, predicted, average="macro", zero_division=0)
        metrics.log_loss(y, p, labels=[0, 1])
        metrics.brier_score_loss(y, p[:, 1])
        metrics.mean_absolute_error(onehot, p)
        np.sqrt(metrics.mean_squared_error(onehot, p))
        metrics.confusion_matrix(y, predicted, labels=[0, 1])
    return time.perf_counter() - start


def build(data_dir: Path, rows: int) -> tuple[Hive, int, pa.Table, tuple[Any, ...]]:
    hive = build_hive(Settings(data_dir=data_dir, worker="off"))
    upgrade(hive.engine)
    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    label = np.where(x + rng.normal(size=rows) > 0, "yes", "no")
    frame = pd.DataFrame({"x": x, "label": pd.Categorical(label, categories=["no", "yes"])})
    buffer = io.BytesIO()
    write_parquet(from_pandas(frame), buffer)
    buffer.seek(0)
    with transaction(hive.sessions) as session:
        user = accounts.create_user(session, "bench", is_admin=True)
        actor = Actor(user.id, user.name, True)
        dataset = catalog.publish(
            session,
            hive.store,
            hive.settings,
            actor,
            buffer,
            "d.parquet",
            DatasetCreate(name="bench-eval", default_target_attribute="label", format="parquet"),
        )
    hive.worker.drain()
    with transaction(hive.sessions) as session:
        task, _ = tasks.create(
            session,
            hive.store,
            hive.settings,
            actor,
            TaskCreate(
                task_type="supervised_classification",
                dataset_id=dataset.id,
                estimation_procedure_id=1,
            ),
        )
        flow, _ = flows.upload(session, actor, FlowCreate(name="bench.flow", external_version="1"))
        splits = load_table(hive.store, task.splits_sha256)
        task_id, flow_id = task.id, flow.id
    parts = list(iter_splits(splits))
    row_id = np.concatenate([p[4] for p in parts])
    fold = np.concatenate([np.full(len(p[4]), p[1], dtype=np.int32) for p in parts])
    truth = (label[row_id] == "yes").astype(np.int64)
    p_yes = np.clip(0.5 + 0.3 * np.sign(x[row_id]) + rng.normal(scale=0.1, size=len(row_id)), 0, 1)
    predictions = pa.table(
        {
            "repeat": pa.array(np.zeros(len(row_id), np.int32)),
            "fold": pa.array(fold),
            "sample": pa.array(np.zeros(len(row_id), np.int32)),
            "row_id": pa.array(row_id),
            "prediction": pa.array(np.where(p_yes >= 0.5, "yes", "no")),
            "confidence.no": pa.array(1 - p_yes),
            "confidence.yes": pa.array(p_yes),
        }
    )
    sink = io.BytesIO()
    write_parquet(predictions, sink)
    sink.seek(0)
    with transaction(hive.sessions) as session:
        runs.submit(
            session,
            hive.store,
            hive.settings,
            actor,
            RunCreate(task_id=task_id, flow_id=flow_id),
            runs.UploadedFile(sink, "p.parquet"),
        )
    proba = np.column_stack([1 - p_yes, p_yes])
    return hive, task_id, splits, (predictions, truth, proba, fold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        hive, _, splits, (predictions, truth, proba, fold) = build(Path(tmp), args.rows)
        print(
            f"set-up (dataset, task, run upload) of {args.rows:,} rows: "
            f"{time.perf_counter() - start:.1f} s"
        )
        valid = validate_predictions(
            predictions,
            splits,
            task_type="supervised_classification",
            class_labels=["no", "yes"],
            number_of_rows=args.rows,
        )
        truth_by_row = np.empty(args.rows, np.int64)  # the dataset's target, by row
        truth_by_row[np.asarray(predictions.column("row_id"))] = truth
        anchor = min(sklearn_anchor(truth, proba, fold) for _ in range(3))
        ours = []
        for _ in range(3):
            start = time.perf_counter()
            evaluate(
                valid,
                truth_by_row,
                task_type="supervised_classification",
                class_labels=["no", "yes"],
            )
            ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        assert hive.worker.drain() == 1
        job = time.perf_counter() - start
        hive.engine.dispose()
    print(f"sklearn.metrics directly, per fold (anchor): {anchor:7.3f} s")
    print(
        f"mlhive evaluate():                           {min(ours):7.3f} s  "
        f"ratio {min(ours) / anchor:.2f}x (aim <= 1.2x)"
    )
    print(
        f"whole evaluate_run job (read, validate, evaluate, store): {job:7.3f} s  "
        f"({job / anchor:.2f}x the anchor)"
    )


if __name__ == "__main__":
    main()
