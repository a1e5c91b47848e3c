"""Helpers for experiment tests: a processed dataset, a task, and predictions built from
the task's own splits."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from tests.conftest import UserKey

RNG = np.random.default_rng(7)
N = 90
X1 = RNG.normal(size=N)
LABELS = np.where(X1 + RNG.normal(scale=0.7, size=N) > 0, "yes", "no")
CLASSIFICATION_CSV = "x1,x2,label\n" + "".join(
    f"{a:.4f},{b:.4f},{c}\n" for a, b, c in zip(X1, RNG.normal(size=N), LABELS, strict=True)
)
Y = 3 * X1 + RNG.normal(size=N)
REGRESSION_CSV = "x1,y\n" + "".join(f"{a:.4f},{b:.4f}\n" for a, b in zip(X1, Y, strict=True))


def publish(
    http: TestClient,
    user: UserKey,
    run_jobs: Callable[[], int],
    csv: str,
    target: str,
    name: str = "exp",
) -> int:
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", csv.encode())},
        data={"metadata": json.dumps({"name": name, "default_target_attribute": target})},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    run_jobs()
    return int(created.json()["id"])


def create_task(
    http: TestClient, user: UserKey, dataset_id: int, task_type: str, procedure: int, **extra: Any
) -> dict[str, Any]:
    response = http.post(
        "/api/tasks",
        json={
            "task_type": task_type,
            "dataset_id": dataset_id,
            "estimation_procedure_id": procedure,
            **extra,
        },
        headers=user.headers,
    )
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def splits(http: TestClient, task_id: int) -> pa.Table:
    response = http.get(f"/api/tasks/{task_id}/splits")
    assert response.status_code == 200
    return pq.read_table(io.BytesIO(response.content))


def held_out_rows(table: pa.Table) -> pa.Table:
    """The TEST rows of the splits, with repeat/fold/sample/rowid."""
    types = table.column("type").to_pylist()
    mask = pa.array([t == "TEST" for t in types])
    return table.filter(mask)


def classification_predictions(
    table: pa.Table, labels: list[str], truth: np.ndarray, *, accuracy: float = 0.8, seed: int = 0
) -> pa.Table:
    """Predictions right for about ``accuracy`` of the rows, with matching probabilities."""
    tests = held_out_rows(table)
    rowid = np.asarray(tests.column("rowid"))
    rng = np.random.default_rng(seed)
    right = rng.random(len(rowid)) < accuracy
    truth_idx = np.array([labels.index(t) for t in truth[rowid]])
    predicted = np.where(right, truth_idx, (truth_idx + 1) % len(labels))
    proba = np.full((len(rowid), len(labels)), 0.1 / max(1, len(labels) - 1))
    proba[np.arange(len(rowid)), predicted] = 0.9
    columns: dict[str, Any] = {
        "repeat": tests.column("repeat"),
        "fold": tests.column("fold"),
        "sample": tests.column("sample"),
        "row_id": pa.array(rowid, pa.int64()),
        "prediction": pa.array([labels[i] for i in predicted]),
    }
    for i, label in enumerate(labels):
        columns[f"confidence.{label}"] = pa.array(proba[:, i])
    return pa.table(columns)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def upload_flow(
    http: TestClient, user: UserKey, name: str = "test.Majority", version: str = "1.0"
) -> dict[str, Any]:
    body = {
        "name": name,
        "external_version": version,
        "description": "for tests",
        "parameters": [{"name": "alpha", "data_type": "float", "default_value": "1.0"}],
    }
    response = http.post("/api/flows", json=body, headers=user.headers)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def submit_run(
    http: TestClient,
    user: UserKey,
    task_id: int,
    flow_id: int,
    predictions: pa.Table | bytes | None,
    filename: str = "p.parquet",
    **description: Any,
) -> Any:
    files: dict[str, Any] = {}
    if predictions is not None:
        content = predictions if isinstance(predictions, bytes) else parquet_bytes(predictions)
        files["predictions"] = (filename, content)
    data = {"description": json.dumps({"task_id": task_id, "flow_id": flow_id, **description})}
    return http.post("/api/runs", data=data, files=files or None, headers=user.headers)


def one_of_each(http: TestClient, user: UserKey, run_jobs: Callable[[], int]) -> dict[str, int]:
    """A dataset, a task on it, a flow and a run of the flow on the task, all ``user``'s: the
    ids by kind (``dataset``, ``task``, ``flow``, ``run``)."""
    dataset = publish(http, user, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, user, dataset, "supervised_classification", 1)
    flow = upload_flow(http, user)
    predictions = classification_predictions(splits(http, task["id"]), task["class_labels"], LABELS)
    run = submit_run(http, user, task["id"], flow["id"], predictions)
    assert run.status_code == 201, run.text
    return {"dataset": dataset, "task": task["id"], "flow": flow["id"], "run": run.json()["id"]}
