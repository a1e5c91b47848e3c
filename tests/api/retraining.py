"""Helpers for retraining tests: two versions of a dated dataset, and a repository whose head
records its pipeline (a run of a real scikit-learn flow on version 1)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression

from mlhive import Client
from tests.api.experiments import create_task
from tests.api.forge import make_repo, skops_bytes
from tests.conftest import UserKey

REPO = "alice/churn"


def dated_csv(rows: int, start: str, seed: int) -> str:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    label = np.where(x1 + rng.normal(scale=0.5, size=rows) > 0, "yes", "no")
    days = pd.date_range(start, periods=rows, freq="D").strftime("%Y-%m-%d")
    return "day,x1,x2,label\n" + "".join(
        f"{d},{a:.4f},{b:.4f},{c}\n" for d, a, b, c in zip(days, x1, x2, label, strict=True)
    )


V1 = dated_csv(80, "2026-01-01", 1)
V2 = dated_csv(120, "2026-04-01", 2)


def publish_version(
    http: TestClient, user: UserKey, csv: str, visibility: str = "public", name: str = "churn"
) -> int:
    meta = {
        "name": name,
        "default_target_attribute": "label",
        "ignore_attributes": ["day"],
        "visibility": visibility,
    }
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", csv.encode())},
        data={"metadata": json.dumps(meta)},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def put_policy(http: TestClient, user: UserKey, repo: str = REPO, **body: Any) -> Any:
    return http.put(
        f"/api/models/{repo}/retraining", json={"dataset": "churn", **body}, headers=user.headers
    )


def build_world(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int], tmp_path: Path
) -> dict[str, Any]:
    """Version 1 of ``churn``, a task on it, a run of a logistic regression, and that model
    pushed to alice/churn with the run as its lineage."""
    dataset = publish_version(http, alice, V1)
    run_jobs()
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    client = Client(api_key=alice.key, http_client=http, cache_dir=tmp_path, retries=0)  # type: ignore[arg-type]
    run = client.runs.run_estimator(LogisticRegression(), task["id"], n_jobs=1, progress=False)
    run_jobs()
    frame = pd.read_csv(io.StringIO(V1))
    model = LogisticRegression().fit(frame[["x1", "x2"]], frame["label"])
    repo = make_repo(http, alice, "churn", task_ids=[task["id"]])
    metadata = {"message": "first model", "card": {"lineage": {"run_id": run.id}}}
    pushed = http.post(
        f"/api/models/{REPO}/commits",
        files={"file": ("model.skops", skops_bytes(model))},
        data={"metadata": json.dumps(metadata)},
        headers=alice.headers,
    )
    assert pushed.status_code == 201, pushed.text
    run_jobs()
    return {
        "dataset": dataset,
        "task": task,
        "run": run.id,
        "head": pushed.json(),
        "repo_id": repo["id"],
    }
