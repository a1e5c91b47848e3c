"""Tasks through the API: creation with stored splits, deduplication, listing, errors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from fastapi.testclient import TestClient

from tests.api.experiments import (
    CLASSIFICATION_CSV,
    REGRESSION_CSV,
    create_task,
    held_out_rows,
    publish,
    splits,
)
from tests.conftest import UserKey


def test_classification_task_has_stored_stratified_splits_and_is_unique(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1, tags=["demo"])
    assert task["class_labels"] == ["no", "yes"] and task["target"] == "label"
    assert task["estimation_procedure"]["folds"] == 10
    assert "predictive_accuracy" in task["evaluation_measures"]
    table = splits(http, task["id"])
    tests = held_out_rows(table)
    assert sorted(tests.column("rowid").to_pylist()) == list(range(90))  # each row once
    again = create_task(http, bob, dataset, "supervised_classification", 1)
    assert again["id"] == task["id"] and again["seed"] == task["seed"]
    assert splits(http, task["id"]).equals(table)  # served unchanged
    arff = http.get(f"/api/tasks/{task['id']}/splits", params={"format": "arff"}).text
    assert arff.startswith("@relation exp-splits")  # OpenML's own spelling
    assert "@attribute type {TRAIN,TEST}" in arff and "@attribute fold numeric" in arff


def test_task_errors_name_the_problem(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, REGRESSION_CSV, "y")

    def attempt(**body: object) -> dict[str, object]:
        payload = {
            "task_type": "supervised_classification",
            "dataset_id": dataset,
            "estimation_procedure_id": 1,
            **body,
        }
        response = http.post("/api/tasks", json=payload, headers=alice.headers)
        assert 400 <= response.status_code < 500
        result: dict[str, object] = response.json()
        return result

    assert "nominal target" in str(attempt()["detail"])
    assert "not a column" in str(attempt(target="nope")["detail"])
    assert "procedure" in str(attempt(task_type="supervised_regression")["detail"])
    assert attempt(dataset_id=999)["code"] == "not_found"
    assert attempt(estimation_procedure_id=99999)["code"] == "not_found"
    anonymous = http.post(
        "/api/tasks",
        json={
            "task_type": "supervised_regression",
            "dataset_id": dataset,
            "estimation_procedure_id": 1,
        },
    )
    assert anonymous.status_code == 401


def test_list_tasks_filters(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> None:
    clf_data = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label", name="clf")
    reg_data = publish(http, alice, run_jobs, REGRESSION_CSV, "y", name="reg")
    procedures = http.get(
        "/api/estimation-procedures", params={"task_type": "supervised_regression"}
    ).json()
    reg_cv = next(
        p
        for p in procedures
        if p["kind"] == "crossvalidation" and p["folds"] == 10 and p["repeats"] == 1
    )
    clf = create_task(http, alice, clf_data, "supervised_classification", 1, tags=["t1"])
    reg = create_task(http, alice, reg_data, "supervised_regression", reg_cv["id"])

    def ids(**params: object) -> list[int]:
        return [t["id"] for t in http.get("/api/tasks", params=params).json()["items"]]

    assert ids() == [clf["id"], reg["id"]]
    assert ids(task_type="supervised_regression") == [reg["id"]]
    assert ids(dataset_id=clf_data) == [clf["id"]]
    assert ids(tag="t1") == [clf["id"]]
    assert ids(quality="NumberOfClasses:2..2") == [clf["id"]]
    regression_rows = splits(http, reg["id"])
    assert len(np.unique(np.asarray(regression_rows.column("fold")))) == 10


def test_tags_are_checked_wherever_they_are_given(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    response = http.post(
        "/api/tasks",
        json={
            "task_type": "supervised_classification",
            "dataset_id": dataset,
            "estimation_procedure_id": 1,
            "tags": ["no spaces allowed"],
        },
        headers=alice.headers,
    )
    assert response.status_code == 422 and "tags" in response.json()["detail"]
    flow = http.post(
        "/api/flows",
        json={"name": "f", "external_version": "1", "tags": ["bad tag"]},
        headers=alice.headers,
    )
    assert flow.status_code == 422
