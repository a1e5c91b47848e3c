"""Demo experiments: tasks on the demo datasets, a benchmark suite over them, and baseline
runs (dummy, logistic/ridge regression, random forest) so that leaderboards are not empty.

Everything goes through the same services as the API, in-process, before the server starts.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import cast

from sqlalchemy import select

from mlhive.formats.splits import iter_splits
from mlhive.formats.tables import to_pandas, write_parquet
from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Collection, Run
from mlhive.server.domain.access import Actor
from mlhive.server.domain.automl.baselines import baselines
from mlhive.server.domain.experiments.procedures import default_procedure
from mlhive.server.services.datasets.catalog import require_data
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import flows, runs, studies, tasks
from mlhive.server.wiring import Hive
from mlhive.sklearn import estimator_to_flow, parameter_settings, run_on_splits
from mlhive.wire.runs import RunCreate
from mlhive.wire.studies import CollectionCreate
from mlhive.wire.tasks import TaskCreate, TaskType

SUITE_ALIAS = "demo-cc"


def load_experiments(
    hive: Hive,
    actor: Actor,
    dataset_ids: list[int],
    report: Callable[[str], None] = lambda _: None,
) -> None:
    """Create tasks on the demo's datasets, the ``demo-cc`` suite and baseline runs (a task
    that has runs gets none: nothing that exists is fitted again)."""
    with transaction(hive.sessions) as session:
        demo = list(
            session.scalars(
                select(Dataset)
                .where(Dataset.id.in_(dataset_ids), Dataset.processing == "done")
                .order_by(Dataset.id)
            )
        )
        made = []
        for dataset in demo:
            target = tasks.target_feature(session, dataset, dataset.default_target_attribute or "")
            if target.data_type not in {"nominal", "numeric"}:
                continue
            task_type: TaskType = (
                "supervised_classification"
                if target.data_type == "nominal"
                else "supervised_regression"
            )
            body = TaskCreate(
                task_type=task_type,
                dataset_id=dataset.id,
                estimation_procedure_id=default_procedure(task_type).id,
                tags=["demo"],
            )
            task, _ = tasks.create(session, hive.store, hive.settings, actor, body)
            made.append(task)
        classification = [t.id for t in made if t.task_type == "supervised_classification"]
        if session.scalar(select(Collection.id).where(Collection.alias == SUITE_ALIAS)) is None:
            studies.create(
                session,
                actor,
                "suite",
                CollectionCreate(
                    name="Demo classification suite",
                    alias=SUITE_ALIAS,
                    task_ids=classification,
                    description="Every classification task on the demo datasets.",
                ),
            )
        todo = [
            t.id
            for t in made
            if session.scalar(select(Run.id).where(Run.task_id == t.id).limit(1)) is None
        ]
    for number, task_id in enumerate(todo, 1):
        _baseline_runs(hive, actor, task_id)
        report(f"task {task_id}: baseline runs uploaded ({number}/{len(todo)} tasks)")
    hive.worker.drain()
    if todo:
        report("baseline runs evaluated: the leaderboards are filled")


def _baseline_runs(hive: Hive, actor: Actor, task_id: int) -> None:
    with transaction(hive.sessions) as session:
        task = tasks.get(session, actor, task_id)
        spec = (
            task.task_type,
            task.target,
            task.class_labels,
            task.splits_sha256,
            require_data(task.dataset),
            list(task.dataset.ignore_attributes or []),
            task.dataset.row_id_attribute,
        )
    task_type = cast(TaskType, spec[0])
    _, target, labels, splits_sha, data_sha, ignore, row_id = spec
    frame = to_pandas(load_table(hive.store, data_sha))
    y = frame[target]
    features = frame.drop(columns=[c for c in [target, *ignore, row_id] if c])
    folds = list(iter_splits(load_table(hive.store, splits_sha)))
    for estimator in baselines(task_type):
        predictions, timings = run_on_splits(
            estimator, features, y, folds, task_type=task_type, class_labels=labels, n_jobs=1
        )
        buffer = io.BytesIO()
        write_parquet(predictions, buffer)
        buffer.seek(0)
        with transaction(hive.sessions) as session:
            flow, _ = flows.upload(session, actor, estimator_to_flow(estimator))
            settings = parameter_settings(estimator, flows.describe(session, flow))
            body = RunCreate(
                task_id=task_id,
                flow_id=flow.id,
                parameter_settings=settings,
                fold_timings=timings,
                tags=["demo", "baseline"],
            )
            runs.submit(
                session,
                hive.store,
                hive.settings,
                actor,
                body,
                runs.UploadedFile(buffer, "predictions.parquet"),
            )
