"""A task's data for model evaluation, and server-side runs of hub models on a task.

The server may fit scikit-learn models: an estimator loaded through the allowlist is cloned
with the same hyper-parameters and refitted on each fold of the task's stored splits
(:func:`mlhive.sklearn.run_on_splits`); the predictions are submitted through the runs service
and evaluated like any upload, so they appear on the task's leaderboards. Fitting
(:func:`fit_on_folds`) happens outside any transaction; :func:`submit_run` records the run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.config import Settings
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Evaluation, Task
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.services.datasets.catalog import require_data
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import flows, runs
from mlhive.server.storage import BlobStore
from mlhive.wire.runs import FoldTiming, RunCreate


@dataclass(frozen=True)
class TaskSpec:
    """What evaluating on a task needs, copied out of a transaction."""

    task_id: int
    task_type: str
    target: str | None
    class_labels: list[str] | None
    splits_sha256: str
    data_sha256: str
    dropped: tuple[str, ...]
    measures: tuple[str, ...]


def task_spec(session: Session, task_id: int) -> TaskSpec:
    """Read a task and its dataset into a :class:`TaskSpec`.

    Raises:
        InvalidInput: no such task.
    """
    from mlhive.server.domain.experiments.metrics import measures_for

    task = session.get(Task, task_id)
    if task is None:
        raise InvalidInput(f"task {task_id} does not exist any more")
    dataset = session.get_one(Dataset, task.dataset_id)
    dropped = {task.target, dataset.row_id_attribute, *dataset.ignore_attributes} - {None}
    measures = task.evaluation_measures or measures_for(task.task_type)
    return TaskSpec(
        task_id=task.id,
        task_type=task.task_type,
        target=task.target,
        class_labels=list(task.class_labels) if task.class_labels else None,
        splits_sha256=task.splits_sha256,
        data_sha256=require_data(dataset),
        dropped=tuple(sorted(str(c) for c in dropped)),
        measures=tuple(m for m in measures if m != "confusion_matrix"),
    )


def features_and_target(store: BlobStore, spec: TaskSpec) -> tuple[pd.DataFrame, pd.Series | None]:
    """The task's features (target, row id and ignored columns dropped) and its target."""
    frame = load_table(store, spec.data_sha256).to_pandas()
    features = frame.drop(columns=[c for c in spec.dropped if c in frame.columns])
    if spec.target is None:
        return features, None
    column = frame[spec.target]
    if spec.class_labels is not None:
        return features, column.astype(object).map(lambda v: None if pd.isna(v) else str(v))
    return features, column.astype(np.float64)


def folds_of(store: BlobStore, spec: TaskSpec) -> list[tuple[int, int, int, Any, Any]]:
    """The task's splits as ``(repeat, fold, sample, train rows, test rows)``."""
    table = load_table(store, spec.splits_sha256)
    keys = table.select(["repeat", "fold", "sample"]).to_pylist()
    is_train = np.asarray(pc.equal(table.column("type"), "TRAIN"), dtype=bool)
    rowid = np.asarray(table.column("rowid"), dtype=np.int64)
    groups: dict[tuple[int, int, int], list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault((key["repeat"], key["fold"], key["sample"]), []).append(index)
    folds = []
    for (repeat, fold, sample), indices in sorted(groups.items()):
        at = np.asarray(indices)
        folds.append((repeat, fold, sample, rowid[at[is_train[at]]], rowid[at[~is_train[at]]]))
    return folds


@dataclass(frozen=True)
class FoldRun:
    """An estimator refitted on every fold of a task: its predictions, ready to submit."""

    estimator: Any  # the unfitted clone: its flow and parameters describe the run
    predictions: bytes  # Parquet
    timings: list[FoldTiming]


def fit_on_folds(store: BlobStore, estimator: Any, spec: TaskSpec) -> FoldRun:
    """Refit a clone of ``estimator`` on every fold of the task; no database access."""
    from sklearn.base import clone

    from mlhive.sklearn import run_on_splits

    unfitted = clone(estimator)
    features, y = features_and_target(store, spec)
    predictions, timings = run_on_splits(
        unfitted,
        features,
        y,
        folds_of(store, spec),
        task_type=spec.task_type,  # type: ignore[arg-type]
        class_labels=spec.class_labels,
        n_jobs=1,
    )
    sink = io.BytesIO()
    pq.write_table(predictions, sink)
    return FoldRun(unfitted, sink.getvalue(), timings)


def submit_run(
    session: Session,
    store: BlobStore,
    settings: Settings,
    actor: Actor,
    spec: TaskSpec,
    fitted: FoldRun,
    tags: list[str],
) -> int:
    """Upload the estimator's flow and submit its predictions as a run (queued for scoring).

    Returns:
        The new run's id.
    """
    from mlhive.sklearn import estimator_to_flow, parameter_settings

    flow, _ = flows.upload(session, actor, estimator_to_flow(fitted.estimator))
    body = RunCreate(
        task_id=spec.task_id,
        flow_id=flow.id,
        parameter_settings=parameter_settings(fitted.estimator, flows.describe(session, flow)),
        tags=tags,
        fold_timings=fitted.timings,
    )
    upload = runs.UploadedFile(io.BytesIO(fitted.predictions), "predictions.parquet")
    return runs.submit(session, store, settings, actor, body, upload).id


def measures_of(session: Session, run_id: int) -> dict[str, float | None]:
    """The server's evaluations of a run."""
    rows = session.scalars(select(Evaluation).where(Evaluation.run_id == run_id))
    return {row.measure: row.value for row in rows}
