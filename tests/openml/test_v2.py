"""OpenML's v2 JSON face in-process: server-api's shapes (keys and types, as its own tests
assert them), its problem documents, privacy and bad ids, over objects made through the
native API."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from mlhive.wire.common import MAX_ID
from tests.api.experiments import (
    CLASSIFICATION_CSV,
    LABELS,
    classification_predictions,
    create_task,
    one_of_each,
    parquet_bytes,
    publish,
    splits,
)
from tests.conftest import UserKey

V2 = "/api/v2"
PROBLEM = "application/problem+json"
# The keys of server-api's ``DatasetMetadata`` (tests/routers/openml/datasets_get_test.py).
DATASET_KEYS = {
    "id",
    "name",
    "version",
    "format",
    "description",
    "description_version",
    "upload_date",
    "licence",
    "url",
    "parquet_url",
    "file_id",
    "default_target_attribute",
    "version_label",
    "tag",
    "visibility",
    "status",
    "processing_date",
    "md5_checksum",
    "row_id_attribute",
    "ignore_attribute",
    "language",
    "error",
    "warning",
    "citation",
    "collection_date",
    "contributor",
    "creator",
    "paper_url",
    "original_data_url",
}
# runs_get_test.py's ``expected_keys``.
RUN_KEYS = {
    "run_id",
    "uploader",
    "uploader_name",
    "task_id",
    "task_type",
    "flow_id",
    "flow_name",
    "setup_id",
    "setup_string",
    "parameter_setting",
    "error",
    "tag",
    "input_data",
    "output_data",
}
TASK_LIST_KEYS = {
    "task_id",
    "task_type_id",
    "task_type",
    "did",
    "name",
    "format",
    "status",
    "input",
    "quality",
    "tag",
}
World = dict[str, int]


@pytest.fixture
def world(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> World:
    """A dataset, task, flow and evaluated run of alice's (all public)."""
    ids = one_of_each(http, alice, run_jobs)
    run_jobs()  # the run's evaluation
    return ids


def _private_dataset(http: TestClient, user: UserKey, run_jobs: Callable[[], int]) -> int:
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CLASSIFICATION_CSV.encode())},
        data={
            "metadata": json.dumps(
                {"name": "hidden", "default_target_attribute": "label", "visibility": "private"}
            )
        },
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    run_jobs()
    return int(created.json()["id"])


