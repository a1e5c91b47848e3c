"""Malformed files over the OpenML face: each malformed ARFF of the corpus
(``tests/malformed.py``), as a dataset or as run predictions, gets OpenML's parse error code
with mlhive's explanation in ``additional_information``, and nothing is stored."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish, upload_flow
from tests.conftest import UserKey
from tests.malformed import ARFF_CASES, Malformed, predictions_cases

API = "/api/v1/xml"
NS = {"oml": "http://openml.org/openml"}
DESCRIPTION = (
    '<oml:data_set_description xmlns:oml="http://openml.org/openml">'
    "<oml:name>broken</oml:name><oml:description>A malformed file</oml:description>"
    "<oml:format>ARFF</oml:format></oml:data_set_description>"
)


def _error(response: httpx.Response, code: int, case: Malformed) -> None:
    assert response.status_code == 412, response.text
    error = ET.fromstring(response.text)
    assert error.findtext("oml:code", namespaces=NS) == str(code)
    assert case.says in (error.findtext("oml:additional_information", namespaces=NS) or "")


@pytest.mark.parametrize("case", ARFF_CASES, ids=str)
def test_a_malformed_arff_dataset_gets_openml_s_parse_error(
    http: TestClient, alice: UserKey, case: Malformed
) -> None:
    response = http.post(
        f"{API}/data",
        data={"api_key": alice.key},
        files={"description": ("description", DESCRIPTION), "dataset": ("d", case.content)},
    )
    _error(response, 145, case)
    assert http.get("/api/datasets").json()["items"] == []


@pytest.fixture
def run_description(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> str:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    flow = upload_flow(http, alice)
    return (
        '<oml:run xmlns:oml="http://openml.org/openml">'
        f"<oml:task_id>{task['id']}</oml:task_id><oml:flow_id>{flow['id']}</oml:flow_id>"
        "</oml:run>"
    )


@pytest.mark.parametrize(
    "case", [case for filename, case in predictions_cases() if filename == "p.arff"], ids=str
)
def test_malformed_arff_predictions_get_openml_s_parse_error(
    http: TestClient, alice: UserKey, run_description: str, case: Malformed
) -> None:
    response = http.post(
        f"{API}/run",
        data={"api_key": alice.key},
        files={"description": ("d", run_description), "predictions": ("p", case.content)},
    )
    _error(response, 209, case)
    assert http.get("/api/runs").json()["items"] == []
