"""Malformed files over the native API: every parser with every malformed input of the corpus
(``tests/malformed.py``) gets a 4xx problem document whose code and message name the problem,
and nothing is stored. Dataset files are parsed while the upload is answered, so the refusal
comes up front, not from the processing job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from mlhive.server.api.errors import STATUS
from mlhive.wire.errors import ErrorCode
from tests.api.conftest import Upload
from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish, submit_run, upload_flow
from tests.api.forge import Push, make_repo
from tests.conftest import UserKey
from tests.malformed import (
    ARFF_CASES,
    CSV_CASES,
    Malformed,
    onnx_cases,
    parquet_cases,
    predictions_cases,
)

DATASET_CASES = [
    *[("data.csv", case) for case in CSV_CASES],
    *[("data.parquet", case) for case in parquet_cases()],
    *[("data.arff", case) for case in ARFF_CASES],
]


def _refused(response: httpx.Response, case: Malformed) -> dict[str, Any]:
    assert response.status_code == STATUS[ErrorCode(case.code)], response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == case.code
    assert case.says in problem["detail"]
    return problem


@pytest.mark.parametrize(("filename", "case"), DATASET_CASES, ids=lambda v: str(v))
def test_a_malformed_dataset_file_is_refused_naming_the_problem(
    http: TestClient, upload: Upload, alice: UserKey, filename: str, case: Malformed
) -> None:
    _refused(upload(alice, case.content, filename=filename), case)
    assert http.get("/api/datasets").json()["items"] == []


@pytest.fixture
def task_and_flow(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> tuple[int, int]:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    return task["id"], upload_flow(http, alice)["id"]


@pytest.mark.parametrize(("filename", "case"), predictions_cases(), ids=lambda v: str(v))
def test_malformed_run_predictions_are_refused_naming_the_problem(
    http: TestClient,
    alice: UserKey,
    task_and_flow: tuple[int, int],
    filename: str,
    case: Malformed,
) -> None:
    task, flow = task_and_flow
    response = submit_run(http, alice, task, flow, case.content, filename=filename)
    problem = _refused(response, case)
    assert problem["errors"] == [{"field": "predictions"}]
    assert http.get("/api/runs").json()["items"] == []


@pytest.mark.parametrize("case", onnx_cases(), ids=str)
def test_a_malformed_onnx_model_is_refused_naming_the_problem(
    http: TestClient, push: Push, alice: UserKey, case: Malformed
) -> None:
    repo = make_repo(http, alice)["full_name"]
    history = http.get(f"/api/models/{repo}/commits").json()
    _refused(push(alice, repo, case.content, filename="model.onnx"), case)
    assert http.get(f"/api/models/{repo}/commits").json() == history
