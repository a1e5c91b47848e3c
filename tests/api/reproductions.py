"""A small task and a deterministic run on it, for the reproduction tests (API and pages)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sklearn.linear_model import LogisticRegression

from mlhive import Client
from mlhive.server.db.engine import transaction
from mlhive.server.services.experiments import tasks
from mlhive.server.wiring import Hive
from mlhive.wire.tasks import TaskCreate
from tests.conftest import UserKey
from tests.factories import actor_of, publish
from tests.unit.services.automl.automl_world import numeric_csv


def make_task(hive: Hive, owner: UserKey, name: str, visibility: str = "public") -> int:
    actor = actor_of(hive, owner)
    dataset_id = publish(hive, actor, numeric_csv(), name=name, visibility=visibility)
    hive.worker.drain()
    body = TaskCreate(
        task_type="supervised_classification", dataset_id=dataset_id, estimation_procedure_id=25
    )
    with transaction(hive.sessions) as session:
        task, _ = tasks.create(session, hive.store, hive.settings, actor, body)
        return task.id


def original_run(
    hive: Hive, client: Client, task_id: int, *, alter: int = 0, estimator: Any = None
) -> int:
    """A deterministic logistic regression's run on the task; ``alter`` flips that many of
    its predicted labels before the upload (a run that no re-run can match)."""
    model = LogisticRegression(random_state=0) if estimator is None else estimator
    local = client.run(model, task_id, upload=False)
    if alter:
        table = local.predictions_table
        assert table is not None
        labels = table.column("prediction").to_pylist()
        for i in range(alter):
            labels[i] = "no" if labels[i] == "yes" else "yes"
        index = table.schema.get_field_index("prediction")
        local.predictions_table = table.set_column(index, "prediction", pa.array(labels))
    run = local.publish()
    hive.worker.drain()
    assert client.runs.get(run.id).state == "evaluated"
    return run.id
