"""Task use cases: create (with server-made splits, stored once), read, list, tag.

A task is unique per (dataset version, type, target, procedure[, custom test rows]):
asking for an existing one returns it, with the splits it was given the first time.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import ColumnElement, Select, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlhive.formats.splits import write_splits_arff
from mlhive.formats.tables import write_parquet
from mlhive.server.config import Settings
from mlhive.server.db.queries.access import forget_grants, visible
from mlhive.server.db.tables.datasets import Dataset, DatasetTag, Feature, Quality
from mlhive.server.db.tables.experiments import CollectionTask, Run, Task, TaskTag
from mlhive.server.domain.access import Actor, can_see, require_owner
from mlhive.server.domain.errors import Conflict, InvalidInput, NotFound
from mlhive.server.domain.experiments.metrics import measures_for
from mlhive.server.domain.experiments.procedures import get_procedure, to_wire
from mlhive.server.domain.experiments.splits import make_splits
from mlhive.server.services import activity, blobs
from mlhive.server.services.datasets import catalog
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.tagging import TASK_TAGS
from mlhive.server.storage import BlobInfo, BlobStore
from mlhive.wire.errors import ErrorCode
from mlhive.wire.tasks import TASK_TYPE_IDS, TaskCreate, TaskOut

TARGET_TYPES = {
    "supervised_classification": "nominal",
    "learning_curve": "nominal",
    "supervised_regression": "numeric",
}


@dataclass(frozen=True)
class TaskQuery:
    task_type: str | None = None
    dataset_id: int | None = None
    tag: str | None = None
    status: str | None = "active"
    qualities: tuple[tuple[str, float | None, float | None], ...] = ()
    ids: tuple[int, ...] = ()
    dataset_ids: tuple[int, ...] = ()
    data_name: str | None = None
    data_tag: str | None = None
    limit: int = 100
    cursor: int | None = None
    offset: int = 0


def target_feature(session: Session, dataset: Dataset, target: str) -> Feature:
    """The summary of a dataset's column named ``target``; InvalidInput if there is none."""
    feature = session.scalar(
        select(Feature).where(Feature.dataset_id == dataset.id, Feature.name == target)
    )
    if feature is None:
        raise InvalidInput(
            f"target: {target!r} is not a column of dataset {dataset.id}",
            code=ErrorCode.UNKNOWN_COLUMN,
            field="target",
        )
    return feature


def _resolve_target(session: Session, dataset: Dataset, body: TaskCreate) -> Feature | None:
    target = body.target or (dataset.default_target_attribute or "").split(",")[0] or None
    if target is None:
        if body.task_type == "clustering":
            return None
        raise InvalidInput(
            f"target: dataset {dataset.id} has no default target; name one", field="target"
        )
    feature = target_feature(session, dataset, target)
    wanted = TARGET_TYPES.get(body.task_type)
    if wanted is not None and feature.data_type != wanted:
        raise InvalidInput(
            f"target: a {body.task_type} task needs a {wanted} target, but {target!r} is "
            f"{feature.data_type}",
            field="target",
        )
    return feature


def _custom_key(test_row_ids: list[int] | None) -> str:
    if test_row_ids is None:
        return ""
    canonical = json.dumps(sorted(test_row_ids)).encode()
    return hashlib.sha256(canonical).hexdigest()


