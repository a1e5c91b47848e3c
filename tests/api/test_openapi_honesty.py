"""The OpenAPI document tells clients how to send the key and what each failure looks like;
unknown query parameters and undeclared methods get answers that say what would work."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Upload
from tests.conftest import UserKey

PROBLEM = "application/problem+json"


@pytest.fixture
def doc(http: TestClient) -> dict[str, Any]:
    response = http.get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
    ]


def test_the_key_is_a_bearer_security_scheme_not_a_header_parameter(doc: dict[str, Any]) -> None:
    scheme = doc["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for method, path, operation in operations(doc):
        names = {p["name"].lower() for p in operation.get("parameters", [])}
        assert "authorization" not in names, f"{method} {path} has the key as a parameter"


def test_writes_require_the_key_and_reads_take_it_optionally(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    assert paths["/api/datasets"]["post"]["security"] == [{"apiKey": []}]
    assert paths["/api/datasets/{dataset_id}"]["delete"]["security"] == [{"apiKey": []}]
    assert paths["/api/datasets"]["get"]["security"] == [{"apiKey": []}, {}]
    assert paths["/api/models/{owner}/{name}"]["get"]["security"] == [{"apiKey": []}, {}]
    # Flows are public on OpenML too: their reads read no key at all.
    assert "security" not in paths["/api/flows/{flow_id}"]["get"]
    # Calling a deployment is a read by POST: a public deployment answers without a key.
    calls = ("/api/deployments/{name}/predict", "/api/deployments/{name}/invocations")
    for call in calls:
        assert paths[call]["post"]["security"] == [{"apiKey": []}, {}], call
    for method, path, operation in operations(doc):
        if method != "get" and path not in calls:
            assert operation.get("security") == [{"apiKey": []}], f"{method} {path}"


def test_every_operation_documents_its_failures_as_problems(doc: dict[str, Any]) -> None:
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for method, path, operation in operations(doc):
        responses = operation["responses"]
        for status in ("400", "422", "429", "500", "503"):
            assert status in responses, f"{method} {path} lacks {status}"
        for status, response in responses.items():
            if int(status) >= 400:
                schema = response["content"][PROBLEM]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, f"{method} {path}"
        assert "Retry-After" in responses["429"]["headers"]


def test_the_failures_follow_what_the_route_depends_on(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    upload = paths["/api/datasets"]["post"]["responses"]
    assert {"401", "403", "409", "413", "415", "507"} <= set(upload)
    assert "WWW-Authenticate" in upload["401"]["headers"]
    read = paths["/api/datasets/{dataset_id}"]["get"]["responses"]
    assert {"401", "404"} <= set(read)
    assert not {"403", "409", "413", "415", "507"} & set(read)
    health = paths["/api/health"]["get"]["responses"]
    assert "404" not in health  # nothing to name, nothing to miss


def test_downloads_document_their_file_types(doc: dict[str, Any]) -> None:
    data = doc["paths"]["/api/datasets/{dataset_id}/data"]["get"]["responses"]
    assert set(data["200"]["content"]) == {
        "application/vnd.apache.parquet",
        "text/csv",
        "text/plain",
    }
    assert "304" in data
    flows = doc["paths"]["/api/flows"]["post"]["responses"]
    assert {"200", "201"} <= set(flows)  # an existing flow is answered 200


def test_an_unknown_query_parameter_is_refused_naming_the_valid_ones(
    http: TestClient, upload: Upload, alice: UserKey
) -> None:
    assert upload(alice).status_code == 201
    response = http.get("/api/datasets", params={"staus": "all"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422
    assert "'staus'" in problem["detail"] and "status" in problem["detail"]
    assert problem["errors"][0]["field"] == "staus"
    assert "status" in problem["errors"][0]["valid"]
    # The spelled-right query still answers.
    assert len(http.get("/api/datasets", params={"status": "all"}).json()["items"]) == 1


def test_the_native_api_takes_no_api_key_parameter(http: TestClient, alice: UserKey) -> None:
    response = http.get("/api/users/me", params={"api_key": alice.key})
    assert response.status_code == 422
    assert "'api_key'" in response.json()["detail"]
    assert alice.key not in response.text


def test_the_openml_face_keeps_its_api_key_parameter(http: TestClient, alice: UserKey) -> None:
    response = http.get("/api/v1/xml/data/list", params={"api_key": alice.key, "limit": 5})
    assert response.status_code in (200, 412)  # 412: OpenML's "no results"
    assert "oml:" in response.text


def test_a_key_in_another_scheme_is_refused_not_taken_for_anonymous(http: TestClient) -> None:
    response = http.get("/api/datasets", headers={"Authorization": "Basic YWxpY2U6eA=="})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/datasets", "GET, POST"),
        ("PUT", "/api/datasets/1", "DELETE, GET, PATCH"),
        ("DELETE", "/api/health", "GET"),
        ("POST", "/api/runs/compare", "GET"),
    ],
)
def test_an_undeclared_method_answers_405_with_every_allowed_method(
    http: TestClient, method: str, path: str, allow: str
) -> None:
    response = http.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["status"] == 405


def test_a_malformed_quality_filter_is_refused_as_the_schema_says(
    http: TestClient, doc: dict[str, Any]
) -> None:
    parameter = next(
        p for p in doc["paths"]["/api/datasets"]["get"]["parameters"] if p["name"] == "quality"
    )
    assert "pattern" in parameter["schema"]["items"]
    assert http.get("/api/datasets", params={"quality": "NumberOfInstances:1..5"}).is_success
    assert http.get("/api/datasets", params={"quality": "NumberOfInstances:1.0..inf"}).is_success
    for bad in ("", "NumberOfInstances", "NumberOfInstances:nan", "x:1..2..3"):
        response = http.get("/api/datasets", params={"quality": bad})
        assert response.status_code == 422, bad
        assert "quality" in response.json()["detail"]


def test_a_merge_rule_number_is_not_a_boolean(http: TestClient, alice: UserKey) -> None:
    body = {"name": "net", "rules": [{"measure": "accuracy", "max_drop": False}]}
    response = http.post("/api/models", json=body, headers=alice.headers)
    assert response.status_code == 422
    assert "max_drop" in response.json()["detail"]
    body["rules"][0]["max_drop"] = 0
    assert http.post("/api/models", json=body, headers=alice.headers).status_code == 201


def test_a_word_beside_a_run_id_is_no_run_id(http: TestClient, alice: UserKey) -> None:
    response = http.delete("/api/runs/compare", headers=alice.headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert http.delete("/api/runs/12", headers=alice.headers).status_code == 404
    assert "/api/runs/{run_id}" in http.get("/api/openapi.json").json()["paths"]


def test_form_json_that_is_no_json_names_the_field_once(http: TestClient, alice: UserKey) -> None:
    response = http.post(
        "/api/datasets",
        files={"file": ("data.csv", b"a,b\n1,2\n")},
        data={"metadata": "0x"},
        headers=alice.headers,
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"].startswith("metadata: Invalid JSON")
    assert problem["errors"][0]["field"] == "metadata"