def _problem(response: Any, status: int, slug: str, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"https://openml.org/problems/{slug}"
    assert body["status"] == status
    assert isinstance(body["title"], str) and isinstance(body["detail"], str)
    if code is not None:
        assert body["code"] == code
    return body


def test_dataset_description_has_server_apis_keys_and_types(http: TestClient, world: World) -> None:
    response = http.get(f"{V2}/datasets/{world['dataset']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == DATASET_KEYS
    assert body["id"] == world["dataset"] and body["file_id"] == world["dataset"]
    assert body["format"] == "arff" and body["status"] == "active"
    assert body["visibility"] == "public" and body["version"] == 1
    assert body["default_target_attribute"] == ["label"]
    for key in ("tag", "creator", "contributor", "ignore_attribute", "row_id_attribute"):
        assert isinstance(body[key], list)
    assert body["error"] is None and body["paper_url"] is None
    assert len(body["upload_date"]) == 19 and "T" in body["upload_date"]
    arff = http.get(body["url"].replace("http://testserver", ""))
    assert arff.status_code == 200
    assert hashlib.md5(arff.content, usedforsecurity=False).hexdigest() == body["md5_checksum"]


def test_features_and_qualities_have_server_apis_shapes(http: TestClient, world: World) -> None:
    features = http.get(f"{V2}/datasets/features/{world['dataset']}").json()
    assert [f["name"] for f in features] == ["x1", "x2", "label"]
    numeric, label = features[0], features[2]
    assert set(numeric) == {
        "index",
        "name",
        "data_type",
        "is_target",
        "is_ignore",
        "is_row_identifier",
        "number_of_missing_values",
    }
    assert numeric["data_type"] == "numeric" and numeric["is_target"] is False
    assert label["data_type"] == "nominal" and label["is_target"] is True
    assert sorted(label["nominal_values"]) == ["no", "yes"]
    qualities = http.get(f"{V2}/datasets/qualities/{world['dataset']}").json()
    by_name = {q["name"]: q["value"] for q in qualities}
    assert all(set(q) == {"name", "value"} for q in qualities)
    assert by_name["NumberOfInstances"] == 90
    names = http.get(f"{V2}/datasets/qualities/list").json()
    assert set(names) == {"data_qualities_list"}
    assert "NumberOfInstances" in names["data_qualities_list"]["quality"]


def test_an_unprocessed_dataset_has_no_features_yet(http: TestClient, alice: UserKey) -> None:
    created = http.post(
        "/api/datasets",
        files={"file": ("d.csv", CLASSIFICATION_CSV.encode())},
        data={"metadata": json.dumps({"name": "later"})},
        headers=alice.headers,
    )
    dataset_id = created.json()["id"]
    response = http.get(f"{V2}/datasets/features/{dataset_id}")
    _problem(response, 412, "dataset-not-processed", "273")
    response = http.get(f"{V2}/datasets/qualities/{dataset_id}")
    _problem(response, 412, "dataset-not-processed", "363")


def test_dataset_list_by_get_and_post_with_filters(http: TestClient, world: World) -> None:
    listed = http.get(f"{V2}/datasets/list/")
    assert listed.status_code == 200
    (entry,) = listed.json()
    assert set(entry) == {
        "did",
        "name",
        "version",
        "format",
        "file_id",
        "status",
        "md5_checksum",
        "quality",
    }
    assert entry["did"] == world["dataset"] and isinstance(entry["version"], int)
    assert {"name": "NumberOfInstances", "value": 90.0} in entry["quality"]
    body = {"data_id": [world["dataset"]], "number_instances": "50..100"}
    assert http.post(f"{V2}/datasets/list", json=body).json() == [entry]
    none = http.post(f"{V2}/datasets/list", json={"number_instances": "1..10"})
    _problem(none, 404, "no-results", "372")
    paged = http.post(f"{V2}/datasets/list", json={"pagination": {"limit": 1, "offset": 1}})
    _problem(paged, 404, "no-results", "372")


def test_a_list_field_mlhive_does_not_know_is_refused(http: TestClient) -> None:
    response = http.post(f"{V2}/datasets/list", json={"data_nme": "iris"})
    body = _problem(response, 422, "validation-error")
    assert body["errors"][0]["loc"][-1] == "data_nme"
    response = http.post(f"{V2}/tasks/list", json={"pagination": {"limit": 5000}})
    _problem(response, 422, "validation-error")


def test_another_users_private_dataset_is_not_found(
    http: TestClient,
    alice: UserKey,
    bob: UserKey,
    admin: UserKey,
    run_jobs: Callable[[], int],
) -> None:
    hidden = _private_dataset(http, alice, run_jobs)
    for path in (f"datasets/{hidden}", f"datasets/features/{hidden}"):
        _problem(http.get(f"{V2}/{path}"), 404, "dataset-not-found", "111")
        _problem(http.get(f"{V2}/{path}?api_key={bob.key}"), 404, "dataset-not-found")
    qualities = http.get(f"{V2}/datasets/qualities/{hidden}?api_key={bob.key}")
    _problem(qualities, 404, "dataset-not-found", "361")
    assert http.post(f"{V2}/datasets/list?api_key={bob.key}", json={}).status_code == 404
    for user in (alice, admin):
        own = http.get(f"{V2}/datasets/{hidden}?api_key={user.key}")
        assert own.status_code == 200 and own.json()["visibility"] == "private"
    listed = http.post(f"{V2}/datasets/list?api_key={alice.key}", json={})
    assert [d["did"] for d in listed.json()] == [hidden]


def test_an_invalid_key_is_refused_even_on_reads(http: TestClient, world: World) -> None:
    response = http.get(f"{V2}/datasets/{world['dataset']}?api_key=wrong")
    _problem(response, 401, "authentication-failed", "103")


ID_PATHS = [
    "datasets/{}",
    "datasets/features/{}",
    "datasets/qualities/{}",
    "tasks/{}",
    "flows/{}",
    "setup/{}",
    "run/{}",
    "run/trace/{}",
]


@pytest.mark.parametrize("path", ID_PATHS)
def test_ids_out_of_range_are_refused_not_failed(http: TestClient, path: str) -> None:
    for bad in ("0", "-3", str(2**63), str(2**64), "x"):
        _problem(http.get(f"{V2}/{path.format(bad)}"), 422, "validation-error")


def test_unknown_ids_are_not_found(http: TestClient) -> None:
    _problem(http.get(f"{V2}/datasets/{MAX_ID}"), 404, "dataset-not-found", "111")
    _problem(http.get(f"{V2}/tasks/999"), 404, "task-not-found")
    _problem(http.get(f"{V2}/flows/999"), 404, "flow-not-found")
    _problem(http.get(f"{V2}/setup/999"), 404, "setup-not-found", "281")
    _problem(http.get(f"{V2}/run/999"), 404, "run-not-found", "236")
    _problem(http.get(f"{V2}/run/trace/999"), 404, "run-not-found", "571")
    for ref in ("999", str(2**64), "no-such-alias"):
        _problem(http.get(f"{V2}/studies/{ref}"), 404, "study-not-found")
    body = _problem(http.get(f"{V2}/tasktype/{2**64}"), 404, "task-type-not-found", "241")
    assert body["detail"] == f"Task type {2**64} not found."
    _problem(http.get(f"{V2}/no/such/call"), 404, "service-not-found")


def test_task_has_server_apis_inputs_and_outputs(http: TestClient, world: World) -> None:
    response = http.get(f"{V2}/tasks/{world['task']}")
    assert response.status_code == 200
    task = response.json()
    assert set(task) == {"id", "name", "task_type_id", "task_type", "input", "output", "tags"}
    assert task["task_type"] == "Supervised Classification" and task["task_type_id"] == 1
    assert task["name"] == f"Task {world['task']}: exp (Supervised Classification)"
    inputs = {item["name"]: item for item in task["input"]}
    assert inputs["source_data"]["data_set"] == {
        "data_set_id": world["dataset"],
        "target_feature": "label",
    }
    procedure = inputs["estimation_procedure"]["estimation_procedure"]
    assert procedure["id"] == 1 and procedure["type"] == "crossvalidation"
    parameters = {p["name"]: p["value"] for p in procedure["parameter"]}
    assert parameters == {
        "number_repeats": 1,
        "number_folds": 10,
        "percentage": None,
        "stratified_sampling": "true",
    }
    splits_file = http.get(procedure["data_splits_url"].replace("http://testserver", ""))
    assert splits_file.status_code == 200 and b"@RELATION" in splits_file.content.upper()
    assert inputs["evaluation_measures"]["evaluation_measures"] == {"evaluation_measure": []}
    (output,) = task["output"]
    features = [f["name"] for f in output["predictions"]["feature"]]
    assert features[:3] == ["repeat", "fold", "row_id"] and features[-1] == "prediction"
    assert {"confidence.yes", "confidence.no"} <= set(features)


def test_task_list_by_get_and_post(http: TestClient, world: World) -> None:
    (task,) = http.get(f"{V2}/tasks/list").json()
    assert set(task) == TASK_LIST_KEYS
    assert task["task_id"] == world["task"] and task["did"] == world["dataset"]
    assert task["format"] == "ARFF" and task["status"] == "active"
    inputs = {item["name"]: item["value"] for item in task["input"]}
    assert inputs == {
        "source_data": str(world["dataset"]),
        "target_feature": "label",
        "estimation_procedure": "1",
    }
    assert {"name": "NumberOfInstances", "value": "90.0"} in task["quality"]
    body = {"data_id": [world["dataset"]], "task_type_id": 1, "number_classes": "2"}
    assert http.post(f"{V2}/tasks/list", json=body).json() == [task]
    none = http.post(f"{V2}/tasks/list", json={"task_type_id": 2})
    _problem(none, 404, "no-results", "482")


def test_task_types_as_server_api_lists_them(http: TestClient) -> None:
    listed = http.get(f"{V2}/tasktype/list").json()["task_types"]["task_type"]
    assert [t["id"] for t in listed] == ["1", "2", "3", "5"]
    assert all(set(t) == {"id", "name", "description", "creator"} for t in listed)
    one = http.get(f"{V2}/tasktype/1").json()["task_type"]
    assert one["name"] == "Supervised Classification" and one["creator"] == ["OpenML"]
    assert {"requirement": "required", "name": "target_feature"} in one["input"]
    assert {"name": "evaluation_measures"} in one["input"]


def test_estimation_procedures_and_measures(http: TestClient) -> None:
    procedures = http.get(f"{V2}/estimationprocedure/list").json()
    assert procedures[0] == {
        "id": 1,
        "task_type_id": 1,
        "name": "10-fold Crossvalidation",
        "type": "crossvalidation",
        "repeats": 1,
        "folds": 10,
        "stratified_sampling": True,
    }
    assert all(None not in p.values() for p in procedures)
    holdout = next(p for p in procedures if p["type"] == "holdout")
    assert isinstance(holdout["percentage"], int) and "folds" not in holdout
    measures = http.get(f"{V2}/evaluationmeasure/list").json()
    assert "predictive_accuracy" in measures and measures == sorted(measures)


def test_flow_and_exists(http: TestClient, world: World, alice: UserKey) -> None:
    flow = http.get(f"{V2}/flows/{world['flow']}").json()
    assert set(flow) == {
        "id",
        "uploader",
        "name",
        "class_name",
        "version",
        "external_version",
        "description",
        "upload_date",
        "language",
        "dependencies",
        "parameter",
        "subflows",
        "tag",
    }
    assert flow["uploader"] == alice.id and flow["version"] == 1
    assert flow["parameter"] == [
        {"name": "alpha", "default_value": 1.0, "data_type": "float", "description": ""}
    ]
    assert flow["subflows"] == [] and flow["class_name"] is None
    found = http.get(f"{V2}/flows/exists/test.Majority/1.0")
    assert found.json() == {"flow_id": world["flow"]}
    missing = _problem(http.get(f"{V2}/flows/exists/test.Majority/9.9"), 404, "flow-not-found")
    assert "test.Majority" in missing["detail"] and "9.9" in missing["detail"]


def test_run_has_server_apis_keys(http: TestClient, world: World, alice: UserKey) -> None:
    response = http.get(f"{V2}/run/{world['run']}")
    assert response.status_code == 200
    run = response.json()
    assert set(run) >= RUN_KEYS
    assert run["run_id"] == world["run"] and run["uploader"] == alice.id
    assert run["uploader_name"] == "alice" and run["error"] == []
    assert run["task_type"] == "Supervised Classification"
    assert run["flow_id"] == world["flow"] and run["flow_name"] == "test.Majority(1)"
    assert isinstance(run["setup_id"], int)
    assert run["input_data"][0]["did"] == world["dataset"]
    assert set(run["input_data"][0]) == {"did", "name", "url"}
    files = {f["name"]: f["file_id"] for f in run["output_data"]["file"]}
    assert set(files) == {"description", "predictions"}
    evaluations = run["output_data"]["evaluation"]
    accuracy = [e for e in evaluations if e["name"] == "predictive_accuracy"]
    assert 0.5 < accuracy[0]["value"] <= 1 and "fold" not in accuracy[0]
    assert {(e["repeat"], e["fold"]) for e in accuracy[1:]} == {(0, f) for f in range(10)}
    for evaluation in evaluations:
        value = evaluation.get("value")
        assert not isinstance(value, float) or not value.is_integer()
    setup = http.get(f"{V2}/setup/{run['setup_id']}").json()["setup_parameters"]
    assert setup["setup_id"] == run["setup_id"] and setup["flow_id"] == world["flow"]
    (parameter,) = setup["parameter"]
    assert parameter["name"] == "alpha" and parameter["flow_name"] == "test.Majority"
    assert parameter["full_name"] == "test.Majority(1)_alpha"
    _problem(http.get(f"{V2}/run/trace/{world['run']}"), 404, "run-trace-not-found", "572")


def test_run_trace(http: TestClient, alice: UserKey, world: World) -> None:
    task = http.get(f"/api/tasks/{world['task']}").json()
    predictions = classification_predictions(
        splits(http, world["task"]), task["class_labels"], LABELS
    )
    trace = pa.table(
        {
            "repeat": [0, 0],
            "fold": [0, 0],
            "iteration": [0, 1],
            "evaluation": [0.7, 0.8],
            "selected": [False, True],
            "parameter_alpha": ["0.5", "1.0"],
        }
    )
    description = {"task_id": world["task"], "flow_id": world["flow"]}
    response = http.post(
        "/api/runs",
        data={"description": json.dumps(description)},
        files={
            "predictions": ("p.parquet", parquet_bytes(predictions)),
            "trace": ("t.parquet", parquet_bytes(trace)),
        },
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text
    run_id = response.json()["id"]
    body = http.get(f"{V2}/run/trace/{run_id}").json()
    assert body["run_id"] == run_id
    first, second = body["trace"]
    assert (first["repeat"], first["fold"], first["iteration"]) == (0, 0, 0)
    assert first["selected"] == "false" and second["selected"] == "true"
    assert first["evaluation"] == 0.7
    assert json.loads(first["setup_string"]) == {"parameter_alpha": "0.5"}


def test_suite_and_study_by_id_and_alias(
    http: TestClient, world: World, alice: UserKey, bob: UserKey
) -> None:
    suite = http.post(
        "/api/suites",
        json={"name": "bench", "alias": "bench-1", "task_ids": [world["task"]]},
        headers=alice.headers,
    ).json()
    study = http.post(
        "/api/studies",
        json={"name": "runs", "run_ids": [world["run"]], "visibility": "private"},
        headers=alice.headers,
    ).json()
    by_alias = http.get(f"{V2}/studies/bench-1").json()
    assert by_alias == http.get(f"{V2}/studies/{suite['id']}").json()
    assert by_alias["main_entity_type"] == "task" and by_alias["creator"] == alice.id
    assert by_alias["task_ids"] == [world["task"]] and by_alias["data_ids"] == [world["dataset"]]
    assert by_alias["run_ids"] == by_alias["flow_ids"] == by_alias["setup_ids"] == []
    assert isinstance(by_alias["creation_date"], str) and by_alias["visibility"] == "public"
    runs = http.get(f"{V2}/studies/{study['id']}?api_key={alice.key}").json()
    assert runs["main_entity_type"] == "run" and runs["run_ids"] == [world["run"]]
    assert runs["flow_ids"] == [world["flow"]] and runs["task_ids"] == [world["task"]]
    assert len(runs["setup_ids"]) == 1 and runs["alias"] is None
    hidden = http.get(f"{V2}/studies/{study['id']}?api_key={bob.key}")
    _problem(hidden, 404, "study-not-found")


def test_private_objects_stay_private_on_every_v2_call(
    http: TestClient, alice: UserKey, bob: UserKey, run_jobs: Callable[[], int]
) -> None:
    hidden = _private_dataset(http, alice, run_jobs)
    task = create_task(http, alice, hidden, "supervised_classification", 1)
    for path in (f"tasks/{task['id']}",):
        _problem(http.get(f"{V2}/{path}?api_key={bob.key}"), 404, "task-not-found")
        assert http.get(f"{V2}/{path}?api_key={alice.key}").status_code == 200
    listed = http.post(f"{V2}/tasks/list?api_key={bob.key}", json={})
    _problem(listed, 404, "no-results", "482")
    publish(http, bob, run_jobs, CLASSIFICATION_CSV, "label", name="open")
    mine = http.post(f"{V2}/datasets/list?api_key={bob.key}", json={}).json()
    assert [d["name"] for d in mine] == ["open"]