def truth_of(
    table: pa.Table, target: str | None, class_labels: list[str] | None
) -> np.ndarray | None:
    """The target of every row: class indices (-1 = missing) for nominal targets, floats
    (NaN = missing) for numeric ones; None without a target."""
    if target is None:
        return None
    column = table.column(target)
    if class_labels is None:
        values = pc.cast(column, pa.float64()).fill_null(np.nan)
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
    index = pc.index_in(pc.cast(column, pa.string()), value_set=pa.array(class_labels))
    return np.asarray(index.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _labelled_rows(truth: np.ndarray, *, nominal: bool) -> np.ndarray | None:
    """The rows with a target value (None when every row has one): a row without one can
    be neither learned from nor scored, so no split holds it."""
    missing = truth < 0 if nominal else np.isnan(truth)
    return np.flatnonzero(~missing).astype(np.int64) if missing.any() else None


def _store(
    store: BlobStore, scratch: Path, table: pa.Table, relation: str
) -> tuple[BlobInfo, BlobInfo]:
    scratch.mkdir(parents=True, exist_ok=True)
    paths = []
    try:
        for suffix in (".parquet", ".arff"):
            with tempfile.NamedTemporaryFile(dir=scratch, suffix=suffix, delete=False) as tmp:
                paths.append(Path(tmp.name))
        write_parquet(table, paths[0])
        with paths[1].open("wb") as sink:
            write_splits_arff(table, sink, relation=relation)
        return store.put_file(paths[0], move=True), store.put_file(paths[1], move=True)
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def create(
    session: Session, store: BlobStore, settings: Settings, actor: Actor, body: TaskCreate
) -> tuple[Task, bool]:
    """Create a task, or return the identical one that exists; ``True`` when created."""
    dataset = catalog.get(session, actor, body.dataset_id)
    if dataset.processing != "done":
        raise Conflict(
            f"dataset {dataset.id} has not been processed yet; create tasks once it is",
            code=ErrorCode.NOT_PROCESSED,
        )
    procedure = get_procedure(body.estimation_procedure_id)
    if procedure.task_type != body.task_type:
        raise InvalidInput(
            f"estimation_procedure_id: procedure {procedure.id} ({procedure.name}) is for "
            f"{procedure.task_type} tasks, not {body.task_type}",
            field="estimation_procedure_id",
        )
    if (procedure.kind == "custom_holdout") != (body.test_row_ids is not None):
        raise InvalidInput(
            "test_row_ids: give them exactly when the procedure is a custom holdout",
            field="test_row_ids",
        )
    feature = _resolve_target(session, dataset, body)
    target = feature.name if feature else None
    key = {
        "dataset_id": dataset.id,
        "task_type": body.task_type,
        "target_key": target or "",
        "procedure_id": procedure.id,
        "custom_key": _custom_key(body.test_row_ids),
    }
    # Checked before looking for an identical task: that one must not let a typo through.
    valid = measures_for(body.task_type)
    unknown = sorted(set(body.evaluation_measures) - set(valid))
    if unknown:
        raise InvalidInput(
            f"evaluation_measures: {', '.join(unknown)} cannot evaluate {body.task_type} tasks; "
            f"use any of {', '.join(valid)}",
            field="evaluation_measures",
        )
    existing = session.scalar(select(Task).filter_by(**key))
    if existing is not None:
        return existing, False
    class_labels = feature.nominal_values if feature and feature.data_type == "nominal" else None
    table = load_table(store, catalog.require_data(dataset))
    seed = secrets.randbelow(2**31 - 1)
    supervised = body.task_type in TARGET_TYPES  # clustering keeps every row
    truth = truth_of(table, target, class_labels) if supervised else None
    labelled = None if truth is None else _labelled_rows(truth, nominal=class_labels is not None)
    splits = make_splits(
        procedure,
        n_rows=table.num_rows,
        labels=truth if class_labels else None,
        seed=seed,
        test_row_ids=body.test_row_ids,
        rows=labelled,
    )
    parquet, arff = _store(store, settings.data_dir / "tmp", splits, f"{dataset.name}-splits")
    blobs.remember_blob(session, parquet)
    blobs.remember_blob(session, arff)
    task = Task(
        **key,
        target=target,
        evaluation_measures=body.evaluation_measures,
        class_labels=class_labels,
        number_of_rows=table.num_rows,
        rows_without_target=0 if labelled is None else table.num_rows - len(labelled),
        splits_sha256=parquet.sha256,
        splits_arff_sha256=arff.sha256,
        seed=seed,
        uploader_id=actor.id,
    )
    try:
        with session.begin_nested():  # a concurrent identical request may have won
            session.add(task)
            session.flush()
    except IntegrityError:
        winner = session.scalar(select(Task).filter_by(**key))
        if winner is None:
            raise
        return winner, False
    for tag in dict.fromkeys(body.tags):
        session.add(TaskTag(task_id=task.id, tag=tag, tagger_id=actor.id))
    session.flush()
    activity.record(
        session,
        actor.id,
        "task.created",
        "task",
        task.id,
        extra={"dataset_id": dataset.id, "task_type": task.task_type},
        owners=[dataset.uploader_id],
        watchers_of=[("dataset", dataset.id)],
    )
    return task, True


def get(session: Session, actor: Actor | None, task_id: int) -> Task:
    """A task whose dataset the actor may see."""
    task = session.get(Task, task_id)
    if task is None or not can_see(
        actor,
        owner_id=task.dataset.uploader_id,
        visibility=task.dataset.visibility,
        subject=("task", task.id),
    ):
        raise NotFound(f"task {task_id} not found")
    return task


def tags_of(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """Tags of many tasks in one query."""
    return TASK_TAGS.of(session, ids)


def describe(task: Task, tags: list[str]) -> TaskOut:
    """The wire description of a task."""
    measures = task.evaluation_measures or measures_for(task.task_type)
    return TaskOut(
        id=task.id,
        task_type=task.task_type,
        task_type_id=TASK_TYPE_IDS[task.task_type],
        dataset_id=task.dataset_id,
        dataset_name=task.dataset.name,
        dataset_version=task.dataset.version,
        target=task.target,
        estimation_procedure=to_wire(get_procedure(task.procedure_id)),
        evaluation_measures=measures,
        class_labels=task.class_labels,
        number_of_rows=task.number_of_rows,
        rows_without_target=task.rows_without_target,
        splits_sha256=task.splits_sha256,
        seed=task.seed,
        status=task.status,
        tags=tags,
        uploader=task.uploader.name,
        created_at=task.created_at,
    )


@dataclass(frozen=True)
class TaskView:
    """A task as OpenML's documents show it: the wire description and the evaluation measures
    its creator declared (none: the description lists the task type's defaults instead)."""

    out: TaskOut
    declared_measures: list[str]


def view(session: Session, actor: Actor | None, task_id: int) -> TaskView:
    """A task the actor may see, for OpenML's documents (NotFound as :func:`get`)."""
    return _views(session, [get(session, actor, task_id)])[0]


def list_views(session: Session, q: TaskQuery, actor: Actor | None) -> list[TaskView]:
    """One page of tasks for OpenML's lists (which page by offset: no cursor)."""
    rows, _ = list_page(session, q, actor)
    return _views(session, rows)


def _views(session: Session, rows: list[Task]) -> list[TaskView]:
    tags = tags_of(session, [task.id for task in rows])
    return [
        TaskView(describe(task, tags[task.id]), list(task.evaluation_measures or []))
        for task in rows
    ]


def visible_tasks(actor: Actor | None) -> ColumnElement[bool]:
    """Tasks over datasets the actor may see (as SQL, on a join of Task and Dataset)."""
    return visible(actor, Dataset.uploader_id, Dataset.visibility, ("task", Task.id))


def query(q: TaskQuery, actor: Actor | None) -> Select[Task]:
    """The SELECT of one page of tasks (keyset on id)."""
    stmt = select(Task).join(Dataset, Dataset.id == Task.dataset_id).where(visible_tasks(actor))
    if q.task_type is not None:
        stmt = stmt.where(Task.task_type == q.task_type)
    if q.dataset_id is not None:
        stmt = stmt.where(Task.dataset_id == q.dataset_id)
    if q.status is not None:
        stmt = stmt.where(Task.status == q.status)
    if q.tag is not None:
        stmt = stmt.where(exists().where(TaskTag.task_id == Task.id, TaskTag.tag == q.tag))
    if q.ids:
        stmt = stmt.where(Task.id.in_(q.ids))
    if q.dataset_ids:
        stmt = stmt.where(Task.dataset_id.in_(q.dataset_ids))
    if q.data_name is not None:
        stmt = stmt.where(Dataset.name == q.data_name)
    if q.data_tag is not None:
        stmt = stmt.where(
            exists().where(DatasetTag.dataset_id == Task.dataset_id, DatasetTag.tag == q.data_tag)
        )
    for name, low, high in q.qualities:
        bounds = [Quality.dataset_id == Task.dataset_id, Quality.name == name]
        if low is not None:
            bounds.append(Quality.value >= low)
        if high is not None:
            bounds.append(Quality.value <= high)
        stmt = stmt.where(exists().where(*bounds))
    if q.cursor is not None:
        stmt = stmt.where(Task.id > q.cursor)
    return stmt.order_by(Task.id).offset(q.offset).limit(q.limit)


def list_page(session: Session, q: TaskQuery, actor: Actor | None) -> tuple[list[Task], int | None]:
    """One page of tasks and the cursor (last id) of the next page, if any."""
    rows = list(session.scalars(query(q, actor)))
    return rows, rows[-1].id if len(rows) == q.limit else None


def delete_task(session: Session, actor: Actor, task_id: int) -> None:
    """Delete a task (its creator or an admin) unless a run or a suite uses it."""
    task = get(session, actor, task_id)
    require_owner(actor, task.uploader_id, f"task {task_id}")
    if session.scalar(select(Run.id).where(Run.task_id == task.id).limit(1)) is not None:
        raise Conflict(f"task {task_id} has runs and cannot be deleted")
    used = select(CollectionTask.collection_id).where(CollectionTask.task_id == task.id)
    if session.scalar(used.limit(1)) is not None:
        raise Conflict(f"task {task_id} belongs to a suite; detach it first")
    session.execute(delete(TaskTag).where(TaskTag.task_id == task.id))
    forget_grants(session, "task", task.id)
    activity.forget(session, "task", task.id)
    session.delete(task)
    session.flush()


def splits_file(session: Session, actor: Actor | None, task_id: int, fmt: str) -> tuple[str, str]:
    """The blob and a file name of a task's splits as Parquet or OpenML's ARFF."""
    task = get(session, actor, task_id)
    sha = task.splits_arff_sha256 if fmt == "arff" else task.splits_sha256
    return sha, f"task-{task.id}-splits.{fmt}"
