"""ONNX exports of pipelines fitted on categorical columns, and exports whose job breaks:
the export ends ``ok``, ``unsupported`` with the reason, or ``failed`` with the reason, never
``pending`` for ever; the API, the client and the commit page all say so."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from mlhive import Client
from mlhive.errors import JobFailedError
from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.api.forge import Push, make_repo, skops_bytes
from tests.conftest import UserKey

RNG = np.random.default_rng(3)
COLORS = RNG.choice(["red", "green", "blue"], size=60)
SIZES = RNG.normal(size=60)
LABEL = np.where((COLORS == "red") | (SIZES > 0.5), "yes", "no")
CATEGORICAL_CSV = "color,size,label\n" + "".join(
    f"{c},{s:.4f},{y}\n" for c, s, y in zip(COLORS, SIZES, LABEL, strict=True)
)


def _frame() -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(CATEGORICAL_CSV))
    frame["color"] = frame["color"].astype("category")
    return frame


def _linked_repo(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int], csv: str, name: str
) -> None:
    dataset = publish(http, alice, run_jobs, csv, "label", name=name)
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    make_repo(http, alice, name, task_ids=[task["id"]])


def _export_of(http: TestClient, repo: str) -> dict[str, Any]:
    export: dict[str, Any] = http.get(f"/api/models/{repo}/commits/main").json()["onnx_export"]
    return export


def test_a_pipeline_fitted_on_a_categorical_column_exports_and_predicts_like_the_original(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    _linked_repo(http, alice, run_jobs, CATEGORICAL_CSV, "colors")
    frame = _frame()
    X = frame[["color", "size"]]
    encoder = OneHotEncoder(handle_unknown="ignore")
    features = ColumnTransformer([("nominal", encoder, ["color"])], remainder="passthrough")
    model = make_pipeline(features, LogisticRegression()).fit(X, frame["label"])
    push(alice, "alice/colors", skops_bytes(model), "model.skops")
    run_jobs()
    export = _export_of(http, "alice/colors")
    assert export["state"] == "ok", export
    assert export["rows"] == len(frame) and export["label_agreement"] == 1.0
    data = http.get("/api/models/alice/colors/files/model.export.onnx").content
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["color", "size"]  # one input per column
    labels, _ = session.run(
        None,
        {
            "color": X["color"].astype(str).to_numpy(dtype=object).reshape(-1, 1),
            "size": X["size"].to_numpy(np.float32).reshape(-1, 1),
        },
    )
    np.testing.assert_array_equal(labels, model.predict(X))


def test_a_categorical_task_and_a_model_fitted_without_column_names_is_unsupported(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    _linked_repo(http, alice, run_jobs, CATEGORICAL_CSV, "colors")
    frame = _frame()
    numbers = np.column_stack([frame["color"].cat.codes, frame["size"]])
    model = LogisticRegression().fit(numbers, frame["label"])
    push(alice, "alice/colors", skops_bytes(model), "model.skops")
    run_jobs()
    export = _export_of(http, "alice/colors")
    assert export["state"] == "unsupported", export
    assert "non-numeric features (color)" in export["detail"]
    assert "fit it on a DataFrame" in export["detail"]


@pytest.fixture
def broken_export(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    """A commit whose export job breaks: the model takes 3 numbers, the task's data has 2."""
    _linked_repo(http, alice, run_jobs, CLASSIFICATION_CSV, "wide")
    rng = np.random.default_rng(0)
    model = LogisticRegression().fit(rng.normal(size=(30, 3)), rng.choice(["no", "yes"], 30))
    push(alice, "alice/wide", skops_bytes(model), "model.skops")
    run_jobs()


def test_a_broken_export_job_shows_failed_with_its_reason_on_api_client_and_page(
    http: TestClient, alice: UserKey, broken_export: None, tmp_path: Path
) -> None:
    export = _export_of(http, "alice/wide")
    assert export["state"] == "failed", export
    assert export["detail"].startswith("the export job failed: ")
    commit = http.get("/api/models/alice/wide/commits/main").json()
    assert "model.export.onnx" not in commit["files"]
    client = Client(api_key=alice.key, http_client=http, retries=0, cache_dir=tmp_path)
    assert client.models.commit("alice/wide").onnx_export.state == "failed"  # type: ignore[union-attr]
    with pytest.raises(JobFailedError, match=r"has no ONNX export \(failed\): the export job"):
        client.models.pull("alice/wide", onnx=True)
    page = http.get(f"/models/alice/wide/commits/{commit['id']}", headers=alice.headers)
    assert page.status_code == 200
    assert "failed" in page.text and "the export job failed: " in page.text
