"""Experiments for page and service tests, made through the API like a client would: a
classification task with a run per flow, and a regression task with one run."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from tests.api.experiments import (
    CLASSIFICATION_CSV,
    LABELS,
    REGRESSION_CSV,
    Y,
    classification_predictions,
    create_task,
    held_out_rows,
    publish,
    splits,
    submit_run,
    upload_flow,
)
from tests.conftest import UserKey


def classification_setup(
    http: TestClient,
    user: UserKey,
    run_jobs: Callable[[], int],
    *,
    visibility: str = "public",
    accuracies: tuple[float, ...] = (0.8, 0.6),
    flow_name: str = "test.Majority",
) -> dict[str, Any]:
    """A task on a new dataset with one flow and run per accuracy (parameter alpha = 1, 2...)."""
    meta = {"name": "exp", "default_target_attribute": "label", "visibility": visibility}
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CLASSIFICATION_CSV.encode())},
        data={"metadata": json.dumps(meta)},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    run_jobs()
    dataset = int(created.json()["id"])
    task = create_task(http, user, dataset, "supervised_classification", 1)
    answer = http.get(f"/api/tasks/{task['id']}/splits", headers=user.headers)
    table = pq.read_table(io.BytesIO(answer.content))
    flow_ids, run_ids = [], []
    for index, accuracy in enumerate(accuracies):
        flow = upload_flow(http, user, name=f"{flow_name}{index}", version="1.0")
        predictions = classification_predictions(
            table, task["class_labels"], LABELS, accuracy=accuracy, seed=index
        )
        settings = [{"flow_id": flow["id"], "name": "alpha", "value": str(index + 1)}]
        run = submit_run(
            http, user, task["id"], flow["id"], predictions, parameter_settings=settings
        )
        assert run.status_code == 201, run.text
        flow_ids.append(flow["id"])
        run_ids.append(run.json()["id"])
    run_jobs()
    return {"dataset": dataset, "task": task["id"], "flows": flow_ids, "runs": run_ids}


def regression_setup(
    http: TestClient, user: UserKey, run_jobs: Callable[[], int]
) -> dict[str, int]:
    """A regression task and a run predicting 0.5 above the truth."""
    dataset = publish(http, user, run_jobs, REGRESSION_CSV, "y", name="reg")
    task = create_task(http, user, dataset, "supervised_regression", 7)
    tests = held_out_rows(splits(http, task["id"]))
    rowid = np.asarray(tests.column("rowid"))
    predictions = pa.table(
        {
            "repeat": tests.column("repeat"),
            "fold": tests.column("fold"),
            "sample": tests.column("sample"),
            "row_id": pa.array(rowid, pa.int64()),
            "prediction": pa.array(Y[rowid] + 0.5),
        }
    )
    flow = upload_flow(http, user, name="test.Regressor")
    run = submit_run(http, user, task["id"], flow["id"], predictions)
    assert run.status_code == 201, run.text
    run_jobs()
    return {"task": task["id"], "run": run.json()["id"]}
