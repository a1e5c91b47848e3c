"""scikit-learn commits get an ONNX export that predicts like the original on the task's data."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
from fastapi.testclient import TestClient
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.api.experiments import CLASSIFICATION_CSV, REGRESSION_CSV, create_task, publish
from tests.api.forge import Push, make_repo, skops_bytes
from tests.conftest import UserKey


def _export(http: TestClient, repo: str) -> tuple[dict[str, Any], bytes]:
    commit = http.get(f"/api/models/{repo}/commits/main").json()
    response = http.get(f"/api/models/{repo}/files/model.export.onnx")
    assert response.status_code == 200, (commit, response.text)
    return commit, response.content


def test_the_onnx_export_of_a_classifier_predicts_like_the_original(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    frame = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
    X, y = frame[["x1", "x2"]], frame["label"].astype(str)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    pushed = push(alice, "alice/clf", skops_bytes(model), "model.skops")
    assert pushed.json()["onnx_export"]["state"] == "pending"
    assert "model.export.onnx" not in pushed.json()["files"]
    run_jobs()
    commit, data = _export(http, "alice/clf")
    export = commit["onnx_export"]
    assert export["state"] == "ok" and export["rows"] == len(frame)
    assert export["label_agreement"] == 1.0 and export["max_abs_diff"] < 1e-4
    assert commit["files"]["model.export.onnx"] == len(data)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    labels, probabilities = session.run(None, {"X": X.to_numpy(np.float32)})
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(probabilities, model.predict_proba(X), atol=1e-5)


def test_the_export_of_a_regressor_and_without_a_task(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    frame = pd.read_csv(io.StringIO(REGRESSION_CSV))
    model = RandomForestRegressor(n_estimators=5, random_state=0).fit(frame[["x1"]], frame["y"])
    make_repo(http, alice, "reg")
    push(alice, "alice/reg", skops_bytes(model), "model.skops")
    run_jobs()
    commit, data = _export(http, "alice/reg")
    assert commit["onnx_export"]["state"] == "unchecked"
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    (values,) = session.run(None, {"X": frame[["x1"]].to_numpy(np.float32)})
    np.testing.assert_allclose(values.ravel(), model.predict(frame[["x1"]]), rtol=1e-4)
