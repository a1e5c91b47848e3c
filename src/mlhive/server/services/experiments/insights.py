"""What the experiment pages show besides the wire descriptions: a task's split sizes, a run's
confusion matrix or predicted-vs-true sample, runs side by side, and best scores per task and
flow. Everything is computed on the server, bounded, and checked against the actor's access
with the same functions the API uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.experiments import Evaluation, Flow, LeaderboardBest, Task
from mlhive.server.domain.access import Actor
from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.experiments.measure_names import (
    DEFAULT_MEASURE,
    default_measure,
    scalar_measures,
)
from mlhive.server.services.datasets.catalog import require_data
from mlhive.server.services.experiments import evaluations, flows, runs, scoring, tasks
from mlhive.server.storage import BlobStore
from mlhive.wire.runs import RunOut

SPLIT_ROWS_READ = 2_000_000
"""At most this many split rows are read for a task's split summary (whole folds only)."""
SPLIT_GROUPS_SHOWN = 100
SCATTER_POINTS = 2_000
COMPARE_MIN, COMPARE_MAX = 2, 10


@dataclass(frozen=True)
class FoldSize:
    """Train and test rows of one (repeat, fold, sample) of a task's splits."""

    repeat: int
    fold: int
    sample: int
    train: int
    test: int


@dataclass(frozen=True)
class SplitSummary:
    """The sizes of a task's splits; ``complete`` False when only the first folds were read."""

    folds: list[FoldSize]
    complete: bool


def split_summary(
    session: Session, store: BlobStore, actor: Actor | None, task_id: int
) -> SplitSummary:
    """Train/test sizes per fold of a task's stored splits, reading at most
    :data:`SPLIT_ROWS_READ` rows (the splits are sorted by repeat and fold)."""
    task = tasks.get(session, actor, task_id)
    path = store.local_path(task.splits_sha256)
    source = pq.ParquetFile(path if path is not None else store.open(task.splits_sha256))
    columns = ["type", "repeat", "fold", "sample"]
    batches, read = [], 0
    for group in range(source.num_row_groups):
        if read >= SPLIT_ROWS_READ:
            break
        batch = source.read_row_group(group, columns=columns)
        batches.append(batch)
        read += batch.num_rows
    complete = read >= source.metadata.num_rows
    table = pa.concat_tables(batches) if batches else pa.table({c: [] for c in columns})
    counts = (
        table.set_column(0, "type", pc.cast(table.column("type"), pa.string()))
        .group_by(["repeat", "fold", "sample", "type"])
        .aggregate([([], "count_all")])
        .to_pylist()
    )
    sizes: dict[tuple[int, int, int], dict[str, int]] = {}
    for row in counts:
        key = (row["repeat"], row["fold"], row["sample"])
        sizes.setdefault(key, {})[row["type"]] = row["count_all"]
    keys = sorted(sizes)
    if not complete and keys:
        keys = keys[:-1]  # the last group read may be cut off
    folds = [
        FoldSize(*key, train=sizes[key].get("TRAIN", 0), test=sizes[key].get("TEST", 0))
        for key in keys[:SPLIT_GROUPS_SHOWN]
    ]
    return SplitSummary(folds=folds, complete=complete and len(keys) <= SPLIT_GROUPS_SHOWN)


@dataclass(frozen=True)
class Confusion:
    """Counts of predicted (columns) against true (rows) classes over every test row."""

    labels: list[str]
    counts: list[list[int]]


@dataclass(frozen=True)
class Scatter:
    """A deterministic sample of (true, predicted) pairs of a regression run."""

    points: list[tuple[float, float]]
    total: int


def _predictions(store: BlobStore, sha256: str) -> pa.Table:
    path = store.local_path(sha256)
    source = path if path is not None else store.open(sha256)
    return pq.read_table(source, columns=["row_id", "prediction"])


def _target(store: BlobStore, task: Task) -> pa.Table:
    sha256 = require_data(task.dataset)
    path = store.local_path(sha256)
    source = path if path is not None else store.open(sha256)
    return pq.read_table(source, columns=[task.target or ""])


