"""Numbers beyond what the database stores are refused as invalid input, never a 500.

Each request is one the security audit sent anonymously to a fresh server, where it answered
500 (SQLite's OverflowError; PostgreSQL's "integer out of range").
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import UserKey

BIG = "99999999999999999999"

REFUSED = {
    f"/api/datasets/{BIG}": "dataset_id",
    "/api/datasets/2147483648": "dataset_id",  # one past PostgreSQL's INTEGER
    f"/api/datasets/{BIG}/features": "dataset_id",
    f"/api/tasks/{BIG}/splits": "task_id",
    f"/api/tasks?dataset_id={BIG}": "dataset_id",
    f"/api/tasks?cursor={BIG}": "cursor",
    "/api/runs/compare?run=188811972255825851842560": "run",
    f"/api/runs/{BIG}": "run_id",
    f"/api/runs?task={BIG}": "task",
    f"/api/runs?offset={BIG}": "offset",
    "/api/evaluations?flow=-31186215436490866688": "flow",
    f"/api/evaluations?study={BIG}": "study",
    f"/api/flows/{BIG}": "flow_id",
    f"/api/setups/{BIG}": "setup_id",
    f"/api/jobs/{BIG}": "job_id",
    f"/api/datasets?offset={BIG}": "offset",
}


@pytest.mark.parametrize("url", list(REFUSED))
def test_an_unstorable_number_is_invalid_input_naming_the_parameter(
    http: TestClient, url: str
) -> None:
    response = http.get(url)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_input"
    where = problem["detail"].split(": ")[0]  # "run.0" for the first of a repeated parameter
    assert where.split(".")[0] == REFUSED[url]


@pytest.mark.parametrize("url", [f"/api/suites/{BIG}", f"/api/studies/{BIG}"])
def test_a_suite_or_study_reference_beyond_any_id_is_simply_not_found(
    http: TestClient, url: str
) -> None:
    response = http.get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_storable_unknown_id_is_still_not_found(http: TestClient) -> None:
    response = http.get("/api/datasets/2147483647")
    assert response.status_code == 404
    assert response.json()["detail"] == "dataset 2147483647 not found"


def test_the_bounds_are_in_the_openapi_document(http: TestClient) -> None:
    operation = http.get("/api/openapi.json").json()["paths"]["/api/datasets/{dataset_id}"]
    schema = operation["get"]["parameters"][0]["schema"]
    assert (schema["minimum"], schema["maximum"]) == (-(2**31), 2**31 - 1)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/tasks",
            {
                "task_type": "supervised_classification",
                "dataset_id": int(BIG),
                "estimation_procedure_id": 1,
            },
            "dataset_id",
        ),
        ("/api/suites", {"name": "s", "task_ids": [int(BIG)]}, "task_ids.0"),
        ("/api/studies", {"name": "s", "run_ids": [2**31]}, "run_ids.0"),
    ],
)
def test_an_unstorable_id_in_a_body_is_invalid_input_naming_the_field(
    http: TestClient, alice: UserKey, path: str, body: dict[str, object], field: str
) -> None:
    response = http.post(path, json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].split(": ")[0] == field