def confusion(
    session: Session, store: BlobStore, actor: Actor | None, run_id: int
) -> Confusion | None:
    """The confusion matrix of a classification run from its stored predictions (None for
    other task types and for runs without predictions)."""
    run = runs.get(session, actor, run_id)
    task = tasks.get(session, actor, run.task_id)
    if task.class_labels is None or run.predictions_sha256 is None or task.target is None:
        return None
    labels = list(task.class_labels)
    predicted_table = _predictions(store, run.predictions_sha256)
    truth = tasks.truth_of(_target(store, task), task.target, labels)
    if truth is None:
        return None
    rows = np.asarray(predicted_table.column("row_id").to_numpy(), dtype=np.int64)
    predicted = pc.index_in(
        pc.cast(predicted_table.column("prediction"), pa.string()), value_set=pa.array(labels)
    )
    columns = np.asarray(predicted.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    true_rows = truth[rows]
    keep = (true_rows >= 0) & (columns >= 0)
    n = len(labels)
    flat = np.bincount(true_rows[keep] * n + columns[keep], minlength=n * n)
    return Confusion(labels=labels, counts=flat.reshape(n, n).tolist())


def scatter(
    session: Session,
    store: BlobStore,
    actor: Actor | None,
    run_id: int,
    limit: int = SCATTER_POINTS,
) -> Scatter | None:
    """Up to ``limit`` (true, predicted) pairs of a regression run, evenly spaced over its
    predictions (the same sample every time); None for other task types."""
    run = runs.get(session, actor, run_id)
    task = tasks.get(session, actor, run.task_id)
    if task.task_type != "supervised_regression" or run.predictions_sha256 is None:
        return None
    table = _predictions(store, run.predictions_sha256)
    total = table.num_rows
    picked = np.unique(np.linspace(0, total - 1, num=min(limit, total)).astype(np.int64))
    sample = table.take(pa.array(picked))
    truth = tasks.truth_of(_target(store, task), task.target, None)
    if truth is None:
        return None
    rows = np.asarray(sample.column("row_id").to_numpy(), dtype=np.int64)
    predicted = np.asarray(
        pc.cast(sample.column("prediction"), pa.float64()).fill_null(np.nan).to_numpy(),
        dtype=np.float64,
    )
    pairs = [
        (float(t), float(p))
        for t, p in zip(truth[rows], predicted, strict=True)
        if np.isfinite(t) and np.isfinite(p)
    ]
    return Scatter(points=pairs, total=total)


@dataclass(frozen=True)
class ParameterRow:
    """One parameter across compared runs; ``differs`` when the values are not all equal."""

    flow_name: str
    name: str
    values: list[str | None]
    differs: bool


@dataclass(frozen=True)
class Comparison:
    """Runs side by side: parameters, measures and the per-fold values of one measure."""

    runs: list[RunOut]
    measure: str
    measures: list[str]
    parameters: list[ParameterRow]
    values: dict[str, list[float | None]]
    per_fold: dict[int, list[list[float | None]]] = field(default_factory=dict)


def compare(
    session: Session, actor: Actor | None, run_ids: Sequence[int], measure: str | None
) -> Comparison:
    """Between :data:`COMPARE_MIN` and :data:`COMPARE_MAX` distinct runs the actor may see."""
    ids = list(dict.fromkeys(run_ids))
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        raise InvalidInput(
            f"run: compare between {COMPARE_MIN} and {COMPARE_MAX} different runs "
            f"(got {len(ids)}); tick them on a task's leaderboard",
            field="run",
        )
    described = [scoring.describe(session, runs.get(session, actor, r)) for r in ids]
    task_types = {tasks.get(session, actor, r.task_id).task_type for r in described}
    valid = sorted({m for t in task_types for m in scalar_measures(t)})
    chosen = measure or default_measure(sorted(task_types)[0])
    if chosen not in valid:
        raise InvalidInput(
            f"measure: {chosen!r} is not a measure of these runs; use one of {', '.join(valid)}",
            field="measure",
        )
    return Comparison(
        runs=described,
        measure=chosen,
        measures=valid,
        parameters=_parameter_rows(session, described),
        values=_measure_rows(described, valid),
        per_fold=evaluations.per_fold_of(session, ids, chosen),
    )


def _parameter_rows(session: Session, described: list[RunOut]) -> list[ParameterRow]:
    table: dict[tuple[str, str], dict[int, str | None]] = {}
    for index, run in enumerate(described):
        for value in flows.setup_view(session, run.setup_id).values:
            table.setdefault((value.flow_name, value.key), {})[index] = value.value
    rows = []
    for (flow_name, name), by_run in sorted(table.items()):
        values = [by_run.get(i) for i in range(len(described))]
        present = [by_run.get(i, "\0missing") for i in range(len(described))]
        rows.append(ParameterRow(flow_name, name, values, differs=len(set(present)) > 1))
    return rows


def _measure_rows(described: list[RunOut], measures: list[str]) -> dict[str, list[float | None]]:
    by_run = [{e.measure: e.value for e in run.evaluations} for run in described]
    return {m: [scores.get(m) for scores in by_run] for m in measures}


def headline_scores(session: Session, run_ids: Sequence[int]) -> dict[int, tuple[str, float]]:
    """Each run's score in its task type's default measure (one query; runs the caller has
    already checked)."""
    if not run_ids:
        return {}
    stmt = (
        select(Evaluation.run_id, Evaluation.measure, Evaluation.value, Task.task_type)
        .join(Task, Task.id == Evaluation.task_id)
        .where(
            Evaluation.run_id.in_(list(run_ids)),
            Evaluation.measure.in_(set(DEFAULT_MEASURE.values())),
            Evaluation.value.is_not(None),
        )
    )
    return {
        run_id: (measure, value)
        for run_id, measure, value, task_type in session.execute(stmt)
        if DEFAULT_MEASURE[task_type] == measure and value is not None
    }


@dataclass(frozen=True)
class BestCell:
    """The best score of one flow on one task."""

    task_id: int
    flow_id: int
    flow_name: str
    value: float


def best_by_task_and_flow(
    session: Session, actor: Actor | None, task_ids: Sequence[int], measure: str
) -> list[BestCell]:
    """The best value of ``measure`` per (task, flow) over the tasks the actor may see."""
    query = tasks.TaskQuery(ids=tuple(task_ids), status=None, limit=max(len(task_ids), 1))
    visible = [task.id for task in tasks.list_page(session, query, actor)[0]]
    if not visible:
        return []
    # The best rows the leaderboards keep (one per task and flow), not a GROUP BY over runs.
    stmt = (
        select(LeaderboardBest.task_id, LeaderboardBest.group_id, Flow.name, LeaderboardBest.value)
        .join(Flow, Flow.id == LeaderboardBest.group_id)
        .where(
            LeaderboardBest.task_id.in_(visible),
            LeaderboardBest.measure == measure,
            LeaderboardBest.grouped_by == "flow",
        )
        .order_by(LeaderboardBest.task_id, LeaderboardBest.group_id)
    )
    return [BestCell(t, f, name, v) for t, f, name, v in session.execute(stmt)]
